"""Patient body rules that the OpenAPI description states and the mock once broke.

Every string field has a limit (`contract.FIELD_LIMITS`, the description's `maxLength`), the e-mail
address included; a value at its limit is accepted, and the limit counts the value as sent, spaces
around it included. A JSON `null` is not a body of patient fields, although sending no body at all is
an update that changes nothing.
"""

from __future__ import annotations

import pytest

from api_requests import send
from cliniko_sandbox.contract import FIELD_LIMITS

PATIENT_A = "1240000000000000001"
TITLE, NAME = FIELD_LIMITS["title"], FIELD_LIMITS["first_name"]


def _too_long(limit: int) -> str:
    return f"is too long (maximum is {limit} characters)"


def _one_over(name: str) -> str:
    limit = FIELD_LIMITS[name]
    if name == "email":
        return "a" * (limit - len("@example.com") + 1) + "@example.com"
    return "A" * (limit + 1)


@pytest.mark.parametrize("name", [name for name in FIELD_LIMITS if name != "date_of_birth"])
def test_every_string_field_has_a_length_limit(mock, name):
    body = {"first_name": "Ana", "last_name": "Lim", name: _one_over(name)}

    response = send(mock, "POST", "/patients", json=body)

    assert response.status_code == 422
    assert response.json()["errors"] == {name: _too_long(FIELD_LIMITS[name])}


def test_a_field_at_its_limit_is_accepted(mock):
    body = {name: "A" * FIELD_LIMITS[name] for name in ("title", "first_name", "last_name")}
    body["email"] = "a" * (FIELD_LIMITS["email"] - len("@example.com")) + "@example.com"

    response = send(mock, "POST", "/patients", json=body)

    assert response.status_code == 201
    assert response.json()["email"] == body["email"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", " " * (TITLE + 1), _too_long(TITLE)),
        ("title", " Dr" + " " * (TITLE - 2), _too_long(TITLE)),
        ("first_name", " " + "A" * NAME, _too_long(NAME)),
    ],
    ids=["title-of-spaces", "title-padded", "name-padded"],
)
def test_a_value_longer_than_its_limit_as_sent_gets_422(mock, field, value, message):
    response = send(mock, "PUT", f"/patients/{PATIENT_A}", json={field: value})

    assert response.status_code == 422
    assert response.json()["errors"] == {field: message}


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
