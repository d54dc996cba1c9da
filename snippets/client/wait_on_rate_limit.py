"""The client waits out a 429 by itself, as long as Retry-After says, then sends the request again."""

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
        # --8<-- [start:lesson]
        max_retries=3,  # the default: at most three retries
        max_wait=60,  # the default: a 429 that asks for more than 60 s is raised instead
        # --8<-- [end:lesson]
    ) as client:
        user = client.get("user")
except ClinikoError as error:  # an error response: status and message
    sys.exit(f"The API refused: {error}")
except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
    sys.exit(f"No response from the API: {error}")

print(f"signed in as {user['first_name']} {user['last_name']}")
