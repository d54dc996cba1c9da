"""HTTP caching and safe changes: validators on successful reads, and conditional requests (RFC 9110
section 13, RFC 9111).

Conditional headers are evaluated only for a request that would otherwise succeed: authentication, the
rate limit and the record lookup have already run by the time `is_not_modified` or `precondition_holds`
is asked.

* Reads (`GET`, `HEAD`) take `If-None-Match` and `If-Modified-Since`, and get `304` when the copy the
  client kept is still current.
* Changes to a patient (update, archive, unarchive) take `If-Match` and `If-Unmodified-Since`, and are
  refused with `412` when the patient has changed since the client read it. That a change honours them
  is this guide's own rule; how each is compared is RFC 9110's.

A header sent on several lines is read as one line with the values joined by commas (RFC 9110, 5.3): a
list of tags is one list however it was split, and a date sent twice is a list of dates, which is not a
date and is ignored (RFC 9110, 13.1.3 and 13.1.4).

`Last-Modified` is never later than the response's `Date`: a record whose time is ahead of the clock (the
clock was set back) is sent with the clock's time instead, as RFC 9110 (8.8.2.1) requires.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.datastructures import URL, Headers

from cliniko_sandbox.request_rules import list_field

#: Sent with every successful read: a cache may store the answer but must revalidate before reuse,
#: and only the client that asked (the answer depends on the key) may store it.
CACHE_CONTROL = "private, no-cache"
#: The answer depends on the key and on what the client accepts.
VARY = "Accept, Authorization"

#: One entity tag of a list, with the empty elements before it skipped (RFC 9110 section 5.6.1).
_ENTITY_TAG = re.compile(r'[\s,]*(W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')
_DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME = r"\d\d:\d\d:\d\d"
#: The three forms of an HTTP-date a recipient must read (RFC 9110, 5.6.7), and nothing else: the
#: preferred `Thu, 15 Jan 2026 09:30:00 GMT`, the obsolete RFC 850 form, and C's asctime() form (in UTC).
_HTTP_DATE = re.compile(
    rf"{_DAY}, \d\d {_MONTH} \d{{4}} {_TIME} GMT"
    rf"|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, \d\d-{_MONTH}-\d\d {_TIME} GMT"
    rf"|{_DAY} {_MONTH} (?:\d\d| \d) {_TIME} \d{{4}}"
)


def http_date(instant: datetime) -> str:
    """An IMF-fixdate, as in `Date` and `Last-Modified`: `Thu, 15 Jan 2026 09:30:00 GMT`."""
    return format_datetime(instant.astimezone(UTC).replace(microsecond=0), usegmt=True)


def strong_etag(request_target: str, body: bytes) -> str:
    """A strong entity tag that changes whenever the representation does, the query string included."""
    digest = hashlib.sha256(request_target.encode("utf-8") + b"\n" + body).hexdigest()
    return f'"{digest[:32]}"'


def _if_none_match_matches(header: str, etag: str) -> bool:
    """Weak comparison of `If-None-Match` against the current ETag; `*` matches any current record."""
    if header.strip(" \t,") == "*":
        return True
    wanted = etag  # the server's own tags are always strong; the pattern drops a client's W/ prefix
    position = 0
    while header[position:].strip(" \t,"):  # what is left holds more than empty elements
        match = _ENTITY_TAG.match(header, position)
        if match is None:
            return False  # a malformed list matches nothing
        if match.group(2) == wanted:
            return True
        position = match.end()
    return False


def _if_match_matches(header: str, etag: str) -> bool:
    """Strong comparison of `If-Match` against the current ETag; `*` matches any current record.

    A weak tag (`W/"..."`) never matches, even when its quoted part is the current tag. A malformed value
    matches nothing, so the change is refused rather than made on a guess.
    """
    if header.strip(" \t,") == "*":
        return True
    position = 0
    while header[position:].strip(" \t,"):  # what is left holds more than empty elements
        match = _ENTITY_TAG.match(header, position)
        if match is None:
            return False
        if match.group(1) is None and match.group(2) == etag:
            return True
        position = match.end()
    return False


def _parse_http_date(value: str) -> datetime | None:
    """The instant an HTTP-date names; None for anything else, a list of dates included."""
    if not _HTTP_DATE.fullmatch(value.strip()):
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None  # a date that cannot be, such as 31 February
    # Only the asctime() form names no zone; it is UTC.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def is_not_modified(
    *,
    if_none_match: str | None,
    if_modified_since: str | None,
    etag: str,
    last_modified: datetime,
) -> bool:
    """Whether a GET or HEAD should be answered with `304 Not Modified`.

    `If-None-Match` wins when present; `If-Modified-Since` is used only without it, and an invalid date
    in it is ignored.
    """
    if if_none_match is not None:
        return _if_none_match_matches(if_none_match, etag)
    if if_modified_since is not None:
        return _unchanged_since(if_modified_since, last_modified) is True
    return False


def precondition_holds(
    *,
    if_match: str | None,
    if_unmodified_since: str | None,
    etag: str,
    last_modified: datetime,
) -> bool:
    """Whether a change may go ahead: `False` means `412 Precondition Failed`.

    `If-Match` wins when present (even empty); `If-Unmodified-Since` is used only without it, and an
    invalid date in it is ignored. Without either, the change goes ahead.
    """
    if if_match is not None:
        return _if_match_matches(if_match, etag)
    if if_unmodified_since is not None:
        return _unchanged_since(if_unmodified_since, last_modified) is not False
    return True


def _unchanged_since(header: str, last_modified: datetime) -> bool | None:
    """Whether the record is unchanged since the HTTP date in `header`; None if the date cannot be read.

    Compared in whole seconds, the precision of `Last-Modified`. Each caller ignores an unreadable date
    in its own way: a read is then not conditional, and a change goes ahead.
    """
    since = _parse_http_date(header)
    if since is None:
        return None
    return last_modified.replace(microsecond=0) <= since


@dataclass(frozen=True)
class Validators:
    """The validators of one successful read, and the caching headers that carry them."""

    etag: str
    last_modified: datetime

    @classmethod
    def of(cls, url: URL, content: bytes, last_modified: datetime, *, now: datetime, leave_out: bytes) -> Validators:
        """The validators of `content` read at `url`.

        Args:
            url: the request's URL; its path and query are part of the tag.
            content: the response body.
            last_modified: when the representation last changed.
            now: the response's `Date`; a `last_modified` after it is replaced by it.
            leave_out: bytes dropped from the body before hashing (the server's own address, so that a
                tag does not depend on where the mock listens; it still changes with every change to
                the record or the query).
        """
        target = url.path + ("?" + url.query if url.query else "")
        return cls(strong_etag(target, content.replace(leave_out, b"")), min(last_modified, now))

    def headers(self) -> dict[str, str]:
        return {
            "ETag": self.etag,
            "Last-Modified": http_date(self.last_modified),
            "Cache-Control": CACHE_CONTROL,
            "Vary": VARY,
        }

    def not_modified_for(self, request_headers: Headers) -> bool:
        """Whether the request's conditional headers make this a `304`."""
        return is_not_modified(
            if_none_match=list_field(request_headers, "if-none-match"),
            if_modified_since=list_field(request_headers, "if-modified-since"),
            etag=self.etag,
            last_modified=self.last_modified,
        )
