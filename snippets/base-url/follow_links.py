"""Build one URL from a configurable base, then follow the links the API returns."""

import json
import os
import sys

import requests

# The only place the base URL appears; a trailing slash would give paths like /v1//patients.
BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

AUTH = (API_KEY, "")
HEADERS = {
    "Accept": "application/json",
    "User-Agent": "Practice Sync (dev@example.com)",
}

# Built from the base: the entry point of the resource.
listing = requests.get(
    f"{BASE_URL}/patients", params={"per_page": 1}, auth=AUTH, headers=HEADERS, timeout=10
)
print("GET", listing.url)
listing.raise_for_status()
patient_url = listing.json()["patients"][0]["links"]["self"]

# Followed as given: the record's own link is already a complete URL.
patient = requests.get(patient_url, auth=AUTH, headers=HEADERS, timeout=10)
print("GET", patient.url)
patient.raise_for_status()
print(patient.status_code, patient.reason)
print(json.dumps(patient.json(), indent=2))
