"""A record of what the mock received and sent, for the tests that check each exchange against the contract.

`Recorder` wraps the mock's ASGI application: every HTTP request that reaches the application, and the
response it gets, is kept as an `Exchange` in a bounded `ExchangeLog`. It is switched on only in the
tests (`MockCliniko(record_exchanges=True)`); the hand-started mock never records.

The server's transport answers some requests itself (a body declared over the limit, a framing error,
a failure of the application): `Recorder.answered` keeps those answers too, as the response of the
request's exchange, since they are what the client got. What never became a request is not recorded: a
client speaking plain HTTP, or a head that cannot be parsed, gets its fixed answer before there is a
request to record.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

#: How many exchanges the log keeps; the oldest go first. Far more than any example makes (a dozen),
#: and few enough that the log stays small while the mock's own tests send thousands of requests.
DEFAULT_CAPACITY = 256
#: How much of each body is kept (64 KiB). A larger body, such as the `413` lesson's, is kept cut short.
BODY_LIMIT = 64 * 1024
#: The key under which `Recorder` leaves a request's exchange in its ASGI scope, for `Recorder.answered`.
_SCOPE_KEY = "cliniko_sandbox.exchange"


@dataclass
class Exchange:
    """One request as the application received it and the response it sent.

    Header names are lower case, as ASGI gives them; values are decoded as Latin-1, as HTTP allows.
    """

    method: str
    path: str
    query: str
    request_headers: list[tuple[str, str]]
    request_body: bytes = b""
    request_body_truncated: bool = False
    status: int = 0
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes = b""
    response_body_truncated: bool = False
    #: False while the response is incomplete (or when the application sent none).
    complete: bool = False

    def request_header(self, name: str) -> str | None:
        return next((value for key, value in self.request_headers if key == name.lower()), None)

    def response_header(self, name: str) -> str | None:
        return next((value for key, value in self.response_headers if key == name.lower()), None)

    def __str__(self) -> str:
        target = self.path + (f"?{self.query}" if self.query else "")
        return f"{self.method} {target} -> {self.status or 'no response'}"


class ExchangeLog:
    """The last `capacity` exchanges, safe to read from the test's thread while the mock's thread writes."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._entries: deque[Exchange] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        #: How many exchanges fell out of the log since the last `clear`, so a reader knows it missed some.
        self.dropped = 0

    def add(self, exchange: Exchange) -> None:
        with self._lock:
            if len(self._entries) == self._entries.maxlen:
                self.dropped += 1
            self._entries.append(exchange)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.dropped = 0

    def snapshot(self) -> list[Exchange]:
        """The exchanges kept so far, oldest first."""
        with self._lock:
            return list(self._entries)

    def __iter__(self) -> Iterator[Exchange]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def _decode_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in raw]


class Recorder:
    """ASGI middleware: passes every message through unchanged, and keeps a copy of each HTTP exchange.

    Args:
        app: the application to wrap (the mock's API).
        log: where each exchange goes, once its request has arrived (the response fills in as it is sent).
    """

    def __init__(self, app: Any, log: ExchangeLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        exchange = _exchange_of(scope)
        scope[_SCOPE_KEY] = exchange
        self.log.add(exchange)
        body = bytearray()

        async def recording_receive() -> dict[str, Any]:
            message = await receive()
            if message.get("type") == "http.request":
                chunk = message.get("body", b"")
                room = BODY_LIMIT - len(body)
                if len(chunk) > room:
                    exchange.request_body_truncated = True
                body.extend(chunk[: max(room, 0)])
                exchange.request_body = bytes(body)
            return message

        async def recording_send(message: dict[str, Any]) -> None:
            kind = message.get("type")
            if kind == "http.response.start":
                exchange.status = message["status"]
                exchange.response_headers = _decode_headers(list(message.get("headers", [])))
            elif kind == "http.response.body":
                room = BODY_LIMIT - len(exchange.response_body)
                chunk = message.get("body", b"")
                if len(chunk) > room:
                    exchange.response_body_truncated = True
                exchange.response_body += chunk[: max(room, 0)]
                if not message.get("more_body", False):
                    exchange.complete = True
            await send(message)

        await self.app(scope, recording_receive, recording_send)

    def answered(
        self,
        scope: dict[str, Any],
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        body_unread: bool,
    ) -> None:
        """Keep an answer the server's transport gave itself to a request (the `answered` of
        `transport.HttpServer`): as the response of the request's exchange when the application had it
        (whatever the application sent is replaced: the client got this answer instead), or as a new
        exchange. `body_unread` marks the request's body as not kept in full, as it was not read."""
        exchange = scope.get(_SCOPE_KEY)
        if exchange is None:
            exchange = _exchange_of(scope)
            self.log.add(exchange)
        exchange.request_body_truncated = exchange.request_body_truncated or body_unread
        exchange.status = status
        exchange.response_headers = _decode_headers(headers)
        exchange.response_body = body[:BODY_LIMIT]
        exchange.response_body_truncated = len(body) > BODY_LIMIT
        exchange.complete = True


def _exchange_of(scope: dict[str, Any]) -> Exchange:
    """A new exchange for the request of an ASGI scope, with no response yet."""
    return Exchange(
        method=scope["method"],
        path=scope.get("path", ""),
        query=scope.get("query_string", b"").decode("latin-1"),
        request_headers=_decode_headers(scope.get("headers", [])),
    )
