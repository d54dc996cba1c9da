"""Create a patient: 201, the new record, and its URL in Location."""

import json
import os
import sys

import requests

BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

try:
    response = requests.post(
        f"{BASE_URL}/patients",
        auth=(API_KEY, ""),
        headers={
            "Accept": "application/json",
            "User-Agent": "Practice Sync (dev@example.com)",
        },
        # --8<-- [start:lesson]
        # json= encodes the body and sends Content-Type: application/json
        json={
            "title": "Ms",
            "first_name": "Jordan",
            "last_name": "Ellis",
            "date_of_birth": "1988-04-23",
            "email": "jordan.ellis@example.com",
        },
        # --8<-- [end:lesson]
        timeout=10,
    )
except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
    sys.exit(f"No response from the API: {error}")
print(response.status_code, response.reason)
if response.status_code != 201:
    sys.exit(f"Expected 201, got {response.status_code}: {response.text}")
print("Location:", response.headers["Location"])
print(json.dumps(response.json(), indent=2))
