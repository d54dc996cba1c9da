"""Change a patient, then revalidate with the old ETag: the API sends the new version and a new ETag."""

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

before = session.get(url, timeout=10)
old_etag = before.headers["ETag"]
print(f"GET: {before.status_code} {before.reason}, ETag: {old_etag}, title: {before.json()['title']}")

changed = session.patch(url, json={"title": "Dr"}, timeout=10)
print(f"PATCH: {changed.status_code} {changed.reason}, title: {changed.json()['title']}")

after = session.get(url, headers={"If-None-Match": old_etag}, timeout=10)
print(f"GET with If-None-Match: {old_etag}")
print(f"  {after.status_code} {after.reason}, ETag: {after.headers['ETag']}, title: {after.json()['title']}")
