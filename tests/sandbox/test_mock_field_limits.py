"""Patient body rules that the OpenAPI description states and the mock once broke.

Field limits (`contract.FIELD_LIMITS`) count the value as sent, spaces around it included (the
description's `maxLength`); an e-mail address has a limit too; and a JSON `null` is not a body of patient
fields, although sending no body at all is an update that changes nothing.
"""

from __future__ import annotations

import pytest

from api_requests import send
from cliniko_sandbox.contract import FIELD_LIMITS

PATIENT_A = "1240000000000000001"
TITLE, NAME, EMAIL = FIELD_LIMITS["title"], FIELD_LIMITS["first_name"], FIELD_LIMITS["email"]
DOMAIN = "@example.com"


def _too_long(limit: int) -> str:
    return f"is too long (maximum is {limit} characters)"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", " " * (TITLE + 1), _too_long(TITLE)),
        ("title", " Dr" + " " * (TITLE - 2), _too_long(TITLE)),
        ("first_name", " " + "A" * NAME, _too_long(NAME)),
        ("email", "a" * (EMAIL - len(DOMAIN) + 1) + DOMAIN, _too_long(EMAIL)),
    ],
    ids=["title-of-spaces", "title-padded", "name-padded", "email-one-over"],
)
def test_a_value_longer_than_its_limit_as_sent_gets_422(mock, field, value, message):
    response = send(mock, "PUT", f"/patients/{PATIENT_A}", json={field: value})

    assert response.status_code == 422
    assert response.json()["errors"] == {field: message}


def test_values_at_their_limits_are_accepted(mock):
    body = {"title": "T" * TITLE, "first_name": "F" * NAME, "email": "e" * (EMAIL - len(DOMAIN)) + DOMAIN}

    response = send(mock, "PUT", f"/patients/{PATIENT_A}", json=body)

    assert response.status_code == 200, response.text
    assert response.json()["email"] == body["email"]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_a_json_null_body_gets_422_under_base(mock, method):
    path = "/patients" if method == "POST" else f"/patients/{PATIENT_A}"

    response = send(mock, method, path, data="null", headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["base"]


def test_an_update_without_a_body_changes_nothing(mock):
    before = send(mock, "GET", f"/patients/{PATIENT_A}").json()

    response = send(mock, "PUT", f"/patients/{PATIENT_A}")

    assert response.status_code == 200
    assert response.json() == before
