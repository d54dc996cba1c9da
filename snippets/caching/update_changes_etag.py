"""Change a patient, then revalidate with the old ETag: the API sends the new version and a new ETag."""

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


def send(method, expected, **options):
    """Send one request; stop with a one-line reason unless the status is the one expected."""
    try:
        response = session.request(method, url, timeout=10, **options)
    except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
        sys.exit(f"No response from the API: {error}")
    if response.status_code != expected:
        sys.exit(f"{method}: expected {expected}, got {response.status_code}: {response.text}")
    return response


before = send("GET", 200)
# --8<-- [start:lesson]
old_etag = before.headers.get("ETag")
# --8<-- [end:lesson]
if old_etag is None:
    sys.exit("The API sent no ETag: nothing to send in If-None-Match.")
print(f"GET: {before.status_code} {before.reason}, ETag: {old_etag}, title: {before.json()['title']}")

# --8<-- [start:lesson]
changed = send("PUT", 200, json={"title": "Dr"})
# --8<-- [end:lesson]
print(f"PUT: {changed.status_code} {changed.reason}, title: {changed.json()['title']}")

# --8<-- [start:lesson]
after = send("GET", 200, headers={"If-None-Match": old_etag})
# --8<-- [end:lesson]
print(f"GET with If-None-Match: {old_etag}")
print(f"  {after.status_code} {after.reason}, ETag: {after.headers.get('ETag')}, title: {after.json()['title']}")
