"""Show a UTC timestamp from the API in the user's own time zone."""

import os
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import requests

BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

try:
    response = requests.get(
        f"{BASE_URL}/user",
        auth=(API_KEY, ""),
        headers={
            "Accept": "application/json",
            "User-Agent": "Practice Sync (dev@example.com)",
        },
        timeout=10,
    )
except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
    sys.exit(f"No response from the API: {error}")
if response.status_code != 200:
    sys.exit(f"Expected 200, got {response.status_code}: {response.text}")
user = response.json()

# fromisoformat reads the trailing Z from Python 3.11 on; the result is aware and in UTC.
# --8<-- [start:lesson]
created_utc = datetime.fromisoformat(user["created_at"])
created_local = created_utc.astimezone(ZoneInfo(user["time_zone"]))
# --8<-- [end:lesson]
print("time_zone: ", user["time_zone"])
print("created_at:", user["created_at"])
print("local:     ", created_local.isoformat(), created_local.tzname())
