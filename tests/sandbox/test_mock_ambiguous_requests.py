"""Requests that could be read two ways get one reading, or a clear `400`, `404` or `415`.

* A list header sent on several lines (`Accept`, `If-None-Match`, `If-Match`) means the same as one line
  with the values joined by commas (RFC 9110, section 5.3): each case is sent both ways, and both get
  the same answer.
* A header that holds one value (`Authorization`, `Content-Type`, `User-Agent`) sent twice is refused
  with `400`; a date condition sent twice, or as a list of dates, is ignored, as RFC 9110 (sections
  13.1.3 and 13.1.4) says.
* A JSON object that names a field twice is refused with `400`, rather than one of the two values
  winning silently.
* An encoded slash (`%2F`) in a path is part of its segment, never a separator: such a path gets `404`.
* A body framed two ways (`Content-Length` and `Transfer-Encoding`) gets `400` and the connection is
  closed; a compressed body (`Content-Encoding`) gets `415`; nothing is stored.
* A target in absolute form is served when it names the API itself, and refused with `400` otherwise:
  the API is no proxy.

Most requests here go over one keep-alive connection that sends headers exactly as given; a few open a
connection of their own, and a body framed two ways is written byte for byte on a TLS socket.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from api_requests import (
    START_DATE,
    USER_AGENT,
    Answer,
    RawClient,
    basic_auth,
    client_headers,
    error_message,
    read_until_closed,
    send,
)
from cliniko_sandbox import MockCliniko
from cliniko_sandbox.seed import ADMIN_KEY_A
from raw_tls import count_patients, request_head, tls_socket

PATIENT = "1240000000000000001"
NEW_PATIENT = json.dumps({"first_name": "Ana", "last_name": "Lim"}).encode()
Headers = list[tuple[str, str]]


@pytest.fixture(scope="module")
def raw(mock_server: MockCliniko) -> Iterator[RawClient]:
    with RawClient(mock_server) as client:
        yield client


@pytest.fixture
def client(mock: MockCliniko, raw: RawClient) -> RawClient:
    """The module's connection, to the freshly reset mock."""
    return raw


def _headers(client: RawClient, *extra: tuple[str, str], leave_out: str = "") -> Headers:
    """A well-behaved client's headers, less the one named in `leave_out`, then `extra` in order."""
    base = [(name, value) for name, value in client_headers().items() if name.lower() != leave_out.lower()]
    return [("Host", client.host_header), *base, *extra]


def _joined(lines: Headers) -> Headers:
    """The same fields with each name on one line, its values joined by ", " in the order sent."""
    values: dict[str, list[str]] = {}
    for name, value in lines:
        values.setdefault(name, []).append(value)
    return [(name, ", ".join(found)) for name, found in values.items()]


def _etag(client: RawClient) -> str:
    answer = client.send("GET", f"/v1/patients/{PATIENT}", _headers(client))
    assert answer.status == 200
    etag = answer.header("ETag")
    assert etag is not None
    return etag


def _patient(client: RawClient) -> dict:
    return client.send("GET", f"/v1/patients/{PATIENT}", _headers(client)).json()


def _count_patients(client: RawClient) -> int:
    return client.send("GET", "/v1/patients", _headers(client)).json()["total_entries"]


def _message(answer: Answer) -> str:
    body = answer.json()
    assert isinstance(body.get("message"), str) and body["message"], body
    return body["message"]


# List headers on several lines -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([("Accept", "text/html"), ("Accept", "application/json")], 200),
        ([("Accept", "text/html"), ("Accept", "application/*;q=0.5")], 200),
        ([("Accept", "*/*"), ("Accept", "application/json;q=0")], 406),
        ([("Accept", "text/html"), ("Accept", "text/plain")], 406),
        ([("Accept", ""), ("Accept", "")], 200),
    ],
    ids=["json-on-the-second-line", "json-range-on-the-second-line", "json-refused-on-the-second", "no-json", "empty"],
)
def test_accept_on_several_lines_means_what_one_line_means(client, lines, expected):
    separate = client.send("GET", "/v1/user", _headers(client, *lines, leave_out="Accept"))
    together = client.send("GET", "/v1/user", _headers(client, *_joined(lines), leave_out="Accept"))

    assert (separate.status, together.status) == (expected, expected)


