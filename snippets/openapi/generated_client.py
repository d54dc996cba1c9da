"""Read the user behind the key, then a page of patients, with the client generated from the description."""

import os
import sys

import httpx

from cliniko_api_client import Client
from cliniko_api_client.api.patients import list_patients
from cliniko_api_client.api.user import get_user
from cliniko_api_client.models import PatientList, User

BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")
USER_AGENT = "Practice Sync (dev@example.com)"

# --8<-- [start:lesson]
client = Client(
    base_url=BASE_URL,
    # The key is the username of Basic auth; the password stays empty.
    httpx_args={"auth": httpx.BasicAuth(API_KEY, "")},
    # Sent with every request, those of the client's own httpx client too.
    headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
    timeout=httpx.Timeout(10.0),
)
# --8<-- [end:lesson]

try:
    with client:
        # --8<-- [start:lesson]
        # Each generated function also takes the User-Agent, as the description lists it for every operation.
        answer = get_user.sync_detailed(client=client, user_agent=USER_AGENT)
        # --8<-- [end:lesson]
        print("GET /user:", answer.status_code.value, answer.status_code.phrase)
        if not isinstance(answer.parsed, User):
            sys.exit(f"Expected 200, got {answer.status_code.value}: {answer.content.decode(errors='replace')}")
        user = answer.parsed
        print(f"  {user.first_name} {user.last_name}, {user.role}")

        # `q[]` becomes `q`, a list of filters.
        listed = list_patients.sync_detailed(client=client, user_agent=USER_AGENT, per_page=3, q=["first_name:~a"])
        print("GET /patients:", listed.status_code.value, listed.status_code.phrase)
        if not isinstance(listed.parsed, PatientList):
            sys.exit(f"Expected 200, got {listed.status_code.value}: {listed.content.decode(errors='replace')}")
        patients = listed.parsed
except httpx.HTTPError as error:  # no response at all: refused, timed out, bad certificate
    sys.exit(f"No response from the API: {error}")

print(f"  {patients.total_entries} patients with an 'a' in their first name; the first {len(patients.patients)}:")
for patient in patients.patients:
    print(f"  {patient.id}  {patient.first_name} {patient.last_name}")
