"""Catch the client's exceptions: each carries the status and the body of the error response."""

import os
import sys

import requests

from cliniko_client import Cliniko, ClinikoError, NotFoundError, ValidationError

BASE_URL = os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1"
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

try:
    with Cliniko(
        api_key=API_KEY,
        user_agent="Practice Sync (dev@example.com)",
        base_url=BASE_URL,
    ) as client:
        try:
            client.post("patients", json={"first_name": "Ana", "date_of_birth": "15/01/1990"})
        except ValidationError as error:
            print(f"{error.status} {error.message}")
            for field, problem in error.errors.items():
                print(f"  {field}: {problem}")

        try:
            client.get("patients/1")
        except NotFoundError as error:
            print(error)  # the status, the message, and the request ID to quote to support

        try:
            client.get("patients", params={"per_page": 500})
        except ClinikoError as error:  # the base class catches every error status
            print(f"{error.status} {type(error).__name__}: {error.body}")
except ClinikoError as error:  # an error response this program did not expect
    sys.exit(f"The API refused: {error}")
except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
    sys.exit(f"No response from the API: {error}")
