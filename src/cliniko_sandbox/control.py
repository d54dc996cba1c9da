"""Test-only controls: reset the mock, move its clock, and set an account's remaining quota.

They are a Python API used by the test fixtures. A hand-started mock (`make mock`) also serves them over
HTTPS on a separate control port; the API port never serves them. The control port has no
authentication: anyone who can reach it can reset the data or move the clock. It listens on the same
loopback address as the API, never on an outside interface.

Every input is checked before it is used, so that no control can put the mock in a state in which the
API would fail: the clock stays between 1970 and the start of 9999 (`clock.EARLIEST`, `clock.LATEST`),
and moves at most ten years in one step.
"""

from __future__ import annotations

from datetime import datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cliniko_sandbox.app import MockApi
from cliniko_sandbox.clock import iso8601
from cliniko_sandbox.switches import Switches


#: The most requests `fail_next` can make fail.
MAX_FAULTS = 1000


def _number(query, name: str) -> float:  # type: ignore[no-untyped-def]
    raw = query[name]
    if len(raw) > 32:
        raise ValueError(f"{name} is too long")
    return float(raw)


def _whole_number(query, name: str) -> int:  # type: ignore[no-untyped-def]
    raw = query[name]
    if len(raw) > 12 or not (raw.isascii() and raw.isdigit()):
        raise ValueError(f"{name} must be a whole number of at most 12 digits")
    return int(raw)


class Controls:
    """Everything a test may change about a running mock.

    Args:
        api: the application whose data, clock and quotas the controls change.
        switches: the test-only switches handed to the same application.
    """

    def __init__(self, api: MockApi, switches: Switches) -> None:
        self._api = api
        self._switches = switches

    def reset(self) -> None:
        """Back to the initial state: seed data, clock at its start, every quota full, switches off."""
        self._api.store.reset()
        self._api.clock.reset()
        self._api.limiter.reset()
        self._switches.reset()

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward."""
        return self._api.clock.advance(seconds)

    def set_time(self, instant: datetime) -> None:
        """Put the clock at an instant (a scenario may start just before a window ends)."""
        self._api.clock.set(instant)

    def now(self) -> datetime:
        return self._api.clock.now()

    def set_remaining(self, account_id: str, remaining: int) -> None:
        """Leave an account exactly `remaining` requests in the current rate-limit window."""
        self._api.limiter.set_remaining(account_id, remaining)

    def remaining(self, account_id: str) -> int:
        return self._api.limiter.remaining(account_id)

    def fail_next(self, count: int = 1) -> None:
        """Make the next `count` requests answer `503 Service Unavailable` (with `Retry-After: 1`)."""
        if not 0 <= count <= MAX_FAULTS:
            raise ValueError(f"count must be from 0 to {MAX_FAULTS}")
        self._switches.fail_next(count)

    def jump_clock_on_rate_limit(self, enabled: bool = True) -> None:
        """When on, a `429` moves the clock to the end of the window, as if the client had waited."""
        self._switches.clock_jumps_on_rate_limit = enabled


def control_app(controls: Controls) -> Starlette:
    """The controls over HTTPS, for a hand-started mock. Each is a `POST` with query parameters:

    `/reset`; `/advance?seconds=N`; `/time?at=2026-01-15T09:30:59Z`;
    `/remaining?account=ID&remaining=N`; `/jump-on-rate-limit?enabled=true`; `/fail-next?count=N`.
    Each answers `200` with the clock's new time, or `400` with a message naming what to send.
    """

    def action(needs: str, apply):  # type: ignore[no-untyped-def]
        async def endpoint(request: Request) -> JSONResponse:
            try:
                apply(request.query_params)
            except KeyError as error:
                return JSONResponse({"message": f"send {needs} (missing {error})"}, status_code=400)
            except (ValueError, OverflowError) as error:
                return JSONResponse({"message": f"send {needs} ({error})"}, status_code=400)
            return JSONResponse({"now": iso8601(controls.now())})

        return endpoint

    def set_time(query) -> None:  # type: ignore[no-untyped-def]
        raw = query["at"]
        if len(raw) > 40:
            raise ValueError("at is too long")
        instant = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        controls.set_time(instant)

    def switch(query) -> None:  # type: ignore[no-untyped-def]
        value = query["enabled"].lower()
        if value not in {"true", "false"}:
            raise ValueError("enabled must be true or false")
        controls.jump_clock_on_rate_limit(value == "true")

    routes = {
        "/reset": action("nothing", lambda query: controls.reset()),
        "/advance": action("?seconds=N (N >= 0)", lambda query: controls.advance(_number(query, "seconds"))),
        "/time": action("?at=<ISO 8601 instant with a zone>", set_time),
        "/remaining": action(
            "?account=ID&remaining=N", lambda query: controls.set_remaining(query["account"], _whole_number(query, "remaining"))
        ),
        "/jump-on-rate-limit": action("?enabled=true|false", switch),
        "/fail-next": action("?count=N (N >= 0)", lambda query: controls.fail_next(_whole_number(query, "count"))),
    }
    return Starlette(routes=[Route(path, endpoint, methods=["POST"]) for path, endpoint in routes.items()])


class HttpControls:
    """The same controls as `Controls`, driven over HTTPS through a hand-started mock's control URL."""

    def __init__(self, control_url: str, ca_file: str) -> None:
        self._url = control_url.rstrip("/")
        self._ca_file = ca_file

    def _post(self, path: str, **params: str) -> None:
        import requests

        response = requests.post(f"{self._url}{path}", params=params, verify=self._ca_file, timeout=10)
        if response.status_code != 200:
            raise RuntimeError(f"control {path} refused: {response.text}")

    def reset(self) -> None:
        self._post("/reset")

    def advance(self, seconds: float) -> None:
        self._post("/advance", seconds=str(seconds))

    def set_time(self, instant: datetime) -> None:
        self._post("/time", at=instant.isoformat())

    def set_remaining(self, account_id: str, remaining: int) -> None:
        self._post("/remaining", account=account_id, remaining=str(remaining))

    def jump_clock_on_rate_limit(self, enabled: bool = True) -> None:
        self._post("/jump-on-rate-limit", enabled=str(enabled).lower())

    def fail_next(self, count: int = 1) -> None:
        self._post("/fail-next", count=str(count))
