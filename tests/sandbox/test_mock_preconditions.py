"""Safe concurrent changes: `If-Match` and `If-Unmodified-Since` on every change to a patient (RFC 9110 §13).

Each change (update by `PUT` or `PATCH`, archive, unarchive) is tried with every kind of precondition.
One that holds lets the change through; one that fails gets `412` with the JSON error body, and the
patient and the list of archived patients stay exactly as they were. Unarchive is tried on an archived
patient, so that it has something to change. How odd values are read (lists, spaces, malformed tags,
dates that are not HTTP dates) is shared by every change, so it is tried on `PATCH` alone.

The requests share one keep-alive connection: the file makes several hundred of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from api_requests import JSON_CONTENT_TYPE, RawClient, client_headers, error_message, send
from cliniko_sandbox.seed import ADMIN_KEY_B, BOOKKEEPER_KEY_A

PATIENT = "1240000000000000001"
ARCHIVED = "1240000000000000007"
#: Each change: method, the patient it changes, the path after the patient's URL, the body.
CHANGES = {
    "put": ("PUT", PATIENT, "", {"title": "Dr"}),
    "patch": ("PATCH", PATIENT, "", {"title": "Dr"}),
    "archive": ("POST", PATIENT, "/archive", None),
    "unarchive": ("POST", ARCHIVED, "/unarchive", None),
}
#: Before every seeded patient's `Last-Modified`, and the clock's own time, after all of them.
LONG_AGO = "Sun, 01 Jan 2023 00:00:00 GMT"
NOW = "Thu, 15 Jan 2026 09:30:00 GMT"

Api = Callable[..., requests.Response]


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as shared:
        yield shared


@pytest.fixture
def api(mock, session: requests.Session) -> Api:
    """`send` to the freshly reset mock, on the module's connection."""

    def call(method: str, target: str, **kwargs: Any) -> requests.Response:
        return send(mock, method, target, session=session, **kwargs)

    return call


def _state(api: Api, patient_id: str) -> tuple[bytes, bytes]:
    """Everything a change could touch: the patient, and the list of archived patients."""
    return api("GET", f"/patients/{patient_id}").content, api("GET", "/patients/archived").content


def _validators(api: Api, patient_id: str) -> tuple[str, str]:
    response = api("GET", f"/patients/{patient_id}")
    return response.headers["ETag"], response.headers["Last-Modified"]


def _change(api: Api, change: str, headers: dict[str, str], **kwargs: Any) -> requests.Response:
    method, patient_id, suffix, body = CHANGES[change]
    kwargs.setdefault("json", body)
    return api(method, f"/patients/{patient_id}{suffix}", headers=headers, **kwargs)


def _assert_refused_and_unchanged(api: Api, change: str, headers: dict[str, str]) -> None:
    patient_id = CHANGES[change][1]
    before = _state(api, patient_id)

    response = _change(api, change, headers)

    assert response.status_code == 412, response.text
    assert response.headers["Content-Type"] == JSON_CONTENT_TYPE
    assert response.headers["Cache-Control"] == "no-store"
    assert "Precondition Failed" in error_message(response)
    assert _state(api, patient_id) == before


def _assert_made(api: Api, change: str, headers: dict[str, str]) -> None:
    before = api("GET", f"/patients/{CHANGES[change][1]}").content

    response = _change(api, change, headers)

    assert response.status_code in (200, 204), response.text
    assert api("GET", f"/patients/{CHANGES[change][1]}").content != before


# If-Match --------------------------------------------------------------------------------------


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("form", ["{tag}", "*", '"other", {tag}'], ids=["current-tag", "star", "in-a-list"])
def test_if_match_that_holds_lets_the_change_through(api, change, form):
    etag, _ = _validators(api, CHANGES[change][1])

    _assert_made(api, change, {"If-Match": form.format(tag=etag)})


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize(
    "form", ['"other"', "W/{tag}", 'W/{tag}, "other"'], ids=["other-tag", "weak-current-tag", "list-of-others"]
)
def test_if_match_that_fails_gets_412_and_changes_nothing(api, change, form):
    etag, _ = _validators(api, CHANGES[change][1])

    _assert_refused_and_unchanged(api, change, {"If-Match": form.format(tag=etag)})


