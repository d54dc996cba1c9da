"""The transport under the mock: binding, TLS sniffing, HTTP/1.1 framing and timeouts.

It knows nothing about the API. It serves any ASGI application over one listening socket:

* Each new connection's first byte is peeked at. A TLS handshake (0x16) is served over TLS; anything else
  is a client speaking plain HTTP, which gets one fixed `400` (JSON, saying to use HTTPS) before the
  connection is closed. No API data is ever sent in the clear.
* HTTP/1.1 (and 1.0) is parsed by h11. A request reaches the application only once its head is complete
  and valid; its body is handed over as it arrives, and a connection that ends before the body does is
  reported to the application as a disconnect, so that it can drop the request.
* A request whose framing is broken gets its answer at once, from the transport, and the connection is
  closed: `400` for a malformed head or chunked body (a chunk line must end with CRLF, and a chunk's data
  must be as long as its size says), `413` for a body that `Content-Length` or a chunk size declares
  larger than the limit (before any `100 Continue`), `414` for a request line longer than the head's
  limit, `431` for a head over its limit, `501` for a transfer coding other than chunked, and `505` for
  an HTTP version other than 1.0 and 1.1.
* Every wait has a limit (`Timeouts`), so that a client that stops sending, or stops reading, cannot hold
  a connection.
* What the server holds has a bound too. It serves at most `max_connections` connections at once, and
  past that it stops accepting until one ends: a client that arrives then waits in the system's queue
  rather than costing a TLS handshake to be told to go away. It works on a few TLS handshakes at a time,
  so that a crowd of new connections cannot hold the event loop while the clients it already serves
  wait. Each request body may have its first 16 KiB handed to the application freely; a larger one
  reserves the rest of its size from a pool shared by the port's connections before more of it is read.
  When the pool is spent, it waits (its bytes stay with the client, unread) until a reservation is given
  back, and gets `503` with `Retry-After` if none is within `Timeouts.idle`. A whole body must arrive
  within `Timeouts.body`, so that no body holds its reservation for long.
* The application is called inside an error boundary, and its ASGI messages are checked for order. The
  response is held until the application returns, so when it fails (it raises, sends its messages out of
  order, or returns without a complete response) nothing has been sent yet: the client gets a `500`
  instead, the connection is closed, and the failure is logged once.
* The transport's own answers carry the same `X-Request-Id` as the application's, from the counter the
  server is given, the same JSON error body, and no body when the request was a `HEAD`, as a client
  reads none after one. Those to a request whose head was read are also reported (`answered`), so that a
  record of the exchanges holds them too.
* When `accept()` fails (for example with too many open files), the error is logged and accepting resumes
  after a short pause.

The server is our own rather than uvicorn's because each of these rules sits where uvicorn gives no public
hook: what happens before the TLS handshake, when the timers start, and how a request head is limited.
"""

from __future__ import annotations

import asyncio
import collections
import ctypes
import errno
import logging
import socket
import ssl
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

import h11

from cliniko_sandbox.contract import MAX_HEAD_BYTES, size_in_words
from cliniko_sandbox.errors import JSON_TYPE, dump_json

logger = logging.getLogger("cliniko_sandbox")

ASGIApp = Callable[[dict[str, Any], Callable[[], Awaitable[dict[str, Any]]], Callable[[dict[str, Any]], Awaitable[None]]], Awaitable[None]]
#: Told of each answer the transport gives itself to a request whose head it read: the request's ASGI
#: scope (the one the application got, when it was called), the status, the headers and the body sent,
#: and whether the request's body went unread.
Answered = Callable[[dict[str, Any], int, list[tuple[bytes, bytes]], bytes, bool], None]

# The largest request head served is `MAX_HEAD_BYTES`: a larger one gets `431`, or `414` when its request
# line alone is larger.
PLAIN_HTTP_MESSAGE = "The Cliniko API is served over HTTPS only. Plain HTTP is not supported: use https://."
#: The HTTP versions served; a request line with another gets `505`.
HTTP_VERSIONS = (b"1.0", b"1.1")
_TLS_HANDSHAKE = 0x16
#: `accept()` errors that mean "out of a resource for now": wait, then accept again.
_RESOURCE_ERRORS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}
_READ_SIZE = 65536
#: How long, and how much, the server reads and drops before closing a connection it ended early.
_LINGER_SECONDS = 1.0
_LINGER_GAP = 0.25
_LINGER_BYTES = 2 * 1024 * 1024
#: After refusing a body it has not read (`413`), the server reads and drops up to this much of it,
#: for as long as the client keeps sending, so that a client that sends its whole body before it reads
#: still gets the answer.
_DRAIN_BYTES = 16 * 1024 * 1024
_DRAIN_GAP = 1.0
#: The longest line of a chunked body the server reads: a chunk size with its extensions.
_MAX_CHUNK_LINE = 1024
#: How many pieces of a body the server reads (chunks, say) before it lets other connections run; the
#: pieces already received are handed to the application together, as many at a time.
_PIECES_BETWEEN_TURNS = 64
#: The most hex digits a chunk size may have (64 bits' worth); leading zeros count.
_MAX_CHUNK_DIGITS = 16
#: The most connections a server serves at once; past it, it accepts no more until one ends.
MAX_CONNECTIONS = 1000
#: How many TLS handshakes the server works on at once, and how long each may keep its turn. A
#: handshake's costly step (the key exchange and the signature) comes as soon as the client's hello is
#: read, so the turn ends when the handshake does, or after a short while for a client slow to finish it.
_HANDSHAKES_AT_ONCE = 8
_HANDSHAKE_TURN = 0.02
#: How much of each request body is handed to the application without a reservation from the pool.
BODY_BYTES_FREE = 16 * 1024
#: The pool shared by the bodies larger than that, as a number of bodies at the size limit.
BODY_POOL_BODIES = 16


