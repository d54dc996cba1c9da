"""Turn error responses into an exception that carries the status, the message and the field errors."""

import os
import sys

import requests

BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")


# --8<-- [start:lesson]
class ApiError(Exception):
    """A response with a status of 400 or more."""

    def __init__(self, response):
        try:
            body = response.json()
        except ValueError:  # not every error reaches you from the API: a proxy may respond in HTML
            body = {"message": response.reason}
        self.status = response.status_code
        self.message = body.get("message", response.reason)
        self.errors = body.get("errors", {})  # only 422 has them
        super().__init__(f"{self.status} {self.message}")
# --8<-- [end:lesson]


session = requests.Session()
session.auth = (API_KEY, "")
session.headers.update({
    "Accept": "application/json",
    "User-Agent": "Practice Sync (dev@example.com)",
})


def call(method, url, **kwargs):
    try:
        response = session.request(method, url, timeout=10, **kwargs)
    except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
        sys.exit(f"No response from the API: {error}")
    print(f"{method} {url.removeprefix(BASE_URL)} -> {response.status_code} {response.reason}")
    # --8<-- [start:lesson]
    if response.status_code >= 400:
        raise ApiError(response)
    # --8<-- [end:lesson]
    return response


try:
    created = call("POST", f"{BASE_URL}/patients", json={"first_name": "Ana", "last_name": "Rossi"})
    patient_url = created.headers.get("Location")
    if not patient_url:
        sys.exit("Expected a Location header with the 201: it says where the new patient is")
    print(f"  Location: {patient_url}")
    call("POST", f"{patient_url}/archive")
except ApiError as error:
    sys.exit(f"Stopped: {error}")
# First a value the API refuses, then a valid change, which the archived patient refuses.
for change in ({"email": "ana.rossi"}, {"email": "ana.rossi@example.com"}):
    try:
        changed = call("PUT", patient_url, json=change)
    except ApiError as error:
        # --8<-- [start:lesson]
        if error.status == 422:  # the values are wrong: errors names each field
            for field, problem in error.errors.items():
                print(f"  {field}: {problem}")
        elif error.status == 409:  # the request is right, but the record's state forbids it
            print(f"  {error.message}")
        else:
            sys.exit(f"Stopped: {error}")  # anything else is not a problem this program knows how to fix
        # --8<-- [end:lesson]
    else:
        sys.exit(f"Expected 422 or 409, got {changed.status_code}: the archived patient was changed")
