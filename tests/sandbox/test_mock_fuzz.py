"""Fuzzing: whatever a client sends, the mock answers a documented status with a JSON body, never a fault.

Two requests in three are well-formed API calls with at most one thing wrong, so that they get past
the early checks and reach the routes, the validation and the conditional requests; the others are
anything at all: odd methods, paths with any character or percent-encoding, query strings, headers
valid, malformed, missing or pathologically long, and bodies in any encoding, sent whole or chunked.

Now and then a request is also sent on several connections at once, or cut short: its body ends early
and the connection is closed or reset. A request cut short must change nothing. And now and then one is
sent with its framing broken (a malformed or oversized chunk, a bare LF, a body declared over the limit,
a request line over the limit, an unknown transfer coding, another HTTP version): it must get its own
status at once, and change nothing. Every request has a time limit, so a hang fails the test too.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import string
import struct
import threading
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, find, given, seed, settings
from hypothesis import strategies as st

from api_requests import JSON_CONTENT_TYPE, USER_AGENT, Answer, RawClient, basic_auth, raw_head, read_response
from cliniko_sandbox import MockCliniko
from cliniko_sandbox.contract import FIELD_LIMITS, MAX_BODY_BYTES, MAX_HEAD_BYTES
from cliniko_sandbox.contract import RATE_LIMIT as LIMIT
from cliniko_sandbox.seed import ACCOUNT_A, ACCOUNT_B, ADMIN_KEY_A, ADMIN_KEY_B, BOOKKEEPER_KEY_A, PRACTITIONER_KEY_A

# Slow (left out of `make check`): Hypothesis sends thousands of requests.
pytestmark = pytest.mark.slow

#: Every status the API documents (a 503 only comes from a test control, which the fuzz never sets).
#: `501` and `505` are refusals of the request, not faults: a transfer coding or an HTTP version the API
#: does not support.
DOCUMENTED = {200, 201, 204, 304, 400, 401, 403, 404, 405, 406, 409, 412, 413, 414, 415, 422, 429, 431, 501, 505}
WITHOUT_BODY = {204, 304}
#: Statuses the fuzz must produce, to show that it reaches past the first checks. `412` is not among
#: them: it takes a change with a failing precondition that passes every earlier check, which most runs
#: make a dozen times or so, but one in a few makes none (tests/sandbox/test_mock_preconditions.py covers it).
MUST_REACH = {200, 201, 204, 304, 400, 401, 403, 404, 405, 406, 409, 413, 414, 415, 422, 429, 501, 505}
EXAMPLES = 3000
FUZZ_SEED = 20261206
#: Methods that never change the mock's data.
READS = {"GET", "HEAD"}


def usually(value: Any, otherwise: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly `value`, else something from `otherwise`."""
    return st.one_of(st.just(value), st.just(value), st.just(value), otherwise)


# Methods and targets -----------------------------------------------------------------------------

#: Active, archived, another account's, the first one created, deleted, and no patient's.
PATIENTS = [
    "1240000000000000001", "1240000000000000007", "1240000000000000113", "1240000000000000116",
    "1240000000000900001", "1",
]
#: The lists of patients, which take `page`, `per_page`, filters and an order.
LISTS = ["/v1/patients", "/v1/patients/archived", "/v1/patients/deleted"]
#: Characters a request target may hold unencoded, less the ones that end a path segment.
_TARGET_CHARACTERS = "".join(chr(code) for code in range(0x21, 0x7F) if chr(code) not in "/?#")

