"""List every active patient with the client, which follows links.next from page to page."""

import logging
import os
import sys

import requests

from cliniko_client import Cliniko, ClinikoError

BASE_URL = os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1"
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

# Show each request the client sends.
logging.basicConfig(format="%(name)s: %(message)s", stream=sys.stdout)
logging.getLogger("cliniko_client").setLevel(logging.DEBUG)

try:
    with Cliniko(
        api_key=API_KEY,
        user_agent="Practice Sync (dev@example.com)",
        base_url=BASE_URL,
    ) as client:
        patients = list(client.paginate("patients", params={"per_page": 100}))
except ClinikoError as error:  # an error response: status and message
    sys.exit(f"The API refused: {error}")
except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
    sys.exit(f"No response from the API: {error}")

print(f"{len(patients)} patients")
for patient in patients[:3]:
    print(f"  {patient['id']}  {patient['first_name']} {patient['last_name']}")
print("  ...")
