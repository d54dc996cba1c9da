"""Figures for the mock API: its speed, and what it holds and how slow it gets under attack.

Run with `make bench` (both parts), or one part alone: `bench/bench_mock.py --speed` or `--attacks`
(`--help` lists the rest). Nothing here asserts: these are figures to read, and they move from run to run
on a shared machine.

The speed part, for a mock in this process, prints requests per second over one keep-alive HTTPS
connection, with a new connection (and TLS handshake) per request, and from 8 threads at once; and the
time a reset takes (the suites reset before every test, and the fuzz test before every case).

The attack part starts the sandbox as a process of its own (`python -m cliniko_sandbox`), a fresh one for
each attack, so that the memory measured is the sandbox's alone:

* `idle`: 10,000 TLS connections that finish the handshake and then send nothing. The sandbox serves
  1,000 at once and closes each after its 10 s header limit, so the others wait their turn, and the
  attack lasts about 100 s;
* `bodies`: 200 connections that each declare a body at the size limit (`Content-Length`) and send all but
  its last 64 bytes (or as much as the server reads within 3 seconds), then one byte every 2 seconds,
  so that the server goes on waiting for the rest;
* `chunked`: one body of a million one-byte chunks;
* `pipeline`: 200 list requests sent at once on one connection, whose answers are never read;
* `keys`: 24 requests at once, each with a body of 90,000 keys that are not patient fields (a `422`).

For each it prints the sandbox's resident memory (`VmRSS` in `/proc/<pid>/status`) before the attack, at
its peak during it, and once the attack's connections have closed; and the worst and median time a
bystander waited for `GET /user`, which it sends every 20 ms on a keep-alive connection of its own while
the attack runs, from a process of its own so that the attack's client does not slow it down. The
attack part reads `/proc`, so it runs on Linux only.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import errno
import http.client
import multiprocessing
import os
import queue
import resource
import selectors
import shlex
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, Self
from urllib.parse import urlsplit

import requests

from cliniko_sandbox import MockCliniko
from cliniko_sandbox.contract import MAX_BODY_BYTES, PER_PAGE_MAX, RATE_LIMIT, size_in_words
from cliniko_sandbox.seed import ACCOUNT_A, ADMIN_KEY_A, ADMIN_KEY_B

PROGRAM = "bench/bench_mock.py"
HEADERS = {"Accept": "application/json", "User-Agent": "Mock benchmark (docs@example.com)"}


# The speed part ------------------------------------------------------------------------------


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:8.0f} requests/s ({seconds * 1000 / count:6.2f} ms each)"


def _timed(action: Callable[[], None], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def speed() -> None:
    with MockCliniko() as mock:
        url = f"{mock.base_url}/patients?per_page=10"
        verify = str(mock.ca_file)

        session = requests.Session()
        session.auth = (ADMIN_KEY_A, "")
        session.headers.update(HEADERS)
        # A per-request verify: a session's own is overridden by REQUESTS_CA_BUNDLE from the environment.
        session.get(url, verify=verify, timeout=10)  # warm up

        count = 400
        mock.controls.reset()
        started = time.perf_counter()
        for _ in range(count):
            session.get(url, verify=verify, timeout=10).raise_for_status()
        print(f"keep-alive, 1 client     {_rate(count, time.perf_counter() - started)}")

        count = 100
        mock.controls.reset()
        started = time.perf_counter()
        for _ in range(count):
            requests.get(url, auth=(ADMIN_KEY_A, ""), headers=HEADERS, verify=verify, timeout=10).raise_for_status()
        print(f"new connection each      {_rate(count, time.perf_counter() - started)}")

        threads, per_thread = 8, 60
        mock.controls.reset()
        mock.controls.set_remaining(ACCOUNT_A, RATE_LIMIT)

        def worker() -> None:
            own = requests.Session()
            own.auth = (ADMIN_KEY_A, "")
            own.headers.update(HEADERS)
            for _ in range(per_thread):
                own.get(url, verify=verify, timeout=10).raise_for_status()

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        started = time.perf_counter()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        print(f"keep-alive, {threads} threads   {_rate(threads * per_thread, time.perf_counter() - started)}")

        resets = _timed(mock.controls.reset, 50)
        print(f"reset                    median {statistics.median(resets) * 1000:6.2f} ms, "
              f"max {max(resets) * 1000:6.2f} ms")


# The attack part: the sandbox in a process of its own ---------------------------------------

#: How long the sandbox may take to say it is running.
START_SECONDS = 30
#: How long, after an attack, the sandbox may take to close the attack's connections on its side.
CLOSE_SECONDS = 15
#: Open files this process keeps for itself (and the sandbox for itself) beside the idle connections.
SPARE_FILES = 200


class BenchError(RuntimeError):
    """The attack part cannot go on: said in one line, and the run ends."""


@dataclass(frozen=True)
class Target:
    """Where the sandbox's API listens, and the CA file that its certificate is checked against."""

    host: str
    port: int
    ca_file: str

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def head(self, method: str, path: str, *fields: str, key: str = ADMIN_KEY_A) -> bytes:
        """A request head, as a client of the API sends it."""
        credentials = base64.b64encode(f"{key}:".encode("ascii")).decode("ascii")
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Authorization: Basic {credentials}",
            *(f"{name}: {value}" for name, value in HEADERS.items()),
            *fields,
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