methods = st.one_of(
    st.sampled_from(["GET", "GET", "HEAD", "POST", "POST", "PUT", "PATCH"]),
    st.sampled_from(["PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT", "get", "PROPFIND"]),
    st.text(alphabet=string.ascii_uppercase + "-", min_size=1, max_size=8),
)
#: The API's own routes, as a client that read the docs would call them.
routes = st.sampled_from(
    [("GET", "/v1/user"), ("HEAD", "/v1/user")]
    + [("GET", "/v1/patients")] * 3
    + [("GET", "/v1/patients/archived"), ("GET", "/v1/patients/deleted")]
    + [("POST", "/v1/patients")] * 4
    + [(method, f"/v1/patients/{patient}") for patient in PATIENTS for method in ("GET", "HEAD", "PUT", "PATCH")]
    + [("POST", f"/v1/patients/{patient}/{change}") for patient in PATIENTS for change in ("archive", "unarchive")]
)
api_paths = routes.map(lambda route: route[1])
segments = st.one_of(
    st.sampled_from(
        ["v1", "user", "patients", "archive", "unarchive", "archived", "deleted", "", ".", "..", "%2e%2e", "%2F", "%00"]
        + PATIENTS
    ),
    st.text(alphabet=_TARGET_CHARACTERS, max_size=8),
    st.text(max_size=4).map(lambda text: quote(text, safe="")),
    st.binary(min_size=1, max_size=3).map(lambda raw: "".join(f"%{byte:02X}" for byte in raw)),
)
odd_paths = st.one_of(
    api_paths.map(lambda path: path + "/"),
    st.lists(segments, max_size=4).map(lambda parts: "/v1/" + "/".join(parts)),
    st.lists(segments, max_size=3).map(lambda parts: "/" + "/".join(parts)),
    st.sampled_from(["*", "https://api.cliniko.com/v1/user", "//v1/user", "/v1/patients/%31240000000000000001"]),
)
paths = st.one_of(api_paths, odd_paths)

query_values = st.one_of(
    st.integers(-2, 120).map(str),
    st.sampled_from(["", "1.5", "1e2", "0x10", "\u0663", " 1", "+1", "00002", "9" * 30]),
    # Python's int() refuses strings of more than 4300 digits, leading zeros included.
    st.sampled_from(["7" * 4301, "0" * 5000 + "2"]),
    st.text(max_size=6),
    # Filters and orders, well-formed or nearly so.
    st.sampled_from(
        ["first_name:~~%a%", "id:=1,2,", "date_of_birth:=****-02-3*", "created_at:>2026-01-15T09:30:00Z", "title:=Dr"]
        + ["last_name,first_name:desc", "id:", "desc", "email:~", "updated_at:<9999-12-31T23:59:59Z"]
    ),
)
paging = st.lists(
    st.tuples(st.sampled_from(["page", "per_page", "q", "q[]", "sort", "order"]), query_values), min_size=1, max_size=3
).map(lambda pairs: "?" + urlencode(pairs))
queries = st.one_of(
    st.just(""),
    paging,
    st.text(alphabet=_TARGET_CHARACTERS + "/?", max_size=16).map(lambda raw: "?" + raw),
)

# Headers -----------------------------------------------------------------------------------------

