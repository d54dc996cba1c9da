"""Build one URL from a configurable base, then follow the links the API returns."""

import json
import os
import sys

import requests

# The only place the base URL appears; a trailing slash would give paths like /v1//patients.
# --8<-- [start:lesson]
BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
# --8<-- [end:lesson]
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

AUTH = (API_KEY, "")
HEADERS = {
    "Accept": "application/json",
    "User-Agent": "Practice Sync (dev@example.com)",
}


def get(url, **options):
    """GET a URL; stop with a one-line reason unless the response is 200."""
    try:
        response = requests.get(url, auth=AUTH, headers=HEADERS, timeout=10, **options)
    except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
        sys.exit(f"No response from the API: {error}")
    print("GET", response.url)
    if response.status_code != 200:
        sys.exit(f"Expected 200, got {response.status_code}: {response.text}")
    return response


# Built from the base: the entry point of the resource.
patients = get(f"{BASE_URL}/patients", params={"per_page": 1}).json()["patients"]
if not patients:
    sys.exit("This account has no patients yet: create one first.")

# --8<-- [start:lesson]
# Followed as given: the record's own link is already a complete URL.
patient = get(patients[0]["links"]["self"])
# --8<-- [end:lesson]
print(patient.status_code, patient.reason)
print(json.dumps(patient.json(), indent=2))
