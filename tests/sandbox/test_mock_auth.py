"""Authentication: HTTP Basic with the API key as the username and an empty password."""

from __future__ import annotations

import base64

import pytest

from api_requests import UNKNOWN_KEY, basic_auth, error_message, send
from cliniko_sandbox.seed import ADMIN_KEY_A, ADMIN_KEY_B, BOOKKEEPER_KEY_A, PRACTITIONER_KEY_A

BAD_AUTHORIZATION = {
    "missing": None,
    "empty": "",
    "bearer-scheme": f"Bearer {ADMIN_KEY_A}",
    "basic-without-credentials": "Basic ",
    "bad-base64": "Basic not*base64!",
    "base64-of-invalid-utf8": "Basic " + base64.b64encode(b"\xff\xfe:").decode(),
    "no-colon": "Basic " + base64.b64encode(ADMIN_KEY_A.encode()).decode(),
    "empty-key": basic_auth(""),
    "unknown-key": basic_auth(UNKNOWN_KEY),
    "key-with-extra-character": basic_auth(ADMIN_KEY_A + "x"),
    "key-as-password": basic_auth("", ADMIN_KEY_A),
    "non-ascii-credentials": "Basic cl\u00e9",
}


@pytest.mark.parametrize("authorization", BAD_AUTHORIZATION.values(), ids=BAD_AUTHORIZATION.keys())
def test_bad_or_missing_credentials_get_401_with_basic_challenge_and_json_message(mock, authorization):
    response = send(mock, "GET", "/user", key=None, headers={"Authorization": authorization})

    assert response.status_code == 401
    challenge = response.headers.get("WWW-Authenticate", "")
    assert challenge.startswith('Basic realm="'), challenge
    assert challenge.count('"') >= 2
    assert error_message(response)


def test_401_body_names_no_user_data(mock):
    response = send(mock, "GET", "/user", key=UNKNOWN_KEY)

    assert response.status_code == 401
    assert set(response.json()) == {"message"}


def test_key_as_username_with_empty_password_authenticates(mock):
    response = send(mock, "GET", "/user", key=None, headers={"Authorization": basic_auth(ADMIN_KEY_A, "")})

    assert response.status_code == 200
    assert response.json()["email"] == "priya@harbourside.example"


def test_requests_auth_tuple_with_empty_password_authenticates(mock):
    response = send(mock, "GET", "/user", key=None, auth=(ADMIN_KEY_A, ""))

    assert response.status_code == 200


def test_password_is_ignored(mock):
    response = send(mock, "GET", "/user", key=None, headers={"Authorization": basic_auth(ADMIN_KEY_A, "anything")})

    assert response.status_code == 200


def test_basic_scheme_name_is_case_insensitive(mock):
    token = basic_auth(ADMIN_KEY_A).split(" ", 1)[1]

    response = send(mock, "GET", "/user", key=None, headers={"Authorization": f"bAsIc {token}"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("key", "email", "role"),
    [
        (ADMIN_KEY_A, "priya@harbourside.example", "administrator"),
        (PRACTITIONER_KEY_A, "sam@harbourside.example", "practitioner"),
        (BOOKKEEPER_KEY_A, "dana@harbourside.example", "bookkeeper"),
        (ADMIN_KEY_B, "marta@northgate.example", "administrator"),
    ],
    ids=["admin-a", "practitioner-a", "bookkeeper-a", "admin-b"],
)
def test_each_key_is_its_own_user(mock, key, email, role):
    response = send(mock, "GET", "/user", key=key)

    assert response.status_code == 200
    assert (response.json()["email"], response.json()["role"]) == (email, role)


def test_user_record_has_the_documented_fields(mock):
    body = send(mock, "GET", "/user").json()

    assert list(body) == [
        "id",
        "first_name",
        "last_name",
        "email",
        "role",
        "time_zone",
        "created_at",
        "updated_at",
        "links",
    ]
