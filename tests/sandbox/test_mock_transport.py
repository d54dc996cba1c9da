"""Transport: HTTPS only, with certificates that clients really verify; every broken request answered
in JSON with its own status; and an application that fails turned into a `500`, logged once."""

from __future__ import annotations

import json
import logging
import socket
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import certifi
import pytest
import requests
import trustme

from api_requests import (
    JSON_CONTENT_TYPE,
    START_DATE,
    USER_AGENT,
    basic_auth,
    client_headers,
    raw_head,
    read_response,
    read_until_closed,
    send,
)
from cliniko_sandbox import MockCliniko
from cliniko_sandbox.contract import MAX_BODY_BYTES, MAX_HEAD_BYTES, RATE_LIMIT, size_in_words
from cliniko_sandbox.request_ids import RequestIds
from cliniko_sandbox.seed import ACCOUNT_A, ADMIN_KEY_A
from cliniko_sandbox.tls import make_authority, make_tls
from cliniko_sandbox.transport import HttpServer, Timeouts, bind

#: Strings that appear only in API data (the administrator's record); a refusal must carry none.
API_DATA = ("1230000000000000001", "priya", "Priya", "administrator")


def _plain_url(mock, path: str = "/v1/user") -> str:
    return f"http://{mock.host}:{mock.port}{path}"


@contextmanager
def _tls(mock, cafile: str, server_hostname: str | None = None) -> Iterator[ssl.SSLSocket]:
    """A TLS connection to the mock from a client that trusts only the CAs in `cafile`, and verifies."""
    context = ssl.create_default_context(cafile=cafile)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    with (
        socket.create_connection((mock.host, mock.port), timeout=10) as sock,
        context.wrap_socket(sock, server_hostname=server_hostname or mock.host) as tls,
    ):
        yield tls


def _split_response(raw: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status_line, headers, body


# Plain HTTP ------------------------------------------------------------------------------------


def test_plain_http_with_requests_gets_400_telling_to_use_https(mock):
    response = requests.get(_plain_url(mock), headers=client_headers(), timeout=10)

    assert response.status_code == 400
    assert response.headers["Content-Type"] == JSON_CONTENT_TYPE
    assert response.headers["Date"] == START_DATE
    assert "https://" in response.json()["message"]
    assert not any(data in response.text for data in API_DATA)


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH"])
def test_plain_http_never_reaches_the_api(mock, controls, method):
    response = requests.request(
        method,
        _plain_url(mock, "/v1/patients"),
        headers=client_headers(),
        json={"first_name": "A", "last_name": "B"},
        timeout=10,
    )

    assert response.status_code == 400
    assert set(response.json()) == {"message"}
    assert send(mock, "GET", "/patients").json()["total_entries"] == 110
    assert controls.remaining(ACCOUNT_A) == RATE_LIMIT - 1


def test_plain_http_over_a_raw_socket_gets_400_json_and_the_connection_closes(mock):
    request = (
        "GET /v1/user HTTP/1.1\r\n"
        f"Host: {mock.host}:{mock.port}\r\n"
        f"Authorization: {basic_auth(ADMIN_KEY_A)}\r\n"
        "Accept: application/json\r\n"
        f"User-Agent: {USER_AGENT}\r\n"
        "\r\n"
    ).encode("ascii")
    with socket.create_connection((mock.host, mock.port), timeout=10) as sock:
        sock.sendall(request)
        raw = read_until_closed(sock)

    status_line, headers, body = _split_response(raw)
    assert status_line == "HTTP/1.1 400 Bad Request"
    assert headers["content-type"] == JSON_CONTENT_TYPE
    assert headers["connection"] == "close"
    assert int(headers["content-length"]) == len(body)
    assert "HTTPS" in json.loads(body)["message"]
    assert not any(data.encode() in raw for data in API_DATA)


def test_plain_http_that_is_not_even_a_request_gets_the_same_400(mock):
    with socket.create_connection((mock.host, mock.port), timeout=10) as sock:
        sock.sendall(b"hello\r\n\r\n")
        raw = read_until_closed(sock)

    status_line, _, body = _split_response(raw)
    assert status_line == "HTTP/1.1 400 Bad Request"
    assert "HTTPS" in json.loads(body)["message"]


# TLS verification ------------------------------------------------------------------------------


def test_client_trusting_only_public_authorities_fails_verification(mock):
    with pytest.raises(requests.exceptions.SSLError, match="CERTIFICATE_VERIFY_FAILED"):
        requests.get(f"{mock.base_url}/user", headers=client_headers(), verify=certifi.where(), timeout=10)


def test_client_trusting_another_ca_fails_verification(mock, tmp_path: Path):
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))

    with pytest.raises(requests.exceptions.SSLError, match="CERTIFICATE_VERIFY_FAILED"):
        requests.get(f"{mock.base_url}/user", headers=client_headers(), verify=str(other_ca), timeout=10)


