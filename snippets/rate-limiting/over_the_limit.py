"""Send a request when the account has used all its requests for the current window, and show the 429."""

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
if response.status_code != 429:
    sys.exit(f"Expected 429, got {response.status_code}: {response.text}")
# --8<-- [start:lesson]
for name in ("Date", "Retry-After", "X-RateLimit-Reset", "Cache-Control"):
    print(f"{name}: {response.headers.get(name)}")
# --8<-- [end:lesson]
print(json.dumps(response.json(), indent=2))