@dataclass(frozen=True)
class Sandbox:
    process: subprocess.Popen[str]
    target: Target
    #: Where its standard error goes.
    log: Path


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for one in sockets:
            one.bind(("127.0.0.1", 0))
        return [one.getsockname()[1] for one in sockets]
    finally:
        for one in sockets:
            one.close()


def sandbox_module(workdir: Path) -> str:
    """Where the sandbox that `python -m cliniko_sandbox` starts in `workdir` is imported from: the same
    interpreter, environment and working folder (which `-m` and `-c` both put first on the path)."""
    probe = subprocess.run(
        [sys.executable, "-c", "import cliniko_sandbox; print(cliniko_sandbox.__file__)"],
        cwd=workdir, capture_output=True, text=True, timeout=60, check=False,
    )
    if probe.returncode != 0:
        lines = probe.stderr.strip().splitlines() or ["no message"]
        raise BenchError(f"cannot import cliniko_sandbox: {lines[-1]}")
    return str(Path(probe.stdout.strip()).parent)


@contextmanager
def running_sandbox(workdir: Path) -> Iterator[Sandbox]:
    """A fresh sandbox, started as `python -m cliniko_sandbox` on free ports, and stopped again."""
    workdir.mkdir(parents=True)
    port, control_port = _free_ports(2)
    log = workdir / "sandbox.log"
    with log.open("w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "cliniko_sandbox", "--port", str(port), "--control-port", str(control_port),
             "--dir", "ca"],
            cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors, text=True,
        )
    try:
        exported = _exports(process, log)
        url = urlsplit(exported["CLINIKO_API_URL"])
        assert url.hostname is not None and url.port is not None
        yield Sandbox(process, Target(url.hostname, url.port, str(workdir / exported["SSL_CERT_FILE"])), log)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _exports(process: subprocess.Popen[str], log: Path) -> dict[str, str]:
    """The variables the sandbox prints once it is running; its standard output is read to the end
    by a thread, so that it never blocks on a full pipe."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    exported: dict[str, str] = {}
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise BenchError(f"the sandbox did not say it was running within {START_SECONDS} s") from None
        if line is None:
            process.wait()
            said = log.read_text().strip().splitlines() or ["nothing on standard error"]
            raise BenchError(f"the sandbox ended at start-up (exit status {process.returncode}): {said[-1]}")
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").strip().partition("=")
            exported[name] = shlex.split(value)[0]
        if line.startswith("Press Ctrl+C"):
            return exported


# What the sandbox's process holds --------------------------------------------------------------


def memory_kib(pid: int) -> dict[str, int]:
    """`VmRSS` (resident now) and `VmHWM` (the peak of it) of a process, in KiB."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            figures[name] = int(value.split()[0])
    return figures


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def reset_peak(pid: int) -> bool:
    """Start `VmHWM` again from the current `VmRSS` (Linux 4.0 and later); whether that worked."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class Sampler:
    """Reads a process's resident memory every 20 ms, and its open files every 200 ms, keeping the most."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self._stop = threading.Event()
        self.most_kib = 0
        self.most_files = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        rounds = 0
        while not self._stop.wait(0.02):
            try:
                self.most_kib = max(self.most_kib, memory_kib(self._pid)["VmRSS"])
                if rounds % 10 == 0:
                    self.most_files = max(self.most_files, open_files(self._pid))
            except (OSError, KeyError):  # the process has ended (or is ending)
                return
            rounds += 1


