"""The `X-Request-Id` of every response: an ID that names one request, for a reader to quote to support.

Cliniko's service sends a random ID. The sandbox counts instead, so that an example run from a reset
prints the same IDs every time and its stored output stays byte for byte the same: the first response
after a reset carries `00000000-0000-8000-8000-000000000001`, the next `...000000000002`, and so on.
Each ID has the layout of a UUID of version 8, the one RFC 9562 (section 5.8) leaves to an application's
own scheme, so that code written for the real IDs reads the sandbox's too. No two responses between two
resets share an ID; a reset starts the count again.

One counter serves the application's responses and the transport's own (a malformed request, a head
too large, plain HTTP), which are answered on the server's thread; the controls reset it from another.
"""

from __future__ import annotations

import threading

#: The count that fits in the last group of the ID; a higher count spills into the first group.
_LOW_BITS = 48


def format_request_id(count: int) -> str:
    """The ID of the `count`th response after a reset (counted from 1), as the sandbox writes it."""
    if count < 1 or count >> (_LOW_BITS + 32):
        raise ValueError(f"a request count runs from 1 to 2**80 - 1, not {count}")
    high, low = count >> _LOW_BITS, count & ((1 << _LOW_BITS) - 1)
    return f"{high:08x}-0000-8000-8000-{low:012x}"


class RequestIds:
    """Hands out the sandbox's request IDs, in order, from 1 after each reset."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    def next(self) -> str:
        """The ID of the next response."""
        with self._lock:
            self._count += 1
            return format_request_id(self._count)

    def reset(self) -> None:
        """Start the count again: the next response gets the first ID."""
        with self._lock:
            self._count = 0
