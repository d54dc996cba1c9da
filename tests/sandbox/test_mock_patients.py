"""Patients: roles, account isolation, create, update, archive, validation and pagination."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from api_requests import ISO_UTC, error_message, send
from cliniko_sandbox.contract import FIELD_LIMITS, PAGE_MAX, PER_PAGE_DEFAULT, PER_PAGE_MAX
from cliniko_sandbox.seed import ADMIN_KEY_A, ADMIN_KEY_B, BOOKKEEPER_KEY_A, PRACTITIONER_KEY_A

PATIENT_A = "1240000000000000001"
ARCHIVED_A = "1240000000000000007"
PATIENT_B = "1240000000000000113"
ACTIVE_IN_A = 110
#: The last page of the account's active patients, at the default page size (3 with 50 a page).
LAST_DEFAULT_PAGE = -(-ACTIVE_IN_A // PER_PAGE_DEFAULT)
NEW_PATIENT = {"first_name": "Ana", "last_name": "Lim", "email": "ana.lim@example.com", "date_of_birth": "1990-04-12"}


def _list_ids(mock, key: str = ADMIN_KEY_A, **params: object) -> list[str]:
    response = send(mock, "GET", "/patients", key=key, params=params)
    assert response.status_code == 200
    return [patient["id"] for patient in response.json()["patients"]]


def _all_ids(mock, key: str = ADMIN_KEY_A) -> list[str]:
    return _list_ids(mock, key, per_page=PER_PAGE_MAX) + _list_ids(mock, key, per_page=PER_PAGE_MAX, page=2)


# Roles -----------------------------------------------------------------------------------------


#: The methods that update a patient: `PUT` (Cliniko's later docs) and `PATCH`, an alias with the same meaning.
UPDATE_METHODS = ["PUT", "PATCH"]

#: Each change to patients: its method, path, body, and the status it gets when allowed.
WRITES = {
    "create": ("POST", "/patients", NEW_PATIENT, 201),
    "update-put": ("PUT", f"/patients/{PATIENT_A}", {"first_name": "Changed"}, 200),
    "update-patch": ("PATCH", f"/patients/{PATIENT_A}", {"first_name": "Changed"}, 200),
    "archive": ("POST", f"/patients/{PATIENT_A}/archive", None, 204),
}


@pytest.mark.parametrize("write", WRITES)
def test_bookkeeper_gets_403_for_every_patient_change_and_nothing_changes(mock, write):
    method, path, body, _ = WRITES[write]
    before = send(mock, "GET", f"/patients/{PATIENT_A}").content

    response = send(mock, method, path, key=BOOKKEEPER_KEY_A, json=body)

    assert response.status_code == 403
    assert "bookkeeper" in error_message(response)
    assert send(mock, "GET", f"/patients/{PATIENT_A}").content == before
    assert len(_all_ids(mock)) == ACTIVE_IN_A


def test_bookkeeper_may_read_the_list_and_a_patient(mock):
    listed = send(mock, "GET", "/patients", key=BOOKKEEPER_KEY_A)
    one = send(mock, "GET", f"/patients/{PATIENT_A}", key=BOOKKEEPER_KEY_A)

    assert listed.status_code == 200 and listed.json()["total_entries"] == ACTIVE_IN_A
    assert one.status_code == 200 and one.json()["id"] == PATIENT_A


@pytest.mark.parametrize("key", [ADMIN_KEY_A, PRACTITIONER_KEY_A], ids=["administrator", "practitioner"])
@pytest.mark.parametrize("write", WRITES)
def test_administrator_and_practitioner_may_change_patients(mock, key, write):
    method, path, body, allowed = WRITES[write]

    response = send(mock, method, path, key=key, json=body)

    assert response.status_code == allowed


# Account isolation -------------------------------------------------------------------------------


def test_account_b_lists_only_its_own_patients(mock):
    ids_b = _all_ids(mock, ADMIN_KEY_B)
    ids_a = _all_ids(mock, ADMIN_KEY_A)

    assert len(ids_b) == 3
    assert PATIENT_B in ids_b
    assert not set(ids_b) & set(ids_a)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/patients/{PATIENT_A}", None),
        ("PUT", f"/patients/{PATIENT_A}", {"first_name": "Taken"}),
        ("PATCH", f"/patients/{PATIENT_A}", {"first_name": "Taken"}),
        ("POST", f"/patients/{PATIENT_A}/archive", None),
    ],
    ids=["read", "update-put", "update-patch", "archive"],
)
def test_another_accounts_patient_is_not_found(mock, method, path, body):
    before = send(mock, "GET", f"/patients/{PATIENT_A}").content

    response = send(mock, method, path, key=ADMIN_KEY_B, json=body)

    assert response.status_code == 404
    assert error_message(response)
    assert send(mock, "GET", f"/patients/{PATIENT_A}").content == before


def test_patient_created_in_account_a_is_invisible_to_account_b(mock):
    created = send(mock, "POST", "/patients", json=NEW_PATIENT).json()

    assert created["id"] not in _all_ids(mock, ADMIN_KEY_B)
    assert send(mock, "GET", f"/patients/{created['id']}", key=ADMIN_KEY_B).status_code == 404


@pytest.mark.parametrize("patient_id", ["1", "999999999999999999999", "abc", "-1240000000000000001", "1e3"])
def test_unknown_patient_id_gets_404(mock, patient_id):
    response = send(mock, "GET", f"/patients/{patient_id}")

    assert response.status_code == 404
    assert error_message(response)


# Create ----------------------------------------------------------------------------------------


def test_create_answers_201_with_the_record_and_its_location(mock):
    response = send(mock, "POST", "/patients", json=NEW_PATIENT)

    assert response.status_code == 201
    record = response.json()
    assert {name: record[name] for name in NEW_PATIENT} == NEW_PATIENT
    assert response.headers["Location"] == f"{mock.base_url}/patients/{record['id']}"
    assert record["links"]["self"] == response.headers["Location"]
    assert record["created_at"] == record["updated_at"] == "2026-01-15T09:30:00Z"
    assert record["archived_at"] is None


def test_created_patient_is_readable_at_its_location_and_listed(mock):
    created = send(mock, "POST", "/patients", json=NEW_PATIENT)

    fetched = send(mock, "GET", created.headers["Location"])

    assert fetched.status_code == 200
    assert fetched.json() == created.json()
    assert created.json()["id"] in _all_ids(mock)
    assert len(_all_ids(mock)) == ACTIVE_IN_A + 1


def test_created_patients_get_new_ids_above_every_existing_one(mock):
    existing = _all_ids(mock, ADMIN_KEY_A) + _all_ids(mock, ADMIN_KEY_B)

    first = send(mock, "POST", "/patients", json=NEW_PATIENT).json()["id"]
    second = send(mock, "POST", "/patients", json=NEW_PATIENT).json()["id"]

    assert int(second) > int(first) > max(int(patient_id) for patient_id in existing)


def test_optional_fields_left_out_are_null(mock):
    record = send(mock, "POST", "/patients", json={"first_name": "Bo", "last_name": "Kim"}).json()

    assert (record["title"], record["email"], record["date_of_birth"]) == (None, None, None)


# Update ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", UPDATE_METHODS)
def test_update_changes_only_the_fields_sent_and_moves_updated_at(mock, controls, method):
    before = send(mock, "GET", f"/patients/{PATIENT_A}").json()
    controls.advance(3600)

    response = send(mock, method, f"/patients/{PATIENT_A}", json={"first_name": "Wil", "email": None})

    assert response.status_code == 200
    after = response.json()
    assert (after["first_name"], after["email"]) == ("Wil", None)
    unchanged = {name: value for name, value in before.items() if name not in {"first_name", "email", "updated_at"}}
    assert {name: after[name] for name in unchanged} == unchanged
    assert after["updated_at"] == "2026-01-15T10:30:00Z"
    assert send(mock, "GET", f"/patients/{PATIENT_A}").json() == after


@pytest.mark.parametrize("method", UPDATE_METHODS)
def test_update_that_changes_nothing_keeps_updated_at(mock, controls, method):
    before = send(mock, "GET", f"/patients/{PATIENT_A}").json()
    controls.advance(3600)

    after = send(mock, method, f"/patients/{PATIENT_A}", json={"first_name": before["first_name"]}).json()

    assert after == before


@pytest.mark.parametrize("method", UPDATE_METHODS)
def test_archived_patient_cannot_be_updated(mock, method):
    before = send(mock, "GET", f"/patients/{ARCHIVED_A}").content

    response = send(mock, method, f"/patients/{ARCHIVED_A}", json={"first_name": "Back"})

    assert response.status_code == 409
    assert response.json() == {"message": error_message(response)}
    assert "archived" in error_message(response) and f"/patients/{ARCHIVED_A}/unarchive" in error_message(response)
    assert send(mock, "GET", f"/patients/{ARCHIVED_A}").content == before


@pytest.mark.parametrize("method", UPDATE_METHODS)
def test_an_invalid_change_to_an_archived_patient_gets_422_first(mock, method):
    response = send(mock, method, f"/patients/{ARCHIVED_A}", json={"email": "not an address"})

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"email"}


def test_an_unarchived_patient_takes_the_change_the_archived_one_refused(mock):
    change = {"first_name": "Back"}
    assert send(mock, "PUT", f"/patients/{ARCHIVED_A}", json=change).status_code == 409

    assert send(mock, "POST", f"/patients/{ARCHIVED_A}/unarchive").status_code == 204
    response = send(mock, "PUT", f"/patients/{ARCHIVED_A}", json=change)

    assert response.status_code == 200 and response.json()["first_name"] == "Back"


@pytest.mark.parametrize("method", UPDATE_METHODS)
def test_put_and_patch_make_the_same_change(mock, method):
    other = "PATCH" if method == "PUT" else "PUT"
    first = send(mock, method, f"/patients/{PATIENT_A}", json={"title": "Dr"}).json()

    second = send(mock, other, f"/patients/{PATIENT_A}", json={"title": "Dr"})

    assert second.status_code == 200
    assert second.json() == first


# Archive ---------------------------------------------------------------------------------------


def test_archive_answers_204_with_no_body(mock):
    response = send(mock, "POST", f"/patients/{PATIENT_A}/archive")

    assert response.status_code == 204
    assert response.content == b""
    assert "Content-Type" not in response.headers


def test_archived_patient_disappears_from_the_list(mock, controls):
    controls.advance(60)
    send(mock, "POST", f"/patients/{PATIENT_A}/archive")

    ids = _all_ids(mock)
    assert PATIENT_A not in ids
    assert len(ids) == ACTIVE_IN_A - 1
    assert send(mock, "GET", "/patients").json()["total_entries"] == ACTIVE_IN_A - 1
    record = send(mock, "GET", f"/patients/{PATIENT_A}").json()
    assert record["archived_at"] == "2026-01-15T09:31:00Z"


def test_seeded_archived_patients_are_not_listed(mock):
    ids = _all_ids(mock)

    assert ARCHIVED_A not in ids
    assert send(mock, "GET", f"/patients/{ARCHIVED_A}").json()["archived_at"] is not None


def test_archive_accepts_an_empty_json_body(mock):
    response = send(mock, "POST", f"/patients/{PATIENT_A}/archive", json={})

    assert response.status_code == 204


# Validation (422) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "body", "errors"),
    [
        ("POST", {}, {"first_name": "can't be blank", "last_name": "can't be blank"}),
        ("POST", {"first_name": "  ", "last_name": "Lim"}, {"first_name": "can't be blank"}),
        (
            "POST",
            {"first_name": "Ana", "last_name": "Lim", "nickname": "A"},
            {"nickname": "is not an attribute of a patient that can be set"},
        ),
        ("POST", {"first_name": 7, "last_name": "Lim"}, {"first_name": "must be a string"}),
        (
            "POST",
            {"first_name": "A" * (FIELD_LIMITS["first_name"] + 1), "last_name": "Lim"},
            {"first_name": f"is too long (maximum is {FIELD_LIMITS['first_name']} characters)"},
        ),
        (
            "POST",
            {"first_name": "Ana", "last_name": "Lim", "email": "ana at example"},
            {"email": "is not a valid e-mail address"},
        ),
        (
            "POST",
            {"first_name": "Ana", "last_name": "Lim", "date_of_birth": "12/04/1990"},
            {"date_of_birth": "must be a date written as YYYY-MM-DD"},
        ),
        (
            "POST",
            {"first_name": "Ana", "last_name": "Lim", "date_of_birth": "1990-02-30"},
            {"date_of_birth": "must be a date written as YYYY-MM-DD"},
        ),
        (
            "POST",
            {"first_name": "Ana", "last_name": "Lim", "date_of_birth": "2026-01-16"},
            {"date_of_birth": "can't be in the future"},
        ),
        ("PUT", {"last_name": None}, {"last_name": "can't be blank"}),
        ("PUT", {"id": "1"}, {"id": "is not an attribute of a patient that can be set"}),
        ("PATCH", {"last_name": None}, {"last_name": "can't be blank"}),
        ("PATCH", {"id": "1"}, {"id": "is not an attribute of a patient that can be set"}),
    ],
    ids=[
        "create-empty",
        "blank-name",
        "unknown-field",
        "not-a-string",
        "name-too-long",
        "bad-email",
        "date-not-iso",
        "date-impossible",
        "date-in-future",
        "put-clears-required",
        "put-read-only-field",
        "patch-clears-required",
        "patch-read-only-field",
    ],
)
def test_invalid_patient_body_gets_422_naming_each_field(mock, method, body, errors):
    path = "/patients" if method == "POST" else f"/patients/{PATIENT_A}"

    response = send(mock, method, path, json=body)

    assert response.status_code == 422
    assert response.json() == {"message": "Validation Failed", "errors": errors}


@pytest.mark.parametrize(
    "body", [[], ["first_name"], "Ana", 7, True], ids=["empty-list", "list", "string", "number", "boolean"]
)
def test_body_that_is_not_an_object_gets_422_under_base(mock, body):
    response = send(mock, "POST", "/patients", json=body)

    assert response.status_code == 422
    assert response.json()["message"] == "Validation Failed"
    assert list(response.json()["errors"]) == ["base"]


def test_create_without_a_body_gets_422_for_the_required_names(mock):
    response = send(mock, "POST", "/patients")

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"first_name", "last_name"}


def test_refused_create_stores_nothing(mock):
    send(mock, "POST", "/patients", json={"first_name": "Ana"})

    assert len(_all_ids(mock)) == ACTIVE_IN_A


# Representations ---------------------------------------------------------------------------------


def _records(mock) -> list[dict]:
    records = [send(mock, "GET", "/user").json()]
    for page in (1, 2):
        records += send(mock, "GET", "/patients", params={"per_page": PER_PAGE_MAX, "page": page}).json()["patients"]
    records += send(mock, "GET", "/patients", key=ADMIN_KEY_B).json()["patients"]
    records.append(send(mock, "GET", f"/patients/{ARCHIVED_A}").json())
    return records


def test_ids_are_strings_of_digits_too_large_for_a_double(mock):
    for record in _records(mock):
        assert isinstance(record["id"], str) and record["id"].isdigit(), record
        assert int(record["id"]) > 2**53


def test_times_are_utc_iso_8601_with_z(mock):
    checked = 0
    for record in _records(mock):
        for name in ("created_at", "updated_at", "archived_at"):
            if record.get(name) is not None:
                assert ISO_UTC.match(record[name]), (name, record[name])
                checked += 1
    assert checked > 200


def test_self_links_are_absolute_urls_on_the_mock(mock):
    # The address this test connects to, written out rather than taken from the mock's own base URL.
    base = f"https://127.0.0.1:{mock.port}/v1"
    records = _records(mock)

    assert records[0]["links"] == {"self": f"{base}/user"}
    for record in records[1:]:
        assert record["links"] == {"self": f"{base}/patients/{record['id']}"}


def test_patient_record_has_the_documented_fields(mock):
    record = send(mock, "GET", f"/patients/{PATIENT_A}").json()

    assert list(record) == [
        "id",
        "title",
        "first_name",
        "last_name",
        "date_of_birth",
        "email",
        "created_at",
        "updated_at",
        "archived_at",
        "links",
    ]


# Pagination ------------------------------------------------------------------------------------


def _page(mock, **params: object) -> dict:
    response = send(mock, "GET", "/patients", params=params)
    assert response.status_code == 200
    return response.json()


def test_default_pages_hold_the_default_number_of_patients_and_the_last_the_rest(mock):
    pages = [_page(mock, page=page) for page in range(1, LAST_DEFAULT_PAGE + 1)]

    full, rest = divmod(ACTIVE_IN_A, PER_PAGE_DEFAULT)
    assert [len(page["patients"]) for page in pages] == [PER_PAGE_DEFAULT] * full + ([rest] if rest else [])
    assert {page["total_entries"] for page in pages} == {ACTIVE_IN_A}
    assert _page(mock)["patients"] == pages[0]["patients"]


def test_links_leave_out_the_one_that_does_not_apply(mock):
    collection = f"{mock.base_url}/patients"

    assert _page(mock)["links"] == {"self": f"{collection}?page=1", "next": f"{collection}?page=2"}
    assert _page(mock, page=2)["links"] == {
        "self": f"{collection}?page=2",
        "next": f"{collection}?page=3",
        "previous": f"{collection}?page=1",
    }
    last = LAST_DEFAULT_PAGE
    assert _page(mock, page=last)["links"] == {
        "self": f"{collection}?page={last}",
        "previous": f"{collection}?page={last - 1}",
    }


def test_a_chosen_per_page_is_carried_into_the_links(mock):
    links = _page(mock, page=2, per_page=30)["links"]

    for name in ("self", "next", "previous"):
        assert parse_qs(urlsplit(links[name]).query)["per_page"] == ["30"]


def test_per_page_goes_up_to_the_maximum(mock):
    page = _page(mock, per_page=PER_PAGE_MAX)

    assert len(page["patients"]) == min(PER_PAGE_MAX, ACTIVE_IN_A)
    assert ("next" in page["links"]) == (PER_PAGE_MAX < ACTIVE_IN_A)


def test_a_list_that_fits_one_page_links_only_to_itself(mock):
    single = send(mock, "GET", "/patients", key=ADMIN_KEY_B).json()

    assert len(single["patients"]) == single["total_entries"] == 3
    assert single["links"] == {"self": f"{mock.base_url}/patients?page=1"}


@pytest.mark.parametrize(
    "params",
    [
        {"per_page": str(PER_PAGE_MAX + 1)},
        {"per_page": "0"},
        {"per_page": "-5"},
        {"per_page": "ten"},
        {"per_page": ""},
        {"page": "0"},
        {"page": "-1"},
        {"page": "1.5"},
        {"page": "two"},
        {"page": ""},
        {"page": "\u0663"},
        {"page": str(PAGE_MAX + 1)},
        {"page": "7" * 4301},
        {"per_page": "9" * 5000},
    ],
    ids=lambda params: "-".join(f"{name}={value[:12]!r}" for name, value in params.items()),
)
def test_bad_page_or_per_page_gets_400(mock, params):
    response = send(mock, "GET", "/patients", params=params)

    assert response.status_code == 400
    assert next(iter(params)) in error_message(response)


def test_leading_zeros_in_page_numbers_are_ignored(mock):
    assert _page(mock, page="0" * 5000 + "2", per_page="0040") == _page(mock, page=2, per_page=40)


def test_a_page_past_the_end_is_empty(mock):
    page = _page(mock, page=LAST_DEFAULT_PAGE + 1)

    assert page["patients"] == []
    assert page["total_entries"] == ACTIVE_IN_A
    assert "next" not in page["links"]


@pytest.mark.parametrize("page", [4, 9])
def test_previous_from_past_the_end_leads_to_the_last_page_with_records(mock, page):
    links = _page(mock, page=page, per_page=50)["links"]

    assert links == {
        "self": f"{mock.base_url}/patients?page={page}&per_page=50",
        "previous": f"{mock.base_url}/patients?page=3&per_page=50",
    }


def test_following_next_visits_every_patient_exactly_once(mock):
    seen: list[str] = []
    url: str | None = f"{mock.base_url}/patients?page=1"
    with requests.Session() as session:
        while url is not None:
            page = send(mock, "GET", url, session=session).json()
            seen += [patient["id"] for patient in page["patients"]]
            url = page["links"].get("next")

    assert len(seen) == ACTIVE_IN_A
    assert len(set(seen)) == ACTIVE_IN_A
    assert set(seen) == set(_all_ids(mock))


def test_following_next_with_a_small_page_size_visits_every_patient_once(mock):
    seen: list[str] = []
    url: str | None = f"{mock.base_url}/patients?per_page=7"
    pages = 0
    with requests.Session() as session:
        while url is not None:
            page = send(mock, "GET", url, session=session).json()
            seen += [patient["id"] for patient in page["patients"]]
            url = page["links"].get("next")
            pages += 1

    assert pages == 16
    assert sorted(seen, key=int) == seen
    assert len(set(seen)) == len(seen) == ACTIVE_IN_A


def test_following_previous_from_the_last_page_returns_to_the_first(mock):
    url: str | None = f"{mock.base_url}/patients?page=3"
    visited = []
    while url is not None:
        page = send(mock, "GET", url).json()
        visited.append(page["links"]["self"])
        url = page["links"].get("previous")

    assert [urlsplit(link).query for link in visited] == ["page=3", "page=2", "page=1"]
