"""Keep a copy of the practice's patients in step: a full copy first, then only what changed.

Two runs, with a change at the practice between them. The copy is a dictionary of patients by ID; a
real program keeps it, and the mark, in its own store between runs.
"""

import logging
import os
import sys
from datetime import datetime, timedelta

import requests

from cliniko_client import Cliniko, ClinikoError

BASE_URL = os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1"
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

OVERLAP = timedelta(minutes=5)  # read again at each run, for changes saved late (see the page)

# Show each request the client sends.
logging.basicConfig(format="%(message)s", stream=sys.stdout)
logging.getLogger("cliniko_client").setLevel(logging.DEBUG)


def sync(client, copy, mark, run):
    """Fetch what changed since `mark` (everything when it is None) into `copy`; return the new mark."""
    # --8<-- [start:lesson]
    filters = []
    if mark is not None:
        since = datetime.fromisoformat(mark) - OVERLAP
        filters.append(f"updated_at:>{since:%Y-%m-%dT%H:%M:%SZ}")
        print(f"{run}, what changed since {since:%Y-%m-%dT%H:%M:%SZ} (the mark, less the overlap):")
    else:
        print(f"{run}, a full copy:")
    page = {"per_page": 100}
    active = list(client.paginate("patients", params=page, q=filters, sort="updated_at"))
    archived = list(client.paginate("patients/archived", params=page, q=filters, sort="updated_at"))
    deleted = list(client.paginate("patients/deleted", params=page))  # always whole: see the page
    # --8<-- [end:lesson]
    print(f"  fetched {len(active)} active, {len(archived)} archived and {len(deleted)} deleted patients")
    for patient in active + archived:  # a changed record replaces its old copy
        copy[patient["id"]] = patient
    for patient in deleted:
        copy.pop(patient["id"], None)
    mark = max([patient["updated_at"] for patient in active + archived] + ([mark] if mark else []), default=None)
    print(f"  the copy holds {len(copy)} patients; the mark is now {mark}")
    return mark


try:
    with Cliniko(
        api_key=API_KEY,
        user_agent="Practice Sync (dev@example.com)",
        base_url=BASE_URL,
    ) as client:
        copy = {}
        mark = sync(client, copy, None, "Run 1")

        if not copy:
            sys.exit("The account has no patients; create one, then run this again.")
        # Meanwhile, someone at the practice corrects a patient's e-mail address (here, this example does).
        changed = min(copy, key=int)
        client.put(f"patients/{changed}", json={"email": "new.address@example.com"})
        print(f"Between the runs, the practice changed the e-mail address of patient {changed}.")

        mark = sync(client, copy, mark, "Run 2")
except ClinikoError as error:  # an error response: status and message
    sys.exit(f"The API refused: {error}")
except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
    sys.exit(f"No response from the API: {error}")