# The bystander -------------------------------------------------------------------------------

#: How often the bystander asks, and how long it waits for one answer at most.
BYSTANDER_GAP = 0.02
BYSTANDER_TIMEOUT = 20.0


def _bystander(target: Target, ready: Any, stop: Any, results: Any) -> None:
    """`GET /user` on one keep-alive connection every `BYSTANDER_GAP`, until told to stop; a connection
    that fails is opened again, and the time that took is counted in that request's wait. The first
    request, which opens the connection, only says the bystander is ready. Runs in a process of its own.

    It is another account's (B's) key, so that the attacks' requests leave its rate limit alone.
    """
    fields = {**HEADERS, "Authorization": "Basic " + base64.b64encode(f"{ADMIN_KEY_B}:".encode()).decode()}
    context = target.context()
    connection: http.client.HTTPSConnection | None = None
    waits: list[float] = []
    answers: Counter[str] = Counter()
    while True:
        started = time.perf_counter()
        try:
            if connection is None:
                connection = http.client.HTTPSConnection(
                    target.host, target.port, context=context, timeout=BYSTANDER_TIMEOUT
                )
            connection.request("GET", "/v1/user", headers=fields)
            response = connection.getresponse()
            response.read()
            answer = str(response.status)
            if response.will_close:
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException) as error:
            answer = type(error).__name__
            if connection is not None:
                connection.close()
                connection = None
        if ready.is_set():
            waits.append(time.perf_counter() - started)
            answers[answer] += 1
        else:
            ready.set()
        if stop.wait(BYSTANDER_GAP):
            break
    results.send((waits, dict(answers)))


@dataclass(frozen=True)
class Waits:
    """What the bystander saw: each wait, in seconds, and how many answers of each kind."""

    seconds: list[float]
    answers: dict[str, int]

    def summary(self) -> str:
        kinds = ", ".join(f"{count} × {answer}" for answer, count in sorted(self.answers.items()))
        return f"bystander: {len(self.seconds)} requests ({kinds})"


class Bystander:
    """The bystander's process: started, it has had its first answer; stopped, it hands over its waits."""

    def __init__(self, target: Target) -> None:
        spawn = multiprocessing.get_context("spawn")  # no copy of this process's threads or sockets
        self._ready, self._stop = spawn.Event(), spawn.Event()
        self._results, sending = spawn.Pipe(duplex=False)
        self._process = spawn.Process(
            target=_bystander, args=(target, self._ready, self._stop, sending), daemon=True
        )

    def __enter__(self) -> Self:
        self._process.start()
        if not self._ready.wait(START_SECONDS):
            self._process.terminate()
            raise BenchError(f"the bystander had no answer from the sandbox within {START_SECONDS} s")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join(BYSTANDER_TIMEOUT + 5)
        if self._process.is_alive():
            self._process.terminate()

    def waits(self) -> Waits:
        """Stop the bystander, and what it saw."""
        self._stop.set()
        if not self._results.poll(BYSTANDER_TIMEOUT + 5):
            raise BenchError("the bystander did not hand over its figures")
        seconds, answers = self._results.recv()
        return Waits(seconds, answers)


# The attacks ---------------------------------------------------------------------------------

