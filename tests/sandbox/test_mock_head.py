"""A response to `HEAD` has no body, whatever its status, and whichever part of the mock sends it.

Each request below is a `HEAD` that the API refuses in one way (or answers), sent over a raw TLS socket
with `Connection: close`: everything the server sends until it closes the connection is read, so a body
sent after the head, which a client reading a response to `HEAD` would take for the start of the next
response, cannot hide. The refusals come from the application (the checks of `app.py`) and from the
transport itself (a malformed or oversized head, a request line over the limit, a request framed two
ways or with an unknown transfer coding, another HTTP version, plain HTTP).
"""

from __future__ import annotations

import socket
import ssl

import pytest

from api_requests import JSON_CONTENT_TYPE, USER_AGENT, basic_auth, read_until_closed
from cliniko_sandbox.contract import MAX_BODY_BYTES, MAX_HEAD_BYTES
from cliniko_sandbox.seed import ACCOUNT_A, ADMIN_KEY_A

PATIENT = "1240000000000000001"
WELL_BEHAVED = (f"User-Agent: {USER_AGENT}", f"Authorization: {basic_auth(ADMIN_KEY_A)}", "Accept: application/json")

#: name: (expected status, target, header lines replacing or adding to the well-behaved ones, body).
#: A line `HTTP/x.y` among the header lines is the request's version instead of HTTP/1.1.
REQUESTS: dict[str, tuple[int, str, tuple[str, ...], bytes]] = {
    "200": (200, "/v1/user", (), b""),
    "304": (304, "/v1/user", ("If-None-Match: *",), b""),
    "400-user-agent": (400, "/v1/user", ("User-Agent: curl/8.5.0",), b""),
    "400-unknown-query-parameter": (400, "/v1/patients?per_pag=5", (), b""),
    "400-page": (400, "/v1/patients?page=0", (), b""),
    "400-filter": (400, "/v1/patients?q=title:=Dr", (), b""),
    "400-two-authorizations": (400, "/v1/user", (f"Authorization: {basic_auth(ADMIN_KEY_A)}",) * 2, b""),
    "401": (401, "/v1/user", ("Authorization: Basic bm9ib2R5Og==",), b""),
    "404-path": (404, "/v1/nothing", (), b""),
    "404-patient": (404, "/v1/patients/1", (), b""),
    "405": (405, f"/v1/patients/{PATIENT}/archive", (), b""),
    "406": (406, f"/v1/patients/{PATIENT}", ("Accept: text/html",), b""),
    "413": (413, "/v1/user", ("Content-Type: application/json",), b" " * (MAX_BODY_BYTES + 1)),
    "429": (429, "/v1/patients", (), b""),
    "503": (503, "/v1/user", (), b""),
    # The transport's own answers.
    "400-framed-two-ways": (400, "/v1/user", ("Content-Length: 1", "Transfer-Encoding: chunked"), b"0\r\n\r\n"),
    "400-malformed-header": (400, "/v1/user", ("Not a header",), b""),
    "400-another-server": (400, "https://elsewhere.example/v1/user", (), b""),
    "431": (431, "/v1/user", ("X-Padding: " + "p" * MAX_HEAD_BYTES,), b""),
    "414": (414, "/v1/user?q=" + "a" * 70_000, (), b""),
    "501": (501, "/v1/user", ("Transfer-Encoding: gzip",), b""),
    "505": (505, "/v1/user", ("HTTP/2.0",), b""),
}


def _request(mock, target: str, lines: tuple[str, ...], body: bytes) -> bytes:
    version = next((line for line in lines if line.startswith("HTTP/")), "HTTP/1.1")  # the request's version
    lines = tuple(line for line in lines if not line.startswith("HTTP/"))
    replaced = {line.split(":", 1)[0].lower() for line in lines}
    kept = [line for line in WELL_BEHAVED if line.split(":", 1)[0].lower() not in replaced]
    framing = () if not body or any(line.startswith(("Content-Length", "Transfer")) for line in lines) else (
        f"Content-Length: {len(body)}",
    )
    head = [f"HEAD {target} {version}", f"Host: {mock.host}:{mock.port}", *kept, *lines, *framing, "Connection: close"]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def _parts(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, separator, rest = raw.partition(b"\r\n\r\n")
    assert separator, f"no complete response head: {raw[:200]!r}"
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, rest


@pytest.mark.parametrize("name", REQUESTS)
def test_a_response_to_head_has_no_body_whatever_its_status(mock, controls, name):
    status, target, lines, body = REQUESTS[name]
    if status == 429:
        controls.set_remaining(ACCOUNT_A, 0)
    if status == 503:
        controls.fail_next(1)
    context = ssl.create_default_context(cafile=str(mock.ca_file))
    with (
        socket.create_connection((mock.host, mock.port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=mock.host) as tls,
    ):
        tls.sendall(_request(mock, target, lines, body))
        received = read_until_closed(tls)

    got, headers, after_head = _parts(received)
    assert got == status, received[:300]
    assert after_head == b"", f"{len(after_head)} bytes after the head: {after_head[:120]!r}"
    assert headers.get("date") and headers.get("x-request-id")
    if status not in (200, 304):
        # The headers of the error the GET would get: its JSON type and its length.
        assert headers.get("content-type") == JSON_CONTENT_TYPE and int(headers["content-length"]) > 0, headers


def test_plain_http_head_gets_the_400_without_a_body(mock):
    with socket.create_connection((mock.host, mock.port), timeout=10) as plain:
        plain.sendall(f"HEAD /v1/user HTTP/1.1\r\nHost: {mock.host}\r\n\r\n".encode("ascii"))
        received = read_until_closed(plain)

    status, headers, after_head = _parts(received)
    assert status == 400 and int(headers["content-length"]) > 0 and headers.get("x-request-id")
    assert after_head == b""


def test_the_application_itself_sends_no_body_after_head(mock):
    """The transport would drop a body after `HEAD` anyway; the application sends none in the first place,
    so that what the mock records (and the contract checks) is what the client gets."""
    assert mock.exchanges is not None
    mock.exchanges.clear()
    for target in ("/v1/user", "/v1/patients?page=0", "/v1/patients/1"):
        context = ssl.create_default_context(cafile=str(mock.ca_file))
        with (
            socket.create_connection((mock.host, mock.port), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname=mock.host) as tls,
        ):
            tls.sendall(_request(mock, target, (), b""))
            read_until_closed(tls)

    recorded = mock.exchanges.snapshot()
    assert [exchange.status for exchange in recorded] == [200, 400, 404]
    assert all(exchange.complete and exchange.response_body == b"" for exchange in recorded)
    assert all(int(exchange.response_header("content-length") or 0) > 0 for exchange in recorded)