def test_if_match_list_with_spaces_around_its_commas_is_read(api):
    etag, _ = _validators(api, PATIENT)

    _assert_made(api, "patch", {"If-Match": f'"a" ,{etag} ,  "b"'})


@pytest.mark.parametrize(
    "form", ["{bare}", "", "*, {tag}", "{tag}x", '"other" {tag}'], ids=["unquoted", "empty", "star-in-a-list", "junk", "no-comma"]
)
def test_malformed_if_match_matches_nothing(api, form):
    etag, _ = _validators(api, PATIENT)

    _assert_refused_and_unchanged(api, "patch", {"If-Match": form.format(tag=etag, bare=etag.strip('"'))})


def test_the_tag_of_another_representation_does_not_match(api):
    etag = api("GET", f"/patients?q=id:={PATIENT}").headers["ETag"]

    _assert_refused_and_unchanged(api, "put", {"If-Match": etag})


def test_if_match_lines_sent_separately_count_as_one_list(mock, api):
    etag, _ = _validators(api, PATIENT)
    headers = [("Host", "127.0.0.1"), *client_headers().items(), ("Content-Type", "application/json")]
    headers += [("If-Match", '"other"'), ("If-Match", etag)]

    with RawClient(mock) as client:
        answer = client.send("PATCH", f"/v1/patients/{PATIENT}", headers, json.dumps({"title": "Dr"}).encode())

    assert answer.status == 200
    assert answer.json()["title"] == "Dr"


# If-Unmodified-Since ---------------------------------------------------------------------------


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("since", ["last-modified", NOW], ids=["at-last-modified", "after"])
def test_if_unmodified_since_at_or_after_last_modified_lets_the_change_through(api, change, since):
    _, last_modified = _validators(api, CHANGES[change][1])

    _assert_made(api, change, {"If-Unmodified-Since": last_modified if since == "last-modified" else since})


@pytest.mark.parametrize("change", CHANGES)
def test_if_unmodified_since_before_last_modified_gets_412_and_changes_nothing(api, change):
    _assert_refused_and_unchanged(api, change, {"If-Unmodified-Since": LONG_AGO})


@pytest.mark.parametrize("change", CHANGES)
def test_if_unmodified_since_that_is_not_a_date_is_ignored(api, change):
    _assert_made(api, change, {"If-Unmodified-Since": "yesterday"})


@pytest.mark.parametrize(
    "value",
    ["", "2023-01-01T00:00:00Z", "Sun, 01 Jan 2023 00:00:00", "Sun, 99 Jan 2023 00:00:00 GMT", f"{LONG_AGO}, {LONG_AGO}"],
    ids=["empty", "iso-8601", "no-zone", "impossible-day", "a-list-of-dates"],
)
def test_if_unmodified_since_that_is_not_an_http_date_is_ignored(api, value):
    _assert_made(api, "patch", {"If-Unmodified-Since": value})


def test_if_unmodified_since_accepts_an_older_http_date_form(api):
    _assert_refused_and_unchanged(api, "patch", {"If-Unmodified-Since": "Sunday, 01-Jan-23 00:00:00 GMT"})


def test_a_change_moves_last_modified_to_its_own_time_past_an_older_date_a_client_read(api):
    _, last_modified = _validators(api, PATIENT)
    assert _change(api, "put", {"If-Unmodified-Since": last_modified}).status_code == 200

    # The seeded patient last changed in 2025; the change took the clock's time, so the date read no
    # longer holds.
    _assert_refused_and_unchanged(api, "patch", {"If-Unmodified-Since": last_modified})


