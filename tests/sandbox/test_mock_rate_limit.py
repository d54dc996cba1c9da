"""The rate limit: `RATE_LIMIT` requests per account in each window, the windows fixed and aligned to the
clock (`contract.py` holds both numbers)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime
from email.utils import formatdate

import requests

from api_requests import UNKNOWN_KEY, RawClient, client_headers, error_message, send
from cliniko_sandbox.clock import START
from cliniko_sandbox.contract import RATE_LIMIT as LIMIT
from cliniko_sandbox.contract import RATE_LIMIT_WINDOW_SECONDS as WINDOW
from cliniko_sandbox.seed import ACCOUNT_A, ACCOUNT_B, ADMIN_KEY_A, ADMIN_KEY_B, BOOKKEEPER_KEY_A, PRACTITIONER_KEY_A

#: The end of the window the mock's clock starts in (09:30:00 up to 09:31:00, with windows of a minute).
FIRST_WINDOW_END = (int(START.timestamp()) // WINDOW + 1) * WINDOW
#: Seconds from the mock's start to the end of its first window.
FIRST_WINDOW_LEFT = FIRST_WINDOW_END - int(START.timestamp())


def _spend(mock, count: int, keys: tuple[str, ...] = (ADMIN_KEY_A,)) -> Counter[int]:
    """Send `count` requests on one connection, taking the keys in turn; count the statuses."""
    statuses: Counter[int] = Counter()
    with RawClient(mock) as client:
        for number in range(count):
            headers = client_headers(keys[number % len(keys)]) | {"Host": client.host_header}
            statuses[client.send("GET", "/v1/user", headers.items()).status] += 1
    return statuses


def test_exactly_the_limit_passes_and_the_next_request_gets_429(mock):
    assert _spend(mock, LIMIT) == Counter({200: LIMIT})

    refused = send(mock, "GET", "/user")

    assert refused.status_code == 429


def test_429_carries_retry_after_reset_time_no_store_and_a_json_message(mock, controls):
    controls.set_remaining(ACCOUNT_A, 0)

    refused = send(mock, "GET", "/user")

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(FIRST_WINDOW_LEFT)
    assert refused.headers["X-RateLimit-Reset"] == str(FIRST_WINDOW_END)
    assert refused.headers["Cache-Control"] == "no-store"
    assert f"{LIMIT} requests" in error_message(refused)


def test_retry_after_counts_whole_seconds_to_the_window_end(mock, controls):
    controls.advance(FIRST_WINDOW_LEFT - 14.5)
    controls.set_remaining(ACCOUNT_A, 0)

    refused = send(mock, "GET", "/user")

    assert refused.headers["Retry-After"] == "15"
    assert refused.headers["X-RateLimit-Reset"] == str(FIRST_WINDOW_END)


def test_429_message_says_how_long_to_wait(mock, controls):
    controls.advance(FIRST_WINDOW_LEFT - 1)
    controls.set_remaining(ACCOUNT_A, 0)

    refused = send(mock, "GET", "/user")

    assert refused.headers["Retry-After"] == "1"
    assert error_message(refused).endswith("Try again in 1 second.")


def test_requests_past_the_limit_keep_getting_429(mock, controls):
    controls.set_remaining(ACCOUNT_A, 0)

    assert _spend(mock, 20) == Counter({429: 20})


def test_keys_of_one_account_share_its_quota(mock):
    statuses = _spend(mock, LIMIT, keys=(ADMIN_KEY_A, BOOKKEEPER_KEY_A, PRACTITIONER_KEY_A))
    assert statuses == Counter({200: LIMIT})

    assert send(mock, "GET", "/user", key=BOOKKEEPER_KEY_A).status_code == 429
    assert send(mock, "GET", "/user", key=ADMIN_KEY_A).status_code == 429


def test_another_account_is_unaffected_by_a_spent_quota(mock, controls):
    controls.set_remaining(ACCOUNT_A, 0)
    assert send(mock, "GET", "/user", key=ADMIN_KEY_A).status_code == 429

    assert send(mock, "GET", "/user", key=ADMIN_KEY_B).status_code == 200
    assert controls.remaining(ACCOUNT_B) == LIMIT - 1


def test_window_reopens_when_the_clock_reaches_the_next_minute(mock, controls):
    controls.set_remaining(ACCOUNT_A, 0)
    controls.advance(FIRST_WINDOW_LEFT - 1)
    assert send(mock, "GET", "/user").status_code == 429

    controls.advance(1)

    assert send(mock, "GET", "/user").status_code == 200
    assert controls.remaining(ACCOUNT_A) == LIMIT - 1


def test_windows_are_aligned_to_the_minute_not_to_the_first_request(mock, controls):
    controls.advance(FIRST_WINDOW_LEFT - 10)
    controls.set_remaining(ACCOUNT_A, 0)

    controls.advance(10)

    assert send(mock, "GET", "/user").status_code == 200


def test_401_does_not_count(mock, controls):
    for key in (UNKNOWN_KEY, None):
        assert send(mock, "GET", "/user", key=key).status_code == 401

    assert controls.remaining(ACCOUNT_A) == LIMIT
    assert controls.remaining(ACCOUNT_B) == LIMIT


def test_401_is_answered_even_when_the_quota_is_spent(mock, controls):
    controls.set_remaining(ACCOUNT_A, 0)

    assert send(mock, "GET", "/user", key=UNKNOWN_KEY).status_code == 401


def test_304_counts(mock, controls):
    etag = send(mock, "GET", "/user").headers["ETag"]
    assert controls.remaining(ACCOUNT_A) == LIMIT - 1

    not_modified = send(mock, "GET", "/user", headers={"If-None-Match": etag})

    assert not_modified.status_code == 304
    assert controls.remaining(ACCOUNT_A) == LIMIT - 2


def test_errors_after_authentication_count(mock, controls):
    send(mock, "GET", "/patients/1")  # 404
    send(mock, "POST", "/patients", json={})  # 422
    send(mock, "POST", "/patients", key=BOOKKEEPER_KEY_A, json={})  # 403

    assert controls.remaining(ACCOUNT_A) == LIMIT - 3


def test_refused_requests_are_not_counted_into_the_next_window(mock, controls):
    controls.set_remaining(ACCOUNT_A, 0)
    _spend(mock, 10)
    controls.advance(WINDOW)

    assert controls.remaining(ACCOUNT_A) == LIMIT


def test_concurrent_requests_let_exactly_the_limit_through(mock):
    threads, total = 16, LIMIT + 100
    keys = (ADMIN_KEY_A, BOOKKEEPER_KEY_A, PRACTITIONER_KEY_A)
    statuses: Counter[int | str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(threads, timeout=30)

    def fire(number: int) -> None:
        mine: Counter[int | str] = Counter()
        count = total // threads + (1 if number < total % threads else 0)
        try:
            with requests.Session() as session:
                start.wait()
                for _ in range(count):
                    mine[send(mock, "GET", "/user", key=keys[number % 3], session=session).status_code] += 1
        except Exception as error:  # counted, so that the assertion below shows it
            mine[repr(error)] += 1
        with lock:
            statuses.update(mine)

    workers = [threading.Thread(target=fire, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert statuses == Counter({200: LIMIT, 429: total - LIMIT})


def test_with_the_clock_jump_on_a_429_is_followed_by_success(mock, controls):
    controls.jump_clock_on_rate_limit(True)
    controls.advance(20)
    controls.set_remaining(ACCOUNT_A, 0)

    refused = send(mock, "GET", "/user")
    retried = send(mock, "GET", "/user")

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(FIRST_WINDOW_LEFT - 20)
    assert refused.headers["Date"] == "Thu, 15 Jan 2026 09:30:20 GMT"
    assert retried.status_code == 200
    assert retried.headers["Date"] == formatdate(FIRST_WINDOW_END, usegmt=True)


def test_without_the_clock_jump_the_clock_stays_put_after_a_429(mock, controls):
    controls.set_remaining(ACCOUNT_A, 0)

    send(mock, "GET", "/user")

    assert send(mock, "GET", "/user").status_code == 429
    assert controls.now() == datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
