"""The mock under attack: no request can freeze it, make it act on half a body, or hold a connection.

Each test here stands for a way a client (careless or hostile) once broke the mock: a check that
backtracked, a body acted on before it had arrived, an accept loop that died when file handles ran out,
connections held open forever (by a client that stopped sending, or reading), a body declared too
large that got no answer, a header limit that held only sometimes, unbounded fields, an error
body that grew with the request, a `Last-Modified` later than `Date`, ambiguous requests, and memory
without a bound (no cap on connections, every pending body buffered whole).
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import resource
import socket
import ssl
import struct
import threading
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from api_requests import RawClient, basic_auth, client_headers, error_message, raw_head, read_until_closed, send
from cliniko_sandbox import MockCliniko
from cliniko_sandbox.clock import START, Clock
from cliniko_sandbox.contract import FIELD_LIMITS, MAX_BODY_BYTES, MAX_HEAD_BYTES, NAME_SHOWN, PER_PAGE_MAX, size_in_words
from cliniko_sandbox.seed import ACCOUNT_A as ACCOUNT
from cliniko_sandbox.seed import ADMIN_KEY_A, initial_dataset
from cliniko_sandbox.state import Store
from cliniko_sandbox.tls import make_tls
from cliniko_sandbox.transport import HttpServer, Timeouts, bind

PATIENT = "1240000000000000001"
NEW_PATIENT = b'{"first_name": "Half", "last_name": "Body"}'
#: Time a healthy mock needs, at most, to respond on this machine while a worst case is in flight.
PROMPT = 1.0
#: The short limits of the mock these tests start for themselves.
SHORT = Timeouts(handshake=0.5, header=0.5, idle=0.5, body=1.0, write=0.5, accept_backoff=0.05)


def _count_patients(mock) -> int:
    return send(mock, "GET", "/patients").json()["total_entries"]


@contextmanager
def _tls_socket(mock) -> Iterator[ssl.SSLSocket]:
    context = ssl.create_default_context(cafile=str(mock.ca_file))
    with (
        socket.create_connection((mock.host, mock.port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=mock.host) as tls,
    ):
        yield tls


def _head(mock, method: str, target: str, *extra: str) -> bytes:
    return raw_head(f"{mock.host}:{mock.port}", method, target, *extra)


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes the connection within `seconds` (a read then returns nothing)."""
    sock.settimeout(seconds)
    try:
        return read_until_closed(sock) is not None
    except TimeoutError:
        return False


