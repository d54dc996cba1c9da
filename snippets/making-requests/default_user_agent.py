"""Without a User-Agent of its own, requests sends python-requests/<version>: refused with 400."""

import json
import os
import sys

import requests

BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

# The mistake: no "User-Agent" in headers, so the library's default is sent.
try:
    response = requests.get(
        f"{BASE_URL}/user",
        auth=(API_KEY, ""),
        # --8<-- [start:lesson]
        headers={"Accept": "application/json"},
        # --8<-- [end:lesson]
        timeout=10,
    )
except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
    sys.exit(f"No response from the API: {error}")
print(response.status_code, response.reason)
if response.status_code != 400:
    sys.exit(f"Expected 400, got {response.status_code}: {response.text}")
print(json.dumps(response.json(), indent=2))
