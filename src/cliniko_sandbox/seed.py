"""The data every fresh mock starts with.

Two practices (accounts). Account A, "Harbourside Physiotherapy", has three users of different roles
and 112 patients, two of them archived, so its patient list spans three pages at the default page size;
three more of its patients were deleted, and are seen only in its list of deleted patients.
Account B, "Northgate Chiropractic", has its own user and patients, which account A never sees.

IDs are above 2**53 on purpose: like Cliniko's, they do not fit a JavaScript number, which is why the API
sends them as strings.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cliniko_sandbox.state import Account, Dataset, Patient, User

ACCOUNT_A = "1210000000000000001"
ACCOUNT_B = "1210000000000000002"

#: The demo key printed by `make mock`: an administrator of account A, who may create and change patients.
ADMIN_KEY_A = "MS0xMjEwMDAwMDAwMDAwMDAwMDAx-ZGVtby1hZG1pbmlzdHJhdG9y-au1"
#: A practitioner of account A (may create and change patients).
PRACTITIONER_KEY_A = "MS0xMjEwMDAwMDAwMDAwMDAwMDAx-ZGVtby1wcmFjdGl0aW9uZXI-au1"
#: A bookkeeper of account A: may read patients, gets 403 when creating or changing them.
BOOKKEEPER_KEY_A = "MS0xMjEwMDAwMDAwMDAwMDAwMDAx-ZGVtby1ib29ra2VlcGVy-au1"
#: An administrator of account B.
ADMIN_KEY_B = "MS0xMjEwMDAwMDAwMDAwMDAwMDAy-ZGVtby1hZG1pbmlzdHJhdG9y-au2"

_FIRST = [
    "Olivia", "Liam", "Charlotte", "Noah", "Amelia", "Oliver", "Isla", "William", "Mia", "Jack",
    "Ava", "Henry", "Grace", "Leo", "Chloe", "Lucas", "Zoe", "Thomas", "Ruby", "Harrison",
]
_LAST = [
    "Nguyen", "Smith", "Patel", "Williams", "Brown", "Kaur", "Wilson", "Taylor", "Singh", "Martin",
    "Anderson", "Chen", "Thompson", "White", "Kelly", "Walker", "Harris", "Lee", "Ryan", "Clarke",
    "Murphy", "Young", "King",
]
_TITLES = ["Ms", "Mr", "Dr", "Mx", None]

_FIRST_USER_ID = 1230000000000000001
_FIRST_PATIENT_ID = 1240000000000000001
#: The deleted patients' IDs come from a block of their own, far above the others, so that the ID a new
#: patient gets (the one after the last seeded patient's) is the same with or without them.
_FIRST_DELETED_PATIENT_ID = 1240000000000900001
_SEEDED_AT = datetime(2025, 3, 3, 22, 15, 0, tzinfo=UTC)

PATIENTS_IN_A = 112
ARCHIVED_IN_A = (7, 58)  # positions (1-based) of the archived patients of account A
PATIENTS_IN_B = 3
DELETED_IN_A = 3


def _patient(number: int, account_id: str, position: int) -> Patient:
    first = _FIRST[(number * 7) % len(_FIRST)]
    last = _LAST[(number * 5) % len(_LAST)]
    created = _SEEDED_AT + timedelta(days=2 * number, hours=number % 9, minutes=(number * 13) % 60)
    birth_year = 1950 + (number * 11) % 55
    return Patient(
        id=str(_FIRST_PATIENT_ID + number - 1),
        account_id=account_id,
        title=_TITLES[number % len(_TITLES)],
        first_name=first,
        last_name=last,
        date_of_birth=f"{birth_year:04d}-{1 + number % 12:02d}-{1 + (number * 3) % 28:02d}",
        email=f"{first.lower()}.{last.lower()}{position}@example.com",
        created_at=created,
        updated_at=created + timedelta(days=number % 5),
    )


def initial_dataset() -> Dataset:
    """Build the initial data set. Pure: the same value every call."""
    data = Dataset()
    data.accounts[ACCOUNT_A] = Account(ACCOUNT_A, "Harbourside Physiotherapy")
    data.accounts[ACCOUNT_B] = Account(ACCOUNT_B, "Northgate Chiropractic")

    users = [
        (ACCOUNT_A, ADMIN_KEY_A, "Priya", "Raman", "priya@harbourside.example", "administrator", "Australia/Sydney"),
        (ACCOUNT_A, PRACTITIONER_KEY_A, "Sam", "Okafor", "sam@harbourside.example", "practitioner", "Australia/Sydney"),
        (ACCOUNT_A, BOOKKEEPER_KEY_A, "Dana", "Fox", "dana@harbourside.example", "bookkeeper", "Australia/Sydney"),
        (ACCOUNT_B, ADMIN_KEY_B, "Marta", "Silva", "marta@northgate.example", "administrator", "Europe/London"),
    ]
    for index, (account_id, key, first, last, email, role, zone) in enumerate(users):
        created = _SEEDED_AT - timedelta(days=30 - index)
        user = User(
            id=str(_FIRST_USER_ID + index),
            account_id=account_id,
            api_key=key,
            first_name=first,
            last_name=last,
            email=email,
            role=role,
            time_zone=zone,
            created_at=created,
            updated_at=created + timedelta(hours=3),
        )
        data.users[user.id] = user

    number = 0
    for account_id, count in ((ACCOUNT_A, PATIENTS_IN_A), (ACCOUNT_B, PATIENTS_IN_B)):
        for position in range(1, count + 1):
            number += 1
            patient = _patient(number, account_id, position)
            if account_id == ACCOUNT_A and position in ARCHIVED_IN_A:
                patient.archived_at = patient.updated_at
            data.patients[patient.id] = patient
    data.next_patient_id = _FIRST_PATIENT_ID + number - 1

    for index in range(DELETED_IN_A):
        # Made like the others (names, dates), created after the last of them and deleted weeks later.
        patient = _patient(number + 1 + index, ACCOUNT_A, PATIENTS_IN_A + 1 + index)
        patient.id = str(_FIRST_DELETED_PATIENT_ID + index)
        patient.deleted_at = patient.updated_at + timedelta(days=12 * (index + 1), hours=index)
        data.deleted_patients[patient.id] = patient
    return data