class PortInUseError(RuntimeError):
    """The port asked for is taken by another program."""


@dataclass(frozen=True)
class Timeouts:
    """How long the server waits for a client, in seconds.

    Attributes:
        handshake: for the first byte of a new connection, and then for its TLS handshake.
        header: for a whole request head, from its first byte (or from the handshake, for the first request).
        idle: for the next request on a kept-alive connection, and between two pieces of a request body.
        body: for a whole request body, from the end of its head; a body waiting for its turn at the pool
            of body bytes waits no longer than `idle` for it.
        write: for the client to take what the server sends: a response that cannot be written for
            this long (the client is not reading) ends the connection.
        accept_backoff: the pause after `accept()` fails for want of a resource.
    """

    handshake: float = 10.0
    header: float = 10.0
    idle: float = 5.0
    body: float = 30.0
    write: float = 10.0
    accept_backoff: float = 0.1


def bind(host: str, port: int) -> socket.socket:
    """Open a listening socket, with a clear error when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        if error.errno == errno.EADDRINUSE:
            raise PortInUseError(
                f"port {port} on {host} is already in use; stop the program using it or choose another port"
            ) from None
        raise
    listener.listen(128)
    return listener


#: Reason phrases as RFC 9110 section 15 names the statuses, where Python's `HTTPStatus` still has an
#: older name (RFC 7231's); every other status takes `HTTPStatus`'s phrase, which matches RFC 9110 or,
#: for `429` and `431`, RFC 6585.
RFC_9110_REASONS = {
    413: "Content Too Large",
    414: "URI Too Long",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
}


def _reason(status: int) -> bytes:
    if status in RFC_9110_REASONS:
        return RFC_9110_REASONS[status].encode("ascii")
    try:
        return HTTPStatus(status).phrase.encode("ascii")
    except ValueError:
        return b""


class FixedResponse:
    """An error response of the transport's own: JSON with a `message`, and `Connection: close`, with only
    its `Date` and `X-Request-Id` filled in when sent.

    Args:
        status: the status code.
        message: the JSON body's `message`.
    """

    def __init__(self, status: int, message: str, *, retry_after: int | None = None) -> None:
        self.status = status
        self.body = dump_json({"message": message})
        self._start = b"HTTP/1.1 %d %s\r\n" % (status, _reason(status))
        self._retry_after = retry_after

    def headers(self, date: str, request_id: str | None = None) -> list[tuple[bytes, bytes]]:
        """The headers as sent: with `X-Request-Id` when there is an ID, and the body's length (which a
        response to `HEAD` keeps, without the body)."""
        fields = [
            (b"date", date.encode("ascii")),
            (b"content-type", JSON_TYPE.encode("ascii")),
            (b"content-length", str(len(self.body)).encode("ascii")),
            (b"cache-control", b"no-store"),
        ]
        if self._retry_after is not None:
            fields.append((b"retry-after", str(self._retry_after).encode("ascii")))
        if request_id is not None:
            fields.append((b"x-request-id", request_id.encode("ascii")))
        return [*fields, (b"connection", b"close")]

    def bytes(self, date: str, request_id: str | None = None, *, head: bool = False) -> bytes:
        """The response as sent, without its body after `HEAD`."""
        fields = b"".join(name + b": " + value + b"\r\n" for name, value in self.headers(date, request_id))
        return self._start + fields + b"\r\n" + (b"" if head else self.body)


_PLAIN_HTTP = FixedResponse(400, PLAIN_HTTP_MESSAGE)
_HEAD_TOO_LARGE = FixedResponse(
    431,
    f"The request line and headers are larger than the limit of {MAX_HEAD_BYTES} bytes ({size_in_words(MAX_HEAD_BYTES)}).",
)
_LINE_TOO_LONG = FixedResponse(
    414,
    f"The request line (the method, the path with its query, and the version) is longer than the limit of "
    f"{MAX_HEAD_BYTES} bytes ({size_in_words(MAX_HEAD_BYTES)}): send a shorter URL.",
)
_UNKNOWN_CODING = FixedResponse(
    501,
    "The request's Transfer-Encoding is not supported: send the body with Content-Length, "
    "or with Transfer-Encoding: chunked and no other coding.",
)
_ANOTHER_SERVER = FixedResponse(400, "The request target names another server; this is not a proxy.")
_BODIES_BUSY = FixedResponse(
    503,
    "The server is receiving as many large request bodies as it holds at once, and none finished in time "
    "for this one: send the request again after the seconds in Retry-After.",
    retry_after=1,
)
_APPLICATION_FAILED = FixedResponse(
    500, "The server failed while answering this request; this is a bug in the sandbox, not in the request."
)


def _bad_http(detail: str) -> FixedResponse:
    return FixedResponse(400, f"The request is not valid HTTP: {detail}")


def _version_not_supported(version: bytes) -> FixedResponse:
    return FixedResponse(
        505, f"HTTP/{version.decode('ascii')} is not supported: send the request as HTTP/1.1 (or HTTP/1.0)."
    )


def _body_too_large(limit: int) -> FixedResponse:
    return FixedResponse(413, f"The request body is larger than the limit of {limit} bytes ({size_in_words(limit)}).")


class _ClientGone(Exception):
    """The client closed the connection, or stopped sending or reading in time."""


class _Refused(Exception):
    """A request body whose framing is broken, and the transport's answer to it."""

    def __init__(self, response: FixedResponse) -> None:
        super().__init__(response.status)
        self.response = response


class AsgiMessageError(RuntimeError):
    """The application sent an ASGI message that is not one it may send at that point."""


