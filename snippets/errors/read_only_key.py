"""Try to create a patient with the key of a user whose role may only read patients."""

import json
import os
import sys

import requests

BASE_URL = os.environ.get("CLINIKO_API_URL", "https://api.cliniko.com/v1")
API_KEY = os.environ.get("CLINIKO_API_KEY") or sys.exit("Set CLINIKO_API_KEY to your Cliniko API key.")

response = requests.post(
    f"{BASE_URL}/patients",
    json={"first_name": "Ana", "last_name": "Rossi"},
    auth=(API_KEY, ""),
    headers={
        "Accept": "application/json",
        "User-Agent": "Practice Sync (dev@example.com)",
    },
    timeout=10,
)
print(response.status_code, response.reason)
print(json.dumps(response.json(), indent=2))
