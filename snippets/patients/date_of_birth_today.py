"""A date of birth may be today, but not later: "today" is the date in UTC, whatever your time zone."""

import os
import sys

import requests

BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

session = requests.Session()
session.auth = (API_KEY, "")
session.headers.update({
    "Accept": "application/json",
    "User-Agent": "Practice Sync (dev@example.com)",
})
url = f"{BASE_URL}/patients/1240000000000000001"  # use the ID of one of your own patients

# A baby born on the 16th in Sydney, where it is already the 16th while it is the 15th in UTC.
for date_of_birth in ["2026-01-16", "2026-01-15"]:
    try:
        response = session.put(url, json={"date_of_birth": date_of_birth}, timeout=10)
    except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
        sys.exit(f"No response from the API: {error}")
    if response.status_code not in (200, 422):
        sys.exit(f"Expected 200 or 422, got {response.status_code}: {response.text}")
    print(f"date_of_birth {date_of_birth}, the API's Date: {response.headers['Date']}")
    body = response.json()
    if "errors" in body:
        outcome = "; ".join(f"{field} {problem}" for field, problem in body["errors"].items())
    else:
        outcome = body["date_of_birth"]
    print(f"  {response.status_code} {response.reason}: {outcome}")