#: Characters a header value may hold: visible ASCII, space, tab, and bytes 0x80-0xFF (obs-text).
_FIELD_CHARACTERS = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f") | st.just("\t")
#: Any byte but a line break. Control characters make the request malformed HTTP, which the server
#: refuses before the API sees it and then closes the connection; they are kept to a few headers.
_ANY_CHARACTERS = st.characters(min_codepoint=0, max_codepoint=0xFF, exclude_characters="\r\n")
field_text = st.text(_FIELD_CHARACTERS, max_size=24)
_TOKEN = st.text(alphabet=string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~", min_size=1, max_size=8)
#: Headers the fuzz does not invent, because they frame the message rather than describe it.
_FRAMING = {"host", "content-length", "transfer-encoding", "connection", "upgrade", "expect", "te", "trailer"}
KEYS = [ADMIN_KEY_A, PRACTITIONER_KEY_A, BOOKKEEPER_KEY_A, ADMIN_KEY_B]

#: Values built to make a careless check slow: long runs that a backtracking pattern tries over and over.
long_values = st.one_of(
    st.builds(lambda n, m: "." * n + "@" + "-" * m, st.integers(0, 1500), st.integers(0, 1500)),
    st.builds(lambda n: "a@" * n, st.integers(1, 1000)),
    st.builds(lambda n: "a@" + "." * n + "@", st.integers(1, 3000)),
    st.builds(lambda char, n: char * n, st.sampled_from(["a", " ", ",", ";", '"', "*/*, ", 'W/"x", ']), st.integers(1, 3000)),
)
#: A value that makes the request head larger than its limit: the server refuses it with 431.
oversized_values = st.integers(MAX_HEAD_BYTES, MAX_HEAD_BYTES + 4 * 1024).map(lambda n: "x" * n)
# What a client may send instead of the well-formed value (None: the header is left out).
odd_authorizations = st.one_of(
    st.sampled_from(
        [None, ADMIN_KEY_A, f"Bearer {ADMIN_KEY_A}", "Basic", "Basic =", basic_auth("x"), basic_auth("", "x")]
    ),
    st.binary(max_size=24).map(lambda raw: "Basic " + base64.b64encode(raw).decode()),
    field_text.map(lambda text: "Basic " + text),
    field_text,
    long_values.map(lambda text: "Basic " + text),
)
odd_user_agents = st.one_of(
    st.sampled_from([None, "python-requests/2.32.3", "x@y.zz", "Sync (a@b.c)", "@."]),
    field_text,
    long_values,
)
odd_accepts = st.one_of(
    st.sampled_from([None, "*/*", "application/*", "text/html", "application/json;q=0, */*", "*/*;q=nan"]),
    st.lists(
        st.tuples(
            st.sampled_from(["application/json", "*/*", "application/*", "text/*", "json", "/", ""]),
            st.one_of(st.none(), st.floats(), st.text(_FIELD_CHARACTERS, max_size=3)),
        ),
        max_size=3,
    ).map(lambda ranges: ", ".join(kind if q is None else f"{kind};q={q}" for kind, q in ranges)),
    field_text,
    long_values,
)
odd_content_types = st.one_of(
    st.sampled_from(
        [
            None,
            "application/json; charset=utf-8",
            "APPLICATION/JSON;charset=UTF8",
            "application/json; charset=utf-16",
            "application/json; charset",
            "text/plain",
            "multipart/form-data; boundary=x",
        ]
    ),
    field_text,
)
entity_tags = st.one_of(
    st.none(),
    st.none(),
    st.sampled_from(["*", '"x"', 'W/"x"', '"a", W/"b"', "", ",", 'W/"', '""', "*, *"]),
    field_text,
    long_values,
)
dates = st.one_of(
    st.none(),
    st.none(),
    st.sampled_from(["Thu, 15 Jan 2026 09:30:00 GMT", "Thursday, 15-Jan-26 09:30:00 GMT", "Thu Jan 15 09:30:00 2026"]),
    st.datetimes().map(lambda moment: moment.strftime("%a, %d %b %Y %H:%M:%S GMT")),
    field_text,
)
extra_headers = st.lists(
    st.tuples(
        _TOKEN.filter(lambda name: name.lower() not in _FRAMING),
        st.one_of(field_text, st.text(_ANY_CHARACTERS, max_size=4), long_values, oversized_values),
    ),
    max_size=2,
)
#: Headers that may frame a body twice, encode it, or authenticate twice.
ambiguous_headers = st.sampled_from(
    [
        [("Authorization", basic_auth(ADMIN_KEY_A))],
        [("Authorization", basic_auth(ADMIN_KEY_B))],
        [("Content-Encoding", "gzip")],
        [("Content-Encoding", "identity")],
        [("Transfer-Encoding", "chunked"), ("Content-Length", "3")],
    ]
)

#: The headers of a well-formed request, but `Host` and `Content-Type`.
WELL_FORMED_HEADERS = {
    "Authorization": st.sampled_from([basic_auth(key) for key in KEYS]),
    "User-Agent": st.just(USER_AGENT),
    "Accept": st.sampled_from(["application/json", None, "*/*"]),
    "If-None-Match": st.sampled_from([None, None, None, "*", '"x"']),
    "If-Modified-Since": st.sampled_from(
        [None, None, None, "Thu, 15 Jan 2026 09:30:00 GMT", "Sun, 01 Jan 2023 00:00:00 GMT"]
    ),
    # Now and then a change made with a tag the patient does not have, so that the fuzz reaches `412`
    # often enough; odder preconditions are a flaw of their own (HEADER_FLAWS).
    "If-Match": st.sampled_from([None, None, None, None, None, None, "*", '"x"']),
}
#: The flaws that are a header, and what the header holds instead.
HEADER_FLAWS = {
    "Authorization": odd_authorizations,
    "User-Agent": odd_user_agents,
    "Accept": odd_accepts,
    "Content-Type": odd_content_types,
    # A precondition of a change: one that holds, one that fails (`412`), or one that is malformed.
    "If-Match": entity_tags,
    "If-Unmodified-Since": dates,
}
#: The headers of a request that may be anything.
ANY_HEADERS = {
    "Authorization": usually(
        basic_auth(ADMIN_KEY_A), st.sampled_from([basic_auth(key) for key in KEYS]) | odd_authorizations
    ),
    "User-Agent": usually(USER_AGENT, odd_user_agents),
    "Accept": usually("application/json", odd_accepts),
    "Content-Type": usually("application/json", odd_content_types),
    "If-None-Match": entity_tags,
    "If-Modified-Since": dates,
    "If-Match": entity_tags,
    "If-Unmodified-Since": dates,
}

# Bodies ------------------------------------------------------------------------------------------

#: Text as JSON may carry it: any character, and now and then a lone surrogate (written "\ud800").
json_text = st.text(max_size=8) | st.text(st.characters(categories=["Cs"]), min_size=1, max_size=2)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), json_text)
json_values = st.one_of(
    json_scalars,
    st.lists(json_scalars, max_size=3),
    st.dictionaries(json_text, st.one_of(json_scalars, st.lists(json_scalars, max_size=2)), max_size=3),
)
#: A name one character longer than the API takes.
too_long_name = "A" * (FIELD_LIMITS["first_name"] + 1)
field_values = st.one_of(
    json_text,
    st.sampled_from([None, 7, "", "  ", "a@b.co", "not-an-email", "1990-04-12", "2999-01-01", "1990-02-30", too_long_name]),
    long_values,
)
patient_bodies = st.fixed_dictionaries(
    {},
    optional={name: field_values for name in ("title", "first_name", "last_name", "date_of_birth", "email", "id")},
)
encodings = st.sampled_from(["utf-8", "utf-8", "utf-16", "latin-1", "utf-8-sig"])