MIB = 1024 * 1024
#: How many connections the idle attack opens, unless told otherwise.
IDLE_CONNECTIONS = 10_000
#: How many new connections the idle attack has opening (connecting, or in their TLS handshake) at once.
OPENING_AT_ONCE = 200
#: How long an attack holds its load once all of it is in place, so that the sampler sees it.
HOLD_SECONDS = 2.0
#: The pending bodies: how many, how large, how much is held back, and how often one more byte is sent.
PENDING_BODIES = 200
HELD_BACK = 64
TRICKLE_GAP = 2.0
#: How long a pending body may take to leave the client before it is held as far as it got: the server
#: reads a large body only once it has a share of the memory kept for bodies.
SEND_SECONDS = 3.0
#: The chunked body's one-byte chunks.
CHUNKS = 1_000_000
#: The pipelined list requests, and how long they stay unread: past the server's 10 s write limit.
PIPELINED = 200
PIPELINE_SECONDS = 11.0
#: The requests with unknown keys: how many at once, and how many keys each.
KEY_BODIES = 24
UNKNOWN_KEYS = 90_000


def _failure(error: BaseException) -> str:
    return type(error).__name__


async def _open(target: Target, context: ssl.SSLContext) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.wait_for(
        asyncio.open_connection(target.host, target.port, ssl=context, server_hostname=target.host), 30
    )


def _tls_socket(target: Target, timeout: float) -> ssl.SSLSocket:
    plain = socket.create_connection((target.host, target.port), timeout=timeout)
    return target.context().wrap_socket(plain, server_hostname=target.host)


def _tally(counts: Counter[str]) -> str:
    return ", ".join(f"{count} × {what}" for what, count in counts.most_common()) or "none"


async def _hold(
    reader: asyncio.StreamReader,
    release: asyncio.Event,
    every: float | None = None,
    tick: Callable[[], Awaitable[None]] | None = None,
) -> bool:
    """Keep a connection until the server answers or closes it (True), or the attack lets go of it
    (False); meanwhile, every `every` seconds, `tick`."""
    ended = asyncio.ensure_future(reader.read(1))
    released = asyncio.ensure_future(release.wait())
    try:
        while True:
            await asyncio.wait({ended, released}, timeout=every, return_when=asyncio.FIRST_COMPLETED)
            if ended.done():
                ended.exception()  # a reset ends it too; retrieved, so that asyncio does not report it
                return True
            if released.done():
                return False
            if tick is not None:
                await tick()
    finally:
        ended.cancel()
        released.cancel()


