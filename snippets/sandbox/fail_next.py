"""Make the sandbox answer the next request with 503, to see how your code handles a server error."""

import os
import sys
import time

import requests

CONTROL_URL = (os.environ.get("CLINIKO_MOCK_CONTROL_URL") or "").rstrip("/")
BASE_URL = (os.environ.get("CLINIKO_API_URL") or "").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not (CONTROL_URL and BASE_URL and API_KEY):
    sys.exit("Start cliniko-sandbox and export the lines it prints first.")

try:
    # --8<-- [start:lesson]
    failing = requests.post(f"{CONTROL_URL}/fail-next", params={"count": 1}, timeout=10)
    # --8<-- [end:lesson]
except requests.RequestException as error:
    sys.exit(f"No response from the sandbox's controls: {error}")
if failing.status_code != 200:
    sys.exit(f"Expected 200 from the control, got {failing.status_code}: {failing.text}")
print("Requests that will fail:", failing.json()["failing_next"])

for attempt in (1, 2):
    try:
        response = requests.get(
            f"{BASE_URL}/user",
            auth=(API_KEY, ""),
            headers={"Accept": "application/json", "User-Agent": "Practice Sync (dev@example.com)"},
            timeout=10,
        )
    except requests.RequestException as error:
        sys.exit(f"No response from the API: {error}")
    print(f"attempt {attempt}:", response.status_code, response.reason)
    expected = 503 if attempt == 1 else 200
    if response.status_code != expected:
        sys.exit(f"Expected {expected}, got {response.status_code}: {response.text}")
    if response.status_code == 503:  # wait as long as the sandbox asks before sending it again
        retry_after = response.headers.get("Retry-After", "")
        wait = int(retry_after) if retry_after.isdecimal() else 1
        print(f"  Retry-After: {retry_after or '(none)'}; waiting {wait} s")
        time.sleep(wait)