#: How much of a request's first bytes is kept to tell, when its head cannot be parsed, whether it was a
#: `HEAD`. Empty lines before it are skipped here, though h11 refuses a request that starts with one
#: (RFC 9112 section 2.2 says a server should skip them: this server does not).
_METHOD_PEEK = 64


def _is_head(start: bytes) -> bool:
    return start.lstrip(b"\r\n").startswith(b"HEAD ")


class _HeadStart:
    """What the server notes of a request head while it arrives: its first bytes (to tell a `HEAD`), and
    how long its request line is so far (to tell a `414` from a `431` when h11 gives up on the head).

    Args:
        buffered: the bytes of the head that had arrived with the previous request.
    """

    def __init__(self, buffered: bytes) -> None:
        self.first = bytearray()
        self.line_length = 0
        self.line_ended = False
        self._started = False
        self.feed(buffered)

    def feed(self, data: bytes) -> None:
        if len(self.first) < _METHOD_PEEK:
            self.first += data[: _METHOD_PEEK - len(self.first)]
        if self.line_ended:
            return
        if not self._started:
            data = data.lstrip(b"\r\n")
            if not data:
                return
            self._started = True
        end = data.find(b"\n")
        if end < 0:
            self.line_length += len(data)
        else:
            self.line_length += len(data[:end].rstrip(b"\r"))
            self.line_ended = True

    @property
    def is_head(self) -> bool:
        return _is_head(bytes(self.first))

    @property
    def line_too_long(self) -> bool:
        return not self.line_ended or self.line_length > MAX_HEAD_BYTES


class _ChunkedFraming:
    """Checks a chunked request body's framing as its bytes arrive, before h11 decodes them.

    h11 waits for a CRLF that a bare LF never brings, and takes a chunk size of up to 20 digits as a
    promise of that much data; this check refuses both at once instead: every line of a chunked body
    (chunk sizes, the CRLF after each chunk's data, the trailer fields) must end with CRLF (`400`), a chunk
    size must be at most 16 hex digits (`400`), and the sizes together must stay within the body limit
    (`413`). It stops at the end of the body: what follows is the next request.

    Args:
        limit: the largest body served, in bytes; None for no limit.
    """

    def __init__(self, limit: int | None) -> None:
        self._limit = limit
        self._state = "size"  # "size", "data", "data-end", "trailer", or "done"
        self._line = bytearray()
        self._left = 0
        self._total = 0
        self._trailer_bytes = 0

    def feed(self, data: bytes) -> None:
        """Check the next bytes received; raises `_Refused` at the first one that breaks the framing."""
        at = 0
        while at < len(data) and self._state != "done":
            if self._state == "data":
                taken = min(self._left, len(data) - at)
                at += taken
                self._left -= taken
                if self._left == 0:
                    self._state = "data-end"
            elif self._state == "data-end":
                self._line.append(data[at])
                at += 1
                if not b"\r\n".startswith(self._line):
                    raise _Refused(_bad_http("a chunk's data is longer than its size, or does not end with CRLF"))
                if len(self._line) == 2:
                    self._line.clear()
                    self._state = "size"
            else:
                end = data.find(b"\n", at)
                self._line += data[at : len(data) if end < 0 else end + 1]
                at = len(data) if end < 0 else end + 1
                if self._state == "size" and len(self._line) > _MAX_CHUNK_LINE + 2:
                    # Checked whether the line came in one piece or in several; its CRLF is not counted.
                    raise _Refused(_bad_http(f"a chunk-size line is longer than {_MAX_CHUNK_LINE} bytes"))
                if end >= 0:
                    self._end_of_line(bytes(self._line))
                    self._line.clear()
                elif self._state == "trailer" and self._trailer_bytes + len(self._line) > MAX_HEAD_BYTES:
                    raise _Refused(_bad_http(f"the trailer fields are larger than {size_in_words(MAX_HEAD_BYTES)}"))

    def _end_of_line(self, line: bytes) -> None:
        if not line.endswith(b"\r\n"):
            raise _Refused(_bad_http("each line of a chunked body must end with CRLF, not with a bare LF"))
        if self._state == "trailer":
            self._trailer_bytes += len(line)
            if line == b"\r\n":
                self._state = "done"
            elif self._trailer_bytes > MAX_HEAD_BYTES:
                raise _Refused(_bad_http(f"the trailer fields are larger than {size_in_words(MAX_HEAD_BYTES)}"))
            return
        size_text = line[:-2].split(b";", 1)[0].rstrip(b" \t")
        if not size_text or size_text.strip(b"0123456789abcdefABCDEF"):
            raise _Refused(_bad_http(f"a chunk size must be hex digits, not {size_text[:40]!r}"))
        if len(size_text) > _MAX_CHUNK_DIGITS:
            raise _Refused(_bad_http(f"a chunk size has more than {_MAX_CHUNK_DIGITS} hex digits"))
        size = int(size_text, 16)
        self._total += size
        if self._limit is not None and self._total > self._limit:
            raise _Refused(_body_too_large(self._limit))
        self._left = size
        self._state = "data" if size else "trailer"


