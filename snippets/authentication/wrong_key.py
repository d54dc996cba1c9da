"""A key the API does not know (mistyped, or revoked): 401."""

import json
import os
import sys

import requests

BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

try:
    response = requests.get(
        f"{BASE_URL}/user",
        auth=(API_KEY, ""),
        headers={
            "Accept": "application/json",
            "User-Agent": "Practice Sync (dev@example.com)",
        },
        timeout=10,
    )
except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
    sys.exit(f"No response from the API: {error}")
print(response.status_code, response.reason)
if response.status_code != 401:
    sys.exit(f"Expected 401, got {response.status_code}: {response.text}")
# --8<-- [start:lesson]
print("WWW-Authenticate:", response.headers["WWW-Authenticate"])
# --8<-- [end:lesson]
print(json.dumps(response.json(), indent=2))