def test_mocks_that_share_an_authority_each_have_a_certificate_it_signed(tmp_path: Path):
    authority = make_authority(tmp_path / "shared")
    with MockCliniko(authority=authority) as first, MockCliniko(authority=authority) as second:
        assert first.ca_file == second.ca_file == authority.ca_file
        certificates = []
        for mock in (first, second):
            response = requests.get(f"{mock.base_url}/user", headers=client_headers(), verify=str(authority.ca_file), timeout=10)
            assert response.status_code == 200
            with _tls(mock, str(authority.ca_file)) as connection:
                certificates.append(connection.getpeercert(binary_form=True))
        assert certificates[0] != certificates[1], "each mock has a certificate of its own"
    # A mock without one still makes a CA of its own, which the shared one does not vouch for.
    with MockCliniko() as alone:
        assert alone.ca_file != authority.ca_file
        with pytest.raises(requests.exceptions.SSLError, match="CERTIFICATE_VERIFY_FAILED"):
            requests.get(f"{alone.base_url}/user", headers=client_headers(), verify=str(authority.ca_file), timeout=10)


def test_standard_library_client_without_the_ca_fails_verification(mock):
    with pytest.raises(ssl.SSLCertVerificationError), _tls(mock, certifi.where()):
        pass


def test_client_trusting_the_mock_ca_verifies_the_certificate_and_its_name(mock):
    with _tls(mock, str(mock.ca_file)) as tls:
        names = [value for kind, value in tls.getpeercert()["subjectAltName"] if kind == "IP Address"]
        version = tls.version()

    assert mock.host in names
    assert version in {"TLSv1.2", "TLSv1.3"}


def test_certificate_is_not_valid_for_another_name(mock):
    with (
        pytest.raises(ssl.SSLCertVerificationError, match="mismatch"),
        _tls(mock, str(mock.ca_file), "api.cliniko.com"),
    ):
        pass


# Requests that are not valid HTTP, over TLS ------------------------------------------------------


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /v1/user HTTP/1.1\r\nHost: x\r\nNot a header\r\n\r\n",
        b"GET /v1/\xff HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /v1/user HTTP/1.1\r\n\r\n",
        b"POST /v1/patients HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
    ],
    ids=["header-without-colon", "non-ascii-target", "no-host", "bad-content-length"],
)
def test_unparseable_request_over_tls_gets_400_json(mock, request_bytes):
    with _tls(mock, str(mock.ca_file)) as tls:
        tls.sendall(request_bytes)
        raw = read_until_closed(tls)

    status_line, headers, body = _split_response(raw)
    assert status_line.startswith("HTTP/1.1 400 ")
    assert headers["content-type"] == JSON_CONTENT_TYPE
    assert headers["date"] == START_DATE
    assert json.loads(body)["message"]


# Status lines ----------------------------------------------------------------------------------

#: What each request below gets, with the reason phrase RFC 9110 section 15 (or RFC 6585, for 429)
#: gives its status. Python's `HTTPStatus` still has RFC 7231's names for 413 and 422.
STATUS_LINES = {
    "201 Created": ("POST", "/v1/patients", b'{"first_name": "Ana", "last_name": "Rossi"}'),
    "401 Unauthorized": ("GET", "/v1/user", None),
    "405 Method Not Allowed": ("DELETE", "/v1/user", None),
    "413 Content Too Large": ("POST", "/v1/patients", b"{" + b" " * MAX_BODY_BYTES + b"}"),
    "422 Unprocessable Content": ("POST", "/v1/patients", b'{"first_name": ""}'),
}