def _served_while(mock, worst_case) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Send `worst_case` from one thread and a plain read from another; how long each took."""
    times: dict[str, float] = {}

    def timed(name: str, call) -> None:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            call()
        finally:
            times[name] = time.perf_counter() - start

    attacker = threading.Thread(target=timed, args=("worst", worst_case))
    attacker.start()
    time.sleep(0.05)
    timed("other", lambda: send(mock, "GET", "/user", timeout=5).raise_for_status())
    attacker.join(timeout=30)
    return times["worst"], times["other"]


# Checks that cannot backtrack ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "user_agent",
    ["." * 5000 + "@" + "-" * 5000, "." * 800 + "@" + "-" * 200, "a@" * 4000],
    ids=["dots-at-hyphens", "under-the-length-limit", "many-ats"],
)
def test_a_worst_case_user_agent_is_refused_at_once_while_others_are_served(mock, user_agent):
    status: list[int] = []

    def attack() -> None:
        status.append(send(mock, "GET", "/user", headers={"User-Agent": user_agent}, timeout=5).status_code)

    worst, other = _served_while(mock, attack)

    assert status == [400]
    assert worst < PROMPT and other < PROMPT, (worst, other)


@pytest.mark.parametrize(
    "email", ["a@" + "." * 20000 + "@", "a@" + "." * 250 + "@", "@" * 250 + "." * 4], ids=["long", "at-limit", "ats"]
)
def test_a_worst_case_email_is_refused_at_once_while_others_are_served(mock, email):
    responses: list[requests.Response] = []
    body = {"first_name": "Ana", "last_name": "Lim", "email": email}

    def attack() -> None:
        responses.append(send(mock, "POST", "/patients", json=body, timeout=5))

    worst, other = _served_while(mock, attack)

    assert responses[0].status_code == 422
    assert set(responses[0].json()["errors"]) == {"email"}
    assert worst < PROMPT and other < PROMPT, (worst, other)


# Half a body ----------------------------------------------------------------------------------------


def _abort(sock: ssl.SSLSocket, reset: bool) -> None:
    if reset:
        # SO_LINGER with a zero timeout makes close() send a reset instead of an orderly end.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


@pytest.mark.parametrize("ending", ["close", "reset"])
@pytest.mark.parametrize("framing", ["content-length", "chunked-without-last-chunk"])
def test_a_body_that_never_arrives_in_full_stores_nothing(mock, framing, ending):
    before = _count_patients(mock)
    with _tls_socket(mock) as sock:
        if framing == "content-length":
            sock.sendall(_head(mock, "POST", "/v1/patients", "Content-Type: application/json", "Content-Length: 4096"))
            sock.sendall(NEW_PATIENT)
        else:
            sock.sendall(
                _head(mock, "POST", "/v1/patients", "Content-Type: application/json", "Transfer-Encoding: chunked")
            )
            sock.sendall(f"{len(NEW_PATIENT):X}\r\n".encode() + NEW_PATIENT + b"\r\n")
        time.sleep(0.1)  # the head and the piece of body have reached the server
        _abort(sock, reset=ending == "reset")
    time.sleep(0.2)  # time for the server to see the end of the connection

    assert _count_patients(mock) == before


def test_a_complete_body_after_a_pause_is_still_served(mock):
    before = _count_patients(mock)
    with _tls_socket(mock) as sock:
        head = _head(mock, "POST", "/v1/patients", "Content-Type: application/json", f"Content-Length: {len(NEW_PATIENT)}")
        sock.sendall(head + NEW_PATIENT[:10])
        time.sleep(0.2)
        sock.sendall(NEW_PATIENT[10:] + _head(mock, "GET", "/v1/user", "Connection: close"))
        responses = read_until_closed(sock)

    assert responses.startswith(b"HTTP/1.1 201 Created\r\n")
    assert responses.count(b"HTTP/1.1 ") == 2
    assert _count_patients(mock) == before + 1


def test_a_client_still_sending_a_body_over_the_limit_reads_the_413_not_a_reset(mock):
    """The server answers a declared body of three times the limit at once, then reads and drops the body
    still arriving.

    A client such as requests sends the whole body before it reads; had the server closed once it had
    answered, the client's next writes would fail and the answer would be lost.
    """
    size = 3 * MAX_BODY_BYTES
    before = _count_patients(mock)
    with _tls_socket(mock) as sock:
        sock.sendall(_head(mock, "POST", "/v1/patients", "Content-Type: application/json", f"Content-Length: {size}"))
        time.sleep(0.1)  # the server has answered by now
        piece = b" " * 65536
        for _ in range(size // len(piece)):
            sock.sendall(piece)  # fails if the server has closed already
        response = read_until_closed(sock)  # the server closes once the body it declined has arrived

    assert response.startswith(b"HTTP/1.1 413 Content Too Large\r\n")
    assert size_in_words(MAX_BODY_BYTES).encode() in response and b"connection: close" in response.lower()
    assert _count_patients(mock) == before


# Header size ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("pieces", [1, 4], ids=["one-write", "four-writes"])
def test_a_head_over_the_limit_gets_431_in_json_every_time(mock, pieces):
    request = _head(mock, "GET", "/v1/user", "X-Padding: " + "p" * MAX_HEAD_BYTES)
    with _tls_socket(mock) as sock:
        step = len(request) // pieces + 1
        for start in range(0, len(request), step):
            sock.sendall(request[start : start + step])
            time.sleep(0.01)
        response = read_until_closed(sock)

    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 ")
    assert b"content-type: application/json; charset=utf-8" in head.lower()
    assert size_in_words(MAX_HEAD_BYTES).encode() in body


def test_a_client_still_sending_an_oversized_head_gets_the_431_not_a_reset(mock):
    """The server responds once the limit has been passed; a client still sending must be able to read that.

    The head here is four times the limit, and the server's 431 goes out once the first 4 KiB past the
    limit have arrived. Closing then would make the client's next writes fail, so a client like
    http.client, which sends the whole request before it reads, would never see the response.
    """
    request = _head(mock, "GET", "/v1/user", "X-Padding: " + "p" * (4 * MAX_HEAD_BYTES))
    first = MAX_HEAD_BYTES + 4 * 1024
    with _tls_socket(mock) as sock:
        sock.sendall(request[:first])
        time.sleep(0.1)  # the server has seen enough to respond, and has done so
        for start in range(first, len(request), 4096):
            sock.sendall(request[start : start + 4096])  # fails if the server has closed already
            time.sleep(0.005)
        response = read_until_closed(sock)

    assert response.startswith(b"HTTP/1.1 431 ")
    assert size_in_words(MAX_HEAD_BYTES).encode() in response


def test_a_head_just_under_the_limit_is_served(mock):
    padding = MAX_HEAD_BYTES - len(_head(mock, "GET", "/v1/user", "X-Padding: ")) - 100
    response = send(mock, "GET", "/user", headers={"X-Padding": "p" * padding})

    assert response.status_code == 200


# Field limits ---------------------------------------------------------------------------------------


def _too_long(name: str) -> str:
    limit = FIELD_LIMITS[name]
    if name == "email":
        return "a" * (limit - len("@example.com") + 1) + "@example.com"
    return "A" * (limit + 1)


@pytest.mark.parametrize("name", [name for name in FIELD_LIMITS if name != "date_of_birth"])
def test_every_string_field_has_a_length_limit(mock, name):
    body = {"first_name": "Ana", "last_name": "Lim", name: _too_long(name)}

    response = send(mock, "POST", "/patients", json=body)

    assert response.status_code == 422
    assert response.json()["errors"] == {name: f"is too long (maximum is {FIELD_LIMITS[name]} characters)"}


def test_a_field_at_its_limit_is_accepted(mock):
    body = {name: "A" * FIELD_LIMITS[name] for name in ("title", "first_name", "last_name")}
    body["email"] = "a" * (FIELD_LIMITS["email"] - len("@example.com")) + "@example.com"

    response = send(mock, "POST", "/patients", json=body)

    assert response.status_code == 201
    assert response.json()["email"] == body["email"]


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


# Bounded error bodies --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "names",
    [
        [f"u{number}" for number in range(30_000)],
        # The last two differ only past the part of a name that is shown: the second is counted, not listed.
        [f"{number}" + "é" * 60_000 for number in range(3)] + ["é" * 60_000 + f"{number}" for number in range(2)],
    ],
    ids=["30000-short-names", "five-names-of-60000-characters"],
)
def test_a_body_of_unknown_names_gets_a_small_422_that_counts_what_it_leaves_out(mock, names):
    body = {name: 1 for name in names}
    body["first_name"] = 5  # a problem of a patient field, sent last, is still listed
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    assert len(data) <= MAX_BODY_BYTES

    response = send(mock, "PUT", f"/patients/{PATIENT}", headers={"Content-Type": "application/json"}, data=data)

    assert response.status_code == 422
    assert len(response.content) < 8 * 1024
    answer = response.json()
    assert answer["errors"].pop("first_name") == "must be a string"
    listed = list(answer["errors"])
    assert 0 < len(listed) < len(names)
    assert len(listed) + answer["errors_not_listed"] == len(names)
    # The names listed are the first ones sent, each cut short when it is long.
    for shown, sent in zip(listed, names):
        assert shown == sent or (shown.endswith("…") and sent.startswith(shown[:-1]) and len(shown) == NAME_SHOWN + 1)


def test_a_422_with_every_problem_listed_has_no_count(mock):
    response = send(mock, "POST", "/patients", json={"first_name": 5, "nickname": "Al"})

    assert response.status_code == 422
    assert response.json() == {
        "message": "Validation Failed",
        "errors": {"first_name": "must be a string", "nickname": "is not an attribute of a patient that can be set",
                   "last_name": "can't be blank"},
    }


# Last-Modified and Date ------------------------------------------------------------------------------


def _instant(http_date: str) -> datetime:
    return parsedate_to_datetime(http_date)


def _assert_not_after_date(response: requests.Response) -> None:
    assert response.status_code == 200, response.text
    assert _instant(response.headers["Last-Modified"]) <= _instant(response.headers["Date"]), response.headers


def test_last_modified_never_passes_date_in_1000_changes_within_one_second(mock):
    """A thousand changes to one patient and to the account's lists, 0.9 ms of mock time apart; the reads
    between them go over HTTPS. The changes are made on the mock's own store, as the API makes them: a
    thousand requests would cost seconds of the suite's time."""
    other = "1240000000000000002"
    reads = [f"/patients/{PATIENT}", f"/patients/{other}", "/patients", "/patients/archived"]
    tags: dict[str, set[str]] = {target: set() for target in reads}
    with requests.Session() as session:
        for change in range(1000):
            now = mock.clock.advance(0.0009)
            if change % 2:
                mock.store.update_patient(ACCOUNT, PATIENT, {"title": f"T{change}"}, now)
            else:
                mock.store.set_archived(ACCOUNT, other, archived=change % 4 == 0, now=now)
            if change % 250 in (1, 2):  # one read after an archive, one after an unarchive
                for target in reads:
                    response = send(mock, "GET", target, session=session)
                    _assert_not_after_date(response)
                    tags[target].add(response.headers["ETag"])
    assert mock.clock.now() - START < timedelta(seconds=1)
    # Last-Modified stayed in one second, but the ETag told each version apart.
    assert all(len(seen) > 1 for seen in tags.values()), tags


