"""Transport: HTTPS only, with certificates that clients really verify."""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import certifi
import pytest
import requests
import trustme

from api_requests import JSON_CONTENT_TYPE, START_DATE, USER_AGENT, basic_auth, client_headers, read_until_closed, send
from cliniko_sandbox.seed import ACCOUNT_A, ADMIN_KEY_A

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
    assert controls.remaining(ACCOUNT_A) == 500 - 1


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
    "413 Content Too Large": ("POST", "/v1/patients", b"{" + b" " * (1024 * 1024) + b"}"),
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
