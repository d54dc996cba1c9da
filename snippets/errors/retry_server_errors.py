"""Send a GET again after a 5xx or a 429, waiting as long as Retry-After says, a bounded number of times."""

import os
import random
import sys
import time

import requests

BASE_URL = os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1"
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_ATTEMPTS = 4
MAX_WAIT = 30  # seconds: never wait longer than this for one retry

session = requests.Session()
session.auth = (API_KEY, "")
session.headers.update({
    "Accept": "application/json",
    "User-Agent": "Practice Sync (dev@example.com)",
})


def get_with_retries(url):
    """GET is safe to repeat; do not use this for a POST that creates a record."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        response = session.get(url, timeout=10)
        print(f"attempt {attempt}: {response.status_code} {response.reason}")
        if response.status_code not in RETRY_STATUSES or attempt == MAX_ATTEMPTS:
            return response
        retry_after = response.headers.get("Retry-After", "")
        if retry_after.isdigit():
            wait = min(int(retry_after), MAX_WAIT)
        else:  # no advice from the server: back off exponentially, with jitter
            wait = random.uniform(0, min(2**attempt, MAX_WAIT))
        print(f"  {response.json()['message']}")
        print(f"  Retry-After: {retry_after or '(none)'}; waiting {wait:g} s")
        time.sleep(wait)


response = get_with_retries(f"{BASE_URL}/user")
response.raise_for_status()
user = response.json()
print(f"signed in as {user['first_name']} {user['last_name']}")
