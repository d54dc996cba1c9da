"""The sandbox's controls: reset it, move its clock, set an account's quota, make requests fail.

`Controls` is the Python API the test fixtures use. The sandbox started by hand (`cliniko-sandbox`) also
serves the same controls over HTTPS on a port of its own (`control_app`); the API's port never serves
them. The control port has no authentication: anyone who can reach it can reset the data or move the
clock, so it listens on a loopback address only (`server.MockCliniko` refuses any other).

The control API is strict, and described in `docs/sandbox-control.yaml`. Every input is checked before it
is used, so that no control can put the sandbox in a state in which the API would fail: the clock stays
between 1970 and the start of 9999 (`clock.EARLIEST`, `clock.LATEST`) and moves at most ten years in one
step; numbers are plain digits (no sign, spaces, underscores or exponents); a parameter the control does
not take, or one given twice, is refused. A bad value gets `400`, an unknown account or key `404`, and a
wrong method `405`, each with a JSON `message`; every response carries `Date` (the sandbox's clock) and
`Cache-Control: no-store`. A control that succeeds answers `200` with the sandbox's state (`status`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cliniko_sandbox import caching
from cliniko_sandbox.app import MockApi
from cliniko_sandbox.clock import iso8601
from cliniko_sandbox.switches import Switches

#: The most requests `fail_next` can make fail.
MAX_FAULTS = 1000
#: Seconds for `/advance`: digits, with at most six after a decimal point.
_SECONDS = re.compile(r"[0-9]{1,10}(?:\.[0-9]{1,6})?")
_WHOLE = re.compile(r"[0-9]{1,12}")
#: The longest instant `/time` reads, as in `2026-01-15T09:30:59.123456+10:00`.
_MAX_INSTANT = 40


class UnknownAccount(LookupError):
    """An account ID or API key that no account or user of the sandbox has."""


class Controls:
    """Everything a test or a reader may change about a running sandbox.

    Args:
        api: the application whose data, clock and quotas the controls change.
        switches: the switches handed to the same application.
    """

    def __init__(self, api: MockApi, switches: Switches) -> None:
        self._api = api
        self._switches = switches

    def reset(self) -> None:
        """Back to the initial state: seed data, clock at its start, every quota full, switches off, and the
        count of request IDs started again (the next response carries the first ID)."""
        self._api.store.reset()
        self._api.clock.reset()
        self._api.limiter.reset()
        self._api.request_ids.reset()
        self._switches.reset()

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward."""
        return self._api.clock.advance(seconds)

    def set_time(self, instant: datetime) -> None:
        """Put the clock at an instant (a scenario may start just before a window ends)."""
        self._api.clock.set(instant)

    def now(self) -> datetime:
        return self._api.clock.now()

    def account_id(self, *, account: str | None = None, key: str | None = None) -> str:
        """The ID of the account named by its ID or by the API key of one of its users.

        Raises UnknownAccount when the sandbox has no such account or key.
        """
        if key is not None:
            user = self._api.store.user_for_key(key)
            if user is None:
                raise UnknownAccount("no user of the sandbox has that API key")
            return user.account_id
        known = {known.id for known in self._api.store.accounts()}
        if account not in known:
            raise UnknownAccount(
                f"the sandbox has no account {account!r}; its accounts are {', '.join(sorted(known))}"
            )
        return account

    def set_remaining(self, account_id: str, remaining: int) -> None:
        """Leave an account exactly `remaining` requests in the current rate-limit window."""
        self._api.limiter.set_remaining(account_id, remaining)

    def remaining(self, account_id: str) -> int:
        return self._api.limiter.remaining(account_id)

    @property
    def quota(self) -> int:
        """The most requests an account may make in one rate-limit window."""
        return self._api.limiter.limit

    def fail_next(self, count: int = 1) -> None:
        """Make the next `count` requests answer `503 Service Unavailable` (with `Retry-After: 1`)."""
        if not 0 <= count <= MAX_FAULTS:
            raise ValueError(f"count must be from 0 to {MAX_FAULTS}")
        self._switches.fail_next(count)

    def jump_clock_on_rate_limit(self, enabled: bool = True) -> None:
        """When on, a `429` moves the clock to the end of the window, as if the client had waited."""
        self._switches.clock_jumps_on_rate_limit = enabled

    def status(self) -> dict[str, Any]:
        """The sandbox's state as the control API reports it: clock, switches, and each account's quota."""
        return {
            "now": iso8601(self.now()),
            "jump_clock_on_rate_limit": self._switches.clock_jumps_on_rate_limit,
            "failing_next": self._switches.faults_pending,
            "accounts": [
                {"id": account.id, "name": account.name, "remaining": self.remaining(account.id)}
                for account in self._api.store.accounts()
            ],
        }


