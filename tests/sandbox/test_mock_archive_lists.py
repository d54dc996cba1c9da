"""The lists of archived and deleted patients, and unarchiving.

What each list holds is worked out from the seed (`seed.initial_dataset`), not written out here, so that
a change to the seed changes the expectations with it.
"""

from __future__ import annotations

import pytest
import requests

from api_requests import ISO_UTC, error_message, send
from cliniko_sandbox import seed
from cliniko_sandbox.contract import PER_PAGE_MAX
from cliniko_sandbox.seed import ACCOUNT_A, ADMIN_KEY_A, ADMIN_KEY_B, BOOKKEEPER_KEY_A, PRACTITIONER_KEY_A

_DATA = seed.initial_dataset()
ARCHIVED_IDS = sorted(
    (p.id for p in _DATA.patients.values() if p.account_id == ACCOUNT_A and p.archived_at is not None), key=int
)
DELETED_IDS = sorted((p.id for p in _DATA.deleted_patients.values() if p.account_id == ACCOUNT_A), key=int)
ACTIVE_COUNT = sum(1 for p in _DATA.patients.values() if p.account_id == ACCOUNT_A and p.archived_at is None)
PATIENT_A = "1240000000000000001"
ARCHIVED_A = ARCHIVED_IDS[0]
DELETED_A = DELETED_IDS[0]
LISTS = ["/patients/archived", "/patients/deleted"]
PATIENT_FIELDS = [
    "id", "title", "first_name", "last_name", "date_of_birth", "email", "created_at", "updated_at", "archived_at",
]


def _list(mock, path: str, key: str = ADMIN_KEY_A, **params: object) -> dict:
    response = send(mock, "GET", path, key=key, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _ids(mock, path: str, **params: object) -> list[str]:
    return [patient["id"] for patient in _list(mock, path, per_page=PER_PAGE_MAX, **params)["patients"]]


def _all_active_ids(mock) -> list[str]:
    return _ids(mock, "/patients") + _ids(mock, "/patients", page=2)


def test_the_seed_has_archived_and_deleted_patients_in_account_a():
    assert len(ARCHIVED_IDS) == 2 and len(DELETED_IDS) == 3
    assert not set(DELETED_IDS) & set(_DATA.patients)


# What the lists hold ---------------------------------------------------------------------------


def test_archived_list_holds_the_archived_patients_as_get_shows_them(mock):
    page = _list(mock, "/patients/archived")

    assert [patient["id"] for patient in page["patients"]] == ARCHIVED_IDS
    assert page["total_entries"] == len(ARCHIVED_IDS)
    for record in page["patients"]:
        assert record["archived_at"] is not None
        assert record == send(mock, "GET", f"/patients/{record['id']}").json()


def test_deleted_list_holds_the_deleted_patients_with_deleted_at(mock):
    page = _list(mock, "/patients/deleted")

    assert [patient["id"] for patient in page["patients"]] == DELETED_IDS
    assert page["total_entries"] == len(DELETED_IDS)
    for record in page["patients"]:
        assert list(record) == [*PATIENT_FIELDS, "deleted_at", "links"]
        assert ISO_UTC.match(record["deleted_at"]) and record["deleted_at"] >= record["updated_at"]
        assert record["links"] == {"self": f"{mock.base_url}/patients/{record['id']}"}


def test_deleted_patients_are_on_no_other_list(mock):
    listed = set(_all_active_ids(mock)) | set(_ids(mock, "/patients/archived"))

    assert not listed & set(DELETED_IDS)


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("HEAD", ""), ("PUT", ""), ("PATCH", ""), ("POST", "/archive"), ("POST", "/unarchive")],
)
def test_a_deleted_patient_is_not_found_at_its_self_link(mock, method, suffix):
    self_link = _list(mock, "/patients/deleted")["patients"][0]["links"]["self"]
    body = {"first_name": "Back"} if method in {"PUT", "PATCH"} else None

    response = send(mock, method, self_link + suffix, json=body)

    assert response.status_code == 404
    if method != "HEAD":
        assert "no patient with that ID" in error_message(response)


def test_another_account_sees_neither_list_of_account_a(mock):
    for path in LISTS:
        page = _list(mock, path, key=ADMIN_KEY_B)
        assert page == {"patients": [], "total_entries": 0, "links": {"self": f"{mock.base_url}{path}?page=1"}}


def test_deleted_patients_do_not_move_the_id_a_new_patient_gets(mock):
    created = send(mock, "POST", "/patients", json={"first_name": "Ana", "last_name": "Lim"}).json()

    assert created["id"] == str(_DATA.next_patient_id + 1)
    assert int(created["id"]) < int(DELETED_IDS[0])


# Routes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("method", ["PUT", "PATCH", "POST", "DELETE"])
def test_a_list_path_is_not_taken_for_a_patient_id(mock, path, method):
    response = send(mock, method, path, json={})

    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("path", LISTS)
def test_head_of_a_list_has_the_headers_of_get(mock, path):
    got, head = send(mock, "GET", path), send(mock, "HEAD", path)

    assert head.status_code == 200 and head.content == b""
    assert head.headers["ETag"] == got.headers["ETag"]


# Paging, filters and order ---------------------------------------------------------------------


@pytest.mark.parametrize("path", LISTS)
def test_following_next_visits_each_patient_once(mock, path):
    seen: list[str] = []
    url: str | None = f"{mock.base_url}{path}?per_page=1"
    with requests.Session() as session:
        while url is not None:
            page = send(mock, "GET", url, session=session).json()
            assert page["links"]["self"].startswith(f"{mock.base_url}{path}?")
            seen += [patient["id"] for patient in page["patients"]]
            url = page["links"].get("next")

    assert seen == _ids(mock, path)


