"""Ask for one page of a list: the second page of patients, two patients to a page."""

import json
import os
import sys

import requests

BASE_URL = os.environ.get("CLINIKO_API_URL", "https://api.cliniko.com/v1")
API_KEY = os.environ.get("CLINIKO_API_KEY") or sys.exit("Set CLINIKO_API_KEY to your Cliniko API key.")

response = requests.get(
    f"{BASE_URL}/patients",
    params={"page": 2, "per_page": 2},
    auth=(API_KEY, ""),
    headers={
        "Accept": "application/json",
        "User-Agent": "Practice Sync (dev@example.com)",
    },
    timeout=10,
)
print(response.status_code)
print(json.dumps(response.json(), indent=2))
