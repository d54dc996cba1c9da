"""What the server holds is bounded, and no client has it to itself: a cap on connections, a shared pool
for pending bodies, memory freed by a reset, and a turn for others between chunks and requests."""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import pytest

from api_requests import read_until_closed
from cliniko_sandbox import MockCliniko
from cliniko_sandbox.clock import Clock
from cliniko_sandbox.seed import initial_dataset
from cliniko_sandbox.state import Store
from cliniko_sandbox.tls import make_authority, make_tls
from cliniko_sandbox.transport import HttpServer, Timeouts, bind
from raw_tls import request_head, tls_socket


# What the server holds ---------------------------------------------------------------------------------


def test_past_its_connection_cap_the_server_accepts_no_more_until_a_connection_ends():
    """At the cap, a new client's TLS handshake waits (in the system's queue), and goes through as soon as
    one of the open connections ends."""
    answers: list[bytes] = []
    with MockCliniko(max_connections=2) as mock:
        with tls_socket(mock) as first, tls_socket(mock) as second:
            for sock in (first, second):
                sock.sendall(request_head(mock, "GET", "/v1/user"))
                assert sock.recv(65536).startswith(b"HTTP/1.1 200 OK")

            def third() -> None:
                with tls_socket(mock) as sock:
                    sock.sendall(request_head(mock, "GET", "/v1/user", "Connection: close"))
                    answers.append(read_until_closed(sock))

            waiting = threading.Thread(target=third)
            waiting.start()
            waiting.join(0.6)
            assert waiting.is_alive() and not answers, "a third connection was served past a cap of two"
            first.close()
            waiting.join(5)

    assert not waiting.is_alive()
    assert answers and answers[0].startswith(b"HTTP/1.1 200 OK")


def test_a_reset_frees_what_the_records_used():
    clock = Clock()
    store = Store(initial_dataset(), clock)
    fields = {"first_name": "F" * 100, "last_name": "L" * 100, "title": None, "email": None, "date_of_birth": None}
    tracemalloc.start()
    try:
        store.reset()
        start = tracemalloc.get_traced_memory()[0]
        for _ in range(2000):
            store.create_patient("1200000000000000001", fields)
        filled = tracemalloc.get_traced_memory()[0]
        store.reset()
        emptied = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()

    assert filled - start > 500_000
    assert emptied - start < (filled - start) / 20


#: The size limit of the bodies in the pool tests, and the pool's size: one body at the limit.
POOL_BODY = 256 * 1024