@pytest.mark.parametrize("order", ["tag-last", "tag-first"])
def test_if_none_match_on_several_lines_is_one_list(client, order):
    etag = _etag(client)
    lines = [("If-None-Match", '"other"'), ("If-None-Match", etag)]
    if order == "tag-first":
        lines.reverse()

    separate = client.send("GET", f"/v1/patients/{PATIENT}", _headers(client, *lines))
    together = client.send("GET", f"/v1/patients/{PATIENT}", _headers(client, *_joined(lines)))

    assert (separate.status, together.status) == (304, 304)
    assert separate.body == together.body == b""


@pytest.mark.parametrize("around", ["empty-line-first", "leading-comma", "empty-element-between"])
def test_empty_elements_of_an_entity_tag_list_are_skipped(client, around):
    """RFC 9110 section 5.6.1: a recipient skips empty list elements; they do not spoil the list."""
    etag = _etag(client)
    lines = {
        "empty-line-first": [("If-None-Match", ""), ("If-None-Match", etag)],
        "leading-comma": [("If-None-Match", f", {etag}")],
        "empty-element-between": [("If-None-Match", f'"other", , {etag}')],
    }[around]

    answer = client.send("GET", f"/v1/patients/{PATIENT}", _headers(client, *lines))

    assert answer.status == 304


def test_if_match_on_several_lines_is_one_list(client):
    etag = _etag(client)
    lines = [("Content-Type", "application/json"), ("If-Match", '"other"'), ("If-Match", etag)]

    answer = client.send("PATCH", f"/v1/patients/{PATIENT}", _headers(client, *lines), b'{"title": "Dr"}')

    assert answer.status == 200
    assert _patient(client)["title"] == "Dr"


# Headers that hold one value -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "types",
    [("application/json", "application/json"), ("application/json", "text/plain"), ("text/plain", "application/json")],
    ids=["the-same-twice", "json-first", "json-second"],
)
def test_two_content_type_lines_get_400_and_nothing_is_created(client, types):
    before = _count_patients(client)
    lines = [("Content-Type", value) for value in types]

    answer = client.send("POST", "/v1/patients", _headers(client, *lines), NEW_PATIENT)

    assert answer.status == 400
    assert "Content-Type" in _message(answer)
    assert _count_patients(client) == before


def test_one_content_type_line_still_creates(client):
    answer = client.send("POST", "/v1/patients", _headers(client, ("Content-Type", "application/json")), NEW_PATIENT)

    assert answer.status == 201


def test_two_user_agent_lines_get_400(client):
    lines = [("User-Agent", USER_AGENT), ("User-Agent", "Other App (other@example.com)")]

    answer = client.send("GET", "/v1/user", _headers(client, *lines, leave_out="User-Agent"))

    assert answer.status == 400
    assert "User-Agent" in _message(answer)


def test_two_authorization_headers_get_400(mock):
    with RawClient(mock) as client:
        headers = [("Host", client.host_header), *client_headers().items(), ("Authorization", basic_auth(ADMIN_KEY_A))]
        answer = client.send("GET", "/v1/user", headers)

    assert answer.status == 400
    assert "Authorization" in answer.json()["message"]


@pytest.mark.parametrize(
    "lines",
    [
        [("If-Modified-Since", START_DATE), ("If-Modified-Since", START_DATE)],
        [("If-Modified-Since", f"{START_DATE}, {START_DATE}")],
    ],
    ids=["two-lines", "a-list-on-one-line"],
)
def test_if_modified_since_with_more_than_one_date_is_ignored(client, lines):
    # One of these dates alone, the clock's own time, gets `304`; a list of dates is not a date.
    answer = client.send("GET", f"/v1/patients/{PATIENT}", _headers(client, *lines))

    assert answer.status == 200
    assert answer.json()["id"] == PATIENT


@pytest.mark.parametrize(
    "lines",
    [
        [("If-Unmodified-Since", "Sun, 01 Jan 2023 00:00:00 GMT"), ("If-Unmodified-Since", START_DATE)],
        [("If-Unmodified-Since", f"Sun, 01 Jan 2023 00:00:00 GMT, {START_DATE}")],
    ],
    ids=["two-lines", "a-list-on-one-line"],
)
def test_if_unmodified_since_with_more_than_one_date_is_ignored(client, lines):
    # The first date alone is before the patient's last change, and would refuse the change with `412`.
    headers = _headers(client, ("Content-Type", "application/json"), *lines)

    answer = client.send("PATCH", f"/v1/patients/{PATIENT}", headers, b'{"title": "Dr"}')

    assert answer.status == 200
    assert _patient(client)["title"] == "Dr"