@pytest.mark.parametrize("expected", STATUS_LINES, ids=lambda line: line.split()[0])
def test_status_lines_use_rfc_9110_reason_phrases(mock, expected):
    method, path, body = STATUS_LINES[expected]
    key = None if expected.startswith("401") else ADMIN_KEY_A
    headers = client_headers(key)
    if body is not None:
        headers |= {"Content-Type": "application/json", "Content-Length": str(len(body))}
    head = f"{method} {path} HTTP/1.1\r\nHost: {mock.host}\r\nConnection: close\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    with _tls(mock, str(mock.ca_file)) as tls:
        tls.sendall(head.encode("ascii") + (body or b""))
        status_line, _, _ = _split_response(read_until_closed(tls))
    assert status_line == f"HTTP/1.1 {expected}"


# Framing errors: each one answered at once, in JSON ----------------------------------------------------

#: A request, as raw bytes after its head's well-behaved headers (`_framed`), whose framing is broken.
#: name: (method, target, version, extra header lines, bytes after the head, the status it must get).
BROKEN_FRAMING: dict[str, tuple[str, str, str, tuple[str, ...], bytes, int]] = {
    "chunk-size-with-too-many-digits": ("POST", "/v1/patients", "HTTP/1.1", ("Transfer-Encoding: chunked",), b"1" * 17 + b"\r\n", 400),
    "chunk-size-line-too-long-in-one-piece": (
        "POST", "/v1/patients", "HTTP/1.1", ("Transfer-Encoding: chunked",), b"5;" + b"x" * 5000 + b"\r\nhello\r\n0\r\n\r\n", 400,
    ),
    "chunked-in-http-1-0": ("POST", "/v1/patients", "HTTP/1.0", ("Transfer-Encoding: chunked",), b"2\r\n{}\r\n0\r\n\r\n", 400),
    "chunk-size-over-the-body-limit": ("POST", "/v1/patients", "HTTP/1.1", ("Transfer-Encoding: chunked",), b"FFFFFFFF\r\n", 413),
    "negative-chunk-size": ("POST", "/v1/patients", "HTTP/1.1", ("Transfer-Encoding: chunked",), b"-5\r\nhello\r\n0\r\n\r\n", 400),
    "chunk-longer-than-its-size": ("POST", "/v1/patients", "HTTP/1.1", ("Transfer-Encoding: chunked",), b"5\r\nhelloEXTRA\r\n0\r\n\r\n", 400),
    "bare-lf-chunk-lines": ("POST", "/v1/patients", "HTTP/1.1", ("Transfer-Encoding: chunked",), b"5\nhello\n0\n\n", 400),
    "bare-lf-after-chunk-data": ("POST", "/v1/patients", "HTTP/1.1", ("Transfer-Encoding: chunked",), b"2\r\n{}\n0\r\n\r\n", 400),
    "bare-lf-in-the-last-chunk": ("POST", "/v1/patients", "HTTP/1.1", ("Transfer-Encoding: chunked",), b"2\r\n{}\r\n0\n\n", 400),
    "content-length-over-the-limit-and-no-body": ("POST", "/v1/patients", "HTTP/1.1", ("Content-Length: 999999999999",), b"", 413),
    "expect-100-continue-over-the-limit": (
        "POST", "/v1/patients", "HTTP/1.1", (f"Content-Length: {10 * 1024**3}", "Expect: 100-continue"), b"", 413,
    ),
    "target-over-the-limit": ("GET", "/v1/patients?q=" + "a" * 70_000, "HTTP/1.1", (), b"", 414),
    "unknown-transfer-coding": ("POST", "/v1/patients", "HTTP/1.1", ("Transfer-Encoding: gzip",), b"", 501),
    "unknown-coding-before-chunked": ("POST", "/v1/patients", "HTTP/1.1", ("Transfer-Encoding: gzip, chunked",), b"0\r\n\r\n", 501),
    "http-2.0": ("GET", "/v1/user", "HTTP/2.0", (), b"", 505),
    "http-0.9": ("GET", "/v1/user", "HTTP/0.9", (), b"", 505),
}