def test_two_changes_in_one_second_share_last_modified_and_the_etag_tells_them_apart(mock):
    send(mock, "PUT", f"/patients/{PATIENT}", json={"title": "Dr"})
    read = send(mock, "GET", f"/patients/{PATIENT}")
    send(mock, "PUT", f"/patients/{PATIENT}", json={"title": "Ms"})

    by_tag = send(mock, "GET", f"/patients/{PATIENT}", headers={"If-None-Match": read.headers["ETag"]})
    by_date = send(mock, "GET", f"/patients/{PATIENT}", headers={"If-Modified-Since": read.headers["Last-Modified"]})

    assert by_tag.status_code == 200
    assert by_tag.json()["title"] == "Ms"
    assert by_tag.json()["updated_at"] == "2026-01-15T09:30:00Z"
    assert by_tag.headers["Last-Modified"] == read.headers["Last-Modified"] == by_tag.headers["Date"]
    # The limit the caching page states: a date has whole seconds, so it cannot see this change.
    assert by_date.status_code == 304


def test_a_time_after_the_clock_is_sent_as_the_clock_time(mock, controls):
    # RFC 9110 (section 8.8.2.1): a Last-Modified later than Date is replaced by Date.
    controls.set_time(datetime(2025, 1, 1, tzinfo=UTC))

    for target in ["/user", f"/patients/{PATIENT}", "/patients", "/patients/deleted"]:
        response = send(mock, "GET", target)
        _assert_not_after_date(response)
        assert response.headers["Last-Modified"] == "Wed, 01 Jan 2025 00:00:00 GMT"


