"""Send a GET again after a 5xx or a 429, waiting as long as Retry-After says, a bounded number of times."""

import os
import random
import sys
import time

import requests

BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_ATTEMPTS = 4
MAX_WAIT = 30  # seconds: the longest wait for one retry; a longer Retry-After means giving up

session = requests.Session()
session.auth = (API_KEY, "")
session.headers.update({
    "Accept": "application/json",
    "User-Agent": "Practice Sync (dev@example.com)",
})


def message(response):
    """The error's message; a proxy in between may send HTML or nothing, so fall back on the reason."""
    try:
        return response.json()["message"]
    except (ValueError, KeyError, TypeError):
        return response.reason


# --8<-- [start:lesson]
def backoff(attempt):
    """No advice from the server: wait exponentially longer each time, with random jitter."""
    return random.uniform(0, min(2**attempt, MAX_WAIT))
# --8<-- [end:lesson]


def get_with_retries(url):
    """GET is safe to repeat; do not use this for a POST that creates a record."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            response = session.get(url, timeout=10)
        # --8<-- [start:lesson]
        except requests.Timeout as error:  # no response in time: the fault may pass, like a 5xx
            print(f"attempt {attempt}: timed out")
            if attempt == MAX_ATTEMPTS:
                sys.exit(f"No response from the API after {attempt} attempts: {error}")
            time.sleep(backoff(attempt))
            continue
        # --8<-- [end:lesson]
        except requests.RequestException as error:  # refused, bad certificate: retrying will not help
            sys.exit(f"No response from the API: {error}")
        print(f"attempt {attempt}: {response.status_code} {response.reason}")
        if response.status_code not in RETRY_STATUSES or attempt == MAX_ATTEMPTS:
            return response
        # --8<-- [start:lesson]
        retry_after = response.headers.get("Retry-After", "")
        if retry_after.isdecimal() and int(retry_after) > MAX_WAIT:
            return response  # asked to wait longer than we allow: give up rather than retry early
        wait = int(retry_after) if retry_after.isdecimal() else backoff(attempt)
        print(f"  {message(response)}")
        print(f"  Retry-After: {retry_after or '(none)'}; waiting {wait:g} s")
        time.sleep(wait)
        # --8<-- [end:lesson]


response = get_with_retries(f"{BASE_URL}/user")
if response.status_code != 200:
    sys.exit(f"Gave up: {response.status_code} {message(response)}")
user = response.json()
print(f"signed in as {user['first_name']} {user['last_name']}")
