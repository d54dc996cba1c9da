"""`Last-Modified` is never later than `Date`: not in a thousand changes within one second, nor when the
clock is set back; changes within one second share a date, and the `ETag` tells them apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import requests

from api_requests import send
from cliniko_sandbox.clock import START
from cliniko_sandbox.seed import ACCOUNT_A as ACCOUNT

PATIENT = "1240000000000000001"


def _instant(http_date: str) -> datetime:
    return parsedate_to_datetime(http_date)


def _assert_not_after_date(response: requests.Response) -> None:
    assert response.status_code == 200, response.text
    assert _instant(response.headers["Last-Modified"]) <= _instant(response.headers["Date"]), response.headers


def test_last_modified_never_passes_date_in_1000_changes_within_one_second(mock):
    """A thousand changes to one patient and to the account's lists, 0.9 ms of mock time apart; the reads
    between them go over HTTPS. The changes are made on the mock's own store, as the API makes them: a
    thousand requests would cost seconds of the suite's time."""
    other = "1240000000000000002"
    reads = [f"/patients/{PATIENT}", f"/patients/{other}", "/patients", "/patients/archived"]
    tags: dict[str, set[str]] = {target: set() for target in reads}
    with requests.Session() as session:
        for change in range(1000):
            now = mock.clock.advance(0.0009)
            if change % 2:
                mock.store.update_patient(ACCOUNT, PATIENT, {"title": f"T{change}"}, now)
            else:
                mock.store.set_archived(ACCOUNT, other, archived=change % 4 == 0, now=now)
            if change % 250 in (1, 2):  # one read after an archive, one after an unarchive
                for target in reads:
                    response = send(mock, "GET", target, session=session)
                    _assert_not_after_date(response)
                    tags[target].add(response.headers["ETag"])
    assert mock.clock.now() - START < timedelta(seconds=1)
    # Last-Modified stayed in one second, but the ETag told each version apart.
    assert all(len(seen) > 1 for seen in tags.values()), tags


def test_two_changes_in_one_second_share_last_modified_and_the_etag_tells_them_apart(mock):
    send(mock, "PUT", f"/patients/{PATIENT}", json={"title": "Dr"})
    read = send(mock, "GET", f"/patients/{PATIENT}")
    send(mock, "PUT", f"/patients/{PATIENT}", json={"title": "Ms"})

    by_tag = send(mock, "GET", f"/patients/{PATIENT}", headers={"If-None-Match": read.headers["ETag"]})
    by_date = send(mock, "GET", f"/patients/{PATIENT}", headers={"If-Modified-Since": read.headers["Last-Modified"]})

    assert by_tag.status_code == 200
    assert by_tag.json()["title"] == "Ms"
    assert by_tag.json()["updated_at"] == "2026-01-15T09:30:00Z"
    assert by_tag.headers["Last-Modified"] == read.headers["Last-Modified"] == by_tag.headers["Date"]
    # The limit the caching page states: a date has whole seconds, so it cannot see this change.
    assert by_date.status_code == 304


def test_a_time_after_the_clock_is_sent_as_the_clock_time(mock, controls):
    # RFC 9110 (section 8.8.2.1): a Last-Modified later than Date is replaced by Date.
    controls.set_time(datetime(2025, 1, 1, tzinfo=UTC))

    for target in ["/user", f"/patients/{PATIENT}", "/patients", "/patients/deleted"]:
        response = send(mock, "GET", target)
        _assert_not_after_date(response)
        assert response.headers["Last-Modified"] == "Wed, 01 Jan 2025 00:00:00 GMT"