def _framed(mock, method: str, target: str, version: str, lines: tuple[str, ...], body: bytes) -> bytes:
    head = raw_head(f"{mock.host}:{mock.port}", method, target, "Content-Type: application/json", *lines, version=version)
    return head + body


@pytest.mark.parametrize("name", BROKEN_FRAMING)
def test_a_framing_error_is_answered_at_once_with_its_status_in_json(mock, name):
    method, target, version, lines, body, status = BROKEN_FRAMING[name]
    before = send(mock, "GET", "/patients").json()["total_entries"]
    with _tls(mock, str(mock.ca_file)) as tls:
        started = time.perf_counter()
        tls.sendall(_framed(mock, method, target, version, lines, body))
        raw = read_response(tls)
        waited = time.perf_counter() - started

    status_line, headers, answer = _split_response(raw)
    assert status_line.startswith(f"HTTP/1.1 {status} "), raw[:300]
    assert waited < 1.0, f"the answer took {waited:.2f} s"
    assert headers["content-type"] == JSON_CONTENT_TYPE
    assert headers["date"] == START_DATE
    assert headers["cache-control"] == "no-store"
    assert headers["connection"] == "close"
    assert headers["x-request-id"]
    assert json.loads(answer)["message"]
    assert send(mock, "GET", "/patients").json()["total_entries"] == before


def test_a_body_declared_over_the_limit_gets_no_100_continue(mock):
    lines = (f"Content-Length: {10 * 1024**3}", "Expect: 100-continue")
    with _tls(mock, str(mock.ca_file)) as tls:
        tls.sendall(_framed(mock, "POST", "/v1/patients", "HTTP/1.1", lines, b""))
        first = read_response(tls)

    assert first.startswith(b"HTTP/1.1 413 Content Too Large\r\n"), first[:100]
    assert size_in_words(MAX_BODY_BYTES).encode() in first


def test_a_body_within_the_limit_still_gets_100_continue(mock):
    body = b'{"first_name": "Ana", "last_name": "Rossi"}'
    lines = (f"Content-Length: {len(body)}", "Expect: 100-continue", "Connection: close")
    with _tls(mock, str(mock.ca_file)) as tls:
        tls.sendall(_framed(mock, "POST", "/v1/patients", "HTTP/1.1", lines, b""))
        interim = read_response(tls)
        tls.sendall(body)
        final = read_until_closed(tls)

    assert interim.startswith(b"HTTP/1.1 100 ") and interim.endswith(b"\r\n\r\n"), interim
    assert final.startswith(b"HTTP/1.1 201 Created\r\n")


def test_http_1_0_is_still_served(mock):
    with _tls(mock, str(mock.ca_file)) as tls:
        tls.sendall(_framed(mock, "GET", "/v1/user", "HTTP/1.0", (), b""))
        raw = read_until_closed(tls)

    assert raw.startswith(b"HTTP/1.1 200 OK\r\n")
    assert json.loads(_split_response(raw)[2])["email"]


def test_a_long_target_under_the_limit_with_headers_over_it_gets_431_not_414(mock):
    target = "/v1/patients?q=" + "a" * (MAX_HEAD_BYTES - 1024)
    with _tls(mock, str(mock.ca_file)) as tls:
        tls.sendall(_framed(mock, "GET", target, "HTTP/1.1", ("X-Padding: " + "p" * 2048,), b""))
        status_line, _, body = _split_response(read_response(tls))

    assert status_line.startswith("HTTP/1.1 431 "), status_line
    assert size_in_words(MAX_HEAD_BYTES) in json.loads(body)["message"]


# An application that fails: a 500 in JSON, one log entry, and the server serves on ------------------------