# Ambiguous requests ------------------------------------------------------------------------------------


def test_two_authorization_headers_get_400(mock):
    with RawClient(mock) as client:
        headers = [("Host", client.host_header), *client_headers().items(), ("Authorization", basic_auth(ADMIN_KEY_A))]
        answer = client.send("GET", "/v1/user", headers)

    assert answer.status == 400
    assert "Authorization" in answer.json()["message"]


def test_content_length_with_transfer_encoding_is_refused_and_the_connection_closed(mock):
    before = _count_patients(mock)
    with _tls_socket(mock) as sock:
        sock.sendall(
            _head(
                mock,
                "POST",
                "/v1/patients",
                "Content-Type: application/json",
                f"Content-Length: {len(NEW_PATIENT) + 5}",
                "Transfer-Encoding: chunked",
            )
            + f"{len(NEW_PATIENT):X}\r\n".encode()
            + NEW_PATIENT
            + b"\r\n0\r\n\r\n"
            + _head(mock, "GET", "/v1/user")
        )
        response = read_until_closed(sock)  # returns only once the server has closed the connection

    assert response.startswith(b"HTTP/1.1 400 ")
    assert response.count(b"HTTP/1.1 ") == 1
    assert b"connection: close" in response.lower()
    assert _count_patients(mock) == before


