"""Create a patient at most once: look for the e-mail address first, and create only if no patient has it.

Run twice here, as after a create whose response never came.
"""

import os
import sys

import requests

from cliniko_client import Cliniko, ClinikoError

BASE_URL = os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1"
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

NEW_PATIENT = {"first_name": "Ana", "last_name": "Silva", "email": "ana.silva@example.com"}


def create_once(client, patient):
    """The patient with this e-mail address if there is one, else a new patient."""
    # --8<-- [start:lesson]
    found = list(client.paginate("patients", q=f"email:={patient['email']}"))
    # --8<-- [end:lesson]
    if found:
        print(f"  found patient {found[0]['id']} with {patient['email']}: not creating it again")
        return found[0]
    created = client.post("patients", json=patient)
    print(f"  no patient has {patient['email']}: created patient {created['id']}")
    return created


try:
    with Cliniko(
        api_key=API_KEY,
        user_agent="Practice Sync (dev@example.com)",
        base_url=BASE_URL,
    ) as client:
        print("First attempt:")
        create_once(client, NEW_PATIENT)
        print("Second attempt, as after a timeout:")
        create_once(client, NEW_PATIENT)
except ClinikoError as error:  # an error response: status and message
    sys.exit(f"The API refused: {error}")
except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
    sys.exit(f"No response from the API: {error}")
