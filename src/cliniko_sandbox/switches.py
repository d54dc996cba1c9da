"""The switches: the two ways the controls may bend the sandbox's behaviour, held in one place.

One `Switches` is made with the sandbox, handed to the application when it is built, and changed only by
the controls. No request to the API can change it.
"""

from __future__ import annotations

import threading


class Switches:
    """What a test has asked of the mock beyond its data and its clock.

    Args:
        clock_jumps_on_rate_limit: the rule a reset returns to (on for `make mock`, off in the tests).
    """

    def __init__(self, *, clock_jumps_on_rate_limit: bool = False) -> None:
        self._default_jump = clock_jumps_on_rate_limit
        self._lock = threading.Lock()
        #: When true, a `429` moves the clock to the moment the window reopens, as if the client had
        #: waited out `Retry-After`.
        self.clock_jumps_on_rate_limit = clock_jumps_on_rate_limit
        self._faults_pending = 0

    def reset(self) -> None:
        with self._lock:
            self.clock_jumps_on_rate_limit = self._default_jump
            self._faults_pending = 0

    def fail_next(self, count: int) -> None:
        """Make the next `count` requests fail with `503`, to let the examples show a retry."""
        with self._lock:
            self._faults_pending = count

    @property
    def faults_pending(self) -> int:
        """How many of the next requests will still fail with `503`."""
        with self._lock:
            return self._faults_pending

    def take_fault(self) -> bool:
        """Whether this request is one of those that must fail (and count it if so)."""
        with self._lock:
            if self._faults_pending <= 0:
                return False
            self._faults_pending -= 1
            return True