def test_an_absolute_form_target_for_the_api_itself_is_served(mock):
    with RawClient(mock) as client:
        headers = [("Host", client.host_header), *client_headers().items()]
        answer = client.send("GET", f"{mock.base_url}/user", headers)

    assert answer.status == 200
    assert answer.json()["email"]


def test_an_absolute_form_target_for_another_host_gets_400(mock):
    with RawClient(mock) as client:
        headers = [("Host", client.host_header), *client_headers().items()]
        answer = client.send("GET", "https://api.cliniko.com/v1/user", headers)

    assert answer.status == 400
    assert "proxy" in answer.json()["message"]


@pytest.mark.parametrize("coding", ["gzip", "deflate, gzip"])
def test_a_content_encoded_body_gets_415(mock, coding):
    import gzip

    before = _count_patients(mock)
    response = send(
        mock,
        "POST",
        "/patients",
        headers={"Content-Type": "application/json", "Content-Encoding": coding},
        data=gzip.compress(NEW_PATIENT),
    )

    assert response.status_code == 415
    assert "gzip" in error_message(response)
    assert _count_patients(mock) == before


# Timeouts: a mock of the tests' own, with short limits ----------------------------------------------------


@pytest.fixture(scope="module")
def impatient() -> Iterator[MockCliniko]:
    with MockCliniko(timeouts=SHORT) as mock:
        yield mock


def test_a_connection_that_never_sends_is_closed(impatient):
    with socket.create_connection((impatient.host, impatient.port), timeout=10) as sock:
        assert _closed_within(sock, 3)


def test_a_tls_connection_that_never_sends_a_request_is_closed(impatient):
    with _tls_socket(impatient) as sock:
        assert _closed_within(sock, 3)


def test_an_idle_kept_alive_connection_is_closed(impatient):
    with _tls_socket(impatient) as sock:
        sock.sendall(_head(impatient, "GET", "/v1/user"))
        sock.settimeout(5)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200 OK")

        assert _closed_within(sock, 3)


def test_a_head_sent_a_byte_at_a_time_is_cut_off(impatient):
    request = _head(impatient, "GET", "/v1/user")
    start = time.perf_counter()
    closed = False
    with _tls_socket(impatient) as sock:
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
    before = _count_patients(impatient)
    with _tls_socket(impatient) as sock:
        sock.sendall(_head(impatient, "POST", "/v1/patients", "Content-Type: application/json", "Content-Length: 4096"))
        sock.sendall(NEW_PATIENT)

        assert _closed_within(sock, 3)

    assert _count_patients(impatient) == before


def _send_buffer_limit() -> int:
    """The most a connection's sending side may buffer in the kernel (Linux's `tcp_wmem` maximum)."""
    try:
        return int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    except (OSError, IndexError, ValueError):
        return 4 * 1024 * 1024


def test_a_body_still_arriving_when_its_time_is_up_is_dropped(impatient):
    """A byte every 0.2 s never keeps the server waiting past its idle limit (0.5 s), but the whole body
    has a limit too (1 s): without it, a client could hold a connection, and its buffered body, forever."""
    before = _count_patients(impatient)
    started = time.perf_counter()
    closed = False
    with _tls_socket(impatient) as sock:
        sock.sendall(_head(impatient, "POST", "/v1/patients", "Content-Type: application/json", "Content-Length: 4096"))
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
    assert _count_patients(impatient) == before


def test_a_client_that_never_reads_its_responses_is_cut_off():
    """Pipelined requests for a full page of patients, more answers than the kernel can buffer, never read.

    This mock's only short limit is the write one, so a connection cut off within seconds can only have
    been cut off by it: the idle and header limits are 5 and 10 s. The client notices the end of the
    connection when a write of its own fails (the kernel answers data sent to a closed socket with a reset).
    """
    with MockCliniko(timeouts=Timeouts(write=0.3)) as mock:
        page = len(send(mock, "GET", f"/patients?per_page={PER_PAGE_MAX}").content)
        count = (_send_buffer_limit() + 1024 * 1024) // page + 1
        request = _head(mock, "GET", f"/v1/patients?per_page={PER_PAGE_MAX}")
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


# What the server holds ---------------------------------------------------------------------------------


