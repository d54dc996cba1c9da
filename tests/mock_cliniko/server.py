"""Serving the mock: uvicorn on a real socket, HTTPS only, in a background thread.

The API port accepts TLS only. Each new connection's first byte is peeked at: a TLS handshake (0x16) is
handed to uvicorn over TLS; anything else is a client speaking plain HTTP, which gets one fixed
`400` answer (JSON, saying to use HTTPS) and the connection is closed. No API data is ever sent in the
clear.
"""

from __future__ import annotations

import asyncio
import errno
import json
import socket
import tempfile
import threading
from pathlib import Path
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from mock_cliniko import caching
from mock_cliniko.app import MockApi
from mock_cliniko.clock import Clock
from mock_cliniko.control import Controls, control_app
from mock_cliniko.errors import JSON_TYPE, dump_json
from mock_cliniko.exchanges import ExchangeLog, Recorder
from mock_cliniko.rate_limit import RateLimiter
from mock_cliniko.seed import ADMIN_KEY_A, initial_dataset
from mock_cliniko.state import Store
from mock_cliniko.tls import Tls, make_tls

PLAIN_HTTP_MESSAGE = "The Cliniko API is served over HTTPS only. Plain HTTP is not supported: use https://."
_TLS_HANDSHAKE = 0x16


class PortInUseError(RuntimeError):
    """The port asked for is taken by another program."""


def _protocol_class(clock: Clock) -> type[H11Protocol]:
    class JsonErrorsH11Protocol(H11Protocol):
        """uvicorn's HTTP/1.1 protocol, answering requests it cannot parse with JSON like the API."""

        def send_400_response(self, msg: str) -> None:
            body = dump_json({"message": f"The request is not valid HTTP: {msg}"})
            headers = [
                (b"content-type", JSON_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"date", caching.http_date(clock.now()).encode()),
                (b"cache-control", b"no-store"),
                (b"connection", b"close"),
            ]
            try:
                self.transport.write(self.conn.send(h11.Response(status_code=400, headers=headers, reason=b"Bad Request")))
                self.transport.write(self.conn.send(h11.Data(data=body)))
                self.transport.write(self.conn.send(h11.EndOfMessage()))
            except h11.LocalProtocolError:
                pass  # the connection is past the point where a response can be sent
            self.transport.close()

    return JsonErrorsH11Protocol


def _plain_http_answer(clock: Clock) -> bytes:
    body = dump_json({"message": PLAIN_HTTP_MESSAGE})
    head = (
        "HTTP/1.1 400 Bad Request\r\n"
        f"date: {caching.http_date(clock.now())}\r\n"
        f"content-type: {JSON_TYPE}\r\n"
        f"content-length: {len(body)}\r\n"
        "cache-control: no-store\r\n"
        "connection: close\r\n"
        "\r\n"
    )
    return head.encode("ascii") + body


class _SniffingServer(uvicorn.Server):
    """A uvicorn server that accepts connections itself, to tell TLS from plain HTTP."""

    def __init__(self, config: uvicorn.Config, listener: socket.socket, tls: Tls | None, clock: Clock) -> None:
        super().__init__(config)
        self._listener = listener
        self._tls = tls
        self._clock = clock
        self._accept_task: asyncio.Task[None] | None = None
        self._connection_tasks: set[asyncio.Task[None]] = set()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # no listener of uvicorn's own: connections come from us
        self._accept_task = asyncio.get_running_loop().create_task(self._accept_forever())

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._accept_task is not None:
            self._accept_task.cancel()
        self._listener.close()
        for task in list(self._connection_tasks):
            task.cancel()
        await super().shutdown(sockets=None)

    def _create_protocol(self) -> asyncio.Protocol:
        return self.config.http_protocol_class(  # type: ignore[call-arg]
            config=self.config, server_state=self.server_state, app_state=self.lifespan.state
        )

    async def _accept_forever(self) -> None:
        loop = asyncio.get_running_loop()
        self._listener.setblocking(False)
        while True:
            connection, _ = await loop.sock_accept(self._listener)
            task = loop.create_task(self._dispatch(connection))
            self._connection_tasks.add(task)
            task.add_done_callback(self._connection_tasks.discard)

    async def _dispatch(self, connection: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        connection.setblocking(False)
        # asyncio sets TCP_NODELAY only on sockets created with proto=IPPROTO_TCP, which ours (proto 0)
        # are not; without it, Nagle's algorithm holds the body behind the headers for about 40 ms.
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            first = await asyncio.wait_for(_peek(connection), timeout=15)
        except (TimeoutError, OSError):
            connection.close()
            return
        if not first:
            connection.close()
            return
        if self._tls is None or first[0] == _TLS_HANDSHAKE:
            ssl_context = self._tls.server_context if self._tls else None
            try:
                await loop.connect_accepted_socket(
                    self._create_protocol, connection, ssl=ssl_context, ssl_handshake_timeout=15 if ssl_context else None
                )
            except (OSError, asyncio.TimeoutError):
                connection.close()
            return
        await _refuse_plain_http(connection, _plain_http_answer(self._clock))


async def _peek(connection: socket.socket) -> bytes:
    loop = asyncio.get_running_loop()
    readable = loop.create_future()
    loop.add_reader(connection.fileno(), lambda: readable.done() or readable.set_result(None))
    try:
        await readable
    finally:
        loop.remove_reader(connection.fileno())
    return connection.recv(1, socket.MSG_PEEK)


async def _refuse_plain_http(connection: socket.socket, answer: bytes) -> None:
    """Read what the client sent (so closing does not reset the connection), answer, and close."""
    loop = asyncio.get_running_loop()
    received = b""
    try:
        async with asyncio.timeout(2):
            while b"\r\n\r\n" not in received and len(received) < 65536:
                chunk = await loop.sock_recv(connection, 4096)
                if not chunk:
                    break
                received += chunk
    except (TimeoutError, OSError):
        pass
    try:
        await loop.sock_sendall(connection, answer)
        connection.shutdown(socket.SHUT_WR)
        async with asyncio.timeout(1):
            while await loop.sock_recv(connection, 4096):
                pass
    except (TimeoutError, OSError):
        pass
    finally:
        connection.close()


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
                f"port {port} on {host} is already in use; stop the program using it or choose another with PORT=..."
            ) from None
        raise
    listener.listen(128)
    return listener


