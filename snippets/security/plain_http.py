"""What a request over plain HTTP gets: a 400 and no data."""

import json
import os
import sys

import requests

BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
# The mistake: the same URL with http:// instead of https://.
# --8<-- [start:lesson]
PLAIN_URL = BASE_URL.replace("https://", "http://", 1)
# --8<-- [end:lesson]

# No API key on purpose: over plain HTTP it would cross the network unencrypted.
try:
    response = requests.get(
        f"{PLAIN_URL}/user",
        headers={
            "Accept": "application/json",
            "User-Agent": "Practice Sync (dev@example.com)",
        },
        timeout=10,
    )
except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
    sys.exit(f"No response from the API: {error}")
print(response.status_code, response.reason)
if response.status_code != 400:
    sys.exit(f"Expected 400, got {response.status_code}: {response.text}")
print(json.dumps(response.json(), indent=2))
