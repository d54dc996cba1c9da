"""Leave the demo practice no requests this minute, then see the API refuse the next one with 429."""

import os
import sys

import requests

CONTROL_URL = (os.environ.get("CLINIKO_MOCK_CONTROL_URL") or "").rstrip("/")
BASE_URL = (os.environ.get("CLINIKO_API_URL") or "").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not (CONTROL_URL and BASE_URL and API_KEY):
    sys.exit("Start cliniko-sandbox and export the lines it prints first.")
ACCOUNT = "1210000000000000001"  # the demo practice, Harbourside Physiotherapy

try:
    # --8<-- [start:lesson]
    spent = requests.post(f"{CONTROL_URL}/remaining", params={"account": ACCOUNT, "remaining": 0}, timeout=10)
    # --8<-- [end:lesson]
except requests.RequestException as error:
    sys.exit(f"No response from the sandbox's controls: {error}")
if spent.status_code != 200:
    sys.exit(f"Expected 200 from the control, got {spent.status_code}: {spent.text}")
left = next(account["remaining"] for account in spent.json()["accounts"] if account["id"] == ACCOUNT)
print("Requests left:", left)

try:
    response = requests.get(
        f"{BASE_URL}/user",
        auth=(API_KEY, ""),
        headers={"Accept": "application/json", "User-Agent": "Practice Sync (dev@example.com)"},
        timeout=10,
    )
except requests.RequestException as error:
    sys.exit(f"No response from the API: {error}")
print(response.status_code, response.reason)
if response.status_code != 429:
    sys.exit(f"Expected 429, got {response.status_code}: {response.text}")
print("Retry-After:", response.headers.get("Retry-After"))
