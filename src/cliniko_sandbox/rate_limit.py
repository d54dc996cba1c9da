"""The rate limit: `contract.RATE_LIMIT` requests in each window for each account, shared by all its
users and keys.

The rule, precisely: time is cut into fixed windows of `contract.RATE_LIMIT_WINDOW_SECONDS` seconds,
aligned to the clock (with windows of a minute: 09:30:00 up to but not including 09:31:00, and so on).
Each account may make `RATE_LIMIT` requests in a window; every authenticated request counts, whatever
its answer (a `304` or a `404` too). Every request past those in the same window is refused with `429`
and is not counted. The count starts again at zero when the next window begins. Requests that fail
authentication belong to no account and count toward nothing.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from cliniko_sandbox.clock import Clock
from cliniko_sandbox.contract import RATE_LIMIT, RATE_LIMIT_WINDOW_SECONDS


@dataclass(frozen=True)
class Decision:
    allowed: bool
    #: Requests left in the window after this one.
    remaining: int
    #: When the window ends, as UNIX seconds.
    reset_at: int
    #: Whole seconds until the window ends, at least 1.
    retry_after: int


class RateLimiter:
    """Counts requests per account per window; safe to call from many threads at once."""

    def __init__(self, clock: Clock, limit: int = RATE_LIMIT, window: int = RATE_LIMIT_WINDOW_SECONDS) -> None:
        self._clock = clock
        self.limit = limit
        self.window = window
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, int]] = {}  # account -> (window start, requests counted)

    def _window_start(self, now: float) -> int:
        return int(math.floor(now / self.window) * self.window)

    def hit(self, account_id: str, now: float | None = None) -> Decision:
        """Count one request for the account, or refuse it if the window's quota is spent.

        Args:
            account_id: the account the request belongs to.
            now: the instant the request arrived, as UNIX seconds (the clock's time by default).
        """
        with self._lock:
            if now is None:
                now = self._clock.timestamp()
            start = self._window_start(now)
            window_start, used = self._counts.get(account_id, (start, 0))
            if window_start != start:
                used = 0
            reset_at = start + self.window
            retry_after = max(1, math.ceil(reset_at - now))
            if used >= self.limit:
                self._counts[account_id] = (start, used)
                return Decision(False, 0, reset_at, retry_after)
            used += 1
            self._counts[account_id] = (start, used)
            return Decision(True, self.limit - used, reset_at, retry_after)

    def set_remaining(self, account_id: str, remaining: int) -> None:
        """Test control: leave the account exactly `remaining` requests in the current window."""
        if not 0 <= remaining <= self.limit:
            raise ValueError(f"remaining must be between 0 and {self.limit}, got {remaining}")
        with self._lock:
            start = self._window_start(self._clock.timestamp())
            self._counts[account_id] = (start, self.limit - remaining)

    def remaining(self, account_id: str) -> int:
        with self._lock:
            start = self._window_start(self._clock.timestamp())
            window_start, used = self._counts.get(account_id, (start, 0))
            return self.limit - (used if window_start == start else 0)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