def test_an_asctime_date_is_read_as_the_rfc_requires(client):
    # RFC 9110 (section 5.6.7): a recipient accepts all three forms of HTTP-date. This is the clock's time.
    headers = _headers(client, ("If-Modified-Since", "Thu Jan 15 09:30:00 2026"))

    answer = client.send("GET", f"/v1/patients/{PATIENT}", headers)

    assert answer.status == 304


# A name given twice in a JSON object -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "name"),
    [
        (b'{"first_name": "Ana", "last_name": "Lim", "first_name": "Eve"}', "first_name"),
        (b'{"first_name": "Ana", "last_name": "Lim", "nickname": 1, "nickname": 2}', "nickname"),
        (b'{"first_name": "Ana", "last_name": "Lim", "x": {"a": 1, "a": 1}}', "a"),
    ],
    ids=["a-field", "an-unknown-name", "inside-a-nested-object"],
)
def test_a_name_given_twice_in_a_json_object_gets_400_and_nothing_is_created(client, body, name):
    before = _count_patients(client)

    answer = client.send("POST", "/v1/patients", _headers(client, ("Content-Type", "application/json")), body)

    assert answer.status == 400
    message = _message(answer)
    assert "JSON" in message and repr(name) in message and "\n" not in message
    assert _count_patients(client) == before


def test_a_name_given_twice_in_an_update_changes_nothing(client):
    before = _patient(client)
    body = b'{"title": "Dr", "title": "Ms"}'

    answer = client.send("PUT", f"/v1/patients/{PATIENT}", _headers(client, ("Content-Type", "application/json")), body)

    assert answer.status == 400
    assert _patient(client) == before


# An encoded slash in a path --------------------------------------------------------------------------


@pytest.mark.parametrize("slash", ["%2F", "%2f"])
def test_an_encoded_slash_never_reaches_the_archive_route(client, slash):
    headers = _headers(client, ("Content-Type", "application/json"))

    answer = client.send("POST", f"/v1/patients/{PATIENT}{slash}archive", headers, b"{}")

    assert answer.status == 404
    assert "%2F" in _message(answer)
    assert _patient(client)["archived_at"] is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1%2Fuser"),
        ("GET", f"/v1/patients%2F{PATIENT}"),
        ("GET", "/v1/patients%2Farchived"),
        ("PUT", f"/v1/patients/{PATIENT}%2F"),
    ],
)
def test_a_path_with_an_encoded_slash_gets_404(client, method, path):
    answer = client.send(method, path, _headers(client, ("Content-Type", "application/json")), b"{}")

    assert answer.status == 404


def test_other_encoded_characters_in_a_path_are_still_decoded(client):
    # `%31` is the digit 1: only the slash keeps its encoding's meaning as data.
    answer = client.send("GET", f"/v1/patients/{PATIENT[:-1]}%31", _headers(client))

    assert answer.status == 200
    assert answer.json()["id"] == PATIENT


# A body framed two ways, or compressed -------------------------------------------------------------


def test_content_length_with_transfer_encoding_is_refused_and_the_connection_closed(mock):
    before = count_patients(mock)
    with tls_socket(mock) as sock:
        sock.sendall(
            request_head(
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
            + request_head(mock, "GET", "/v1/user")
        )
        response = read_until_closed(sock)  # returns only once the server has closed the connection

    assert response.startswith(b"HTTP/1.1 400 ")
    assert response.count(b"HTTP/1.1 ") == 1
    assert b"connection: close" in response.lower()
    assert count_patients(mock) == before


@pytest.mark.parametrize("coding", ["gzip", "deflate, gzip"])
def test_a_content_encoded_body_gets_415(mock, coding):
    import gzip

    before = count_patients(mock)
    response = send(
        mock,
        "POST",
        "/patients",
        headers={"Content-Type": "application/json", "Content-Encoding": coding},
        data=gzip.compress(NEW_PATIENT),
    )

    assert response.status_code == 415
    assert "gzip" in error_message(response)
    assert count_patients(mock) == before


# A target in absolute form -------------------------------------------------------------------------


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
