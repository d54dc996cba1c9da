"""`X-Request-Id`: on every response of the API, one ID per request, counted from each reset.

The sandbox's IDs are UUIDs of version 8 made from a count (`cliniko_sandbox.request_ids`), so that an
example run from a reset prints the same IDs every time (`test_mock_determinism.py` replays a whole
session byte for byte), while no two responses between two resets share one.
"""

from __future__ import annotations

import re
import socket
import ssl
import uuid

import pytest
import requests

from api_requests import RawClient, basic_auth, client_headers, read_until_closed
from cliniko_sandbox.contract import MAX_BODY_BYTES, MAX_HEAD_BYTES
from cliniko_sandbox.request_ids import format_request_id
from cliniko_sandbox.seed import ACCOUNT_A

PATIENT = "1240000000000000001"
ARCHIVED = "1240000000000000007"
FIRST = "00000000-0000-8000-8000-000000000001"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _raw(mock, request: bytes, *, tls: bool = True) -> bytes:
    """Send bytes as they are; everything the server sends until it closes."""
    with socket.create_connection((mock.host, mock.port), timeout=10) as plain:
        sock: socket.socket = plain
        if tls:
            sock = ssl.create_default_context(cafile=str(mock.ca_file)).wrap_socket(plain, server_hostname=mock.host)
        sock.sendall(request)
        return read_until_closed(sock)


def _request_id(raw: bytes) -> str | None:
    head = raw.partition(b"\r\n\r\n")[0].decode("latin-1")
    found = re.findall(r"(?im)^x-request-id: *(\S+)", head)
    assert len(found) <= 1, head
    return found[0] if found else None


def test_every_kind_of_response_carries_the_next_id(mock, controls):
    ids: list[str | None] = []
    with RawClient(mock) as client:
        base = [("Host", client.host_header), *client_headers().items()]
        as_json = [*base, ("Content-Type", "application/json")]

        def ask(method: str, target: str, headers=base, body: bytes | None = None) -> None:  # type: ignore[no-untyped-def]
            ids.append(client.send(method, target, headers, body).header("X-Request-Id"))

        ask("GET", "/v1/user")  # 200
        ask("GET", "/v1/user", [*base, ("If-None-Match", "*")])  # 304
        ask("HEAD", f"/v1/patients/{PATIENT}")  # 200 without a body
        ask("HEAD", "/v1/patients/1")  # 404 without a body
        ask("POST", "/v1/patients", as_json, b'{"first_name": "Ana", "last_name": "Lim"}')  # 201
        ask("POST", f"/v1/patients/{PATIENT}/archive")  # 204
        ask("PUT", f"/v1/patients/{ARCHIVED}", as_json, b'{"title": "Dr"}')  # 409
        ask("GET", "/v1/patients?per_pag=5")  # 400
        ask("GET", "/v1/user", [(name, value) for name, value in base if name != "Authorization"])  # 401
        ask("DELETE", "/v1/user")  # 405
        ask("POST", "/v1/patients", as_json, b" " * (MAX_BODY_BYTES + 1))  # 413
        controls.fail_next(1)
        ask("GET", "/v1/user")  # 503
        controls.set_remaining(ACCOUNT_A, 0)
        ask("GET", "/v1/user")  # 429

    assert ids[0] == FIRST
    assert all(request_id is not None and UUID.match(request_id) for request_id in ids), ids
    assert len(set(ids)) == len(ids)
    counts = [uuid.UUID(request_id).int & (2**48 - 1) for request_id in ids if request_id]
    assert counts == list(range(1, len(ids) + 1))


def test_the_transports_own_errors_take_their_id_from_the_same_count(mock):
    """Every answer the transport makes itself goes through one function (`HttpServer._fixed`);
    `test_mock_head.py` checks that each of them carries an ID."""
    before = _raw(mock, b"GET /v1/user HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    refused = _raw(mock, b"GET /v1/user HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"p" * MAX_HEAD_BYTES + b"\r\n\r\n")
    plain = _raw(mock, b"GET /v1/user HTTP/1.1\r\nHost: x\r\n\r\n", tls=False)

    assert refused.startswith(b"HTTP/1.1 431 "), refused[:80]
    assert plain.startswith(b"HTTP/1.1 400 ")
    assert [_request_id(before), _request_id(refused), _request_id(plain)] == [
        FIRST, FIRST[:-1] + "2", FIRST[:-1] + "3"
    ]


def test_a_reset_starts_the_count_again(mock, controls):
    with RawClient(mock) as client:
        headers = [("Host", client.host_header), ("Authorization", basic_auth("nobody")), *client_headers(None).items()]
        first = [client.send("GET", "/v1/user", headers).header("X-Request-Id") for _ in range(3)]
        controls.reset()
        again = [client.send("GET", "/v1/user", headers).header("X-Request-Id") for _ in range(3)]

    assert first == again and len(set(first)) == 3


def test_the_control_port_sends_no_request_id_and_counts_nothing(mock):
    """The controls are not the API: their answers carry no ID, and take none from the API's count."""
    assert mock.control_url is not None
    status = requests.get(f"{mock.control_url}/status", verify=str(mock.ca_file), timeout=10)
    with RawClient(mock) as client:
        after = client.send("GET", "/v1/user", [("Host", client.host_header), *client_headers().items()])

    assert status.status_code == 200 and "X-Request-Id" not in status.headers
    assert after.header("X-Request-Id") == FIRST


def test_a_count_past_the_last_group_spills_into_the_first_and_a_count_outside_the_range_is_refused():
    assert format_request_id(2**48 - 1) == "00000000-0000-8000-8000-ffffffffffff"
    assert format_request_id(2**48) == "00000001-0000-8000-8000-000000000000"
    for count in (0, -1, 2**80):
        with pytest.raises(ValueError, match="from 1 to"):
            format_request_id(count)
