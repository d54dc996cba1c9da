"""Send requests that are each wrong in one way, and print the API's response to each one."""

import os
import sys

import requests

BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

GOOD_HEADERS = {
    "Accept": "application/json",
    "User-Agent": "Practice Sync (dev@example.com)",
}
PATIENTS = f"{BASE_URL}/patients"
A_PATIENT = f"{PATIENTS}/1240000000000000001"  # use the ID of one of your own patients

# (what is wrong, the status it gets, method, URL, what to change in an otherwise correct request)
MISTAKES = [
    ("User-Agent: python-requests/2.32.3, with no contact e-mail", 400, "GET", f"{BASE_URL}/user",
     {"headers": {"User-Agent": "python-requests/2.32.3"}}),
    ("per_page above its maximum", 400, "GET", PATIENTS, {"params": {"per_page": 500}}),
    ("a body that is not valid JSON", 400, "POST", PATIENTS,
     {"data": '{"first_name": "Ana"', "headers": {"Content-Type": "application/json"}}),
    ("an API key that does not exist", 401, "GET", f"{BASE_URL}/user", {"auth": ("not-a-real-key", "")}),
    ("a patient ID that does not exist", 404, "GET", f"{PATIENTS}/1", {}),
    ("a method the path does not offer", 405, "DELETE", A_PATIENT, {}),
    ("Accept: text/html", 406, "GET", f"{BASE_URL}/user", {"headers": {"Accept": "text/html"}}),
    ("a body over the size limit", 413, "POST", PATIENTS, {"json": {"first_name": "A" * 1_100_000}}),
    ("a URL over the length limit", 414, "GET", PATIENTS, {"params": {"q": "first_name:=" + "A" * 17_000}}),
    ("Content-Type: application/x-www-form-urlencoded", 415, "POST", PATIENTS,
     {"data": {"first_name": "Ana", "last_name": "Rossi"}}),
    ("a blank first name", 422, "POST", PATIENTS, {"json": {"first_name": "", "last_name": "Rossi"}}),
    ("a body that is not a JSON object", 422, "POST", PATIENTS, {"json": ["Ana", "Rossi"]}),
    ("headers over the size limit", 431, "GET", f"{BASE_URL}/user", {"headers": {"X-Padding": "p" * 17_000}}),
]

for what, expected, method, url, changes in MISTAKES:
    options = {"auth": (API_KEY, ""), **changes}
    options["headers"] = {**GOOD_HEADERS, **changes.get("headers", {})}
    try:
        response = requests.request(method, url, timeout=10, **options)
    except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
        sys.exit(f"No response from the API: {error}")
    try:
        body = response.json()
    except ValueError:  # every API response is JSON; this one came from something in between
        sys.exit(f"{response.status_code} {response.reason}, with a body that is not JSON")
    print(what)
    print(f"  {response.status_code} {response.reason}: {body.get('message')}")
    for name in ("WWW-Authenticate", "Allow"):
        if name in response.headers:
            print(f"  {name}: {response.headers[name]}")
    for field, problem in body.get("errors", {}).items():
        print(f"  {field}: {problem}")
    if response.status_code != expected:
        sys.exit(f"Expected {expected}, got {response.status_code}: {body.get('message')}")
