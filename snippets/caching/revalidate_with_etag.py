"""Read a patient, then ask again with If-None-Match: the API responds with 304 and no body."""

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


def show(response):
    print(response.status_code, response.reason)
    for name in ("ETag", "Last-Modified", "Cache-Control", "Vary", "Date"):
        print(f"  {name}: {response.headers.get(name)}")
    print(f"  body: {len(response.content)} bytes")


first = get(200)
show(first)

# --8<-- [start:lesson]
etag = first.headers.get("ETag")
if etag is None:
    sys.exit("The API sent no ETag: nothing to send in If-None-Match.")
print(f"again, with If-None-Match: {etag}")
second = get(304, {"If-None-Match": etag})
# --8<-- [end:lesson]
show(second)
