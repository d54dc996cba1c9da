"""With four requests left in the minute, see which responses use one up: all but the 401."""

import os
import sys

import requests

BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

HEADERS = {
    "Accept": "application/json",
    "User-Agent": "Practice Sync (dev@example.com)",
}


def get(what, path, key=API_KEY, extra_headers=None):
    try:
        response = requests.get(
            f"{BASE_URL}{path}", auth=(key, ""), headers={**HEADERS, **(extra_headers or {})}, timeout=10
        )
    except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
        sys.exit(f"No response from the API: {error}")
    print(f"{response.status_code} {response.reason:<18} {what}")
    return response


first = get("a read", "/user")
if first.status_code != 200:
    sys.exit(f"Expected 200, got {first.status_code}: {first.text}")
if "ETag" not in first.headers:
    sys.exit("The API sent no ETag: nothing to send in If-None-Match.")
get("the same read, If-None-Match: its ETag", "/user", extra_headers={"If-None-Match": first.headers["ETag"]})
get("a patient that does not exist", "/patients/1")
get("a key that does not exist", "/user", key="not-a-real-key")
get("a read", "/user")
refused = get("one more read", "/user")
if refused.status_code != 429:
    sys.exit(f"Expected 429 once the four requests were used, got {refused.status_code}")
print(f"Retry-After: {refused.headers['Retry-After']}")
