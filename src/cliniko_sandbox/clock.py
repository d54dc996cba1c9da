"""The mock's clock: it starts at a fixed instant and moves only when told."""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime, timedelta

#: The instant every fresh mock starts at. Fixed, so that responses are byte-identical across runs.
START = datetime(2026, 1, 15, 9, 30, 0, tzinfo=UTC)
#: The range the clock may be put in. The API adds at most one rate-limit window to the clock, so every
#: instant it writes stays a valid date; UNIX seconds stay positive.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
_LAST_JUMP = datetime(9999, 12, 1, tzinfo=UTC)
#: The most `advance` moves the clock in one step (ten years).
MAX_STEP_SECONDS = 10 * 366 * 24 * 3600


class Clock:
    """A thread-safe clock that never reads the machine's time.

    Args:
        start: the instant `now()` returns until the clock is moved.
    """

    def __init__(self, start: datetime = START) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock's start must be timezone-aware")
        self._start = start
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current instant, in UTC."""
        with self._lock:
            return self._now

    def timestamp(self) -> float:
        """The current instant as UNIX seconds."""
        return self.now().timestamp()

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by `seconds` (never backward) and return the new instant."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"the clock only moves forward; got {seconds!r} seconds")
        if seconds > MAX_STEP_SECONDS:
            raise ValueError(f"the clock moves at most {MAX_STEP_SECONDS} seconds (ten years) at a time")
        with self._lock:
            moved = self._now + timedelta(seconds=seconds)
            _check_in_range(moved)
            self._now = moved
            return self._now

    def set(self, instant: datetime) -> None:
        """Put the clock at `instant` (used by the test harness to prepare a scenario)."""
        if instant.tzinfo is None:
            raise ValueError("the instant must be timezone-aware")
        _check_in_range(instant)
        with self._lock:
            self._now = instant.astimezone(UTC)

    def jump_to(self, instant: datetime) -> None:
        """Move the clock forward to `instant`, as the API does after a `429` when told to.

        Unlike `set`, this may pass `LATEST` (by at most a rate-limit window at a time, which keeps
        every date valid); it stops a month before the end of year 9999 and never moves back.
        """
        with self._lock:
            if self._now < instant <= _LAST_JUMP:
                self._now = instant.astimezone(UTC)

    def reset(self) -> None:
        """Put the clock back at its start."""
        with self._lock:
            self._now = self._start


def _check_in_range(instant: datetime) -> None:
    if not EARLIEST <= instant <= LATEST:
        raise ValueError(f"the clock must stay between {iso8601(EARLIEST)} and {iso8601(LATEST)}")


def iso8601(instant: datetime) -> str:
    """Format an instant as the API does: UTC, whole seconds, with a trailing `Z`."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