class _IdleConnections:
    """Opens TLS connections that then send nothing, a few handshakes at a time, on non-blocking sockets
    and one selector: an asyncio TLS connection would cost this process some 256 KiB of buffer each.

    Each connection goes through three phases: TCP connecting, the TLS handshake, and held (watched only
    for the server ending it).
    """

    def __init__(self, target: Target, count: int) -> None:
        self._target = target
        self._count = count
        self._context = target.context()
        self._selector = selectors.DefaultSelector()
        self.tally: Counter[str] = Counter()
        self.launched = self.opening = self.held = self.most_held = 0

    def run(self) -> str:
        started = time.perf_counter()
        while self.launched < self._count or self.opening:
            while self.launched < self._count and self.opening < OPENING_AT_ONCE:
                self._launch()
            self._serve(0.05)
        took = time.perf_counter() - started
        held_until = time.monotonic() + HOLD_SECONDS
        while time.monotonic() < held_until:
            self._serve(0.05)
        for key in list(self._selector.get_map().values()):
            if key.data[0] == "held":
                self.tally["held to the end"] += 1
            self._drop(key.fileobj)
        self._selector.close()
        return (
            f"{self._count:,} tried in {took:.1f} s; at most {self.most_held:,} open at once; then held "
            f"{HOLD_SECONDS:.0f} s; of them: {_tally(self.tally)}"
        )

    def _launch(self) -> None:
        self.launched += 1
        raw = socket.socket(socket.AF_INET6 if ":" in self._target.host else socket.AF_INET)
        raw.setblocking(False)
        connection = self._context.wrap_socket(
            raw, server_hostname=self._target.host, do_handshake_on_connect=False
        )
        failed = connection.connect_ex((self._target.host, self._target.port))
        if failed not in (0, errno.EINPROGRESS):
            self.tally[f"failed to connect ({errno.errorcode.get(failed, failed)})"] += 1
            connection.close()
            return
        self.opening += 1
        self._selector.register(connection, selectors.EVENT_WRITE, ["connecting", time.monotonic()])

    def _serve(self, timeout: float) -> None:
        for key, _ in self._selector.select(timeout):
            connection, phase = key.fileobj, key.data[0]
            assert isinstance(connection, ssl.SSLSocket)
            if phase == "held":
                self._watch(connection)
                continue
            if phase == "connecting":
                failed = connection.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if failed:
                    self._fail(connection, f"failed to connect ({errno.errorcode.get(failed, failed)})")
                    continue
                key.data[0] = "handshake"
            self._handshake(connection, key.data)
        now = time.monotonic()
        for key in list(self._selector.get_map().values()):
            if key.data[0] != "held" and now - key.data[1] > 30:
                self._fail(key.fileobj, "failed to open (no handshake within 30 s)")

    def _handshake(self, connection: ssl.SSLSocket, data: list[Any]) -> None:
        try:
            connection.do_handshake()
        except ssl.SSLWantReadError:
            self._selector.modify(connection, selectors.EVENT_READ, data)
        except ssl.SSLWantWriteError:
            self._selector.modify(connection, selectors.EVENT_WRITE, data)
        except (OSError, ssl.SSLError) as error:
            self._fail(connection, f"failed in the handshake ({_failure(error)})")
        else:
            self.opening -= 1
            self.held += 1
            self.most_held = max(self.most_held, self.held)
            data[0] = "held"
            self._selector.modify(connection, selectors.EVENT_READ, data)

    def _watch(self, connection: ssl.SSLSocket) -> None:
        """The server sent something on a held connection: an answer, a close, or part of a TLS record."""
        try:
            connection.recv(1024)
        except ssl.SSLWantReadError:
            return
        except (OSError, ssl.SSLError):
            pass
        self.held -= 1
        self.tally["ended by the server"] += 1
        self._drop(connection)

    def _fail(self, connection: Any, what: str) -> None:
        self.opening -= 1
        self.tally[what] += 1
        self._drop(connection)

    def _drop(self, connection: Any) -> None:
        self._selector.unregister(connection)
        connection.close()


async def _pending_bodies(target: Target) -> str:
    context = target.context()
    size = MAX_BODY_BYTES  # each body as large as the API takes
    head = target.head(
        "POST", "/v1/patients", "Content-Type: application/json", f"Content-Length: {size}"
    )
    body = b"{" + b" " * (size - 2) + b"}"
    release, all_sent = asyncio.Event(), asyncio.Event()
    tally: Counter[str] = Counter()
    settled = 0

    def one_settled() -> None:
        nonlocal settled
        settled += 1
        if settled == PENDING_BODIES:
            all_sent.set()

    async def one() -> None:
        try:
            reader, writer = await _open(target, context)
        except (OSError, ssl.SSLError, TimeoutError) as error:
            tally[f"failed to open ({_failure(error)})"] += 1
            one_settled()
            return
        position = size - HELD_BACK
        in_place = False

        async def one_more_byte() -> None:
            nonlocal position
            if position < size - 1:  # the last byte is never sent
                writer.write(body[position : position + 1])
                position += 1
                await writer.drain()

        try:
            writer.write(head + body[:position])
            try:
                await asyncio.wait_for(writer.drain(), SEND_SECONDS)
            except TimeoutError:
                # The server reads no further: the rest stays in this client's buffers, and the
                # connection is held as it is.
                in_place = True
                one_settled()
                outcome = "ended by the server" if await _hold(reader, release) else "held to the end"
                tally[f"{outcome}, the body not all taken by the server"] += 1
                return
            in_place = True
            one_settled()
            if await _hold(reader, release, TRICKLE_GAP, one_more_byte):
                tally["ended by the server"] += 1
            else:
                tally["held to the end"] += 1
        except (OSError, ssl.SSLError) as error:
            tally[f"failed ({_failure(error)})"] += 1
            if not in_place:
                one_settled()
        finally:
            writer.transport.abort()

    started = time.perf_counter()
    tasks = [asyncio.create_task(one()) for _ in range(PENDING_BODIES)]
    await all_sent.wait()
    sending = time.perf_counter() - started
    await asyncio.sleep(HOLD_SECONDS)
    release.set()
    await asyncio.gather(*tasks)
    return (
        f"{PENDING_BODIES} bodies of {size:,} bytes sent but for {HELD_BACK} bytes (or as far as the server "
        f"read them) in {sending:.1f} s, "
        f"then held {HOLD_SECONDS:.0f} s; of them: {_tally(tally)}"
    )