class HttpServer:
    """Serves one ASGI application on one listening socket, in a thread of its own.

    Args:
        app: the ASGI application.
        listener: a bound, listening socket (see `bind`); the server closes it when it stops.
        tls: the server's TLS context; None serves plain HTTP (no sniffing).
        date: the `Date` of the transport's own error responses, read from the mock's clock.
        timeouts: the limits on every wait.
        request_id: the `X-Request-Id` of each of the transport's own error responses, from the counter
            the application uses too; None sends none (the control port's server).
        max_body: the largest request body served, in bytes; a body declared larger (by `Content-Length`
            or by its chunk sizes) gets `413` at once. None sets no limit.
        answered: told of each answer the transport gives itself to a request whose head it read.
        max_connections: the most connections served at once; past it the server accepts no more until
            one ends.
        body_pool: the bytes of request bodies beyond each one's first `BODY_BYTES_FREE` that may be
            held at once; by default `BODY_POOL_BODIES` bodies at the size limit (never less than one).
    """

    def __init__(
        self,
        app: ASGIApp,
        listener: socket.socket,
        tls: ssl.SSLContext | None,
        date: Callable[[], str],
        timeouts: Timeouts,
        request_id: Callable[[], str] | None = None,
        *,
        max_body: int | None = None,
        answered: Answered | None = None,
        max_connections: int = MAX_CONNECTIONS,
        body_pool: int | None = None,
    ) -> None:
        if max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, not {max_connections}")
        self._app = app
        self._listener = listener
        self._tls = tls
        self._date = date
        self._request_id = request_id
        self._max_body = max_body
        self._answered = answered
        self._max_connections = max_connections
        self.timeouts = timeouts
        host, port = listener.getsockname()[:2]
        self._authority = (f"[{host}]" if ":" in host else host) + f":{port}"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._handshakes = asyncio.Semaphore(_HANDSHAKES_AT_ONCE)
        pool_size = BODY_POOL_BODIES * max_body if body_pool is None and max_body is not None else body_pool
        self._body_pool = None if max_body is None or pool_size is None else _BodyPool(max(pool_size, max_body))
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mock-cliniko", daemon=True)

    # Life cycle ------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the mock server did not start")

    def stop(self) -> None:
        """Stop serving, close every connection (idle keep-alive ones too), and free the port."""
        if not self._thread.is_alive():
            self._listener.close()
            return
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._listener.setblocking(False)
        connections = _Connections()
        accepting = asyncio.create_task(self._accept_forever(connections))
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            accepting.cancel()
            for task in list(connections):
                task.cancel()
            await asyncio.gather(accepting, *connections, return_exceptions=True)
            self._listener.close()

    async def _accept_forever(self, connections: _Connections) -> None:
        loop = asyncio.get_running_loop()
        while True:
            # At the cap, the next client waits in the listener's queue (and then in the system's) until
            # a connection ends: refusing it over TLS would cost the handshake the cap is there to save.
            await connections.fewer_than(self._max_connections)
            try:
                connection, _ = await loop.sock_accept(self._listener)
            except OSError as error:
                # Out of handles or memory for now (or the peer left before the accept): the listener is
                # still good, so wait a little and accept again rather than end the loop and serve no one.
                pause = self.timeouts.accept_backoff if error.errno in _RESOURCE_ERRORS else 0.01
                logger.warning("accept() failed (%s); accepting again in %s s", error, pause)
                await asyncio.sleep(pause)
                continue
            task = loop.create_task(self._connection(connection))
            connections.opened(task)
            task.add_done_callback(connections.closed)

    def _fixed(self, response: FixedResponse, *, head: bool) -> bytes:
        """One of the transport's own responses, dated and numbered now."""
        return response.bytes(self._date(), None if self._request_id is None else self._request_id(), head=head)

    # One connection --------------------------------------------------------------------------

    async def _connection(self, connection: socket.socket) -> None:
        connection.setblocking(False)
        # asyncio sets TCP_NODELAY only on sockets it creates itself; without it, Nagle's algorithm
        # holds a small response behind the previous one for about 40 ms.
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        writer: asyncio.StreamWriter | None = None
        try:
            async with asyncio.timeout(self.timeouts.handshake):
                first = await _peek(connection)
            if not first:
                return
            if self._tls is not None and first[0] != _TLS_HANDSHAKE:
                await self._refuse_plain_http(connection)
                return
            reader, writer = await self._open_streams(connection)
            await self._serve_requests(reader, writer)
        except (TimeoutError, OSError, ssl.SSLError, _ClientGone):
            pass
        except Exception:
            # A fault of the transport itself: logged here, once, rather than left in the task for
            # asyncio to report when the task is collected.
            logger.exception("the connection failed unexpectedly")
        finally:
            if writer is not None:
                writer.close()
                try:
                    async with asyncio.timeout(1):
                        await writer.wait_closed()
                except (TimeoutError, OSError, ssl.SSLError):
                    writer.transport.abort()  # what is still unsent stays unsent: the socket is freed now
            else:
                connection.close()

    async def _open_streams(self, connection: socket.socket) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """The connection's streams, after its TLS handshake, which waits for its turn (see
        `_HANDSHAKES_AT_ONCE`) within the handshake's time limit."""
        if self._tls is None:
            return await _accept_streams(connection, None, self.timeouts.handshake)
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.timeouts.handshake
        async with asyncio.timeout_at(give_up):
            await self._handshakes.acquire()
        opening = asyncio.ensure_future(
            _accept_streams(connection, self._tls, max(0.001, give_up - loop.time()))
        )
        try:
            await asyncio.wait({opening}, timeout=_HANDSHAKE_TURN)
        except BaseException:
            opening.cancel()
            raise
        finally:
            self._handshakes.release()
        return await opening

    async def _refuse_plain_http(self, connection: socket.socket) -> None:
        """Read what the client sent (so closing does not reset the connection), respond, and close."""
        loop = asyncio.get_running_loop()
        received = b""
        try:
            async with asyncio.timeout(2):
                while b"\r\n\r\n" not in received and len(received) < MAX_HEAD_BYTES:
                    chunk = await loop.sock_recv(connection, 4096)
                    if not chunk:
                        break
                    received += chunk
        except (TimeoutError, OSError):
            pass
        try:
            async with asyncio.timeout(self.timeouts.write):
                await loop.sock_sendall(connection, self._fixed(_PLAIN_HTTP, head=_is_head(received[:_METHOD_PEEK])))
            connection.shutdown(socket.SHUT_WR)
            async with asyncio.timeout(1):
                while await loop.sock_recv(connection, 4096):
                    pass
        except (TimeoutError, OSError):
            pass

    async def _serve_requests(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_BYTES)
        wait_for_first_byte = self.timeouts.header
        while True:
            start = _HeadStart(connection.trailing_data[0])
            try:
                request = await self._read_head(connection, reader, wait_for_first_byte, start)
            except h11.RemoteProtocolError as error:
                if error.error_status_hint == 431:
                    fixed = _LINE_TOO_LONG if start.line_too_long else _HEAD_TOO_LARGE
                elif error.error_status_hint == 501:
                    fixed = _UNKNOWN_CODING
                else:
                    fixed = _bad_http(str(error))
                writer.write(self._fixed(fixed, head=start.is_head))
                await self._finish_writing(writer, reader)
                return
            if request is None:
                return
            keep_open = await self._exchange(connection, request, reader, writer)
            if not keep_open or connection.our_state is not h11.DONE or connection.their_state is not h11.DONE:
                return
            connection.start_next_cycle()
            wait_for_first_byte = self.timeouts.idle
            # Pipelined requests are read from bytes already received, with no wait between them that
            # would let another connection run: give the others a turn after each.
            await asyncio.sleep(0)

    async def _read_head(
        self, connection: h11.Connection, reader: asyncio.StreamReader, wait_for_first_byte: float, start: _HeadStart
    ) -> h11.Request | None:
        """The next request's head, or None when the client closed the connection between requests.

        What arrives is noted in `start` too, for the answer to a head that cannot be parsed.
        """
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        while True:
            event = connection.next_event()
            if isinstance(event, h11.Request):
                return event
            if isinstance(event, h11.ConnectionClosed):
                return None
            if event is not h11.NEED_DATA:
                raise h11.RemoteProtocolError(f"unexpected {type(event).__name__}")
            wait = wait_for_first_byte if deadline is None else max(0.0, deadline - loop.time())
            async with asyncio.timeout(wait):
                data = await reader.read(_READ_SIZE)
            if deadline is None:
                deadline = loop.time() + self.timeouts.header
            start.feed(data)
            connection.receive_data(data)

    def _refusal(
        self, connection: h11.Connection, request: h11.Request, path: bytes | None, declared: int | None
    ) -> tuple[FixedResponse, int] | None:
        """The transport's own answer to a request it read the head of, when it has one, and how much of
        the body the client may still send; None when the request goes to the application. `declared` is
        the body's `Content-Length`, if it has one."""
        if request.http_version not in HTTP_VERSIONS:
            return _version_not_supported(request.http_version), 0
        if _request_line_size(request) > MAX_HEAD_BYTES:
            return _LINE_TOO_LONG, 0
        if _head_size(request) > MAX_HEAD_BYTES:
            return _HEAD_TOO_LARGE, 0
        names = [name for name, _ in request.headers]
        # A message framed both ways is ambiguous (RFC 9112 section 6.3): refused, and the connection closed.
        if b"transfer-encoding" in names and b"content-length" in names:
            return _bad_http("Content-Length and Transfer-Encoding must not be sent together"), 0
        # HTTP/1.0 has no chunked coding: a 1.0 message that claims it is faulty (RFC 9112 section 6.1).
        if b"transfer-encoding" in names and request.http_version == b"1.0":
            return _bad_http("HTTP/1.0 has no Transfer-Encoding: send Content-Length, or use HTTP/1.1"), 0
        if path is None:
            return _ANOTHER_SERVER, 0
        if self._max_body is not None and declared is not None and declared > self._max_body:
            # Answered before any `100 Continue`, and before the body is read (RFC 9110 section 10.1.1).
            return _body_too_large(self._max_body), max(0, declared - len(connection.trailing_data[0]))
        return None

    async def _exchange(
        self,
        connection: h11.Connection,
        request: h11.Request,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        """Answer one request; whether the connection may serve another."""
        head = request.method == b"HEAD"
        path = self._origin_form(request.target)
        scope = self._scope(request, request.target if path is None else path)
        chunked = any(name == b"transfer-encoding" for name, _ in request.headers)
        has_body = chunked or any(name == b"content-length" and value != b"0" for name, value in request.headers)
        declared = _declared_length(request)
        refusal = self._refusal(connection, request, path, declared)
        framing = _ChunkedFraming(self._max_body) if chunked and refusal is None else None
        if framing is not None:
            try:
                framing.feed(connection.trailing_data[0])  # the body's first bytes, read with the head
            except _Refused as refused:
                refusal = refused.response, _still_coming(refused.response)
        if refusal is not None:
            fixed, body_left = refusal
            await self._answer(scope, fixed, writer, reader, head=head, body_unread=has_body, body_left=body_left)
            return False

        body_done = False
        client_gone = False
        broken: FixedResponse | None = None
        response: dict[str, Any] = {}
        pieces_since_turn = 0  # pieces of the body read since the other connections last had a turn
        following: list[h11.Event] = []  # what came after the last piece, already read from h11
        loop = asyncio.get_running_loop()
        body_ends_by = loop.time() + self.timeouts.body
        # The most the body may still bring (its declared length, or the limit for a chunked one), less
        # what has been handed over; a reservation from the pool, once taken, covers all of it.
        may_come = self._max_body if chunked else declared
        handed = reserved = 0
        pool = self._body_pool
        broken_left = 0  # how much of the body may still arrive after a refusal halfway through it

        async def receive() -> dict[str, Any]:
            nonlocal body_done, client_gone, broken, broken_left, pieces_since_turn, handed, reserved
            if body_done or client_gone or broken is not None:
                return {"type": "http.disconnect"}
            if pieces_since_turn >= _PIECES_BETWEEN_TURNS:
                # A body that has already arrived is read with no wait that would let another connection
                # run (a body of tiny chunks, above all): give the others a turn now and then.
                pieces_since_turn = 0
                await asyncio.sleep(0)
            if pool is not None and may_come is not None and not reserved and handed >= BODY_BYTES_FREE:
                rest = max(0, may_come - handed)
                if rest:
                    try:
                        async with asyncio.timeout_at(min(loop.time() + self.timeouts.idle, body_ends_by)):
                            await pool.reserve(min(rest, pool.size))
                    except TimeoutError:
                        broken, broken_left = _BODIES_BUSY, rest
                        return {"type": "http.disconnect"}
                    reserved = min(rest, pool.size)
            if connection.they_are_waiting_for_100_continue:
                writer.write(connection.send(h11.InformationalResponse(status_code=100, headers=[])))
            try:
                if following:
                    event = following.pop()
                    if isinstance(event, h11.ConnectionClosed):
                        raise _ClientGone
                else:
                    event = await self._next_body_event(connection, reader, framing, body_ends_by)
                pieces_since_turn += 1
                if isinstance(event, h11.Data):
                    room = max(1, _PIECES_BETWEEN_TURNS - pieces_since_turn + 1)
                    data, after, joined = _with_the_pieces_received(connection, event, room)
                    following.extend(after)
                    pieces_since_turn += joined - 1
            except _Refused as refused:
                broken, broken_left = refused.response, _still_coming(refused.response)
                return {"type": "http.disconnect"}
            except h11.RemoteProtocolError as error:
                broken = _bad_http(str(error))
                return {"type": "http.disconnect"}
            except (_ClientGone, TimeoutError, OSError, ssl.SSLError):
                client_gone = True
                return {"type": "http.disconnect"}
            if isinstance(event, h11.Data):
                handed += len(data)
                return {"type": "http.request", "body": data, "more_body": True}
            body_done = True
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if isinstance(message, dict) and message.get("type") == "http.response.start":
                message = {**message, "headers": list(message.get("headers", []))}  # an iterable, read once
            try:
                _check_message(message, response)
            except AsgiMessageError as error:
                # Kept, so that an application that catches the error still gets its 500.
                response.setdefault("invalid", str(error))
                raise
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response["headers"] = message["headers"]
                response["body"] = []
            else:
                response["body"].append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    response["complete"] = True

        failed = False
        try:
            await self._app(scope, receive, send)
        except Exception:
            logger.exception("the application failed while answering %s %s", scope["method"], scope["path"])
            failed = True
        finally:
            if reserved and pool is not None:
                pool.give_back(reserved)
        if broken is not None:  # the body's framing broke while the application read it
            await self._answer(scope, broken, writer, reader, head=head, body_unread=True, body_left=broken_left)
            return False
        if client_gone:
            return False  # the request was dropped: nothing to send, and the connection ends
        if not failed and "invalid" in response:
            logger.error(
                "the application sent a message out of order for %s %s: %s",
                scope["method"], scope["path"], response["invalid"],
            )
            failed = True
        if not failed and not response.get("complete"):
            logger.error(
                "the application returned without a complete response to %s %s", scope["method"], scope["path"]
            )
            failed = True
        out: list[bytes] = []
        closing = False
        if not failed:
            headers = response["headers"]
            # A body the application did not read to its end is still on the wire: close rather than read
            # it, and linger. A client that asked to close (`Connection: close`) has sent all of its
            # request when h11 says it must close: the connection then ends after the response, with
            # nothing to drop.
            closing = connection.their_state not in (h11.DONE, h11.MUST_CLOSE)
            if closing:
                headers = [*headers, (b"connection", b"close")]
            status = response["status"]
            body = b"".join(response["body"])
            try:
                out.append(connection.send(h11.Response(status_code=status, headers=headers, reason=_reason(status))))
                if body and not head:
                    out.append(connection.send(h11.Data(data=body)))
                out.append(connection.send(h11.EndOfMessage()))
            except h11.LocalProtocolError as error:
                logger.error(
                    "the application's response to %s %s is not valid HTTP: %s", scope["method"], scope["path"], error
                )
                failed = True
        if failed:
            body_unread = connection.their_state is h11.SEND_BODY
            await self._answer(scope, _APPLICATION_FAILED, writer, reader, head=head, body_unread=body_unread)
            return False
        # The whole response leaves in one write, so that it travels in as few TLS records as it can.
        writer.write(b"".join(chunk or b"" for chunk in out))
        if closing:
            await self._finish_writing(writer, reader)
        else:
            await self._drain(writer)
        return not closing

    async def _answer(
        self,
        scope: dict[str, Any],
        fixed: FixedResponse,
        writer: asyncio.StreamWriter,
        reader: asyncio.StreamReader,
        *,
        head: bool,
        body_unread: bool,
        body_left: int = 0,
    ) -> None:
        """Send one of the transport's own answers to a request it read the head of, and end the
        connection; the answer is reported to `answered` too."""
        date = self._date()
        request_id = None if self._request_id is None else self._request_id()
        writer.write(fixed.bytes(date, request_id, head=head))
        if self._answered is not None:
            self._answered(scope, fixed.status, fixed.headers(date, request_id), b"" if head else fixed.body, body_unread)
        await self._finish_writing(writer, reader, body_left=body_left)

    async def _next_body_event(
        self,
        connection: h11.Connection,
        reader: asyncio.StreamReader,
        framing: _ChunkedFraming | None,
        body_ends_by: float,
    ) -> h11.Event:
        loop = asyncio.get_running_loop()
        while True:
            event = connection.next_event()
            if isinstance(event, (h11.Data, h11.EndOfMessage)):
                return event
            if isinstance(event, h11.ConnectionClosed):
                raise _ClientGone
            async with asyncio.timeout_at(min(loop.time() + self.timeouts.idle, body_ends_by)):
                data = await reader.read(_READ_SIZE)
            if not data:
                # The client closed in the middle of its body (with TLS's close_notify or without): it
                # is gone, and there is no one to answer, so no made-up 400 is recorded either.
                raise _ClientGone
            if framing is not None:
                framing.feed(data)
            connection.receive_data(data)

    def _scope(self, request: h11.Request, path: bytes) -> dict[str, Any]:
        raw_path, _, query = path.partition(b"?")
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": request.http_version.decode("ascii"),
            "method": request.method.decode("ascii"),
            "scheme": "https" if self._tls else "http",
            "path": unquote(raw_path.decode("ascii", errors="replace")),
            "raw_path": raw_path,
            "query_string": query,
            "root_path": "",
            "headers": [(name, value) for name, value in request.headers],
            "server": None,
            "client": None,
        }

    def _origin_form(self, target: bytes) -> bytes | None:
        """The path and query of a request target; an absolute-form target must name this server."""
        lowered = target.lower()
        for scheme in (b"https://", b"http://"):
            if lowered.startswith(scheme):
                authority, slash, rest = target[len(scheme) :].partition(b"/")
                if authority.decode("latin-1").lower() != self._authority.lower():
                    return None
                return slash + rest if slash else b"/"
        return target

    # Writing ---------------------------------------------------------------------------------

    async def _drain(self, writer: asyncio.StreamWriter) -> None:
        """Wait until the client has taken enough of what was written; a client that takes nothing for
        `Timeouts.write` loses the connection, and what it has not taken."""
        try:
            async with asyncio.timeout(self.timeouts.write):
                await writer.drain()
        except TimeoutError:
            writer.transport.abort()
            raise _ClientGone from None

    async def _finish_writing(self, writer: asyncio.StreamWriter, reader: asyncio.StreamReader, *, body_left: int = 0) -> None:
        """Send what is written, then linger before the connection is closed.

        The server closes after a response that ends the connection early (an oversized head, a body it did
        not read), often while the client is still sending its request. Closing at once would make the
        client's next write fail and throw away the response waiting in its buffer, so the server first reads
        and drops what still arrives, as RFC 9112 section 9.6 advises. The linger is bounded: it ends when the
        client closes, when nothing has arrived for `_LINGER_GAP` seconds, after `_LINGER_SECONDS` in all, or
        after `_LINGER_BYTES`.

        `body_left` is the rest of a body the server refused without reading it (`413`), which the client
        may well be sending still: the server then reads and drops up to that much (at most `_DRAIN_BYTES`),
        and closes once it has, or when nothing arrives for `_DRAIN_GAP` seconds (or `Timeouts.idle`, if
        shorter), or after `Timeouts.header` in all.
        """
        loop = asyncio.get_running_loop()
        try:
            await self._drain(writer)
            if body_left:
                most, gap, seconds = min(body_left, _DRAIN_BYTES), min(_DRAIN_GAP, self.timeouts.idle), self.timeouts.header
            else:
                most, gap, seconds = _LINGER_BYTES, _LINGER_GAP, _LINGER_SECONDS
            give_up = loop.time() + seconds
            dropped = 0
            while dropped < most and loop.time() < give_up:
                async with asyncio.timeout(min(gap, max(0.0, give_up - loop.time()))):
                    chunk = await reader.read(min(_READ_SIZE, most - dropped))
                if not chunk:
                    return
                dropped += len(chunk)
        except (TimeoutError, OSError, ssl.SSLError, _ClientGone):
            pass


