"""Fetch every active patient by following links.next until a page has none."""

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

patients = []
# --8<-- [start:lesson]
url = f"{BASE_URL}/patients"
page = 0
while url:
    try:
        response = session.get(url, timeout=10)
    except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
        sys.exit(f"No response from the API: {error}")
    if response.status_code != 200:
        sys.exit(f"Expected 200, got {response.status_code}: {response.text}")
    body = response.json()
    page += 1
    patients.extend(body["patients"])
    url = body["links"].get("next")  # absent on the last page, which ends the loop
    # --8<-- [end:lesson]
    print(f"page {page}: {len(body['patients'])} patients, next: {url or '(none)'}")

print(f"fetched {len(patients)} patients; total_entries says {body['total_entries']}")