def _encode(value: Any, encoding: str, ascii_only: bool) -> bytes:
    """JSON in an encoding; characters it cannot hold become "?", and `ascii_only` escapes them all."""
    return json.dumps(value, ensure_ascii=ascii_only).encode(encoding, errors="replace")


#: Patient fields as JSON, valid or not.
field_bodies = st.builds(_encode, patient_bodies, st.just("utf-8"), st.booleans())
bodies = st.one_of(
    st.none(),
    field_bodies,
    st.builds(_encode, st.one_of(patient_bodies, json_values), encodings, st.booleans()),
    st.sampled_from([b"", b"{", b"NaN", b'{"first_name": Infinity}', b"\xff\xfe", b"[" * 3000, b"1" * 5000]),
    st.binary(max_size=32),
)
#: Patients that pass validation, so that creates and updates can succeed.
valid_names = st.text(alphabet=string.ascii_letters + " '-", min_size=1, max_size=12).filter(str.strip)
valid_bodies = st.fixed_dictionaries(
    {"first_name": valid_names, "last_name": valid_names},
    optional={"title": st.sampled_from(["Dr", "Ms", None]), "email": st.sampled_from(["a@b.co", None])},
).map(lambda fields: json.dumps(fields).encode())
#: A new patient whose names are any text JSON can carry (escaped, so lone surrogates arrive as "\ud800").
#: Nothing else is wrong with it, so the names reach the record and the answer that echoes it.
odd_text = json_text.filter(str.strip)
odd_text_bodies = st.fixed_dictionaries({"first_name": odd_text, "last_name": odd_text}).map(
    lambda fields: json.dumps(fields).encode()
)

# Broken framing ----------------------------------------------------------------------------------

#: The ways a request's framing can break, each with the status it gets at once.
FRAMING_FLAWS = {
    "negative-chunk-size": 400,
    "chunk-size-with-too-many-digits": 400,
    "chunk-size-not-hex": 400,
    "chunk-longer-than-its-size": 400,
    "bare-lf-in-a-chunked-body": 400,
    "chunk-size-over-the-limit": 413,
    "content-length-over-the-limit": 413,
    "request-line-over-the-limit": 414,
    "unknown-transfer-coding": 501,
    "another-http-version": 505,
}


