"""Update a patient only if no one else changed it since you read it: If-Match with the ETag you read.

A second writer comes first here; the If-Match update gets 412, reads again and succeeds.
"""

import os
import sys

import requests

from cliniko_client import Cliniko, ClinikoError, PreconditionFailedError

BASE_URL = os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1"
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

PATIENT = "patients/1240000000000000001"  # use the ID of one of your own patients
CHANGE = {"email": "w.kaur@example.com"}


def etag_of(client):
    """The ETag of the patient as last read; without one, If-Match cannot protect the change."""
    etag = client.etag(PATIENT)
    if etag is None:
        sys.exit("The API sent no ETag: If-Match cannot protect the change.")
    return etag


try:
    with Cliniko(
        api_key=API_KEY,
        user_agent="Practice Sync (dev@example.com)",
        base_url=BASE_URL,
    ) as client:
        client.get(PATIENT)
        read_etag = etag_of(client)
        print(f"GET: ETag {read_etag}")

        # Someone else saves a change to the same patient first (here, this example does it for them).
        theirs = client.put(PATIENT, json={"title": "Dr"})
        print(f"Another user's PUT: title {theirs['title']}")

        try:
            # --8<-- [start:lesson]
            patient = client.put(PATIENT, json=CHANGE, if_match=read_etag)
            # --8<-- [end:lesson]
        except PreconditionFailedError as error:
            print(f"PUT with If-Match: {read_etag}")
            print(f"  {error.status} {error.message}")
            # --8<-- [start:lesson]
            client.get(PATIENT)  # read the patient as it is now; decide again whether the change still applies
            patient = client.put(PATIENT, json=CHANGE, if_match=etag_of(client))
            # --8<-- [end:lesson]
            print("Read again, PUT with the new ETag: done")
        print(f"Now: title {patient['title']}, email {patient['email']}")
except ClinikoError as error:  # an error response: status and message
    sys.exit(f"The API refused: {error}")
except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
    sys.exit(f"No response from the API: {error}")
