"""Read a patient, then ask again with If-Modified-Since set to the Last-Modified it gave."""

import os
import sys

import requests

BASE_URL = os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1"
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

session = requests.Session()
session.auth = (API_KEY, "")
session.headers.update({
    "Accept": "application/json",
    "User-Agent": "Practice Sync (dev@example.com)",
})
url = f"{BASE_URL}/patients/1240000000000000001"

first = session.get(url, timeout=10)
print(f"{first.status_code} {first.reason}, body: {len(first.content)} bytes")
last_modified = first.headers["Last-Modified"]
print(f"Last-Modified: {last_modified}")

print(f"If-Modified-Since: {last_modified}")
second = session.get(url, headers={"If-Modified-Since": last_modified}, timeout=10)
print(f"{second.status_code} {second.reason}, body: {len(second.content)} bytes")
