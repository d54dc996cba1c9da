"""Test-only controls: reset the mock, move its clock, and set an account's remaining quota.

They are a Python API used by the test fixtures. A hand-started mock (`make mock`) also serves them over
HTTPS on a separate control port; the API port never serves them.
"""

from __future__ import annotations

from datetime import datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mock_cliniko.app import MockApi
from mock_cliniko.clock import iso8601


class Controls:
    """Everything a test may change about a running mock."""

    def __init__(self, api: MockApi, *, clock_jumps_on_rate_limit: bool = False) -> None:
        self._api = api
        self._default_jump = clock_jumps_on_rate_limit
        api.clock_jumps_on_rate_limit = clock_jumps_on_rate_limit

    def reset(self) -> None:
        """Back to the initial state: seed data, clock at its start, every quota full."""
        self._api.store.reset()
        self._api.clock.reset()
        self._api.limiter.reset()
        self._api.clock_jumps_on_rate_limit = self._default_jump
        self._api.faults_pending = 0

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
        if count < 0:
            raise ValueError("count must be zero or more")
        self._api.faults_pending = count

    def jump_clock_on_rate_limit(self, enabled: bool = True) -> None:
        """When on, a `429` moves the clock to the end of the window, as if the client had waited."""
        self._api.clock_jumps_on_rate_limit = enabled


def control_app(controls: Controls) -> Starlette:
    """The controls over HTTP, for a hand-started mock: `POST /reset`, `/advance`, `/remaining`."""

    async def reset(request: Request) -> JSONResponse:
        controls.reset()
        return JSONResponse({"now": iso8601(controls.now())})

    async def advance(request: Request) -> JSONResponse:
        try:
            seconds = float(request.query_params["seconds"])
            controls.advance(seconds)
        except (KeyError, ValueError) as error:
            return JSONResponse({"message": f"give ?seconds=N, a number >= 0 ({error})"}, status_code=400)
        return JSONResponse({"now": iso8601(controls.now())})

    async def remaining(request: Request) -> JSONResponse:
        try:
            account = request.query_params["account"]
            count = int(request.query_params["remaining"])
            controls.set_remaining(account, count)
        except (KeyError, ValueError) as error:
            return JSONResponse({"message": f"give ?account=ID&remaining=N ({error})"}, status_code=400)
        return JSONResponse({"account": account, "remaining": controls.remaining(account)})

    return Starlette(
        routes=[
            Route("/reset", reset, methods=["POST"]),
            Route("/advance", advance, methods=["POST"]),
            Route("/remaining", remaining, methods=["POST"]),
        ]
    )