def _with_the_pieces_received(
    connection: h11.Connection, first: h11.Data, most: int
) -> tuple[bytes, list[h11.Event], int]:
    """A piece of a body joined with those after it that h11 has already received (`most` pieces in all,
    and `_READ_SIZE` bytes, at most), so that a body of a million tiny chunks is not a million pieces to
    hand over and hold; the event after them, if one was read; and how many pieces were joined."""
    pieces = [first.data]
    size = len(first.data)
    while size < _READ_SIZE and len(pieces) < most:
        event = connection.next_event()
        if event is h11.NEED_DATA:
            break
        if not isinstance(event, h11.Data):
            return b"".join(pieces), [event], len(pieces)
        pieces.append(event.data)
        size += len(event.data)
    return b"".join(pieces), [], len(pieces)


def _declared_length(request: h11.Request) -> int | None:
    """The body's length as `Content-Length` gives it (h11 has checked it), or None without one."""
    return next((int(value) for name, value in request.headers if name == b"content-length"), None)


def _still_coming(refusal: FixedResponse) -> int:
    """How much of a chunked body refused for its framing may still be on its way: after a `413` the client
    is most likely still sending it, so the server drains as much as it would of a declared one."""
    return _DRAIN_BYTES if refusal.status == 413 else 0


def _check_message(message: dict[str, Any], response: dict[str, Any]) -> None:
    """Raise `AsgiMessageError` unless `message` is one an application may send now, given the `response`
    so far: one `http.response.start` with a valid status and headers, then `http.response.body` messages
    up to the one without `more_body`, and nothing after it."""
    kind = message.get("type") if isinstance(message, dict) else None
    if kind == "http.response.start":
        if "status" in response:
            raise AsgiMessageError("http.response.start sent a second time")
        status = message.get("status")
        if not isinstance(status, int) or isinstance(status, bool) or not 200 <= status <= 599:
            raise AsgiMessageError(f"http.response.start with the status {status!r}, not a number from 200 to 599")
        headers = message.get("headers", [])
        if not all(
            isinstance(pair, (list, tuple)) and len(pair) == 2 and all(isinstance(part, bytes) for part in pair)
            for pair in headers
        ):
            raise AsgiMessageError("http.response.start with headers that are not pairs of bytes")
    elif kind == "http.response.body":
        if "status" not in response:
            raise AsgiMessageError("http.response.body sent before http.response.start")
        if response.get("complete"):
            raise AsgiMessageError("http.response.body sent after the response's last body")
        if not isinstance(message.get("body", b""), (bytes, bytearray)):
            raise AsgiMessageError("http.response.body with a body that is not bytes")
    else:
        raise AsgiMessageError(f"the message {kind!r} is not one this server takes")


