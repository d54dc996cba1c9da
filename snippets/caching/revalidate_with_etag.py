"""Read a patient, then ask again with If-None-Match: the API answers 304 with no body."""

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


def show(response):
    print(response.status_code, response.reason)
    for name in ("ETag", "Last-Modified", "Cache-Control", "Vary", "Date"):
        print(f"  {name}: {response.headers.get(name)}")
    print(f"  body: {len(response.content)} bytes")


first = session.get(url, timeout=10)
show(first)

# --8<-- [start:lesson]
etag = first.headers["ETag"]
print(f"again, with If-None-Match: {etag}")
second = session.get(url, headers={"If-None-Match": etag}, timeout=10)
# --8<-- [end:lesson]
show(second)