def _status_line(connection: ssl.SSLSocket) -> str:
    """The status of the response that arrives next, or why none did."""
    received = b""
    try:
        while b"\r\n" not in received:
            data = connection.recv(65536)
            if not data:
                return "no answer (closed)"
            received += data
    except (OSError, ssl.SSLError) as error:
        return f"no answer ({_failure(error)})"
    return received.split(b"\r\n", 1)[0].decode("latin-1").partition(" ")[2]


def _chunked_body(target: Target) -> str:
    # The data is a JSON object after spaces: `{}`, which lacks a patient's names (a `422`).
    body = b"1\r\n \r\n" * (CHUNKS - 2) + b"1\r\n{\r\n1\r\n}\r\n0\r\n\r\n"
    head = target.head("POST", "/v1/patients", "Content-Type: application/json", "Transfer-Encoding: chunked")
    with _tls_socket(target, timeout=120) as connection:
        started = time.perf_counter()
        try:
            connection.sendall(head + body)
            sent = f"sent {len(body) / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s"
        except (OSError, ssl.SSLError) as error:
            sent = f"sending stopped ({_failure(error)}) after {time.perf_counter() - started:.1f} s"
        status = _status_line(connection)
    return f"{CHUNKS:,} chunks of one byte: {sent}; answered {status} after {time.perf_counter() - started:.1f} s"


def _pipelined_lists(target: Target) -> str:
    request = target.head("GET", f"/v1/patients?per_page={PER_PAGE_MAX}")
    with _tls_socket(target, timeout=30) as connection:
        connection.sendall(request * PIPELINED)
        time.sleep(PIPELINE_SECONDS)
        # Afterwards, only to say what had happened: what was waiting, and whether the server was still there.
        waiting = 0
        connection.settimeout(0.5)
        ending = "still open"
        try:
            while waiting < 64 * MIB:
                data = connection.recv(65536)
                if not data:
                    ending = "closed by the server"
                    break
                waiting += len(data)
        except TimeoutError:
            pass
        except (OSError, ssl.SSLError) as error:
            ending = f"ended by the server ({_failure(error)})"
    return (
        f"{PIPELINED} × GET /patients?per_page={PER_PAGE_MAX} sent at once, unread for {PIPELINE_SECONDS:.0f} s; "
        f"then {waiting / 1e6:.1f} MB of answers could be read, and the connection was {ending}"
    )