def _request_line_size(request: h11.Request) -> int:
    """The size of a request line as sent, without its line end: method, target and version."""
    return len(request.method) + len(request.target) + len(b"HTTP/1.1") + 2


def _head_size(request: h11.Request) -> int:
    """The size of a request head as sent: the request line and every header line."""
    return _request_line_size(request) + 2 + sum(len(name) + len(value) + 4 for name, value in request.headers.raw_items())


#: glibc's `malloc_trim`, which hands freed memory back to the system: glibc otherwise keeps it for the
#: process's next allocations, and after a burst of connections the idle sandbox would hold it all.
try:
    _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
except (OSError, AttributeError):  # not glibc: nothing to do
    _malloc_trim = None


class _Connections(set):  # type: ignore[type-arg]
    """The tasks of the open connections, and the most there were since memory was last handed back."""

    peak = 0

    def __init__(self) -> None:
        super().__init__()
        self._one_ended = asyncio.Event()

    def opened(self, task: asyncio.Task[None]) -> None:
        self.add(task)
        self.peak = max(self.peak, len(self))

    def closed(self, task: asyncio.Task[None]) -> None:
        """A connection has ended. Once three in four of the connections of a burst have ended, the
        memory they held goes back to the system (`malloc_trim`), so that the sandbox shrinks again."""
        self.discard(task)
        self._one_ended.set()
        if self.peak >= _TRIM_AFTER and len(self) <= self.peak // 4 and _malloc_trim is not None:
            _malloc_trim(0)
            self.peak = len(self)

    async def fewer_than(self, most: int) -> None:
        """Return once fewer than `most` connections are open."""
        while len(self) >= most:
            self._one_ended.clear()
            await self._one_ended.wait()


