"""Caching: validators on successful reads, and conditional requests answered with 304."""

from __future__ import annotations

import re
from email.utils import format_datetime

import pytest

from api_requests import HTTP_DATE, START_DATE, UNKNOWN_KEY, send
from cliniko_sandbox.contract import PER_PAGE_DEFAULT
from cliniko_sandbox.seed import ACCOUNT_A, ADMIN_KEY_B, PRACTITIONER_KEY_A

PATIENT = "1240000000000000001"
READS = ["/user", "/patients", "/patients?page=2&per_page=20", f"/patients/{PATIENT}"]
STRONG_ETAG = re.compile(r'^"[\x21\x23-\x7e]+"$')


def _etag(mock, target: str = f"/patients/{PATIENT}", **kwargs) -> str:
    response = send(mock, "GET", target, **kwargs)
    assert response.status_code == 200
    return response.headers["ETag"]


def _last_modified(mock, target: str = f"/patients/{PATIENT}") -> str:
    return send(mock, "GET", target).headers["Last-Modified"]


def _assert_not_modified(response, etag: str) -> None:
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.headers["Vary"] == "Accept, Authorization"
    assert response.headers["Date"] == START_DATE


# Validators ------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", READS)
def test_successful_read_carries_a_strong_quoted_etag(mock, target):
    etag = send(mock, "GET", target).headers["ETag"]

    assert STRONG_ETAG.match(etag), etag


@pytest.mark.parametrize("target", READS)
def test_successful_read_carries_last_modified_as_an_http_date(mock, target):
    last_modified = send(mock, "GET", target).headers["Last-Modified"]

    assert HTTP_DATE.match(last_modified), last_modified


@pytest.mark.parametrize("target", READS)
def test_successful_read_may_be_stored_only_privately_and_revalidated(mock, target):
    response = send(mock, "GET", target)

    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.headers["Vary"] == "Accept, Authorization"


def test_last_modified_of_a_patient_is_its_updated_at(mock):
    response = send(mock, "GET", f"/patients/{PATIENT}")

    assert response.json()["updated_at"] == "2025-03-06T23:28:00Z"
    assert response.headers["Last-Modified"] == "Thu, 06 Mar 2025 23:28:00 GMT"


def test_etag_is_stable_while_nothing_changes(mock):
    assert _etag(mock) == _etag(mock)


def test_different_query_strings_have_different_etags(mock):
    tags = {
        _etag(mock, "/patients"),
        _etag(mock, "/patients?page=1"),
        _etag(mock, f"/patients?per_page={PER_PAGE_DEFAULT}"),  # the default page, asked for by name
        _etag(mock, "/patients?page=2"),
    }

    assert len(tags) == 4


def test_different_users_get_different_etags_for_their_own_user_record(mock):
    assert _etag(mock, "/user") != _etag(mock, "/user", key=PRACTITIONER_KEY_A)


def test_update_changes_etag_and_last_modified(mock, controls):
    etag, last_modified = _etag(mock), _last_modified(mock)
    controls.advance(120)

    assert send(mock, "PATCH", f"/patients/{PATIENT}", json={"title": "Dr"}).status_code == 200

    assert _etag(mock) != etag
    assert _last_modified(mock) == "Thu, 15 Jan 2026 09:32:00 GMT" != last_modified
    assert send(mock, "GET", f"/patients/{PATIENT}", headers={"If-None-Match": etag}).status_code == 200


def test_creating_a_patient_changes_the_list_etag_and_last_modified(mock, controls):
    etag = _etag(mock, "/patients?page=3")
    controls.advance(5)

    send(mock, "POST", "/patients", json={"first_name": "Ana", "last_name": "Lim"})

    assert _etag(mock, "/patients?page=3") != etag
    assert _last_modified(mock, "/patients?page=3") == "Thu, 15 Jan 2026 09:30:05 GMT"


def test_archiving_changes_the_list_etag_and_last_modified(mock, controls):
    etag, last_modified = _etag(mock, "/patients"), _last_modified(mock, "/patients")
    controls.advance(5)

    send(mock, "POST", f"/patients/{PATIENT}/archive")

    assert _etag(mock, "/patients") != etag
    assert _last_modified(mock, "/patients") == "Thu, 15 Jan 2026 09:30:05 GMT" != last_modified


# If-None-Match ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "form",
    ["{tag}", "W/{tag}", '"other", {tag}', 'W/"other",W/{tag} ', "*"],
    ids=["exact", "weak", "in-a-list", "weak-in-a-list", "star"],
)
def test_matching_if_none_match_gets_304_with_validators_and_no_body(mock, form):
    etag = _etag(mock)

    response = send(mock, "GET", f"/patients/{PATIENT}", headers={"If-None-Match": form.format(tag=etag)})

    _assert_not_modified(response, etag)


@pytest.mark.parametrize(
    "form",
    ['"other"', "{bare}", 'W/"other", "another"', "{tag}x", "garbage, {tag}"],
    ids=["other-tag", "unquoted", "list-of-others", "trailing-junk", "malformed-list"],
)
def test_non_matching_if_none_match_gets_200_with_the_body(mock, form):
    etag = _etag(mock)

    response = send(
        mock, "GET", f"/patients/{PATIENT}", headers={"If-None-Match": form.format(tag=etag, bare=etag.strip('"'))}
    )

    assert response.status_code == 200
    assert response.json()["id"] == PATIENT


