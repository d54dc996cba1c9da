"""Archive a patient: 204 and no body. The record stays readable by ID."""

import os
import sys

import requests

BASE_URL = os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1"
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")
PATIENT_ID = "1240000000000000001"  # use the ID of one of your own patients
HEADERS = {
    "Accept": "application/json",
    "User-Agent": "Practice Sync (dev@example.com)",
}

response = requests.post(
    f"{BASE_URL}/patients/{PATIENT_ID}/archive",
    auth=(API_KEY, ""),
    headers=HEADERS,
    timeout=10,
)
print(response.status_code, response.reason)
print("body:", repr(response.content))

# Read it back: archived_at is now set.
patient = requests.get(
    f"{BASE_URL}/patients/{PATIENT_ID}",
    auth=(API_KEY, ""),
    headers=HEADERS,
    timeout=10,
)
print(patient.status_code, patient.reason)
print("archived_at:", patient.json()["archived_at"])
