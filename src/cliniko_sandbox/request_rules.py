"""The request rules about headers, bodies and query names: User-Agent, Authorization, Accept,
Content-Type, Content-Encoding, body size, JSON, and the names of the query parameters.

Every check here takes time in proportion to its input at most, and its input is bounded first: no
header or body, however it is made, can hold the server up.

A request is read one way only. A list header sent on several lines (`Accept`, `Content-Encoding`, the
tags of `If-None-Match` and `If-Match`) means what one line with the values joined by ", " means (RFC
9110, 5.3). A header that holds one value (`User-Agent`, `Authorization`, `Content-Type`) sent twice is
refused with `400` rather than one of the two winning, and so is a JSON object that names a field twice
(which I-JSON, RFC 7493, forbids).
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.datastructures import Headers

from cliniko_sandbox.contract import MAX_USER_AGENT_LENGTH, NAME_SHOWN
from cliniko_sandbox.errors import ApiError

#: Runs of the characters an e-mail address in a `User-Agent` may be made of (the local part's, with `@`).
#: A character class repeated once cannot backtrack: the split takes time in proportion to the header.
_NOT_ADDRESS = re.compile(r"[^A-Za-z0-9.!#$%&'*+/=?^_`{|}~@-]+")
_DOMAIN_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _has_domain(text: str) -> bool:
    """Whether `text` starts with a domain: labels joined by dots, the last at least two letters."""
    end = 0
    while end < len(text) and text[end] in _DOMAIN_CHARACTERS:
        end += 1
    labels = text[:end].split(".")
    if not labels[0]:
        return False
    for label in labels[1:]:
        if len(label) >= 2 and label[0] in _LETTERS and label[1] in _LETTERS:
            return True
        if not label:
            return False
    return False


def contains_email(text: str) -> bool:
    """Whether `text` contains an e-mail address such as `dev@example.com`, anywhere in it."""
    for run in _NOT_ADDRESS.split(text):
        parts = run.split("@")
        for local, domain in zip(parts, parts[1:]):
            if local and _has_domain(domain):
                return True
    return False


def list_field(headers: Headers, name: str) -> str | None:
    """A header's lines joined into one value with ", ", as RFC 9110 (5.3) reads them; None when not sent."""
    values = headers.getlist(name)
    return ", ".join(values) if values else None


def single_field(headers: Headers, name: str) -> str | None:
    """The value of a header that holds one value; sent on more than one line, it is refused with `400`.

    `name` is written as the message shows it (`User-Agent`).
    """
    values = headers.getlist(name.lower())
    if len(values) > 1:
        raise ApiError(400, f"Send one {name} header; this request has {len(values)}.")
    return values[0] if values else None


def check_user_agent(user_agent: str | None) -> None:
    """Require a `User-Agent` that names the application and a contact e-mail address."""
    if not user_agent or not user_agent.strip():
        raise ApiError(
            400,
            "A User-Agent header is required, naming your application and a contact e-mail address, "
            "for example: Practice Sync (dev@example.com).",
        )
    if len(user_agent) > MAX_USER_AGENT_LENGTH:
        raise ApiError(400, f"The User-Agent header is longer than the limit of {MAX_USER_AGENT_LENGTH} characters.")
    if not contains_email(user_agent):
        raise ApiError(
            400,
            "The User-Agent header must include a contact e-mail address, "
            "for example: Practice Sync (dev@example.com).",
        )


def single_authorization(headers: Headers) -> str | None:
    """The one `Authorization` header; two or more are ambiguous and refused with `400`."""
    values = headers.getlist("authorization")
    if len(values) > 1:
        raise ApiError(400, "Send one Authorization header; this request has more than one.")
    return values[0] if values else None


#: A JSON escape of a UTF-16 surrogate (`\\ud800` to `\\udfff`, in either case).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")


def _quoted(name: str) -> str:
    shown = name if len(name) <= NAME_SHOWN else name[:NAME_SHOWN] + "…"
    return repr(shown)


