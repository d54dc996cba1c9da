"""Switch off the clock's jump after a 429, so that a spent quota stays spent until the clock moves."""

import os
import sys

import requests

CONTROL_URL = (os.environ.get("CLINIKO_MOCK_CONTROL_URL") or "").rstrip("/")
if not CONTROL_URL:
    sys.exit("Start cliniko-sandbox and export the lines it prints first.")

try:
    response = requests.post(f"{CONTROL_URL}/jump-on-rate-limit", params={"enabled": "false"}, timeout=10)
except requests.RequestException as error:
    sys.exit(f"No response from the sandbox's controls: {error}")
print(response.status_code, response.reason)
if response.status_code != 200:
    sys.exit(f"Expected 200, got {response.status_code}: {response.text}")
print("Clock jumps after a 429:", "yes" if response.json()["jump_clock_on_rate_limit"] else "no")
