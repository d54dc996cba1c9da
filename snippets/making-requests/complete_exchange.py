"""One complete exchange: every header requests sent, and the API's whole response."""

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

sent = response.request
print(f"> {sent.method} {sent.url}")
for name, value in sent.headers.items():
    # --8<-- [start:lesson]
    if name == "Authorization":
        value = "Basic [your key, base64-encoded]"  # never print or log the real value
    # --8<-- [end:lesson]
    print(f"> {name}: {value}")
print()
print(f"< {response.status_code} {response.reason}")
for name, value in response.headers.items():
    print(f"< {name}: {value}")
print()
if response.status_code != 200:
    sys.exit(f"Expected 200, got {response.status_code}: {response.text}")
print(json.dumps(response.json(), indent=2))
