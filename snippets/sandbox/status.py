"""Read the sandbox's state: its clock, its switches, and how many requests each account has left."""

import os
import sys

import requests

CONTROL_URL = (os.environ.get("CLINIKO_MOCK_CONTROL_URL") or "").rstrip("/")
if not CONTROL_URL:
    sys.exit("Start cliniko-sandbox and export the lines it prints first.")

try:
    # The control port has no key and needs no headers; the sandbox's CA comes from REQUESTS_CA_BUNDLE.
    response = requests.get(f"{CONTROL_URL}/status", timeout=10)
except requests.RequestException as error:
    sys.exit(f"No response from the sandbox's controls: {error}")
print(response.status_code, response.reason)
if response.status_code != 200:
    sys.exit(f"Expected 200, got {response.status_code}: {response.text}")
state = response.json()
print("Clock:", state["now"])
print("Clock jumps after a 429:", "yes" if state["jump_clock_on_rate_limit"] else "no")
print("Requests that will fail:", state["failing_next"])
for account in state["accounts"]:
    print(f"Account {account['id']} ({account['name']}): {account['remaining']} requests left this minute")
