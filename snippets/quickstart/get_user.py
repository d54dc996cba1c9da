"""Ask the API who owns the key: the smallest complete, authenticated call."""

import json
import os

import requests

BASE_URL = os.environ.get("CLINIKO_API_URL", "https://api.cliniko.com/v1")
API_KEY = os.environ["CLINIKO_API_KEY"]

response = requests.get(
    f"{BASE_URL}/user",
    auth=(API_KEY, ""),  # the key is the username; the password stays empty
    headers={
        "Accept": "application/json",
        "User-Agent": "Practice Sync (dev@example.com)",
    },
    timeout=10,
)
print(response.status_code)
print(json.dumps(response.json(), indent=2))
