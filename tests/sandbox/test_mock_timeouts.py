"""The mock's time limits, on a mock of the tests' own with short ones: a connection that sends nothing,
sends too slowly, or never reads its answers is closed, and a prompt client is served."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from api_requests import read_until_closed, send
from cliniko_sandbox import MockCliniko
from cliniko_sandbox.contract import PER_PAGE_MAX
from cliniko_sandbox.transport import Timeouts
from raw_tls import NEW_PATIENT, SHORT, count_patients, request_head, tls_socket

# Slow (left out of `make check`): most tests wait for a time limit to end a connection.
pytestmark = pytest.mark.slow


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes the connection within `seconds` (a read then returns nothing)."""
    sock.settimeout(seconds)
    try:
        return read_until_closed(sock) is not None
    except TimeoutError:
        return False


@pytest.fixture(scope="module")
def impatient() -> Iterator[MockCliniko]:
    with MockCliniko(timeouts=SHORT) as mock:
        yield mock


def test_a_connection_that_never_sends_is_closed(impatient):
    with socket.create_connection((impatient.host, impatient.port), timeout=10) as sock:
        assert _closed_within(sock, 3)


def test_a_tls_connection_that_never_sends_a_request_is_closed(impatient):
    with tls_socket(impatient) as sock:
        assert _closed_within(sock, 3)


def test_an_idle_kept_alive_connection_is_closed(impatient):
    with tls_socket(impatient) as sock:
        sock.sendall(request_head(impatient, "GET", "/v1/user"))
        sock.settimeout(5)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200 OK")

        assert _closed_within(sock, 3)


def test_a_head_sent_a_byte_at_a_time_is_cut_off(impatient):
    request = request_head(impatient, "GET", "/v1/user")
    start = time.perf_counter()
    closed = False
    with tls_socket(impatient) as sock:
        try:
            for byte in request:
                sock.sendall(bytes([byte]))
                time.sleep(0.05)
                if time.perf_counter() - start > 5:
                    break
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            closed = True
        if not closed:
            closed = _closed_within(sock, 2)

    assert closed
    assert time.perf_counter() - start < 3


def test_a_body_that_stops_arriving_is_dropped_when_the_wait_ends(impatient):
    before = count_patients(impatient)
    with tls_socket(impatient) as sock:
        sock.sendall(request_head(impatient, "POST", "/v1/patients", "Content-Type: application/json", "Content-Length: 4096"))
        sock.sendall(NEW_PATIENT)

        assert _closed_within(sock, 3)

    assert count_patients(impatient) == before


def _send_buffer_limit() -> int:
    """The most a connection's sending side may buffer in the kernel (Linux's `tcp_wmem` maximum)."""
    try:
        return int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    except (OSError, IndexError, ValueError):
        return 4 * 1024 * 1024


def test_a_body_still_arriving_when_its_time_is_up_is_dropped(impatient):
    """A byte every 0.2 s never keeps the server waiting past its idle limit (0.5 s), but the whole body
    has a limit too (1 s): without it, a client could hold a connection, and its buffered body, forever."""
    before = count_patients(impatient)
    started = time.perf_counter()
    closed = False
    with tls_socket(impatient) as sock:
        sock.sendall(request_head(impatient, "POST", "/v1/patients", "Content-Type: application/json", "Content-Length: 4096"))
        try:
            for byte in NEW_PATIENT * 100:
                sock.sendall(bytes([byte]))
                time.sleep(0.2)
                if time.perf_counter() - started > 4:
                    break
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            closed = True
        if not closed:
            closed = _closed_within(sock, 0.5)

    assert closed, "the server still read the body after 4 s"
    assert time.perf_counter() - started < 3
    assert count_patients(impatient) == before


def test_a_client_that_never_reads_its_responses_is_cut_off():
    """Pipelined requests for a full page of patients, more answers than the kernel can buffer, never read.

    This mock's only short limit is the write one, so a connection cut off within seconds can only have
    been cut off by it: the idle and header limits are 5 and 10 s. The client notices the end of the
    connection when a write of its own fails (the kernel answers data sent to a closed socket with a reset).
    """
    with MockCliniko(timeouts=Timeouts(write=0.3)) as mock:
        page = len(send(mock, "GET", f"/patients?per_page={PER_PAGE_MAX}").content)
        count = (_send_buffer_limit() + 1024 * 1024) // page + 1
        request = request_head(mock, "GET", f"/v1/patients?per_page={PER_PAGE_MAX}")
        context = ssl.create_default_context(cafile=str(mock.ca_file))
        with socket.socket() as raw:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window, so the buffers fill fast
            raw.settimeout(5)
            raw.connect((mock.host, mock.port))
            with context.wrap_socket(raw, server_hostname=mock.host) as sock:
                started = time.perf_counter()
                cut_off = False
                try:
                    sock.sendall(request * count)
                    while not cut_off and time.perf_counter() - started < 4:
                        time.sleep(0.05)
                        sock.send(b"\r\n")  # a client still sending; the server, stuck writing, never reads it
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    cut_off = True

    assert cut_off, f"the server still held the connection after {time.perf_counter() - started:.1f} s"


def test_the_timeouts_serve_a_prompt_client(impatient):
    with requests.Session() as session:
        first = send(impatient, "GET", "/user", session=session)
        second = send(impatient, "GET", "/user", session=session)

    assert (first.status_code, second.status_code) == (200, 200)
