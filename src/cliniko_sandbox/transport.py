"""The transport under the mock: binding, TLS sniffing, HTTP/1.1 framing and timeouts.

It knows nothing about the API. It serves any ASGI application over one listening socket:

* Each new connection's first byte is peeked at. A TLS handshake (0x16) is served over TLS; anything else
  is a client speaking plain HTTP, which gets one fixed `400` (JSON, saying to use HTTPS) before the
  connection is closed. No API data is ever sent in the clear.
* HTTP/1.1 is parsed by h11. A request reaches the application only once its head is complete and valid;
  its body is handed over as it arrives, and a connection that ends before the body does is reported to
  the application as a disconnect, so that it can drop the request.
* Every wait has a limit (`Timeouts`), so that a client that stops sending cannot hold a connection.
* The transport's own answers (plain HTTP, a malformed request, a head too large) carry the same
  `X-Request-Id` as the application's, from the counter the server is given, and no body when the
  request was a `HEAD`, as a client reads none after one.
* When `accept()` fails (for example with too many open files), the error is logged and accepting resumes
  after a short pause.

The server is our own rather than uvicorn's because each of these rules sits where uvicorn gives no public
hook: what happens before the TLS handshake, when the timers start, and how a request head is limited.
"""

from __future__ import annotations

import asyncio
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

from cliniko_sandbox.errors import JSON_TYPE, dump_json

logger = logging.getLogger("cliniko_sandbox")

ASGIApp = Callable[[dict[str, Any], Callable[[], Awaitable[dict[str, Any]]], Callable[[dict[str, Any]], Awaitable[None]]], Awaitable[None]]

#: The largest request head (request line and headers) served; a larger one gets `431`.
MAX_HEAD_BYTES = 16 * 1024
PLAIN_HTTP_MESSAGE = "The Cliniko API is served over HTTPS only. Plain HTTP is not supported: use https://."
_TLS_HANDSHAKE = 0x16
#: `accept()` errors that mean "out of a resource for now": wait, then accept again.
_RESOURCE_ERRORS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}
_READ_SIZE = 65536
#: How long, and how much, the server reads and drops before closing a connection it ended early.
_LINGER_SECONDS = 1.0
_LINGER_GAP = 0.25
_LINGER_BYTES = 2 * 1024 * 1024


class PortInUseError(RuntimeError):
    """The port asked for is taken by another program."""


@dataclass(frozen=True)
class Timeouts:
    """How long the server waits for a client, in seconds.

    Attributes:
        handshake: for the first byte of a new connection, and then for its TLS handshake.
        header: for a whole request head, from its first byte (or from the handshake, for the first request).
        idle: for the next request on a kept-alive connection, and between two pieces of a request body.
        accept_backoff: the pause after `accept()` fails for want of a resource.
    """

    handshake: float = 10.0
    header: float = 10.0
    idle: float = 5.0
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


class FixedResponse:
    """An error response built once, with only its `Date` and `X-Request-Id` filled in when sent.

    Args:
        status: the status code.
        reason: the reason phrase.
        message: the JSON body's `message`.
    """

    def __init__(self, status: int, reason: str, message: str) -> None:
        self._body = dump_json({"message": message})
        self._start = f"HTTP/1.1 {status} {reason}\r\ndate: ".encode("ascii")
        self._fields = (
            f"\r\ncontent-type: {JSON_TYPE}\r\ncontent-length: {len(self._body)}\r\ncache-control: no-store\r\n"
        ).encode("ascii")

    def bytes(self, date: str, request_id: str | None = None, *, head: bool = False) -> bytes:
        """The response as sent: with `X-Request-Id` when there is an ID, and without the body after `HEAD`
        (which keeps the `Content-Length` the body would have had)."""
        named = b"" if request_id is None else b"x-request-id: " + request_id.encode("ascii") + b"\r\n"
        end = b"connection: close\r\n\r\n"
        return self._start + date.encode("ascii") + self._fields + named + end + (b"" if head else self._body)


_PLAIN_HTTP = FixedResponse(400, "Bad Request", PLAIN_HTTP_MESSAGE)
_HEAD_TOO_LARGE = FixedResponse(
    431,
    "Request Header Fields Too Large",
    f"The request line and headers are larger than the limit of {MAX_HEAD_BYTES} bytes (16 KiB).",
)


def _bad_http(detail: str) -> FixedResponse:
    return FixedResponse(400, "Bad Request", f"The request is not valid HTTP: {detail}")