def test_etag_of_one_query_does_not_match_another(mock):
    etag = _etag(mock, "/patients?page=1")

    assert send(mock, "GET", "/patients", headers={"If-None-Match": etag}).status_code == 200


def test_matching_etag_of_a_list_page_gets_304(mock):
    etag = _etag(mock, "/patients?page=2")

    _assert_not_modified(send(mock, "GET", "/patients?page=2", headers={"If-None-Match": etag}), etag)


# If-Modified-Since -----------------------------------------------------------------------------


def test_if_modified_since_at_last_modified_gets_304(mock):
    last_modified = _last_modified(mock)

    response = send(mock, "GET", f"/patients/{PATIENT}", headers={"If-Modified-Since": last_modified})

    _assert_not_modified(response, _etag(mock))


def test_if_modified_since_after_last_modified_gets_304(mock):
    response = send(mock, "GET", f"/patients/{PATIENT}", headers={"If-Modified-Since": START_DATE})

    assert response.status_code == 304


def test_if_modified_since_before_a_change_gets_200(mock, controls):
    since = _last_modified(mock)
    controls.advance(1)
    send(mock, "PATCH", f"/patients/{PATIENT}", json={"title": "Dr"})

    response = send(mock, "GET", f"/patients/{PATIENT}", headers={"If-Modified-Since": since})

    assert response.status_code == 200
    assert response.json()["title"] == "Dr"


def test_if_modified_since_one_second_before_last_modified_gets_200(mock):
    response = send(mock, "GET", f"/patients/{PATIENT}", headers={"If-Modified-Since": "Thu, 06 Mar 2025 23:27:59 GMT"})

    assert response.status_code == 200


def test_if_modified_since_is_ignored_when_if_none_match_is_present(mock):
    response = send(
        mock, "GET", f"/patients/{PATIENT}", headers={"If-None-Match": '"other"', "If-Modified-Since": START_DATE}
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "value",
    ["yesterday", "", "Thu, 99 Jan 2026 09:30:00 GMT", "2026-01-15T09:30:00Z", "Thu, 15 Jan 2026 09:30:00"],
    ids=["word", "empty", "impossible-day", "iso-8601", "no-zone"],
)
def test_invalid_if_modified_since_is_ignored(mock, value):
    response = send(mock, "GET", f"/patients/{PATIENT}", headers={"If-Modified-Since": value})

    assert response.status_code == 200


def test_if_modified_since_accepts_an_older_http_date_form(mock):
    # RFC 850 form of the clock's own time: a recipient must accept it.
    response = send(
        mock, "GET", f"/patients/{PATIENT}", headers={"If-Modified-Since": "Thursday, 15-Jan-26 09:30:00 GMT"}
    )

    assert response.status_code == 304


# What wins over a 304 --------------------------------------------------------------------------


def test_401_wins_over_a_matching_if_none_match(mock):
    etag = _etag(mock)

    response = send(mock, "GET", f"/patients/{PATIENT}", key=UNKNOWN_KEY, headers={"If-None-Match": etag})

    assert response.status_code == 401


def test_429_wins_over_a_matching_if_none_match(mock, controls):
    etag = _etag(mock)
    controls.set_remaining(ACCOUNT_A, 0)

    response = send(mock, "GET", f"/patients/{PATIENT}", headers={"If-None-Match": etag})

    assert response.status_code == 429


def test_404_wins_over_a_matching_if_none_match(mock):
    etag = _etag(mock)

    for key, target, condition in [
        (ADMIN_KEY_B, f"/patients/{PATIENT}", etag),
        (ADMIN_KEY_B, f"/patients/{PATIENT}", "*"),
        (PRACTITIONER_KEY_A, "/patients/1", "*"),
    ]:
        response = send(mock, "GET", target, key=key, headers={"If-None-Match": condition})
        assert response.status_code == 404, (key, target, condition)


def test_406_wins_over_a_matching_if_none_match(mock):
    response = send(mock, "GET", f"/patients/{PATIENT}", headers={"If-None-Match": "*", "Accept": "text/html"})

    assert response.status_code == 406


def test_conditional_headers_do_not_apply_to_changes(mock):
    response = send(mock, "PATCH", f"/patients/{PATIENT}", headers={"If-None-Match": "*"}, json={"title": "Dr"})

    assert response.status_code == 200
    assert response.json()["title"] == "Dr"


# HEAD ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", READS)
def test_head_gets_the_same_headers_as_get_and_no_body(mock, target):
    got = send(mock, "GET", target)

    head = send(mock, "HEAD", target)

    assert head.status_code == 200
    assert head.content == b""
    # The same headers, but for the ID that names each request.
    assert head.headers.pop("X-Request-Id") != got.headers.pop("X-Request-Id")
    assert dict(head.headers) == dict(got.headers)
    assert int(head.headers["Content-Length"]) == len(got.content)


def test_head_with_a_matching_etag_gets_304(mock):
    etag = _etag(mock)

    _assert_not_modified(send(mock, "HEAD", f"/patients/{PATIENT}", headers={"If-None-Match": etag}), etag)


def test_last_modified_never_runs_ahead_of_date(mock, controls):
    controls.advance(30)
    send(mock, "PATCH", f"/patients/{PATIENT}", json={"title": "Dr"})

    response = send(mock, "GET", f"/patients/{PATIENT}")

    assert response.headers["Last-Modified"] == response.headers["Date"]
    assert response.headers["Date"] == format_datetime(controls.now(), usegmt=True)
