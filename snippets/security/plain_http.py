"""What a request over plain HTTP gets: a 400 and no data."""

import json
import os

import requests

BASE_URL = os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1"
# The mistake: the same URL with http:// instead of https://.
PLAIN_URL = BASE_URL.replace("https://", "http://", 1)

# No API key on purpose: over plain HTTP it would cross the network unencrypted.
response = requests.get(
    f"{PLAIN_URL}/user",
    headers={
        "Accept": "application/json",
        "User-Agent": "Practice Sync (dev@example.com)",
    },
    timeout=10,
)
print(response.status_code, response.reason)
print(json.dumps(response.json(), indent=2))
