"""A request without credentials: 401, with a challenge saying how to authenticate."""

import json
import os

import requests

BASE_URL = os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1"

# The mistake: no auth=(API_KEY, "").
response = requests.get(
    f"{BASE_URL}/user",
    headers={
        "Accept": "application/json",
        "User-Agent": "Practice Sync (dev@example.com)",
    },
    timeout=10,
)
print(response.status_code, response.reason)
print("WWW-Authenticate:", response.headers["WWW-Authenticate"])
print(json.dumps(response.json(), indent=2))
