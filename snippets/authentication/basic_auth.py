"""Authenticate with HTTP Basic: the API key is the username, the password is empty."""

import os
import sys

import requests

BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

try:
    response = requests.get(
        f"{BASE_URL}/user",
        # --8<-- [start:lesson]
        auth=(API_KEY, ""),  # requests builds the Authorization: Basic header from this pair
        # --8<-- [end:lesson]
        headers={
            "Accept": "application/json",
            "User-Agent": "Practice Sync (dev@example.com)",
        },
        timeout=10,
    )
except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
    sys.exit(f"No response from the API: {error}")
print(response.status_code, response.reason)
if response.status_code != 200:
    sys.exit(f"Expected 200, got {response.status_code}: {response.text}")
user = response.json()
# A key acts as the user who created it, with that user's role.
print(f"This key belongs to {user['first_name']} {user['last_name']} ({user['role']}).")