def test_past_its_connection_cap_the_server_accepts_no_more_until_a_connection_ends():
    """At the cap, a new client's TLS handshake waits (in the system's queue), and goes through as soon as
    one of the open connections ends."""
    answers: list[bytes] = []
    with MockCliniko(max_connections=2) as mock:
        with _tls_socket(mock) as first, _tls_socket(mock) as second:
            for sock in (first, second):
                sock.sendall(_head(mock, "GET", "/v1/user"))
                assert sock.recv(65536).startswith(b"HTTP/1.1 200 OK")

            def third() -> None:
                with _tls_socket(mock) as sock:
                    sock.sendall(_head(mock, "GET", "/v1/user", "Connection: close"))
                    answers.append(read_until_closed(sock))

            waiting = threading.Thread(target=third)
            waiting.start()
            waiting.join(0.6)
            assert waiting.is_alive() and not answers, "a third connection was served past a cap of two"
            first.close()
            waiting.join(5)

    assert not waiting.is_alive()
    assert answers and answers[0].startswith(b"HTTP/1.1 200 OK")


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
    return make_tls(tmp_path_factory.mktemp("body-pool"))


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
    with _pool_server(pool_tls, Timeouts()) as server, _tls_socket(server) as first, _tls_socket(server) as second:
        head = _head(server, "POST", "/", f"Content-Length: {POOL_BODY}")
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
        _tls_socket(server) as first,
        _tls_socket(server) as second,
    ):
        head = _head(server, "POST", "/", f"Content-Length: {POOL_BODY}")
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
    with _pool_server(pool_tls, Timeouts()) as server, _tls_socket(server) as sock:
        sock.sendall(
            _head(server, "POST", "/", "Transfer-Encoding: chunked") + b"1\r\nx\r\n" * chunks + b"0\r\n\r\n"
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
    with _pool_server(pool_tls, Timeouts(), app=turns) as server, _tls_socket(server) as sock:
        sock.sendall(_head(server, "POST", "/", "Transfer-Encoding: chunked") + b"1\r\nx\r\n" * chunks + b"0\r\n\r\n")
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
    with _pool_server(pool_tls, Timeouts(), app=turns) as server, _tls_socket(server) as sock:
        sock.sendall(_head(server, "GET", "/") * count)
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


# Out of file handles -------------------------------------------------------------------------------------


def _serve_with_few_handles(pipe, stop) -> None:  # type: ignore[no-untyped-def]
    """In a child process: serve with only a few file handles to spare, and report the failed accepts."""
    failed_accepts: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: failed_accepts.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("cliniko_sandbox").addHandler(handler)
    with MockCliniko(timeouts=SHORT) as mock:
        open_now = len(list(Path("/proc/self/fd").iterdir()))
        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (open_now + 4, hard))
        pipe.send((mock.host, mock.port, str(mock.ca_file)))
        stop.wait(60)
    pipe.send([message for message in failed_accepts if "accept()" in message])


def test_the_mock_keeps_accepting_after_running_out_of_file_handles():
    context = multiprocessing.get_context("fork")
    ready_here, ready_there = context.Pipe()
    stop = context.Event()
    process = context.Process(target=_serve_with_few_handles, args=(ready_there, stop), daemon=True)
    process.start()
    try:
        assert ready_here.poll(20), "the mock in the child process did not start"
        host, port, ca_file = ready_here.recv()
        # Far more connections than the child has handles for: it runs out while accepting them.
        crowd = [socket.create_connection((host, port), timeout=5) for _ in range(40)]
        time.sleep(0.3)
        for sock in crowd:
            sock.close()
        time.sleep(0.3)

        started = time.perf_counter()
        response = requests.get(
            f"https://{host}:{port}/v1/user", headers=client_headers(), verify=ca_file, timeout=5
        )

        assert response.status_code == 200
        assert time.perf_counter() - started < 3
        stop.set()
        assert ready_here.poll(10)
        failed_accepts = ready_here.recv()
        assert failed_accepts and "Too many open files" in failed_accepts[0], failed_accepts
    finally:
        stop.set()
        process.join(10)
        if process.is_alive():
            process.kill()


# The control port ------------------------------------------------------------------------------------


def test_the_control_port_listens_on_loopback_only(tmp_path):
    with pytest.raises(ValueError, match="loopback"):
        MockCliniko(host="0.0.0.0", control_port=0, workdir=tmp_path)