async def _unknown_keys(target: Target) -> str:
    context = target.context()
    body = ("{" + ",".join(f'"x{number:05d}":0' for number in range(UNKNOWN_KEYS)) + "}").encode("ascii")
    head = target.head("POST", "/v1/patients", "Content-Type: application/json", f"Content-Length: {len(body)}")
    started = time.perf_counter()

    async def one() -> tuple[str, int, float]:
        try:
            reader, writer = await _open(target, context)
        except (OSError, ssl.SSLError, TimeoutError) as error:
            return f"failed to open ({_failure(error)})", 0, time.perf_counter() - started
        try:
            writer.write(head + body)
            await writer.drain()
            async with asyncio.timeout(120):
                status = (await reader.readline()).decode("latin-1").split(" ")[1:2] or ["no answer"]
                length = None
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                answer = await (reader.read() if length is None else reader.readexactly(length))
            return status[0], len(answer), time.perf_counter() - started
        except (OSError, ssl.SSLError, TimeoutError, asyncio.IncompleteReadError) as error:
            return f"failed ({_failure(error)})", 0, time.perf_counter() - started
        finally:
            writer.transport.abort()

    results = await asyncio.gather(*(one() for _ in range(KEY_BODIES)))
    statuses = Counter(status for status, _, _ in results)
    return (
        f"{KEY_BODIES} bodies of {len(body):,} bytes ({UNKNOWN_KEYS:,} unknown keys) at once: "
        f"answered {_tally(statuses)}; the slowest after {max(took for _, _, took in results):.1f} s, "
        f"the largest answer {max(size for _, size, _ in results):,} bytes"
    )


@dataclass(frozen=True)
class Attack:
    title: str
    run: Callable[[Target, int], str]


ATTACKS = {
    "idle": Attack("{count:,} idle TLS connections", lambda target, count: _IdleConnections(target, count).run()),
    "bodies": Attack(
        f"{PENDING_BODIES} pending {size_in_words(MAX_BODY_BYTES)} bodies", lambda target, _: asyncio.run(_pending_bodies(target))
    ),
    "chunked": Attack("a million 1-byte chunks", lambda target, _: _chunked_body(target)),
    "pipeline": Attack(f"{PIPELINED} pipelined lists, unread", lambda target, _: _pipelined_lists(target)),
    "keys": Attack(f"{KEY_BODIES} × {UNKNOWN_KEYS:,} unknown keys", lambda target, _: asyncio.run(_unknown_keys(target))),
}


# Measuring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    title: str
    before_kib: int
    peak_kib: int
    after_kib: int
    waits: Waits
    notes: list[str]

    def line(self) -> str:
        worst = max(self.waits.seconds, default=float("nan")) * 1000
        median = statistics.median(self.waits.seconds) * 1000 if self.waits.seconds else float("nan")
        memory = (self.before_kib / 1024, self.peak_kib / 1024, self.after_kib / 1024)
        return (
            f"{self.title:<34}" + "".join(f"{mib:9.1f}" for mib in memory)
            + f"{worst:11.1f}{median:9.1f}{len(self.waits.seconds):10d}"
        )


TABLE_HEAD = (
    f"{'':<34}{'sandbox RSS (MiB)':^27}{'bystander GET /user':^30}\n"
    f"{'attack':<34}{'before':>9}{'peak':>9}{'after':>9}{'worst ms':>11}{'median ms':>10}{'requests':>9}"
)


def measure(name: str, workdir: Path, connections: int) -> Row:
    """One attack on a fresh sandbox: its memory before, at the peak and after, and the bystander's waits."""
    attack = ATTACKS[name]
    with running_sandbox(workdir) as sandbox:
        pid = sandbox.process.pid
        idle_files = open_files(pid)
        before = memory_kib(pid)["VmRSS"]
        peak_was_reset = reset_peak(pid)
        notes: list[str] = []
        with Sampler(pid) as sampler:
            with Bystander(sandbox.target) as bystander:
                started = time.perf_counter()
                notes.append(attack.run(sandbox.target, connections))
                took = time.perf_counter() - started
                waits = bystander.waits()
            # The load has ended once the server has closed its side of the attack's connections.
            deadline = time.monotonic() + CLOSE_SECONDS
            while sandbox.process.poll() is None and open_files(pid) > idle_files and time.monotonic() < deadline:
                time.sleep(0.1)
            if sandbox.process.poll() is not None:
                raise BenchError(f"the sandbox ended during the attack (exit status {sandbox.process.returncode})")
            still_open = open_files(pid) - idle_files
            figures = memory_kib(pid)
        peak = max(sampler.most_kib, figures["VmHWM"] if peak_was_reset else 0, figures["VmRSS"])
        extra_files = sampler.most_files - idle_files
        each = f" (the peak over idle is {(peak - before) / extra_files:.0f} KiB each)" if extra_files >= 100 else ""
        notes.append(
            f"attack {took:.1f} s; the sandbox held at most {extra_files} more files than when idle{each}"
            + (f", and {still_open} more still {CLOSE_SECONDS} s after" if still_open > 0 else "")
        )
        notes.append(waits.summary())
        logged = sandbox.log.read_text().strip().splitlines()
        if logged:
            notes.append(f"the sandbox wrote {len(logged)} lines to standard error; the last: {logged[-1]}")
    return Row(attack.title.format(count=connections), before, peak, figures["VmRSS"], waits, notes)


