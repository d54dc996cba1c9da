"""Read a patient, then ask again with If-Modified-Since set to the Last-Modified it gave."""

import os
import sys

import requests

BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

session = requests.Session()
session.auth = (API_KEY, "")
session.headers.update({
    "Accept": "application/json",
    "User-Agent": "Practice Sync (dev@example.com)",
})
url = f"{BASE_URL}/patients/1240000000000000001"  # use the ID of one of your own patients


def get(expected, headers=None):
    """GET the patient; stop with a one-line reason unless the status is the one expected."""
    try:
        response = session.get(url, headers=headers, timeout=10)
    except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
        sys.exit(f"No response from the API: {error}")
    if response.status_code != expected:
        sys.exit(f"Expected {expected}, got {response.status_code}: {response.text}")
    return response

first = get(200)
print(f"{first.status_code} {first.reason}, body: {len(first.content)} bytes")
# --8<-- [start:lesson]
last_modified = first.headers["Last-Modified"]
# --8<-- [end:lesson]
print(f"Last-Modified: {last_modified}")

print(f"If-Modified-Since: {last_modified}")
# --8<-- [start:lesson]
second = get(304, {"If-Modified-Since": last_modified})
# --8<-- [end:lesson]
print(f"{second.status_code} {second.reason}, body: {len(second.content)} bytes")
