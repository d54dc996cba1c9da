"""Checks of a request that cannot backtrack: a worst-case `User-Agent` or e-mail address is refused at
once, and a plain request sent at the same time is served as promptly as ever."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from api_requests import send

#: Time a healthy mock needs, at most, to respond on this machine while a worst case is in flight.
PROMPT = 1.0


def _served_while(mock, worst_case) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Send `worst_case` from one thread and a plain read from another; how long each took."""
    times: dict[str, float] = {}

    def timed(name: str, call) -> None:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            call()
        finally:
            times[name] = time.perf_counter() - start

    attacker = threading.Thread(target=timed, args=("worst", worst_case))
    attacker.start()
    time.sleep(0.05)
    timed("other", lambda: send(mock, "GET", "/user", timeout=5).raise_for_status())
    attacker.join(timeout=30)
    return times["worst"], times["other"]


@pytest.mark.parametrize(
    "user_agent",
    ["." * 5000 + "@" + "-" * 5000, "." * 800 + "@" + "-" * 200, "a@" * 4000],
    ids=["dots-at-hyphens", "under-the-length-limit", "many-ats"],
)
def test_a_worst_case_user_agent_is_refused_at_once_while_others_are_served(mock, user_agent):
    status: list[int] = []

    def attack() -> None:
        status.append(send(mock, "GET", "/user", headers={"User-Agent": user_agent}, timeout=5).status_code)

    worst, other = _served_while(mock, attack)

    assert status == [400]
    assert worst < PROMPT and other < PROMPT, (worst, other)


@pytest.mark.parametrize(
    "email", ["a@" + "." * 20000 + "@", "a@" + "." * 250 + "@", "@" * 250 + "." * 4], ids=["long", "at-limit", "ats"]
)
def test_a_worst_case_email_is_refused_at_once_while_others_are_served(mock, email):
    responses: list[requests.Response] = []
    body = {"first_name": "Ana", "last_name": "Lim", "email": email}

    def attack() -> None:
        responses.append(send(mock, "POST", "/patients", json=body, timeout=5))

    worst, other = _served_while(mock, attack)

    assert responses[0].status_code == 422
    assert set(responses[0].json()["errors"]) == {"email"}
    assert worst < PROMPT and other < PROMPT, (worst, other)
