"""Validation of patient bodies: problems are `422` with the documented body.

`{"message": "Validation Failed", "errors": {"first_name": "can't be blank"}}`; a problem with the
request as a whole rather than one field is reported under `base`.

The body is small whatever the request holds (this guide's own rule): `errors` lists every problem of a
patient field, and at most `contract.MAX_LISTED_ERRORS` problems in all; the names that are not patient
fields fill the rest, in the order sent, a long one cut to `contract.NAME_SHOWN` characters. How many
problems were left out is in `errors_not_listed`, which the body has only when some were. The work is
bounded too: once the list is full, a name left is only counted, never copied or shortened.

Every limit on a patient field is in `contract.FIELD_LIMITS`, which the OpenAPI description states too.
No check here can take more than time in proportion to its input, which the limits bound first.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from cliniko_sandbox.contract import FIELD_LIMITS, MAX_LISTED_ERRORS, NAME_SHOWN
from cliniko_sandbox.errors import ApiError
from cliniko_sandbox.state import Patient

DATE_FORMAT = "must be a date written as YYYY-MM-DD"
UNKNOWN_FIELD = "is not an attribute of a patient that can be set"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def is_email(value: str) -> bool:
    """One `@` with text before it, and a domain after it with a dot that neither starts nor ends it."""
    local, at, domain = value.partition("@")
    return bool(at and local) and "@" not in domain and "." in domain[1:-1] and not any(c.isspace() for c in value)


def validation_failed(errors: dict[str, str], not_listed: int = 0) -> ApiError:
    return ApiError(422, "Validation Failed", errors=errors, errors_not_listed=not_listed)


def _shown(name: str) -> str:
    return name if len(name) <= NAME_SHOWN else name[:NAME_SHOWN] + "…"


def patient_fields(body: Any, *, creating: bool, today: date) -> dict[str, str | None]:
    """Check a create or update body and return the fields to store.

    Args:
        body: the decoded JSON body; a request without a body is passed as `{}` (a JSON `null` is not an
            object, and is refused like any other value that is not).
        creating: whether `first_name` and `last_name` are required.
        today: the clock's date, for refusing a date of birth in the future.
    """
    if not isinstance(body, dict):
        raise validation_failed({"base": "the request body must be a JSON object of patient fields"})

    errors: dict[str, str] = {}
    fields: dict[str, str | None] = {}
    #: The limits apply to a value as sent, before the spaces around it are removed, as in the
    #: OpenAPI description (`maxLength`).
    sent_length: dict[str, int] = {}
    # Each patient field has at most one problem, and all of them are listed; unknown names get the room
    # left. Once that is full and every field sent has been read, the rest of the body is only counted.
    room = MAX_LISTED_ERRORS - len(Patient.WRITABLE)
    fields_sent = sum(1 for name in Patient.WRITABLE if name in body)
    unknown_sent = len(body) - fields_sent
    unknown_listed = fields_read = 0
    for name, value in body.items():
        if name not in Patient.WRITABLE:
            if unknown_listed < room:
                shown = _shown(name)
                if shown not in errors:  # two long names may be cut to the same text: the second is counted
                    errors[shown] = UNKNOWN_FIELD
                    unknown_listed += 1
            elif fields_read == fields_sent:
                break
            continue
        fields_read += 1
        if value is not None and not isinstance(value, str):
            errors[name] = "must be a string"
            continue
        if isinstance(value, str):
            sent_length[name] = len(value)
            value = value.strip()
        fields[name] = value or None

    for name in ("first_name", "last_name"):
        if name in errors:
            continue
        if (creating and name not in fields) or (name in fields and fields[name] is None):
            errors[name] = "can't be blank"

    for name, limit in FIELD_LIMITS.items():
        if name not in errors and sent_length.get(name, 0) > limit:
            errors[name] = DATE_FORMAT if name == "date_of_birth" else f"is too long (maximum is {limit} characters)"

    email = fields.get("email")
    if email is not None and "email" not in errors and not is_email(email):
        errors["email"] = "is not a valid e-mail address"

    born = fields.get("date_of_birth")
    if born is not None and "date_of_birth" not in errors:
        try:
            if not _DATE.match(born):
                raise ValueError
            born_on = date.fromisoformat(born)
        except ValueError:
            errors["date_of_birth"] = DATE_FORMAT
        else:
            if born_on > today:
                errors["date_of_birth"] = "can't be in the future"

    if errors:
        raise validation_failed(errors, unknown_sent - unknown_listed)
    return fields