_START = {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
_BODY = {"type": "http.response.body", "body": b"{}"}


async def _breaks_as_its_path_says(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    """An ASGI application that answers `/fine`, and breaks in the way any other path names."""
    path = scope["path"]
    if path == "/fine":
        await send(_START)
        await send(_BODY)
    elif path == "/raises-before-responding":
        raise RuntimeError("failed before responding")
    elif path == "/raises-after-starting":
        await send(_START)
        raise RuntimeError("failed after starting the response")
    elif path == "/raises-after-responding":
        await send(_START)
        await send(_BODY)
        raise RuntimeError("failed after the response")
    elif path == "/body-before-start":
        await send(_BODY)
    elif path == "/starts-twice":
        await send(_START)
        await send(_START)
        await send(_BODY)
    elif path == "/sends-after-the-end":
        await send(_START)
        await send(_BODY)
        await send(_BODY)
    elif path == "/unknown-message":
        await send({"type": "http.response.push", "path": "/fine", "headers": []})
    elif path == "/swallows-its-error":
        await send(_START)
        await send(_BODY)
        try:
            await send(_BODY)
        except Exception:  # an application that hides its mistake still gets its 500
            pass
    elif path == "/invalid-header":
        await send({**_START, "headers": [(b"bad name", b"x")]})
        await send(_BODY)
    # "/returns-without-responding": nothing at all


FAILURES = [
    "/raises-before-responding",
    "/raises-after-starting",
    "/raises-after-responding",
    "/body-before-start",
    "/starts-twice",
    "/sends-after-the-end",
    "/swallows-its-error",
    "/unknown-message",
    "/invalid-header",
    "/returns-without-responding",
]


@pytest.fixture(scope="module")
def failing_app_server(tmp_path_factory) -> Iterator[tuple[str, int, str]]:
    """An HTTPS server of the mock's transport, in front of `_breaks_as_its_path_says`."""
    tls = make_tls(make_authority(tmp_path_factory.mktemp("failing-app")))
    listener = bind("127.0.0.1", 0)
    ids = RequestIds()
    server = HttpServer(
        _breaks_as_its_path_says, listener, tls.server_context, lambda: START_DATE, Timeouts(), request_id=ids.next
    )
    server.start()
    try:
        yield "127.0.0.1", listener.getsockname()[1], str(tls.ca_file)
    finally:
        server.stop()


def _get(server: tuple[str, int, str], path: str) -> bytes:
    host, port, ca_file = server
    context = ssl.create_default_context(cafile=ca_file)
    with (
        socket.create_connection((host, port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode("ascii"))
        return read_response(tls)


@pytest.mark.parametrize("path", FAILURES)
def test_an_application_that_fails_gets_a_500_in_json_logged_once(failing_app_server, caplog, path):
    caplog.set_level(logging.DEBUG)

    raw = _get(failing_app_server, path)
    after = _get(failing_app_server, "/fine")  # the server still serves, and has finished with the failure

    status_line, headers, body = _split_response(raw)
    assert status_line == "HTTP/1.1 500 Internal Server Error", raw[:300]
    assert headers["content-type"] == JSON_CONTENT_TYPE
    assert headers["connection"] == "close"
    assert headers["x-request-id"] and headers["date"] == START_DATE
    assert "bug" in json.loads(body)["message"]
    assert after.startswith(b"HTTP/1.1 200 OK\r\n")
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1, [record.getMessage() for record in errors]
    assert path in errors[0].getMessage()
    assert not any("never retrieved" in record.getMessage() for record in caplog.records)


def test_a_client_that_closes_tls_cleanly_inside_its_body_is_gone_and_gets_no_made_up_400(mock):
    """A close_notify halfway through a body ends the request like a plain close: nothing is answered,
    so nothing is recorded as answered, and the next client is served."""
    before = len(mock.exchanges.snapshot())
    with _tls(mock, str(mock.ca_file)) as tls:
        head = _framed(mock, "POST", "/v1/patients", "HTTP/1.1", ("Content-Length: 44",), b'{"first_name"')
        tls.sendall(head)
        tls.unwrap()  # TLS's close_notify, then the TCP connection ends with the block
    assert send(mock, "GET", "/user").status_code == 200
    time.sleep(0.1)  # the closed connection's task ends as soon as it reads the close; give it a moment
    recorded = [f"{exchange}" for exchange in mock.exchanges.snapshot()[before:]]
    assert not [line for line in recorded if "-> 400" in line], recorded