class _ThreadedServer:
    """One uvicorn server running in a daemon thread with its own event loop."""

    def __init__(self, app: Any, listener: socket.socket, tls: Tls | None, clock: Clock) -> None:
        config = uvicorn.Config(
            app,
            http=_protocol_class(clock),
            lifespan="off",
            log_level="warning",
            access_log=False,
            server_header=False,
            date_header=False,
            timeout_keep_alive=5,
        )
        self.server = _SniffingServer(config, listener, tls, clock)
        self.thread = threading.Thread(target=self.server.run, name="mock-cliniko", daemon=True)

    def start(self) -> None:
        self.thread.start()
        for _ in range(500):
            if self.server.started:
                return
            if not self.thread.is_alive():
                break
            threading.Event().wait(0.01)
        raise RuntimeError("the mock server did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        # Don't wait for clients that keep idle keep-alive connections open: close them now.
        self.server.force_exit = True
        self.thread.join(timeout=10)


class MockCliniko:
    """The mock Cliniko API, ready to start on a port.

    Args:
        host: the address to listen on (loopback only).
        port: the port; 0 picks a free one.
        control_port: when not None, also serve the controls over HTTPS on this port (0 picks one).
        clock_jumps_on_rate_limit: the hand-started mock's rule for its clock (see `Controls`).
        workdir: where to write the CA certificate (a new temporary folder by default).
        record_exchanges: keep each request and response in `exchanges` (see `mock_cliniko.exchanges`).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        control_port: int | None = None,
        clock_jumps_on_rate_limit: bool = False,
        workdir: Path | None = None,
        record_exchanges: bool = False,
    ) -> None:
        self.host = host
        self.clock = Clock()
        self.store = Store(initial_dataset(), self.clock)
        self.limiter = RateLimiter(self.clock)
        self._requested_port = port
        self._requested_control_port = control_port
        self._jump = clock_jumps_on_rate_limit
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._workdir = workdir
        self._servers: list[_ThreadedServer] = []
        self.port: int | None = None
        self.control_port: int | None = None
        self.tls: Tls | None = None
        self.api: MockApi | None = None
        self.controls: Controls | None = None
        #: Every exchange the API answered, when recording is on (the tests); None otherwise.
        self.exchanges: ExchangeLog | None = ExchangeLog() if record_exchanges else None

    @property
    def _url_host(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    @property
    def base_url(self) -> str:
        """The API's base URL, like `https://127.0.0.1:8443/v1`."""
        if self.port is None:
            raise RuntimeError("the mock is not started")
        return f"https://{self._url_host}:{self.port}/v1"

    @property
    def control_url(self) -> str | None:
        if self.control_port is None:
            return None
        return f"https://{self._url_host}:{self.control_port}"

    @property
    def ca_file(self) -> Path:
        if self.tls is None:
            raise RuntimeError("the mock is not started")
        return self.tls.ca_file

    def start(self) -> MockCliniko:
        if self._workdir is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="mock-cliniko-")
            self._workdir = Path(self._tempdir.name)
        self.tls = make_tls(self._workdir)
        listener = bind(self.host, self._requested_port)
        control_listener = None
        if self._requested_control_port is not None:
            try:
                control_listener = bind(self.host, self._requested_control_port)
            except BaseException:
                listener.close()
                raise
        self.port = listener.getsockname()[1]
        self.api = MockApi(self.store, self.clock, self.limiter, self.base_url)
        self.controls = Controls(self.api, clock_jumps_on_rate_limit=self._jump)
        served = self.api if self.exchanges is None else Recorder(self.api, self.exchanges)
        self._servers.append(_ThreadedServer(served, listener, self.tls, self.clock))
        if control_listener is not None:
            self.control_port = control_listener.getsockname()[1]
            self._servers.append(_ThreadedServer(control_app(self.controls), control_listener, self.tls, self.clock))
        for server in self._servers:
            server.start()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.stop()
        self._servers.clear()
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None
            self._workdir = None

    def __enter__(self) -> MockCliniko:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def environment(self, api_key: str = ADMIN_KEY_A) -> dict[str, str]:
        """The variables a client needs: the base URL, a key, and the CA bundle for each kind of client."""
        env = {
            "CLINIKO_API_URL": self.base_url,
            "CLINIKO_API_KEY": api_key,
            "REQUESTS_CA_BUNDLE": str(self.ca_file),
            "SSL_CERT_FILE": str(self.ca_file),
            "CURL_CA_BUNDLE": str(self.ca_file),
        }
        if self.control_url is not None:
            env["CLINIKO_MOCK_CONTROL_URL"] = self.control_url
        return env


def describe(mock: MockCliniko) -> str:
    return json.dumps(mock.environment(), indent=2)