def check_query_names(query: Any, takes: tuple[str, ...]) -> None:
    """Refuse with `400` a query parameter the operation does not take, or one with an empty name.

    An API that ignores what it does not know turns a misspelt `per_pag=100` into the default page
    without a word; refusing it is this guide's own rule. `query` is the request's decoded parameters
    (Starlette's `QueryParams`); `takes` the names the operation takes, none for most.
    """
    offer = f"this request takes {_listed(takes)}" if takes else "this request takes no query parameters"
    for name, value in query.multi_items():
        if not name:
            raise ApiError(400, f"A query parameter has an empty name ({_quoted('=' + value)}); {offer}.")
        if name not in takes:
            raise ApiError(400, f"Unknown query parameter {_quoted(name)}: {offer}.")


def _listed(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _media_ranges(accept: str) -> list[tuple[str, str, float]]:
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        kind, slash, subtype = media.partition("/")
        if not slash or not kind or not subtype:
            continue  # not a media range; ignore it
        quality = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
                if not 0.0 <= quality <= 1.0:
                    quality = 0.0
        ranges.append((kind, subtype, quality))
    return ranges


def accepts_json(accept: str | None) -> bool:
    """Whether an `Accept` header allows `application/json` (a missing or empty header allows anything).

    The most specific range that matches decides, so `application/json;q=0, */*` refuses JSON. Empty
    members of the list are skipped (RFC 9110, 5.6.1), so `Accept: ,` is an empty header.
    """
    if accept is None or not accept.replace(",", "").strip():
        return True
    best: tuple[int, float] | None = None
    for kind, subtype, quality in _media_ranges(accept):
        if (kind, subtype) == ("application", "json"):
            specificity = 2
        elif (kind, subtype) == ("application", "*"):
            specificity = 1
        elif (kind, subtype) == ("*", "*"):
            specificity = 0
        else:
            continue
        if best is None or specificity > best[0]:
            best = (specificity, quality)
    return best is not None and best[1] > 0


def check_accept(accept: str | None) -> None:
    if not accepts_json(accept):
        raise ApiError(406, "This API only answers with JSON: send Accept: application/json.")


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


class _NameTwice(ValueError):
    """A JSON object names the same member twice."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _object_naming_each_member_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) < len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise _NameTwice(name)
            seen.add(name)
    return found


def parse_json_body(headers: Headers, body: bytes) -> Any:
    """Decode a request body, which must be JSON sent as `application/json`, with no content coding.

    An empty body decodes to `None`. Raises `ApiError` 415 for another content type or a content coding
    (such as gzip), and 400 for two `Content-Type` headers, for malformed JSON, and for an object that
    names a member twice.
    """
    if not body:
        return None
    codings = [coding.strip().lower() for value in headers.getlist("content-encoding") for coding in value.split(",")]
    if any(coding not in ("", "identity") for coding in codings):
        raise ApiError(415, "Request bodies must not be content-encoded (no gzip): send the JSON as it is.")
    content_type = single_field(headers, "Content-Type")
    media = (content_type or "").split(";")[0].strip().lower()
    if media != "application/json":
        raise ApiError(415, "Request bodies must be JSON, sent with Content-Type: application/json.")
    charset = None
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    if charset not in (None, "utf-8", "utf8"):
        raise ApiError(415, "JSON request bodies must be encoded as UTF-8.")
    try:
        value = json.loads(
            body.decode("utf-8"), parse_constant=_reject_constant, object_pairs_hook=_object_naming_each_member_once
        )
        # An escape such as "\ud800" decodes to a lone surrogate, which no UTF-8 answer can echo back;
        # I-JSON (RFC 7493) forbids them, so such a body is refused like any other bad JSON. Only an
        # escape can make one (UTF-8 itself cannot), so only a body with such an escape is checked:
        # encoding a large value again costs as much as decoding it did.
        if _SURROGATE_ESCAPE.search(body):
            json.dumps(value, ensure_ascii=False).encode("utf-8")
    except _NameTwice as twice:
        raise ApiError(
            400, f"The request body's JSON names {_quoted(twice.name)} twice in one object; send each name once."
        ) from None
    except (UnicodeError, ValueError, RecursionError):
        raise ApiError(400, "The request body is not valid JSON.") from None
    return value
