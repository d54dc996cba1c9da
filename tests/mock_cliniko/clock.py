"""The mock's clock: it starts at a fixed instant and moves only when told."""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime, timedelta

#: The instant every fresh mock starts at. Fixed, so that responses are byte-identical across runs.
START = datetime(2026, 1, 15, 9, 30, 0, tzinfo=UTC)


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
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def set(self, instant: datetime) -> None:
        """Put the clock at `instant` (used by the test harness to prepare a scenario)."""
        if instant.tzinfo is None:
            raise ValueError("the instant must be timezone-aware")
        with self._lock:
            self._now = instant.astimezone(UTC)

    def reset(self) -> None:
        """Put the clock back at its start."""
        with self._lock:
            self._now = self._start


def iso8601(instant: datetime) -> str:
    """Format an instant as the API does: UTC, whole seconds, with a trailing `Z`."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
