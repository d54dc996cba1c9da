"""A body sent as a form instead of JSON: refused with 415, and nothing is created."""

import json
import os
import sys

import requests

BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

# The mistake: data= form-encodes the fields; json= would send JSON with the right Content-Type.
try:
    response = requests.post(
        f"{BASE_URL}/patients",
        auth=(API_KEY, ""),
        headers={
            "Accept": "application/json",
            "User-Agent": "Practice Sync (dev@example.com)",
        },
        # --8<-- [start:lesson]
        data={"first_name": "Jordan", "last_name": "Ellis"},
        # --8<-- [end:lesson]
        timeout=10,
    )
except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
    sys.exit(f"No response from the API: {error}")
print("Content-Type sent:", response.request.headers["Content-Type"])
print(response.status_code, response.reason)
if response.status_code != 415:
    sys.exit(f"Expected 415, got {response.status_code}: {response.text}")
print(json.dumps(response.json(), indent=2))