class _BodyPool:
    """Bytes of request bodies that connections reserve before they read them, first come, first served.

    A reservation is all that a body may still bring, so that each body that gets one can be read to its
    end, and no two bodies can each wait for the other's bytes.
    """

    def __init__(self, size: int) -> None:
        self.size = self.free = size
        self._waiting: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()

    async def reserve(self, amount: int) -> None:
        """Take `amount` bytes (at most the pool's size), waiting for them as long as it takes."""
        if not self._waiting and amount <= self.free:
            self.free -= amount
            return
        turn = asyncio.get_running_loop().create_future()
        entry = (amount, turn)
        self._waiting.append(entry)
        try:
            await turn
        except BaseException:
            if turn.done() and not turn.cancelled():
                self.give_back(amount)  # granted just as the wait was given up
            else:
                self._waiting.remove(entry)
                self._grant()  # a smaller reservation behind this one may fit now
            raise

    def give_back(self, amount: int) -> None:
        self.free += amount
        self._grant()

    def _grant(self) -> None:
        while self._waiting and self._waiting[0][0] <= self.free:
            amount, turn = self._waiting.popleft()
            self.free -= amount
            turn.set_result(None)


#: The fewest connections of a burst after which their memory is handed back when they end.
_TRIM_AFTER = 32


