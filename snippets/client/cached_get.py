"""Read the same patient twice: the second answer is a 304, and the client serves its cached copy."""

import logging
import os
import sys

from cliniko_client import Cliniko

BASE_URL = os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1"
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

logging.basicConfig(format="%(name)s: %(message)s", stream=sys.stdout)
logging.getLogger("cliniko_client").setLevel(logging.DEBUG)

with Cliniko(
    api_key=API_KEY,
    user_agent="Practice Sync (dev@example.com)",
    base_url=BASE_URL,
) as client:
    first = client.get("patients/1240000000000000001")
    second = client.get("patients/1240000000000000001")

print(f"{second['first_name']} {second['last_name']}; same record both times: {first == second}")
