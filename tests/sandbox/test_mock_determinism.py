"""Determinism: two fresh mocks answer the same requests with the same bytes, headers and `Date` included."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

from api_requests import Answer, RawClient, basic_auth, client_headers
from cliniko_sandbox import MockCliniko
from cliniko_sandbox.contract import PER_PAGE_MAX
from cliniko_sandbox.seed import ACCOUNT_A, ADMIN_KEY_B, BOOKKEEPER_KEY_A

PATIENT = "1240000000000000001"


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def _with(headers: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    """The headers with `name` set to `value`, replacing any value it had."""
    return [(key, old) for key, old in headers if key.lower() != name.lower()] + [(name, value)]


def _play(mock: MockCliniko) -> list[Answer | bytes]:
    """The same requests, in the same order, against a fresh mock; every answer as it arrived."""
    answers: list[Answer | bytes] = []
    with RawClient(mock) as client:
        admin = [("Host", client.host_header), *client_headers().items()]
        as_json = _with(admin, "Content-Type", "application/json")

        def ask(method: str, target: str, headers: list[tuple[str, str]] = admin, body: bytes | None = None) -> Answer:
            answer = client.send(method, target, headers, body)
            answers.append(answer)
            return answer

        ask("GET", "/v1/user")
        first_page = ask("GET", "/v1/patients")
        ask("GET", "/v1/patients?page=3&per_page=40")
        ask("HEAD", f"/v1/patients/{PATIENT}")
        ask("GET", "/v1/patients", _with(admin, "If-None-Match", first_page.header("ETag") or ""))
        ask("GET", f"/v1/patients/{PATIENT}", _with(admin, "If-Modified-Since", "Thu, 15 Jan 2026 09:30:00 GMT"))
        created = ask("POST", "/v1/patients", as_json, _json({"first_name": "Zoë", "last_name": "Lim"}))
        mock.controls.advance(90)
        ask("PATCH", urlsplit(created.json()["links"]["self"]).path, as_json, _json({"email": "zoe@example.com"}))
        ask("POST", f"/v1/patients/{PATIENT}/archive", as_json, b"{}")
        ask("GET", "/v1/patients?page=3")
        ask("POST", "/v1/patients", as_json, _json({"first_name": ""}))
        ask("POST", "/v1/patients", _with(admin, "Content-Type", "text/plain"), b"hi")
        ask("POST", "/v1/patients", as_json, b"{nope")
        ask("DELETE", "/v1/user")
        ask("GET", "/v1/nothing")
        ask("GET", "/v1/user", _with(admin, "Accept", "text/html"))
        ask("GET", f"/v1/patients?per_page={PER_PAGE_MAX + 1}")
        ask("POST", "/v1/patients", _with(admin, "Authorization", basic_auth(BOOKKEEPER_KEY_A)))
        ask("GET", f"/v1/patients/{PATIENT}", _with(admin, "Authorization", basic_auth(ADMIN_KEY_B)))
        ask("GET", "/v1/user", _with(admin, "Authorization", basic_auth("nobody")))
        ask("GET", "/v1/user", [("Host", client.host_header), ("Authorization", basic_auth("nobody"))])
        mock.controls.set_remaining(ACCOUNT_A, 1)
        ask("GET", "/v1/user")
        ask("GET", "/v1/user")
    with socket.create_connection((mock.host, mock.port), timeout=10) as plain:
        plain.sendall(b"GET /v1/user HTTP/1.1\r\nHost: x\r\n\r\n")
        raw = b""
        while chunk := plain.recv(65536):
            raw += chunk
        answers.append(raw)
    return answers


def test_two_fresh_mocks_answer_the_same_requests_byte_for_byte():
    with MockCliniko() as first:
        port = first.port
        recorded = _play(first)
    time.sleep(1)  # so that anything read from the machine's clock would differ between the two runs
    with MockCliniko(port=port) as second:
        replayed = _play(second)

    statuses = [answer.status for answer in recorded if isinstance(answer, Answer)]
    assert {200, 201, 204, 304, 400, 401, 403, 404, 405, 406, 415, 422, 429} <= set(statuses)
    for number, (before, after) in enumerate(zip(recorded, replayed, strict=True)):
        assert after == before, f"answer {number} differs"


def test_every_recorded_answer_carries_a_date(mock):
    answers = [answer for answer in _play(mock) if isinstance(answer, Answer)]

    assert all(answer.header("Date") for answer in answers)
    assert answers[0].header("Date") == "Thu, 15 Jan 2026 09:30:00 GMT"
    assert answers[-1].header("Date") == "Thu, 15 Jan 2026 09:31:30 GMT"
