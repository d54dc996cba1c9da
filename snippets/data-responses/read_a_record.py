"""One patient record: JSON, an ID sent as a string, times in UTC, and a link to itself."""

import json
import os
import sys

import requests

BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")
PATIENT_ID = "1240000000000000001"  # use the ID of one of your own patients

try:
    response = requests.get(
        f"{BASE_URL}/patients/{PATIENT_ID}",
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
if response.status_code != 200:
    sys.exit(f"Expected 200, got {response.status_code}: {response.text}")
print("Content-Type:", response.headers["Content-Type"])
patient = response.json()
print(json.dumps(patient, indent=2))

# Why the ID is a string: above 2**53 a 64-bit float, which is what a JavaScript number is,
# cannot hold every integer, so the ID would silently change.
# --8<-- [start:lesson]
patient_id = patient["id"]
print(f"id:              {patient_id!r} (a {type(patient_id).__name__})")
print(f"above 2**53:     {int(patient_id) > 2**53}")
print(f"as an integer:   {int(patient_id)}")
print(f"as a float:      {int(float(patient_id))}")
# --8<-- [end:lesson]