@st.composite
def broken_framings(draw: Any, flaw: str | None = None) -> dict[str, Any]:
    """A request to one of the API's routes whose framing is broken in one way (`flaw`, or any), as the
    bytes sent, with the status it must get."""
    method, target = draw(routes)
    flaw = flaw or draw(st.sampled_from(sorted(FRAMING_FLAWS)))
    data = draw(st.binary(min_size=1, max_size=40))
    size = f"{len(data):X}".encode()
    version = "HTTP/1.1"
    lines = ["Transfer-Encoding: chunked"]
    body = b""
    if flaw == "negative-chunk-size":
        body = b"-" + size + b"\r\n" + data + b"\r\n0\r\n\r\n"
    elif flaw == "chunk-size-with-too-many-digits":
        body = b"0" * draw(st.integers(17, 40)) + size + b"\r\n" + data + b"\r\n0\r\n\r\n"
    elif flaw == "chunk-size-not-hex":
        body = draw(st.sampled_from([b"0x5", b"+5", b"5 5", b" 5", b"5.0", b"g", b""])) + b"\r\n" + data + b"\r\n0\r\n\r\n"
    elif flaw == "chunk-longer-than-its-size":
        extra = draw(st.binary(min_size=1, max_size=8).filter(lambda raw: raw[:1] != b"\r"))
        body = size + b"\r\n" + data + extra + b"\r\n0\r\n\r\n"
    elif flaw == "bare-lf-in-a-chunked-body":
        lf = draw(st.integers(0, 3))  # the line that ends with a bare LF: a size, a chunk's end, the last chunk, the end
        ends = [b"\r\n"] * 4
        ends[lf] = b"\n"
        body = size + ends[0] + data + ends[1] + b"0" + ends[2] + ends[3]
    elif flaw == "chunk-size-over-the-limit":
        declared = draw(st.integers(MAX_BODY_BYTES + 1, 2**64 - 1))
        body = f"{declared:X}".encode() + draw(st.sampled_from([b"", b";x=1"])) + b"\r\n" + data
    elif flaw == "content-length-over-the-limit":
        lines = [f"Content-Length: {draw(st.integers(MAX_BODY_BYTES + 1, 10**12))}"]
        lines += draw(st.sampled_from([[], ["Expect: 100-continue"]]))
        body = draw(st.sampled_from([b"", data]))
    elif flaw == "request-line-over-the-limit":
        lines = []
        target += ("&" if "?" in target else "?") + "q=" + "a" * draw(st.integers(MAX_HEAD_BYTES, 70_000))
    elif flaw == "unknown-transfer-coding":
        coding = draw(st.sampled_from(["gzip", "deflate", "br", "compress", "identity", "gzip, chunked", "chunked, chunked"]))
        lines = [f"Transfer-Encoding: {coding}"]
        body = b"0\r\n\r\n"
    else:  # another-http-version
        version = draw(st.sampled_from(["HTTP/2.0", "HTTP/0.9", "HTTP/1.2", "HTTP/3.0", "HTTP/9.9"]))
        lines = []
    raw = raw_head("127.0.0.1", method, target, "Content-Type: application/json", *lines, version=version) + body
    return {"flaw": flaw, "status": FRAMING_FLAWS[flaw], "method": method, "raw": raw}


# Requests ----------------------------------------------------------------------------------------

#: What a mostly well-formed request may get wrong, one thing at a time.
flaws = st.sampled_from(
    ["none", "none", "fields", "fields", "odd-text", "body", "target", "query", "method", "extra", "ambiguous",
     *HEADER_FLAWS]
)
_one_in_twenty = st.integers(0, 19).map(lambda number: number == 0)
_one_in_three = st.sampled_from([False, False, True])
_quota_left = st.sampled_from([None, None, None, 0, 1])


def _draw_headers(draw: Any, strategies: dict[str, st.SearchStrategy[Any]]) -> list[tuple[str, str]]:
    headers = []
    for name, strategy in strategies.items():
        value = draw(strategy)
        if value is not None:
            headers.append((name, value))
    return headers


@st.composite
def well_formed_requests(draw: Any) -> dict[str, Any]:
    """A request as the docs describe it, with at most one thing wrong."""
    flaw = draw(flaws)
    method, path = ("POST", "/v1/patients") if flaw == "odd-text" else draw(routes)
    if flaw == "method":
        method = draw(methods)
    if flaw == "target":
        target = draw(odd_paths) + draw(queries)
    elif flaw == "query":  # parameters the route may not take, or names that are not parameters at all
        target = path + draw(queries)
    else:
        target = path + (draw(paging) if path in LISTS and method in READS else "")
    if flaw == "fields":
        body = draw(field_bodies)
    elif flaw == "odd-text":
        body = draw(odd_text_bodies)
    elif flaw == "body":
        body = draw(bodies)
    elif flaw == "Content-Type" or method in {"POST", "PUT", "PATCH"}:
        body = draw(valid_bodies)
    else:
        body = None
    strategies = dict(WELL_FORMED_HEADERS)
    if body is not None:
        strategies["Content-Type"] = st.just("application/json")
    if flaw in HEADER_FLAWS:
        strategies[flaw] = HEADER_FLAWS[flaw]
    headers = [("Host", "127.0.0.1"), *_draw_headers(draw, strategies)]
    if flaw == "extra":
        headers += draw(extra_headers)
    if flaw == "ambiguous":
        headers += draw(ambiguous_headers)
    return {"method": method, "target": target, "headers": headers, "body": body}


