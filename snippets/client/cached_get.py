"""Read the same patient twice: the second response is a 304, and the client serves its cached copy."""

import logging
import os
import sys

import requests

from cliniko_client import Cliniko, ClinikoError

BASE_URL = os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1"
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

logging.basicConfig(format="%(name)s: %(message)s", stream=sys.stdout)
logging.getLogger("cliniko_client").setLevel(logging.DEBUG)

try:
    with Cliniko(
        api_key=API_KEY,
        user_agent="Practice Sync (dev@example.com)",
        base_url=BASE_URL,
    ) as client:
        # --8<-- [start:lesson]
        first = client.get("patients/1240000000000000001")  # use the ID of one of your own patients
        second = client.get("patients/1240000000000000001")
        # --8<-- [end:lesson]
except ClinikoError as error:  # an error response: status and message
    sys.exit(f"The API refused: {error}")
except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
    sys.exit(f"No response from the API: {error}")

print(f"{second['first_name']} {second['last_name']}; same record both times: {first == second}")
