"""On 429, wait as long as Retry-After says and send the request again (a few times at most)."""

import os
import sys
import time

import requests

BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

MAX_ATTEMPTS = 3
MAX_WAIT = 60  # seconds; a longer Retry-After means giving up now rather than waiting

session = requests.Session()
session.auth = (API_KEY, "")
session.headers.update({
    "Accept": "application/json",
    "User-Agent": "Practice Sync (dev@example.com)",
})


def get_within_rate_limit(url):
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            response = session.get(url, timeout=10)
        except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
            sys.exit(f"No response from the API: {error}")
        print(f"{response.status_code} {response.reason}, Date: {response.headers.get('Date')}")
        # --8<-- [start:lesson]
        retry_after = response.headers.get("Retry-After", "")
        if response.status_code != 429 or attempt == MAX_ATTEMPTS or not retry_after.isdecimal():
            return response
        wait = int(retry_after)
        print(f"  Retry-After: {wait}, X-RateLimit-Reset: {response.headers.get('X-RateLimit-Reset')}")
        if wait > MAX_WAIT:
            return response
        print(f"  waiting {wait} s")
        time.sleep(wait)
        # --8<-- [end:lesson]


response = get_within_rate_limit(f"{BASE_URL}/user")
if response.status_code != 200:
    sys.exit(f"Expected 200, got {response.status_code}: {response.text}")
print(f"signed in as {response.json()['first_name']}")