class _Refused(Exception):
    """A control request that cannot be carried out: its status and the message that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _whole_number(raw: str, name: str, most: int) -> int:
    if not _WHOLE.fullmatch(raw) or int(raw) > most:
        raise _Refused(400, f"{name} must be a whole number from 0 to {most}, written in digits only; got {raw!r}")
    return int(raw)


def _seconds(raw: str) -> float:
    if not _SECONDS.fullmatch(raw):
        raise _Refused(
            400, f"seconds must be a number of seconds written in digits, such as 30 or 1.5; got {raw!r}"
        )
    return float(raw)


def _instant(raw: str) -> datetime:
    expected = "at must be an ISO 8601 instant with its time zone, such as 2026-01-15T09:30:59Z"
    if len(raw) > _MAX_INSTANT or raw != raw.strip() or "T" not in raw:
        raise _Refused(400, f"{expected}; got {raw[:_MAX_INSTANT]!r}")
    try:
        instant = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _Refused(400, f"{expected}; got {raw!r}") from None
    if instant.tzinfo is None:
        raise _Refused(400, f"{expected} (end it with Z); got {raw!r}")
    return instant


def _switch(raw: str) -> bool:
    if raw not in {"true", "false"}:
        raise _Refused(400, f"enabled must be true or false; got {raw!r}")
    return raw == "true"


def _query(request: Request, takes: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, str]:
    """The request's query parameters, each given once, all of them among those the control takes."""
    items = request.query_params.multi_items()
    names = [name for name, _ in items]
    allowed = (*takes, *optional)
    for name in names:
        if name not in allowed:
            what = f"takes {', '.join(allowed)}" if allowed else "takes no parameters"
            raise _Refused(400, f"unknown parameter {name!r}: {request.url.path} {what}")
        if names.count(name) > 1:
            raise _Refused(400, f"parameter {name!r} is given more than once")
    for name in takes:
        if name not in names:
            raise _Refused(400, f"missing parameter {name!r}: {request.url.path} takes {', '.join(allowed)}")
    return dict(items)


def control_app(controls: Controls) -> Starlette:
    """The controls over HTTPS (`docs/sandbox-control.yaml` describes them).

    `GET /status`; and each a `POST` with query parameters: `/reset`; `/advance?seconds=N`;
    `/time?at=2026-01-15T09:30:59Z`; `/remaining?account=ID&remaining=N` (or `key=API_KEY` in place
    of `account`); `/jump-on-rate-limit?enabled=true`; `/fail-next?count=N`.
    """

    def respond(status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> JSONResponse:
        return JSONResponse(
            dict(body),
            status_code=status,
            headers={
                "Date": caching.http_date(controls.now()),
                "Cache-Control": "no-store",
                **(headers or {}),
            },
        )

    def control(apply: Callable[[Request], None]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> JSONResponse:
            try:
                apply(request)
            except _Refused as refused:
                return respond(refused.status, {"message": refused.message})
            except UnknownAccount as unknown:
                return respond(404, {"message": str(unknown)})
            except (ValueError, OverflowError) as error:
                # What the clock and the limiter refuse themselves: out of their range.
                return respond(400, {"message": str(error)})
            return respond(200, controls.status())

        return endpoint

    def reset(request: Request) -> None:
        _query(request, ())
        controls.reset()

    def advance(request: Request) -> None:
        controls.advance(_seconds(_query(request, ("seconds",))["seconds"]))

    def set_time(request: Request) -> None:
        controls.set_time(_instant(_query(request, ("at",))["at"]))

    def remaining(request: Request) -> None:
        query = _query(request, ("remaining",), ("account", "key"))
        if ("account" in query) == ("key" in query):
            raise _Refused(400, "name the account with exactly one of account=ID or key=API_KEY")
        count = _whole_number(query["remaining"], "remaining", controls.quota)
        controls.set_remaining(controls.account_id(account=query.get("account"), key=query.get("key")), count)

    def jump(request: Request) -> None:
        controls.jump_clock_on_rate_limit(_switch(_query(request, ("enabled",))["enabled"]))

    def fail_next(request: Request) -> None:
        controls.fail_next(_whole_number(_query(request, ("count",))["count"], "count", MAX_FAULTS))

    def status(request: Request) -> None:
        _query(request, ())

    routes = [
        Route("/status", control(status), methods=["GET"]),
        Route("/reset", control(reset), methods=["POST"]),
        Route("/advance", control(advance), methods=["POST"]),
        Route("/time", control(set_time), methods=["POST"]),
        Route("/remaining", control(remaining), methods=["POST"]),
        Route("/jump-on-rate-limit", control(jump), methods=["POST"]),
        Route("/fail-next", control(fail_next), methods=["POST"]),
    ]
    for route in routes:
        # Starlette answers HEAD wherever GET is served; the controls take exactly the methods described.
        route.methods.discard("HEAD")
    paths = ", ".join(route.path for route in routes)

    async def not_served(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        if error.status_code == 405:
            allow = (error.headers or {}).get("Allow", "")
            return respond(405, {"message": f"{request.url.path} takes {allow}, not {request.method}"}, {"Allow": allow})
        return respond(
            error.status_code,
            {"message": f"the sandbox has no control at {request.url.path}; its controls are {paths}"},
        )

    return Starlette(routes=routes, exception_handlers={HTTPException: not_served})


class HttpControls:
    """The same controls as `Controls`, driven over HTTPS through a hand-started sandbox's control URL."""

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
