"""Put the sandbox back as it was when it started: its data, its clock and every account's quota."""

import os
import sys

import requests

CONTROL_URL = (os.environ.get("CLINIKO_MOCK_CONTROL_URL") or "").rstrip("/")
if not CONTROL_URL:
    sys.exit("Start cliniko-sandbox and export the lines it prints first.")

try:
    response = requests.post(f"{CONTROL_URL}/reset", timeout=10)
except requests.RequestException as error:
    sys.exit(f"No response from the sandbox's controls: {error}")
print(response.status_code, response.reason)
if response.status_code != 200:
    sys.exit(f"Expected 200, got {response.status_code}: {response.text}")
state = response.json()  # every control answers with the sandbox's state
print("Clock:", state["now"])
for account in state["accounts"]:
    print(f"Account {account['id']}: {account['remaining']} requests left this minute")