#: asyncio gives each TLS connection a read buffer of 256 KiB, most of what an idle connection costs.
#: A TLS record holds at most 16 KiB of data, so 32 KiB reads one whole record and then some.
asyncio.sslproto.SSLProtocol.max_size = 32 * 1024
#: How much a connection reads ahead of what the server has asked for, in received TLS records (asyncio's
#: default is 256 KiB) and then in decrypted bytes: a client's bytes beyond that stay in the system's
#: buffers until the server wants them.
_TLS_READ_AHEAD = 32 * 1024
_STREAM_READ_AHEAD = 32 * 1024


async def _accept_streams(
    connection: socket.socket, tls: ssl.SSLContext | None, handshake_timeout: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Streams over an accepted socket, after the TLS handshake when there is a context."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=_STREAM_READ_AHEAD // 2)  # it stops reading at twice its limit
    protocol = asyncio.StreamReaderProtocol(reader)
    transport, _ = await loop.connect_accepted_socket(
        lambda: protocol, connection, ssl=tls, ssl_handshake_timeout=handshake_timeout if tls else None
    )
    if tls is not None:
        transport.set_read_buffer_limits(high=_TLS_READ_AHEAD)
    writer = asyncio.StreamWriter(transport, protocol, reader, loop)
    return reader, writer


async def _peek(connection: socket.socket) -> bytes:
    loop = asyncio.get_running_loop()
    readable = loop.create_future()
    loop.add_reader(connection.fileno(), lambda: readable.done() or readable.set_result(None))
    try:
        await readable
    finally:
        loop.remove_reader(connection.fileno())
    return connection.recv(1, socket.MSG_PEEK)
