"""The rules every request is held to: User-Agent, Accept, bodies, query names, paths, methods, sizes, and
their order."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

import pytest
import requests

from api_requests import (
    JSON_CONTENT_TYPE,
    START_DATE,
    UNKNOWN_KEY,
    error_message,
    origin,
    send,
)
from cliniko_sandbox import MockCliniko
from cliniko_sandbox.contract import MAX_BODY_BYTES, RATE_LIMIT, size_in_words
from cliniko_sandbox.seed import ACCOUNT_A, BOOKKEEPER_KEY_A
from project import DOCS

PATIENT = "1240000000000000001"
ARCHIVED = "1240000000000000007"
JSON_HEADERS = {"Content-Type": "application/json"}


# User-Agent ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user_agent",
    [None, "", "python-requests/2.32.3", "curl/8.5.0", "Practice Sync (no contact given)", "me@localhost"],
    ids=["missing", "empty", "library-default", "curl-default", "name-without-email", "email-without-domain"],
)
def test_user_agent_without_contact_email_gets_400(mock, user_agent):
    response = send(mock, "GET", "/user", headers={"User-Agent": user_agent})

    assert response.status_code == 400
    assert "User-Agent" in error_message(response)


@pytest.mark.parametrize(
    "user_agent",
    ["Practice Sync (dev@example.com)", "practice-sync/1.4 (+mailto:ops@clinic.example.org)"],
    ids=["name-and-email", "email-inside-other-text"],
)
def test_user_agent_naming_a_contact_email_is_accepted(mock, user_agent):
    response = send(mock, "GET", "/user", headers={"User-Agent": user_agent})

    assert response.status_code == 200


# Accept --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept",
    [
        "text/html",
        "application/xml",
        "text/*",
        "application/json;q=0, */*",
        "application/json; q=0",
        "*/*;q=0",
        "application/*;q=0, text/html",
    ],
)
def test_accept_that_excludes_json_gets_406(mock, accept):
    response = send(mock, "GET", "/user", headers={"Accept": accept})

    assert response.status_code == 406
    assert "application/json" in error_message(response)


@pytest.mark.parametrize(
    "accept",
    [None, "*/*", "application/*", "application/json", "text/html, application/json;q=0.1", "Application/JSON"],
    ids=["missing", "anything", "any-application", "json", "json-at-low-quality", "json-in-capitals"],
)
def test_accept_that_allows_json_is_answered(mock, accept):
    response = send(mock, "GET", "/user", headers={"Accept": accept})

    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON_CONTENT_TYPE


#: A clause that speaks of a request without an `Accept` header ("a request without `Accept`").
MISSING_ACCEPT = re.compile(r"\brequests?\b.*\b(?:without|no|missing)(?: an?)? `Accept`", re.IGNORECASE)
#: Words that would say such a request fails.
REFUSAL = re.compile(r"refus|reject|fail|error|not allowed|must|`[45]\d\d\b", re.IGNORECASE)
#: A table row that names `Accept` (alone or with its value) in its first cell, as a part to send.
ACCEPT_ROW = re.compile(r"^\| `Accept(?::[^`]*)?` \|", re.MULTILINE)


def clauses_about_a_missing_accept(markdown: str) -> list[str]:
    """The clauses of a page (cut at sentence ends, semicolons, commas and table cells) that speak of a
    request without `Accept`."""
    clauses = re.split(r"[.;,]\s|\|", " ".join(markdown.split()))
    return [clause.strip() for clause in clauses if MISSING_ACCEPT.search(clause)]


@pytest.mark.parametrize("page", sorted(path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md")))
def test_pages_say_a_request_without_accept_gets_json(page):
    """The sandbox answers a request without `Accept` with JSON (above), as HTTP says. So no page may say
    that such a request fails, and a page that lists `Accept` in a table of what to send says what
    happens without it."""
    markdown = (DOCS / page).read_text(encoding="utf-8")
    statements = clauses_about_a_missing_accept(markdown)

    assert [clause for clause in statements if REFUSAL.search(clause) or "JSON" not in clause] == []
    if ACCEPT_ROW.search(markdown):
        assert statements, f"{page} lists `Accept` as a part of a request, but not that it may be left out"


# Bodies --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json-patch+json",
        "application/json; charset=latin-1",
    ],
    ids=["missing", "text", "form", "json-patch", "json-not-utf8"],
)
def test_body_of_another_content_type_gets_415(mock, content_type):
    response = send(
        mock, "POST", "/patients", headers={"Content-Type": content_type}, data=b'{"first_name": "A", "last_name": "B"}'
    )

    assert response.status_code == 415
    assert error_message(response)
    assert send(mock, "GET", "/patients").json()["total_entries"] == 110


@pytest.mark.parametrize(
    "charset",
    ["application/json; charset=utf-8", "application/json; charset=UTF-8", 'application/json;charset="utf8"'],
)
def test_json_declared_as_utf8_is_accepted(mock, charset):
    response = send(
        mock, "POST", "/patients", headers={"Content-Type": charset}, data=b'{"first_name": "A", "last_name": "B"}'
    )

    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b'{"first_name": "A",}',
        b'{"first_name": NaN}',
        b'{"first_name": Infinity}',
        b'{"first_name": -Infinity}',
        b'{"first_name": "\xff"}',
        '{"first_name": "Zoë"}'.encode("latin-1"),
        b"\xef\xbb\xbf" + b'{"first_name": "A"}',
        b"[" * 100_000,
        b'{"first_name": "\\ud800", "last_name": "Lim"}',
        b'{"\\udfff": "x"}',
    ],
    ids=[
        "truncated",
        "trailing-comma",
        "nan",
        "infinity",
        "minus-infinity",
        "invalid-utf8",
        "latin1",
        "utf8-bom",
        "deeply-nested",
        "lone-surrogate-value",
        "lone-surrogate-name",
    ],
)
def test_malformed_json_body_gets_400(mock, body):
    response = send(mock, "POST", "/patients", headers=JSON_HEADERS, data=body)

    assert response.status_code == 400
    assert "JSON" in error_message(response)


# Paths and methods ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/v1/appointments",
        "/v1/users",
        "/v1/user/extra",
        "/v1/patients/",
        "/v2/user",
        "/",
        "/v1",
        "/v1/patients/1/notes",
    ],
)
def test_unknown_path_gets_404(mock, path):
    response = send(mock, "GET", origin(mock) + path)

    assert response.status_code == 404
    assert error_message(response)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/user", "GET, HEAD"),
        ("POST", "/user", "GET, HEAD"),
        ("PUT", "/patients", "GET, HEAD, POST"),
        ("DELETE", f"/patients/{PATIENT}", "GET, HEAD, PATCH, PUT"),
        ("POST", f"/patients/{PATIENT}", "GET, HEAD, PATCH, PUT"),
        ("GET", f"/patients/{PATIENT}/archive", "POST"),
        ("OPTIONS", "/patients", "GET, HEAD, POST"),
    ],
)
def test_wrong_method_gets_405_with_allow(mock, method, path, allowed):
    response = send(mock, method, path)

    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    assert error_message(response)


# Body size -----------------------------------------------------------------------------------


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b" " * piece


def test_body_over_the_limit_by_content_length_gets_413(mock):
    body = b'{"first_name": "' + b"a" * MAX_BODY_BYTES + b'"}'

    response = send(mock, "POST", "/patients", headers=JSON_HEADERS, data=body)

    assert response.status_code == 413
    assert size_in_words(MAX_BODY_BYTES) in error_message(response)


def test_body_over_the_limit_by_chunked_upload_gets_413(mock):
    response = send(mock, "POST", "/patients", headers=JSON_HEADERS, data=_chunks(MAX_BODY_BYTES + 1))

    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in response.request.headers
    assert response.status_code == 413
    assert error_message(response)


def test_body_of_exactly_the_limit_is_read(mock):
    padding = MAX_BODY_BYTES - len(b'{"first_name": "A", "last_name": "B"}')
    body = b'{"first_name": "A", "last_name": "B"}' + b" " * padding
    assert len(body) == MAX_BODY_BYTES

    response = send(mock, "POST", "/patients", headers=JSON_HEADERS, data=body)

    assert response.status_code == 201


def test_chunked_body_under_the_limit_is_read(mock):
    def pieces() -> Iterator[bytes]:
        yield b'{"first_name": '
        yield b'"Chunked", "last_name": "Upload"}'

    response = send(mock, "POST", "/patients", headers=JSON_HEADERS, data=pieces())

    assert response.status_code == 201
    assert response.json()["first_name"] == "Chunked"


# Query parameters ------------------------------------------------------------------------------

#: A request of each operation, and the query parameters it takes.
OPERATIONS = {
    "GET /user": ("GET", "/user", ()),
    "HEAD /user": ("HEAD", "/user", ()),
    "GET /patients": ("GET", "/patients", ("page", "per_page", "q", "q[]", "sort", "order")),
    "GET /patients/archived": ("GET", "/patients/archived", ("page", "per_page", "q", "q[]", "sort", "order")),
    "GET /patients/deleted": ("GET", "/patients/deleted", ("page", "per_page", "q", "q[]", "sort", "order")),
    "POST /patients": ("POST", "/patients", ()),
    "GET /patients/{id}": ("GET", f"/patients/{PATIENT}", ()),
    "PUT /patients/{id}": ("PUT", f"/patients/{PATIENT}", ()),
    "PATCH /patients/{id}": ("PATCH", f"/patients/{PATIENT}", ()),
    "POST /patients/{id}/archive": ("POST", f"/patients/{PATIENT}/archive", ()),
    "POST /patients/{id}/unarchive": ("POST", f"/patients/{PATIENT}/unarchive", ()),
}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_query_parameter_the_operation_does_not_take_gets_400_naming_it(mock, operation):
    method, path, takes = OPERATIONS[operation]
    body = {"first_name": "Ana", "last_name": "Lim"} if method in ("POST", "PUT", "PATCH") else None

    response = send(mock, method, f"{path}?per_pag=100", json=body)

    assert response.status_code == 400
    if method != "HEAD":
        message = error_message(response)
        assert "'per_pag'" in message
        assert all(name in message for name in takes) if takes else "takes no query parameters" in message


@pytest.mark.parametrize("query", ["=null", "=", "page=1&=2"])
def test_a_query_parameter_without_a_name_gets_400(mock, query):
    response = send(mock, "GET", f"/patients?{query}")

    assert response.status_code == 400
    assert "empty name" in error_message(response)


def test_the_documented_parameters_are_taken_and_a_long_unknown_name_is_cut_short(mock):
    taken = send(mock, "GET", "/patients?page=2&per_page=5&q=first_name:~a&q[]=id:>1&sort=id&order=desc")
    refused = send(mock, "GET", "/patients?" + "x" * 5000 + "=1")

    assert taken.status_code == 200
    assert refused.status_code == 400 and len(error_message(refused)) < 200


# Headers on every answer ---------------------------------------------------------------------

#: One request for each kind of answer the API gives; each returns the response to check.
EXCHANGES: dict[str, Callable[[MockCliniko], requests.Response]] = {
    "200-user": lambda mock: send(mock, "GET", "/user"),
    "200-list": lambda mock: send(mock, "GET", "/patients?page=2"),
    "201-create": lambda mock: send(mock, "POST", "/patients", json={"first_name": "Ana", "last_name": "Lim"}),
    "200-update": lambda mock: send(mock, "PATCH", f"/patients/{PATIENT}", json={"title": "Dr"}),
    "204-archive": lambda mock: send(mock, "POST", f"/patients/{PATIENT}/archive"),
    "304-not-modified": lambda mock: send(mock, "GET", "/user", headers={"If-None-Match": "*"}),
    "400-user-agent": lambda mock: send(mock, "GET", "/user", headers={"User-Agent": None}),
    "400-json": lambda mock: send(mock, "POST", "/patients", headers=JSON_HEADERS, data=b"{"),
    "400-page": lambda mock: send(mock, "GET", "/patients?page=0"),
    "400-query-name": lambda mock: send(mock, "GET", "/user?fields=all"),
    "401": lambda mock: send(mock, "GET", "/user", key=UNKNOWN_KEY),
    "403": lambda mock: send(
        mock, "POST", "/patients", key=BOOKKEEPER_KEY_A, json={"first_name": "A", "last_name": "B"}
    ),
    "404": lambda mock: send(mock, "GET", "/patients/1"),
    "405": lambda mock: send(mock, "DELETE", "/user"),
    "406": lambda mock: send(mock, "GET", "/user", headers={"Accept": "text/html"}),
    "409": lambda mock: send(mock, "PUT", f"/patients/{ARCHIVED}", json={"title": "Dr"}),
    "413": lambda mock: send(mock, "POST", "/patients", headers=JSON_HEADERS, data=b" " * (MAX_BODY_BYTES + 1)),
    "415": lambda mock: send(mock, "POST", "/patients", data=b"first_name=A"),
    "422": lambda mock: send(mock, "POST", "/patients", json={}),
    "429": lambda mock: (mock.controls.set_remaining(ACCOUNT_A, 0), send(mock, "GET", "/user"))[1],
}
WITHOUT_BODY = {"204-archive", "304-not-modified"}


@pytest.mark.parametrize("name", EXCHANGES)
def test_every_answer_has_the_mock_clock_date(mock, name):
    response = EXCHANGES[name](mock)

    assert response.status_code == int(name[:3])
    assert response.headers.get("Date") == START_DATE


@pytest.mark.parametrize("name", [name for name in EXCHANGES if name not in WITHOUT_BODY])
def test_every_answer_with_a_body_is_utf8_json(mock, name):
    response = EXCHANGES[name](mock)

    assert response.status_code == int(name[:3])
    assert response.headers.get("Content-Type") == JSON_CONTENT_TYPE
    assert isinstance(json.loads(response.content.decode("utf-8")), dict)


@pytest.mark.parametrize("name", sorted(WITHOUT_BODY))
def test_answers_without_a_body_send_no_body_and_no_content_type(mock, name):
    response = EXCHANGES[name](mock)

    assert response.status_code == int(name[:3])
    assert response.content == b""
    assert "Content-Type" not in response.headers


@pytest.mark.parametrize("name", [name for name in EXCHANGES if name[0] == "4"])
def test_error_answers_are_not_stored_by_caches(mock, name):
    response = EXCHANGES[name](mock)

    assert response.status_code == int(name[:3])
    assert response.headers.get("Cache-Control") == "no-store"
    assert "ETag" not in response.headers


def test_non_ascii_text_is_sent_as_utf8_not_escaped(mock):
    response = send(mock, "POST", "/patients", json={"first_name": "Zoë", "last_name": "Ngā"})

    assert response.status_code == 201
    assert "Zoë".encode() in response.content
    assert b"\\u" not in response.content


# A prepared server fault -----------------------------------------------------------------------


def test_prepared_fault_answers_503_once_before_any_other_check(mock, controls):
    controls.fail_next(1)

    faulted = send(mock, "GET", "/user", key=None, headers={"User-Agent": None})
    after = send(mock, "GET", "/user")

    assert faulted.status_code == 503
    assert faulted.headers["Retry-After"] == "1"
    assert error_message(faulted)
    assert after.status_code == 200


# The order of the checks -----------------------------------------------------------------------

#: Requests with two problems; the first status is the one the documented order says wins.
ORDER: dict[str, tuple[int, Callable[[MockCliniko], requests.Response]]] = {
    "413-before-400-user-agent": (
        413,
        lambda mock: send(mock, "POST", "/patients", headers={"User-Agent": None}, data=b" " * (MAX_BODY_BYTES + 1)),
    ),
    "400-user-agent-before-401": (400, lambda mock: send(mock, "GET", "/user", key=None, headers={"User-Agent": None})),
    "401-before-404-path": (401, lambda mock: send(mock, "GET", "/nothing", key=UNKNOWN_KEY)),
    "429-before-404-path": (
        429,
        lambda mock: (mock.controls.set_remaining(ACCOUNT_A, 0), send(mock, "GET", "/nothing"))[1],
    ),
    "404-path-before-406": (404, lambda mock: send(mock, "GET", "/nothing", headers={"Accept": "text/html"})),
    "405-before-406": (405, lambda mock: send(mock, "DELETE", "/user", headers={"Accept": "text/html"})),
    "406-before-415": (
        406,
        lambda mock: send(mock, "POST", "/patients", headers={"Accept": "text/html"}, data=b"first_name=A"),
    ),
    "415-before-403": (415, lambda mock: send(mock, "POST", "/patients", key=BOOKKEEPER_KEY_A, data=b"first_name=A")),
    "400-json-before-403": (
        400,
        lambda mock: send(mock, "POST", "/patients", key=BOOKKEEPER_KEY_A, headers=JSON_HEADERS, data=b"{"),
    ),
    "406-before-400-query": (406, lambda mock: send(mock, "GET", "/user?x=1", headers={"Accept": "text/html"})),
    "415-before-400-query": (415, lambda mock: send(mock, "POST", "/patients?x=1", data=b"first_name=A")),
    "400-query-before-403": (400, lambda mock: send(mock, "POST", "/patients?x=1", key=BOOKKEEPER_KEY_A, json={})),
    "400-query-before-404-patient": (400, lambda mock: send(mock, "GET", "/patients/1?x=1")),
    "403-before-404-patient": (403, lambda mock: send(mock, "POST", "/patients/1/archive", key=BOOKKEEPER_KEY_A)),
    "403-before-422": (403, lambda mock: send(mock, "POST", "/patients", key=BOOKKEEPER_KEY_A, json={})),
    "404-patient-before-422": (404, lambda mock: send(mock, "PATCH", "/patients/1", json={"first_name": ""})),
    "412-before-409": (412, lambda mock: send(mock, "PUT", f"/patients/{ARCHIVED}", headers={"If-Match": '"x"'}, json={})),
    "422-before-409": (422, lambda mock: send(mock, "PUT", f"/patients/{ARCHIVED}", json={"first_name": ""})),
}


@pytest.mark.parametrize("name", ORDER)
def test_checks_run_in_the_documented_order(mock, name):
    expected, exchange = ORDER[name]

    response = exchange(mock)

    assert response.status_code == expected
    assert error_message(response)


def test_key_reaching_the_route_counts_even_when_refused_later(mock, controls):
    send(mock, "GET", "/nothing")
    send(mock, "DELETE", "/user")
    send(mock, "GET", "/user", headers={"Accept": "text/html"})

    assert controls.remaining(ACCOUNT_A) == RATE_LIMIT - 3


def test_requests_refused_before_authentication_count_toward_nothing(mock, controls):
    # Both carry a valid key, but the User-Agent and size checks come before the key is looked at.
    send(mock, "GET", "/user", headers={"User-Agent": None})
    send(mock, "POST", "/patients", headers=JSON_HEADERS, data=b" " * (MAX_BODY_BYTES + 1))

    assert controls.remaining(ACCOUNT_A) == RATE_LIMIT