def raise_file_limit(wanted: int) -> int:
    """Raise this process's open-file limit (which the sandbox inherits) as far as allowed; how many idle
    connections fit under it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + SPARE_FILES
    goal = max(soft, needed) if hard == resource.RLIM_INFINITY else hard
    refused = ""
    if goal > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (goal, hard))
        except (ValueError, OSError) as error:
            refused = f"; the machine refused to raise it to {goal} ({error})"
        else:
            print(f"open files: limit raised from {soft} to {goal}")
            soft = goal
    if soft >= needed:
        if refused:
            print(f"open files: limit {soft}{refused}")
        return wanted
    fitting = soft - SPARE_FILES
    if fitting < 1:
        raise BenchError(f"the open-file limit is {soft}{refused}: too low for any idle connections")
    print(f"open files: the limit is {soft}{refused}, so the idle attack opens {fitting:,} connections, not {wanted:,}")
    return fitting


def attacks(names: list[str], connections: int) -> None:
    if not Path("/proc/self/status").is_file():
        raise BenchError("the attack figures read the sandbox's memory from /proc: they need Linux")
    if "idle" in names:
        connections = raise_file_limit(connections)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-mock-") as scratch:
        print(f"sandbox: python -m cliniko_sandbox, imported from {sandbox_module(Path(scratch))}")
        for name in names:
            row = measure(name, Path(scratch) / name, connections)
            print(f"\n{name}: {row.title}")
            for note in row.notes:
                print(f"  {note}")
            rows.append(row)
    print()
    print(TABLE_HEAD)
    for row in rows:
        print(row.line())


# The command line ----------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse, with each mistake said on one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROGRAM}: {message} (see {PROGRAM} --help)\n")


def _connection_count(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 60_000:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 60000, not {text!r}")
    return int(text)


def _attack_name(text: str) -> str:
    if text not in ATTACKS:
        raise argparse.ArgumentTypeError(f"no such attack: {text!r} (choose from {', '.join(ATTACKS)})")
    return text


def parser() -> argparse.ArgumentParser:
    build = _Parser(prog=PROGRAM, description="Print the mock's speed figures and its figures under attack.")
    part = build.add_mutually_exclusive_group()
    part.add_argument("--speed", action="store_true", help="only the speed figures")
    part.add_argument("--attacks", action="store_true", help="only the figures under attack")
    build.add_argument(
        "--attack", type=_attack_name, action="append", metavar="NAME",
        help=f"run this attack only (repeat for more): {', '.join(ATTACKS)}; all by default",
    )
    build.add_argument(
        "--connections", type=_connection_count, default=None, metavar="N",
        help=f"how many connections the idle attack opens (default {IDLE_CONNECTIONS})",
    )
    return build


def main(argv: list[str] | None = None) -> int:
    options = parser()
    args = options.parse_args(argv)
    if args.speed and (args.attack or args.connections is not None):
        options.error("--attack and --connections choose among the attacks, which --speed leaves out")
    if not args.attacks:
        speed()
    if not args.speed:
        if not args.attacks:
            print()
        try:
            attacks(args.attack or list(ATTACKS), args.connections or IDLE_CONNECTIONS)
        except BenchError as error:
            print(f"{PROGRAM}: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