def test_if_unmodified_since_misses_a_change_in_the_same_second_and_if_match_catches_it(api):
    """Dates have whole seconds: a change made in the second of the read is not later than it (RFC 9110
    section 13.1.4), so the guard lets the next change through. The sync page says so, and to prefer
    If-Match, which tells every version apart."""
    assert _change(api, "patch", {}).status_code == 200  # the patient's Last-Modified is now the clock's
    etag, last_modified = _validators(api, PATIENT)
    assert last_modified == NOW
    assert _change(api, "put", {}, json={"title": "Ms"}).status_code == 200  # someone else, same second

    assert _change(api, "patch", {"If-Unmodified-Since": last_modified}, json={"title": "Mr"}).status_code == 200
    _assert_refused_and_unchanged(api, "patch", {"If-Match": etag})


# Both ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("change", CHANGES)
def test_if_unmodified_since_is_ignored_when_if_match_holds(api, change):
    etag, _ = _validators(api, CHANGES[change][1])

    _assert_made(api, change, {"If-Match": etag, "If-Unmodified-Since": LONG_AGO})


@pytest.mark.parametrize("change", CHANGES)
def test_if_unmodified_since_is_ignored_when_if_match_fails(api, change):
    _assert_refused_and_unchanged(api, change, {"If-Match": '"other"', "If-Unmodified-Since": NOW})


# Two clients -----------------------------------------------------------------------------------


def test_the_second_of_two_changes_made_from_the_same_read_gets_412(api):
    etag, _ = _validators(api, PATIENT)
    first = api("PUT", f"/patients/{PATIENT}", headers={"If-Match": etag}, json={"email": "first@example.com"})
    assert first.status_code == 200

    second = api("PUT", f"/patients/{PATIENT}", headers={"If-Match": etag}, json={"title": "Dr"})

    assert second.status_code == 412
    assert api("GET", f"/patients/{PATIENT}").json() == first.json()
    fresh, _ = _validators(api, PATIENT)
    again = api("PUT", f"/patients/{PATIENT}", headers={"If-Match": fresh}, json={"title": "Dr"})
    assert again.status_code == 200 and again.json()["email"] == "first@example.com"


def test_a_change_that_changes_nothing_keeps_the_tag(api):
    etag, _ = _validators(api, PATIENT)
    title = api("GET", f"/patients/{PATIENT}").json()["title"]

    assert _change(api, "put", {"If-Match": etag}, json={"title": title}).status_code == 200

    assert _validators(api, PATIENT)[0] == etag


# Where the check comes in the order --------------------------------------------------------------


def test_other_refusals_come_before_412(api):
    stale = {"If-Match": '"other"'}

    assert _change(api, "put", stale, key=BOOKKEEPER_KEY_A).status_code == 403
    assert _change(api, "archive", stale, key=ADMIN_KEY_B).status_code == 404
    assert api("POST", "/patients/1/unarchive", headers={"If-Match": "*"}).status_code == 404
    not_json = _change(api, "put", {**stale, "Content-Type": "application/json"}, json=None, data=b"{")
    assert not_json.status_code == 400


@pytest.mark.parametrize("change", ["put", "patch"])
def test_412_comes_before_the_body_is_validated(api, change):
    response = _change(api, change, {"If-Match": '"other"'}, json={"last_name": None})

    assert response.status_code == 412


def test_a_holding_precondition_still_leaves_an_archived_patient_unchangeable(api):
    etag, _ = _validators(api, ARCHIVED)

    response = api("PUT", f"/patients/{ARCHIVED}", headers={"If-Match": etag}, json={"title": "Dr"})

    assert response.status_code == 409


def test_reads_and_creates_ignore_the_preconditions(api):
    headers = {"If-Match": '"other"', "If-Unmodified-Since": LONG_AGO}

    assert api("GET", f"/patients/{PATIENT}", headers=headers).status_code == 200
    assert api("GET", "/patients/archived", headers=headers).status_code == 200
    created = api("POST", "/patients", headers=headers, json={"first_name": "Ana", "last_name": "Lim"})
    assert created.status_code == 201
