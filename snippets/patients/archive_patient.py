"""Archive a patient: 204 and no body. The record stays readable by ID."""

import os
import sys

import requests

BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")
PATIENT_ID = "1240000000000000001"  # use the ID of one of your own patients
HEADERS = {
    "Accept": "application/json",
    "User-Agent": "Practice Sync (dev@example.com)",
}



def send(method, url, expected):
    """Send one request; stop with a one-line reason unless the status is the one expected."""
    try:
        response = requests.request(method, url, auth=(API_KEY, ""), headers=HEADERS, timeout=10)
    except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
        sys.exit(f"No response from the API: {error}")
    print(response.status_code, response.reason)
    if response.status_code != expected:
        sys.exit(f"Expected {expected}, got {response.status_code}: {response.text}")
    return response


# --8<-- [start:lesson]
response = send("POST", f"{BASE_URL}/patients/{PATIENT_ID}/archive", 204)
# --8<-- [end:lesson]
print(f"body: {len(response.content)} bytes")

# Read it back: archived_at is now set.
patient = send("GET", f"{BASE_URL}/patients/{PATIENT_ID}", 200)
print("archived_at:", patient.json()["archived_at"])