async def _count_body(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    """An application that reads the whole body and answers with its length and the number of pieces it
    came in: `262144 in 9`."""
    size = pieces = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        size += len(message.get("body", b""))
        pieces += 1
        if not message.get("more_body", False):
            break
    body = f"{size} in {pieces}".encode("ascii")
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def pool_tls(tmp_path_factory):  # type: ignore[no-untyped-def]
    return make_tls(make_authority(tmp_path_factory.mktemp("body-pool")))


@contextmanager
def _pool_server(tls, timeouts: Timeouts, app=_count_body) -> Iterator[SimpleNamespace]:  # type: ignore[no-untyped-def]
    """The transport in front of `app`, whose bodies share a pool of one body at the limit."""
    listener = bind("127.0.0.1", 0)
    where = SimpleNamespace(host="127.0.0.1", port=listener.getsockname()[1], ca_file=tls.ca_file)
    server = HttpServer(
        app, listener, tls.server_context, lambda: "Mon, 01 Jan 2024 00:00:00 GMT", timeouts,
        max_body=POOL_BODY, body_pool=POOL_BODY,
    )
    server.start()
    try:
        yield where
    finally:
        server.stop()


def _answered_within(sock: ssl.SSLSocket, seconds: float) -> bytes:
    """What the server sends within `seconds` (empty when nothing)."""
    sock.settimeout(seconds)
    try:
        return sock.recv(65536)
    except TimeoutError:
        return b""


def test_a_large_body_waits_for_its_share_of_the_body_pool_and_is_then_read(pool_tls):
    """The first body takes nearly all of the pool before its end has arrived; the second, sent whole,
    is not read beyond its free share until the first is done, and then is served in full."""
    body = b"x" * POOL_BODY
    with _pool_server(pool_tls, Timeouts()) as server, tls_socket(server) as first, tls_socket(server) as second:
        head = request_head(server, "POST", "/", f"Content-Length: {POOL_BODY}")
        first.sendall(head + body[: 20 * 1024])
        time.sleep(0.2)  # its reservation is taken
        second.sendall(head + body)

        assert _answered_within(second, 0.6) == b"", "the second body was read while the pool was spent"
        first.sendall(body[20 * 1024 :])
        first_answer = _answered_within(first, 5)
        second_answer = _answered_within(second, 5)

    assert first_answer.startswith(b"HTTP/1.1 200 OK") and b"\r\n\r\n%d in " % POOL_BODY in first_answer
    assert second_answer.startswith(b"HTTP/1.1 200 OK") and b"\r\n\r\n%d in " % POOL_BODY in second_answer


def test_a_body_that_gets_no_share_of_the_pool_in_time_gets_503_with_retry_after(pool_tls):
    """The first body holds the pool while its client goes on sending a byte at a time; the second waits
    no longer than the idle limit for a share, then gets `503` (JSON, `Retry-After`), read in full though
    its client sent the whole body."""
    body = b"x" * POOL_BODY
    stop = threading.Event()
    with (
        _pool_server(pool_tls, Timeouts(idle=0.4)) as server,
        tls_socket(server) as first,
        tls_socket(server) as second,
    ):
        head = request_head(server, "POST", "/", f"Content-Length: {POOL_BODY}")
        first.sendall(head + body[: 20 * 1024])

        def trickle() -> None:
            sent = 20 * 1024
            while not stop.wait(0.1) and sent < POOL_BODY - 1:
                first.sendall(b"x")
                sent += 1

        trickling = threading.Thread(target=trickle)
        trickling.start()
        try:
            time.sleep(0.2)
            started = time.perf_counter()
            second.sendall(head + body)
            second.settimeout(5)
            raw = read_until_closed(second)
            waited = time.perf_counter() - started
        finally:
            stop.set()
            trickling.join()

    status_line, _, rest = raw.partition(b"\r\n")
    headers, _, payload = rest.partition(b"\r\n\r\n")
    assert status_line == b"HTTP/1.1 503 Service Unavailable", raw[:200]
    assert b"retry-after: 1\r\n" in headers.lower() + b"\r\n"
    assert b"connection: close" in headers.lower()
    assert "Retry-After" in json.loads(payload)["message"]
    assert 0.3 < waited < 2


def test_a_body_of_tiny_chunks_is_handed_over_in_few_pieces(pool_tls):
    """Twenty thousand one-byte chunks, all received at once, reach the application as a few hundred
    pieces at most: one object per chunk is what made such a body cost 130 MiB."""
    chunks = 20_000
    with _pool_server(pool_tls, Timeouts()) as server, tls_socket(server) as sock:
        sock.sendall(
            request_head(server, "POST", "/", "Transfer-Encoding: chunked") + b"1\r\nx\r\n" * chunks + b"0\r\n\r\n"
        )
        answer = _answered_within(sock, 10)

    assert answer.startswith(b"HTTP/1.1 200 OK"), answer[:200]
    size, _, pieces = answer.partition(b"\r\n\r\n")[2].decode("ascii").partition(" in ")
    assert int(size) == chunks
    assert int(pieces) <= chunks // 50, f"{pieces} pieces"


# Fairness: a client whose bytes have all arrived still leaves the event loop to the others ------------------


class _Turns:
    """An application that counts the event loop's turns: a task of its own, started with the first
    request, adds one each time the loop lets it run. Between two readings of the count that are equal,
    no other connection could have been served.

    It answers each request with nothing, after noting the count (`seen`) and how many bytes of its body
    were handed over with no turn in between (`runs`).
    """

    def __init__(self) -> None:
        self.count = 0
        self.runs: list[int] = []
        self.seen: list[int] = []
        self._spinning: asyncio.Task[None] | None = None

    async def _spin(self) -> None:
        while True:
            await asyncio.sleep(0)
            self.count += 1

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if self._spinning is None:
            self._spinning = asyncio.ensure_future(self._spin())
        self.seen.append(self.count)
        run, last = 0, self.count
        while True:  # a request without a body is read too, to its end
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            if self.count != last:
                self.runs.append(run)
                run, last = 0, self.count
            run += len(message.get("body", b""))
            if not message.get("more_body", False):
                break
        self.runs.append(run)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def stop(self) -> None:
        if self._spinning is not None:
            self._spinning.get_loop().call_soon_threadsafe(self._spinning.cancel)


def test_a_body_of_tiny_chunks_already_received_leaves_the_loop_to_others_every_few_chunks(pool_tls):
    """Forty thousand one-byte chunks sent in one write are read from bytes already received, where no
    wait lets another connection run: the server gives the others a turn at least every 64 chunks."""
    turns = _Turns()
    chunks = 40_000
    with _pool_server(pool_tls, Timeouts(), app=turns) as server, tls_socket(server) as sock:
        sock.sendall(request_head(server, "POST", "/", "Transfer-Encoding: chunked") + b"1\r\nx\r\n" * chunks + b"0\r\n\r\n")
        answer = _answered_within(sock, 10)
        turns.stop()

    assert answer.startswith(b"HTTP/1.1 204 No Content"), answer[:200]
    assert sum(turns.runs) == chunks
    # The counting task starts with the request, and counts from its second turn on.
    longest = max(turns.runs[1:])
    assert longest <= 64, f"{longest} chunks handed over with no turn for anyone else"


def test_pipelined_requests_leave_the_loop_to_others_between_them(pool_tls):
    """A hundred requests in one write: the server gives the others a turn after each one."""
    turns = _Turns()
    count = 100
    with _pool_server(pool_tls, Timeouts(), app=turns) as server, tls_socket(server) as sock:
        sock.sendall(request_head(server, "GET", "/") * count)
        received = b""
        sock.settimeout(10)
        while received.count(b"HTTP/1.1 204 No Content") < count:
            data = sock.recv(65536)
            assert data, "the server closed the connection"
            received += data
        turns.stop()

    assert len(turns.seen) == count
    # The counting task starts with the first request, and counts from its second turn on.
    after_the_first = turns.seen[1:]
    assert all(later > earlier for earlier, later in zip(after_the_first, after_the_first[1:])), turns.seen