class _ClientGone(Exception):
    """The client closed the connection, broke the framing, or stopped sending in time."""


#: How much of a request's first bytes is kept to tell, when its head cannot be parsed, whether it was a
#: `HEAD` (leading empty lines, which HTTP/1.1 allows before a request, included).
_METHOD_PEEK = 64


def _is_head(start: bytes) -> bool:
    return start.lstrip(b"\r\n").startswith(b"HEAD ")


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
    """

    def __init__(
        self,
        app: ASGIApp,
        listener: socket.socket,
        tls: ssl.SSLContext | None,
        date: Callable[[], str],
        timeouts: Timeouts,
        request_id: Callable[[], str] | None = None,
    ) -> None:
        self._app = app
        self._listener = listener
        self._tls = tls
        self._date = date
        self._request_id = request_id
        self.timeouts = timeouts
        host, port = listener.getsockname()[:2]
        self._authority = (f"[{host}]" if ":" in host else host) + f":{port}"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
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
        connections: set[asyncio.Task[None]] = set()
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

    async def _accept_forever(self, connections: set[asyncio.Task[None]]) -> None:
        loop = asyncio.get_running_loop()
        while True:
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
            connections.add(task)
            task.add_done_callback(connections.discard)

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
            reader, writer = await _accept_streams(connection, self._tls, self.timeouts.handshake)
            await self._serve_requests(reader, writer)
        except (TimeoutError, OSError, ssl.SSLError, _ClientGone):
            pass
        finally:
            if writer is not None:
                writer.close()
                try:
                    async with asyncio.timeout(1):
                        await writer.wait_closed()
                except (TimeoutError, OSError, ssl.SSLError):
                    pass
            else:
                connection.close()

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
            start = bytearray(connection.trailing_data[0][:_METHOD_PEEK])
            try:
                request = await self._read_head(connection, reader, wait_for_first_byte, start)
            except h11.RemoteProtocolError as error:
                too_large = error.error_status_hint == 431
                fixed = _HEAD_TOO_LARGE if too_large else _bad_http(str(error))
                writer.write(self._fixed(fixed, head=_is_head(start)))
                await _finish_writing(writer, reader)
                return
            if request is None:
                return
            if _head_size(request) > MAX_HEAD_BYTES:
                writer.write(self._fixed(_HEAD_TOO_LARGE, head=request.method == b"HEAD"))
                await _finish_writing(writer, reader)
                return
            keep_open = await self._exchange(connection, request, reader, writer)
            if not keep_open or connection.our_state is not h11.DONE or connection.their_state is not h11.DONE:
                return
            connection.start_next_cycle()
            wait_for_first_byte = self.timeouts.idle

    async def _read_head(
        self, connection: h11.Connection, reader: asyncio.StreamReader, wait_for_first_byte: float, start: bytearray
    ) -> h11.Request | None:
        """The next request's head, or None when the client closed the connection between requests.

        The head's first bytes are kept in `start` as they arrive (up to `_METHOD_PEEK`), for the answer
        to a head that cannot be parsed.
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
            if len(start) < _METHOD_PEEK:
                start += data[: _METHOD_PEEK - len(start)]
            connection.receive_data(data)

    async def _exchange(
        self,
        connection: h11.Connection,
        request: h11.Request,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        """Run the application for one request; whether the connection may serve another."""
        names = [name for name, _ in request.headers]
        head = request.method == b"HEAD"
        # A message framed both ways is ambiguous (RFC 9112 section 6.3): refused, and the connection closed.
        if b"transfer-encoding" in names and b"content-length" in names:
            fixed = _bad_http("Content-Length and Transfer-Encoding must not be sent together")
            writer.write(self._fixed(fixed, head=head))
            await _finish_writing(writer, reader)
            return False
        path = self._origin_form(request.target)
        if path is None:
            fixed = FixedResponse(400, "Bad Request", "The request target names another server; this is not a proxy.")
            writer.write(self._fixed(fixed, head=head))
            await _finish_writing(writer, reader)
            return False
        raw_path, _, query = path.partition(b"?")
        scope = {
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
        body_done = False
        client_gone = False
        response: dict[str, Any] = {}

        async def receive() -> dict[str, Any]:
            nonlocal body_done, client_gone
            if body_done or client_gone:
                return {"type": "http.disconnect"}
            if connection.they_are_waiting_for_100_continue:
                writer.write(connection.send(h11.InformationalResponse(status_code=100, headers=[])))
            try:
                event = await self._next_body_event(connection, reader)
            except (_ClientGone, h11.RemoteProtocolError, TimeoutError, OSError, ssl.SSLError):
                client_gone = True
                return {"type": "http.disconnect"}
            if isinstance(event, h11.Data):
                return {"type": "http.request", "body": bytes(event.data), "more_body": True}
            body_done = True
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response["headers"] = list(message.get("headers", []))
                response["body"] = []
            elif message["type"] == "http.response.body":
                response["body"].append(message.get("body", b""))
                if not message.get("more_body", False):
                    response["complete"] = True

        await self._app(scope, receive, send)
        if client_gone or not response.get("complete"):
            return False  # the request was dropped: nothing to send, and the connection ends
        headers = response["headers"]
        # A body the application did not read to its end is still on the wire: close rather than read it,
        # and linger. A client that asked to close (`Connection: close`) has sent all of its request when
        # h11 says it must close: the connection then ends after the response, with nothing to drop.
        closing = connection.their_state not in (h11.DONE, h11.MUST_CLOSE)
        if closing:
            headers = [*headers, (b"connection", b"close")]
        status = response["status"]
        # The whole response leaves in one write, so that it travels in as few TLS records as it can.
        out = [connection.send(h11.Response(status_code=status, headers=headers, reason=_reason(status)))]
        body = b"".join(response["body"])
        if body and request.method != b"HEAD":
            out.append(connection.send(h11.Data(data=body)))
        out.append(connection.send(h11.EndOfMessage()))
        writer.write(b"".join(chunk or b"" for chunk in out))
        if closing:
            await _finish_writing(writer, reader)
        else:
            await writer.drain()
        return not closing

    async def _next_body_event(self, connection: h11.Connection, reader: asyncio.StreamReader) -> h11.Event:
        while True:
            event = connection.next_event()
            if isinstance(event, (h11.Data, h11.EndOfMessage)):
                return event
            if isinstance(event, h11.ConnectionClosed):
                raise _ClientGone
            async with asyncio.timeout(self.timeouts.idle):
                data = await reader.read(_READ_SIZE)
            connection.receive_data(data)

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


def _head_size(request: h11.Request) -> int:
    """The size of a request head as sent: the request line and every header line."""
    line = len(request.method) + len(request.target) + len(b"HTTP/1.1") + 4
    return line + sum(len(name) + len(value) + 4 for name, value in request.headers.raw_items())


async def _accept_streams(
    connection: socket.socket, tls: ssl.SSLContext | None, handshake_timeout: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Streams over an accepted socket, after the TLS handshake when there is a context."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=_READ_SIZE)
    protocol = asyncio.StreamReaderProtocol(reader)
    transport, _ = await loop.connect_accepted_socket(
        lambda: protocol, connection, ssl=tls, ssl_handshake_timeout=handshake_timeout if tls else None
    )
    writer = asyncio.StreamWriter(transport, protocol, reader, loop)
    return reader, writer


async def _finish_writing(writer: asyncio.StreamWriter, reader: asyncio.StreamReader) -> None:
    """Send what is written, then linger before the connection is closed.

    The server closes after a response that ends the connection early (an oversized head, a body it did
    not read), often while the client is still sending its request. Closing at once would make the
    client's next write fail and throw away the response waiting in its buffer, so the server first reads
    and drops what still arrives, as RFC 9112 section 9.6 advises. The linger is bounded: it ends when the
    client closes, when nothing has arrived for `_LINGER_GAP` seconds, after `_LINGER_SECONDS` in all, or
    after `_LINGER_BYTES`.
    """
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(2):
            await writer.drain()
        give_up = loop.time() + _LINGER_SECONDS
        dropped = 0
        while dropped < _LINGER_BYTES and loop.time() < give_up:
            async with asyncio.timeout(min(_LINGER_GAP, max(0.0, give_up - loop.time()))):
                chunk = await reader.read(_READ_SIZE)
            if not chunk:
                return
            dropped += len(chunk)
    except (TimeoutError, OSError, ssl.SSLError):
        pass


async def _peek(connection: socket.socket) -> bytes:
    loop = asyncio.get_running_loop()
    readable = loop.create_future()
    loop.add_reader(connection.fileno(), lambda: readable.done() or readable.set_result(None))
    try:
        await readable
    finally:
        loop.remove_reader(connection.fileno())
    return connection.recv(1, socket.MSG_PEEK)