@st.composite
def wild_requests(draw: Any) -> dict[str, Any]:
    """Anything a client might send; now and then even without the `Host` that HTTP/1.1 requires."""
    headers = [] if draw(_one_in_twenty) else [("Host", "127.0.0.1")]
    headers += _draw_headers(draw, ANY_HEADERS) + draw(extra_headers)
    return {"method": draw(methods), "target": draw(paths) + draw(queries), "headers": headers, "body": draw(bodies)}


@st.composite
def api_requests(draw: Any) -> dict[str, Any]:
    """A well-formed request with at most one flaw (two times in three), or anything at all."""
    request = draw(wild_requests() if draw(_one_in_three) else well_formed_requests())
    request["chunked"] = draw(st.booleans())
    # How the request is sent: whole on the shared connection, on three connections at once, or cut short.
    request["delivery"] = draw(st.sampled_from(["whole"] * 16 + ["together", "cut-close", "cut-reset", "broken"]))
    if request["delivery"] == "broken":
        request["broken"] = draw(broken_framings())
    # Requests left in each account's quota, to reach the 429 as well; None leaves it full.
    request["quota_left"] = draw(_quota_left)
    return request


def _header_bytes(value: str) -> bytes:
    """Latin-1 where it fits (one byte a character, as HTTP/1.1 has it), UTF-8 otherwise."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _framing(name: str) -> bool:
    return name.lower() in {"content-length", "transfer-encoding"}


def _send_cut_short(mock: MockCliniko, request: dict[str, Any], headers: list[tuple[str, bytes]], reset: bool) -> None:
    """Send the head and part of the body (or a chunk and no last chunk), then end the connection."""
    body = request["body"] or b"{}"
    head = [f"{request['method']} {request['target']} HTTP/1.1".encode("latin-1", errors="replace")]
    head += [name.encode("latin-1") + b": " + value for name, value in headers if not _framing(name)]
    if request["chunked"]:
        head.append(b"Transfer-Encoding: chunked")
        sent = f"{len(body):X}\r\n".encode() + body + b"\r\n"
    else:
        head.append(f"Content-Length: {len(body) + 100}".encode())
        sent = body
    context = ssl.create_default_context(cafile=str(mock.ca_file))
    with socket.create_connection((mock.host, mock.port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=mock.host) as tls:
            tls.sendall(b"\r\n".join(head) + b"\r\n\r\n" + sent)
            if reset:
                tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _send_broken(mock: MockCliniko, broken: dict[str, Any]) -> Any:
    """Send a request with broken framing on a connection of its own; the response, as `RawClient` gives it.

    Only the response is read (the connection is then closed), so the server's wait for the rest of a
    request it refused does not slow the fuzz down.
    """
    context = ssl.create_default_context(cafile=str(mock.ca_file))
    with (
        socket.create_connection((mock.host, mock.port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=mock.host) as tls,
    ):
        tls.sendall(broken["raw"])
        received = read_response(tls, after_head=broken["method"] == "HEAD")
    head, separator, body = received.partition(b"\r\n\r\n")
    assert separator, f"{broken['flaw']}: no response, only {received[:200]!r}"
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = [(name.strip(), value.strip()) for name, _, value in (line.partition(":") for line in lines)]
    return Answer(int(status_line.split()[1]), headers, body)


def _send_together(clients: list[RawClient], request: dict[str, Any], headers: list[tuple[str, bytes]]) -> list[Any]:
    """The same request on every connection at once; the answers, or the error a connection raised."""
    answers: list[Any] = [None] * len(clients)

    def one(index: int) -> None:
        try:
            answers[index] = clients[index].send(
                request["method"], request["target"], headers, request["body"], chunked=request["chunked"]
            )
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            answers[index] = error

    threads = [threading.Thread(target=one, args=(index,)) for index in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def test_any_request_gets_a_documented_status_and_a_json_body(mock_server: MockCliniko):
    controls = mock_server.controls
    seen: set[int] = set()
    # Every example starts from the seed data with its quota refilled, so that examples do not depend
    # on each other and the quota never runs out. The data changes only when a request other than a
    # read succeeds, so only then is the whole mock reset.
    controls.reset()

    seed_changed_at = {account: mock_server.store.patients_changed_at(account) for account in (ACCOUNT_A, ACCOUNT_B)}

    with RawClient(mock_server) as client, RawClient(mock_server) as second, RawClient(mock_server) as third:

        # A fixed seed: the same requests on every run, so that whether each status of MUST_REACH is
        # reached does not change from run to run (a change to the strategies or the mock may still
        # move it; then widen the strategy that leads there).
        def check_broken(broken: dict[str, Any]) -> None:
            answer = _send_broken(mock_server, broken)
            changed = {account: mock_server.store.patients_changed_at(account) for account in seed_changed_at}
            if changed != seed_changed_at:
                controls.reset()
            assert changed == seed_changed_at, f"{broken['flaw']}: a request with broken framing changed the data"
            assert answer.status == broken["status"], (broken["flaw"], answer.status, answer.body[:300])
            assert answer.header("Connection") == "close", (broken["flaw"], answer.headers)
            assert answer.header("X-Request-Id"), (broken["flaw"], answer.headers)
            _check(answer, {"method": broken["method"]}, seen)

        @seed(FUZZ_SEED)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(request=api_requests())
        def check(request: dict[str, Any]) -> None:
            quota = LIMIT if request["quota_left"] is None else request["quota_left"]
            controls.set_remaining(ACCOUNT_A, quota)
            controls.set_remaining(ACCOUNT_B, quota)
            headers = [(name, _header_bytes(value)) for name, value in request["headers"]]

            if request["delivery"] == "broken":
                check_broken(request["broken"])
                return

            if request["delivery"].startswith("cut"):
                _send_cut_short(mock_server, request, headers, reset=request["delivery"] == "cut-reset")
                # A request on another connection, answered after the server has seen the first one end.
                client.send("GET", "/v1/user", [("Host", "127.0.0.1"), ("User-Agent", USER_AGENT)])
                changed = {account: mock_server.store.patients_changed_at(account) for account in seed_changed_at}
                if changed != seed_changed_at:
                    controls.reset()
                assert changed == seed_changed_at, "a request cut short changed the data"
                return

            may_have_changed = True
            try:
                if request["delivery"] == "together":
                    answers = _send_together([client, second, third], request, headers)
                else:
                    answers = [
                        client.send(
                            request["method"], request["target"], headers, request["body"], chunked=request["chunked"]
                        )
                    ]
                errors = [answer for answer in answers if isinstance(answer, Exception)]
                assert not errors, errors
                may_have_changed = request["method"] not in READS and any(200 <= a.status < 300 for a in answers)
            finally:
                if may_have_changed:
                    controls.reset()

            for answer in answers:
                _check(answer, request, seen)

        check()
        # Each way of breaking the framing once more, in its simplest form, whatever the random draws
        # above reached: one request in twenty is broken, so a flaw may otherwise go untried.
        for flaw in sorted(FRAMING_FLAWS):
            check_broken(find(broken_framings(flaw), lambda _: True))

    assert seen >= MUST_REACH, f"the fuzz never got these answers: {sorted(MUST_REACH - seen)}"


def _check(answer: Any, request: dict[str, Any], seen: set[int]) -> None:
    seen.add(answer.status)
    assert answer.status in DOCUMENTED, (answer.status, answer.body[:300])
    assert answer.header("Date"), answer.headers
    if answer.status in WITHOUT_BODY:
        assert answer.body == b""
        return
    assert answer.header("Content-Type") == JSON_CONTENT_TYPE, answer.headers
    if request["method"] == "HEAD":
        assert answer.body == b""  # a client reads no body after HEAD, whatever the status
        return
    body = answer.json()
    assert isinstance(body, dict)
    if answer.status >= 400:
        assert isinstance(body.get("message"), str) and body["message"], body