@pytest.mark.parametrize("path", LISTS)
def test_a_page_past_the_end_is_empty_and_leads_back_to_the_last_page(mock, path):
    last_page = -(-len(ARCHIVED_IDS if path.endswith("archived") else DELETED_IDS) // 2)

    page = _list(mock, path, page=9, per_page=2)

    assert page["patients"] == []
    assert page["links"] == {
        "self": f"{mock.base_url}{path}?page=9&per_page=2",
        "previous": f"{mock.base_url}{path}?page={last_page}&per_page=2",
    }


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("params", [{"per_page": str(PER_PAGE_MAX + 1)}, {"page": "0"}, {"per_page": "x"}])
def test_bad_page_or_per_page_gets_400(mock, path, params):
    response = send(mock, "GET", path, params=params)

    assert response.status_code == 400
    assert next(iter(params)) in error_message(response)


def test_a_filter_selects_from_the_deleted_list_and_the_links_keep_it(mock):
    wanted = _DATA.deleted_patients[DELETED_IDS[1]]

    page = _list(mock, "/patients/deleted", **{"q[]": f"last_name:={wanted.last_name}"})

    assert [patient["id"] for patient in page["patients"]] == [wanted.id]
    assert page["total_entries"] == 1
    assert "q%5B%5D=last_name" in page["links"]["self"]


def test_a_filter_and_an_order_apply_to_the_archived_list(mock):
    assert _ids(mock, "/patients/archived", q=f"id:={ARCHIVED_A}") == [ARCHIVED_A]
    assert _ids(mock, "/patients/archived", sort="id:desc") == ARCHIVED_IDS[::-1]


@pytest.mark.parametrize("path", LISTS)
def test_a_filter_on_a_field_that_is_not_searchable_gets_400(mock, path):
    response = send(mock, "GET", path, params={"q[]": "title:=Dr"})

    assert response.status_code == 400
    assert "This column is not searchable." in error_message(response)


# Unarchive -------------------------------------------------------------------------------------


def test_unarchive_answers_204_and_brings_the_patient_back(mock, controls):
    controls.advance(60)

    response = send(mock, "POST", f"/patients/{ARCHIVED_A}/unarchive")

    assert response.status_code == 204
    assert response.content == b"" and "Content-Type" not in response.headers
    record = send(mock, "GET", f"/patients/{ARCHIVED_A}").json()
    assert record["archived_at"] is None
    assert record["updated_at"] == "2026-01-15T09:31:00Z"
    assert ARCHIVED_A in _all_active_ids(mock)
    assert _ids(mock, "/patients/archived") == ARCHIVED_IDS[1:]
    assert _list(mock, "/patients")["total_entries"] == ACTIVE_COUNT + 1


def test_archive_then_unarchive_moves_a_patient_between_the_lists(mock, controls):
    archived_etag = send(mock, "GET", "/patients/archived").headers["ETag"]
    controls.advance(5)

    send(mock, "POST", f"/patients/{PATIENT_A}/archive")
    assert _ids(mock, "/patients/archived") == sorted([*ARCHIVED_IDS, PATIENT_A], key=int)
    assert PATIENT_A not in _all_active_ids(mock)
    moved = send(mock, "GET", "/patients/archived")
    assert moved.headers["ETag"] != archived_etag
    assert moved.headers["Last-Modified"] == "Thu, 15 Jan 2026 09:30:05 GMT"

    controls.advance(5)
    send(mock, "POST", f"/patients/{PATIENT_A}/unarchive")
    assert _ids(mock, "/patients/archived") == ARCHIVED_IDS
    assert PATIENT_A in _all_active_ids(mock)
    assert send(mock, "GET", "/patients/archived").headers["Last-Modified"] == "Thu, 15 Jan 2026 09:30:10 GMT"


def test_unarchiving_a_patient_who_is_not_archived_changes_nothing(mock, controls):
    before = send(mock, "GET", f"/patients/{PATIENT_A}").content
    controls.advance(60)

    response = send(mock, "POST", f"/patients/{PATIENT_A}/unarchive")

    assert response.status_code == 204
    assert send(mock, "GET", f"/patients/{PATIENT_A}").content == before


def test_bookkeeper_gets_403_for_unarchive_and_nothing_changes(mock):
    response = send(mock, "POST", f"/patients/{ARCHIVED_A}/unarchive", key=BOOKKEEPER_KEY_A)

    assert response.status_code == 403
    assert "bookkeeper" in error_message(response)
    assert _ids(mock, "/patients/archived") == ARCHIVED_IDS


def test_practitioner_may_unarchive(mock):
    assert send(mock, "POST", f"/patients/{ARCHIVED_A}/unarchive", key=PRACTITIONER_KEY_A).status_code == 204


@pytest.mark.parametrize(
    ("key", "patient_id"),
    [(ADMIN_KEY_B, ARCHIVED_A), (ADMIN_KEY_A, "1"), (ADMIN_KEY_A, "abc"), (ADMIN_KEY_A, DELETED_A)],
    ids=["another-account", "unknown", "not-an-id", "deleted"],
)
def test_unarchive_of_a_patient_the_key_cannot_see_gets_404(mock, key, patient_id):
    response = send(mock, "POST", f"/patients/{patient_id}/unarchive", key=key)

    assert response.status_code == 404
    assert error_message(response)
    assert _ids(mock, "/patients/archived") == ARCHIVED_IDS


def test_unarchive_accepts_an_empty_json_body_and_refuses_broken_json(mock):
    broken = send(
        mock, "POST", f"/patients/{ARCHIVED_A}/unarchive", data=b"{", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert _ids(mock, "/patients/archived") == ARCHIVED_IDS

    assert send(mock, "POST", f"/patients/{ARCHIVED_A}/unarchive", json={}).status_code == 204
