"""A small client for the Cliniko API, in one file you can copy into a project.

It needs Python 3.11 or newer and `requests`, and it puts into practice what the guide explains:

* HTTP Basic authentication with the API key as the username and an empty password;
* a `User-Agent` naming your application and a contact e-mail, which the API requires;
* a timeout on every request;
* error responses raised as exceptions that carry the status and the body;
* waiting for `Retry-After` on `429` (and on `5xx` for requests that are safe to repeat), with a
  bounded number of retries and a cap on each wait;
* an ETag cache for `GET`s: a `304 Not Modified` is served from the cache;
* every page of a list, by following `links.next`, with the list's filters (`q`) and order (`sort`);
* changes made only if the record has not changed since it was read (`If-Match`,
  `If-Unmodified-Since`), refused with `412` otherwise.

Create one `Cliniko` per API key, then call `get`, `post`, `put` (or its alias `patch`), or
`paginate` for a whole list; `etag` gives the `ETag` of a record read with `get`. The client logs
each request to the `cliniko_client` logger: every response at `DEBUG`, and every wait before a
retry at `INFO`, each with the response's request ID (`X-Request-Id`), which is what to quote when
you ask Cliniko's support about it. Its exceptions carry that ID too.

Examples:
    Create the client once, with your key and your application's name and contact e-mail. The
    examples of each method below use this `client`:

    >>> import os
    >>> from cliniko_client import Cliniko, NotFoundError, PreconditionFailedError, ValidationError
    >>> client = Cliniko(
    ...     api_key=os.environ["CLINIKO_API_KEY"],
    ...     user_agent="Practice Sync (dev@example.com)",
    ...     base_url=os.environ.get("CLINIKO_API_URL", "https://api.cliniko.com/v1"),
    ... )
    >>> client.get("user")["role"]
    'administrator'
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict

__all__ = [
    "DEFAULT_BASE_URL",
    "AuthenticationError",
    "BadRequestError",
    "Cliniko",
    "ClinikoError",
    "NotFoundError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RateLimitError",
    "ServerError",
    "ValidationError",
]

DEFAULT_BASE_URL = "https://api.cliniko.com/v1"
"""The API's base URL, used when you give none; every path the client is given is relative to it."""

logger = logging.getLogger("cliniko_client")

# Methods that leave the same state however many times they are sent. A create (`POST`) is not one:
# if its response is lost, sending it again can create a second record.
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "PATCH"})
_RETRYABLE_SERVER_STATUSES = frozenset({500, 502, 503, 504})
_CONTACT_EMAIL = re.compile(r"[^@\s()<>]+@[^@\s()<>]+\.[A-Za-z]{2,}")
# One entity tag or a comma-separated list of them, as `If-Match` takes: `"abc"`, `W/"abc"`.
_ENTITY_TAGS = re.compile(r'(?:W/)?"[^"\s]*"(?:\s*,\s*(?:W/)?"[^"\s]*")*')


class ClinikoError(Exception):
    """An error response from the API: any status of 400 or more.

    The subclasses name the statuses a program most often handles on their own; every other error
    status is a plain `ClinikoError`.

    Attributes:
        status: The HTTP status code, such as `404`.
        message: The `message` of the error body, or the reason phrase if the body has none.
        body: The decoded JSON body, or the raw text when the body is not JSON.
        headers: The response headers (a case-insensitive mapping).
        request_id: The response's `X-Request-Id`, to quote to Cliniko's support, or `None` if it
            has none (a proxy's error, for example). The exception's text ends with it.
    """

    def __init__(
        self,
        status: int,
        message: str,
        body: Any = None,
        headers: CaseInsensitiveDict[str] | None = None,
    ) -> None:
        """Build an error from the parts of a response.

        Args:
            status: The HTTP status code.
            message: A human-readable explanation, usually the body's `message`.
            body: The decoded body (or its text when it is not JSON).
            headers: The response headers.
        """
        self.status: int = status
        self.message: str = message
        self.body: Any = body
        self.headers: CaseInsensitiveDict[str] = headers if headers is not None else CaseInsensitiveDict()
        self.request_id: str | None = self.headers.get("X-Request-Id")
        super().__init__(f"{status} {message}" + (f" (request ID {self.request_id})" if self.request_id else ""))


class BadRequestError(ClinikoError):
    """`400 Bad Request`: the request is malformed (for example, no contact e-mail in the `User-Agent`)."""


class AuthenticationError(ClinikoError):
    """`401 Unauthorized`: the API key is missing, malformed or not valid."""


class PermissionDeniedError(ClinikoError):
    """`403 Forbidden`: the key's user is not allowed to do this (for example, a read-only role)."""


class NotFoundError(ClinikoError):
    """`404 Not Found`: no such path, or no such record in the key's account."""


class ValidationError(ClinikoError):
    """`422 Unprocessable Content`: the body was understood but its values are not acceptable."""

    @property
    def errors(self) -> dict[str, str]:
        """The problems, by field name; a problem with the record as a whole is under `base`."""
        if isinstance(self.body, dict) and isinstance(self.body.get("errors"), dict):
            return dict(self.body["errors"])
        return {}


class PreconditionFailedError(ClinikoError):
    """`412 Precondition Failed`: the record has changed since the copy your change was based on.

    Raised for a change sent with `if_match` or `if_unmodified_since`; nothing was changed. Read the
    record again, then decide whether to make the change again. The client never retries a `412`.
    """


class RateLimitError(ClinikoError):
    """`429 Too Many Requests`, raised once the client has stopped waiting and retrying."""

    @property
    def retry_after(self) -> float | None:
        """The seconds the API asked the client to wait, or `None` if it did not say."""
        return _seconds_to_wait(self.headers.get("Retry-After"))


class ServerError(ClinikoError):
    """A `5xx` status: a fault on the API's side, raised once retrying has not helped."""


_ERROR_CLASSES: dict[int, type[ClinikoError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    412: PreconditionFailedError,
    422: ValidationError,
    429: RateLimitError,
}


def _error_for(response: requests.Response) -> ClinikoError:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str):
        message = response.reason or "error"
    if response.status_code >= 500:
        error_class: type[ClinikoError] = ServerError
    else:
        error_class = _ERROR_CLASSES.get(response.status_code, ClinikoError)
    return error_class(response.status_code, message, body, response.headers)


def _seconds_to_wait(retry_after: str | None) -> float | None:
    """Read `Retry-After`, which is either whole seconds or an HTTP date."""
    if retry_after is None:
        return None
    value = retry_after.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    when = _http_date(value)
    if when is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _http_date(value: str) -> datetime | None:
    """An HTTP date (`Thu, 15 Jan 2026 09:30:00 GMT`) as an aware datetime, or `None` if it is not one."""
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    return when


def _list_query(
    params: dict[str, Any] | None, q: str | Sequence[str] | None, sort: str | None
) -> dict[str, Any] | None:
    """`params` with the filters in `q` added as `q[]` and the order in `sort`; `params` itself if neither."""
    if q is None and sort is None:
        return params
    query = dict(params or {})
    if q is not None:
        filters = _filters(q)
        if filters:
            given = query.get("q[]")
            if given is None:
                earlier: list[Any] = []
            elif isinstance(given, (list, tuple)):
                earlier = list(given)
            else:
                earlier = [given]
            query["q[]"] = earlier + filters
    if sort is not None:
        if not isinstance(sort, str):
            raise TypeError(f"sort must be a string such as 'last_name' or 'updated_at:desc'; got {sort!r}")
        if not sort.strip():
            raise ValueError("sort is empty: name a field, such as 'last_name' or 'updated_at:desc'")
        if "sort" in query:
            raise ValueError("sort is given twice, as an argument and in params: give it once")
        query["sort"] = sort
    return query


def _filters(q: str | Sequence[str]) -> list[str]:
    """The filters of `q` as a list, each checked to be a non-empty `FIELD:OPERATORVALUE` string."""
    if isinstance(q, str):
        filters = [q]
    elif isinstance(q, Sequence) and not isinstance(q, (bytes, bytearray)):
        filters = list(q)
    else:
        raise TypeError(f"q must be a filter string such as 'email:=ada@example.com', or a list of them; got {q!r}")
    for item in filters:
        if not isinstance(item, str):
            raise TypeError(f"each filter in q must be a string such as 'email:=ada@example.com'; got {item!r}")
        if ":" not in item:
            raise ValueError(f"a filter is written FIELD:OPERATORVALUE, as in 'email:=ada@example.com'; got {item!r}")
    return filters


def _precondition_headers(if_match: str | None, if_unmodified_since: datetime | str | None) -> dict[str, str]:
    """The `If-Match` and `If-Unmodified-Since` headers of a change, checked; none for `None`."""
    headers: dict[str, str] = {}
    if if_match is not None:
        if not isinstance(if_match, str):
            raise TypeError(f"if_match must be a string, an ETag as the API sent it or '*'; got {if_match!r}")
        tag = if_match.strip()
        if tag != "*" and not _ENTITY_TAGS.fullmatch(tag):
            raise ValueError(
                "if_match must be an ETag as the API sent it, quotes included (as in '\"3f9a\"'), "
                f"or '*'; got {if_match!r}"
            )
        headers["If-Match"] = tag
    if if_unmodified_since is not None:
        if isinstance(if_unmodified_since, datetime):
            if if_unmodified_since.utcoffset() is None:
                raise ValueError(
                    "if_unmodified_since must be timezone-aware (give it a tzinfo, such as UTC); "
                    f"got {if_unmodified_since.isoformat()}"
                )
            # An HTTP date is always GMT, to the second.
            headers["If-Unmodified-Since"] = format_datetime(if_unmodified_since.astimezone(UTC), usegmt=True)
        elif isinstance(if_unmodified_since, str):
            # The API ignores a date it cannot read and makes the change anyway, so check it here.
            if _http_date(if_unmodified_since) is None:
                raise ValueError(
                    "if_unmodified_since must be a timezone-aware datetime or an HTTP date such as "
                    f"'Thu, 15 Jan 2026 09:30:00 GMT'; got {if_unmodified_since!r}"
                )
            headers["If-Unmodified-Since"] = if_unmodified_since.strip()
        else:
            raise TypeError(f"if_unmodified_since must be a datetime or a string; got {if_unmodified_since!r}")
    return headers


class Cliniko:
    """A client for one API key.

    Use one client per key and keep it for the life of the program: it holds the connection pool
    and the cache. All its users and keys share the account's rate limit, so a program that runs
    several clients for one account should make them take turns.

    Args:
        api_key: The API key, sent as the username of HTTP Basic authentication.
        user_agent: Your application's name and a contact e-mail address, as in
            `Practice Sync (dev@example.com)`. The API refuses requests without one.
        base_url: The API's base URL. Absolute URLs given to the client (such as `links.next`)
            must start with it, so that the key is never sent anywhere else.
        timeout: Seconds to wait for the server to accept the connection and, separately, for
            each read; applied to every request.
        max_retries: How many times a request is sent again after a `429` or, for `GET`, `HEAD`,
            `PUT` and `PATCH`, after a `500`, `502`, `503` or `504`. `0` turns retrying off.
        max_wait: The longest single wait, in seconds. A response whose `Retry-After` asks for a
            longer wait is raised at once rather than sent again early.
        cache_size: How many `GET` responses the ETag cache keeps (the least recently used go
            first). `0` turns the cache off.
        session: A `requests.Session` to send through, for example one with extra hooks or a
            custom CA bundle. The client sets its authentication and headers on it.

    Raises:
        ValueError: If an argument is out of range or the user agent names no contact e-mail.

    Examples:
        In a `with` block, the client closes its connections at the end:

        >>> with Cliniko(os.environ["CLINIKO_API_KEY"], "Practice Sync (dev@example.com)",
        ...              base_url=os.environ.get("CLINIKO_API_URL", "https://api.cliniko.com/v1")) as short_lived:
        ...     print(short_lived.get("user")["first_name"])
        Priya

        A user agent without a contact e-mail is refused before anything is sent:

        >>> Cliniko(os.environ["CLINIKO_API_KEY"], "python-requests/2.32")
        Traceback (most recent call last):
            ...
        ValueError: user_agent must name your application and a contact e-mail address, as in 'Practice Sync (dev@example.com)'; got 'python-requests/2.32'
    """

    def __init__(
        self,
        api_key: str,
        user_agent: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10.0,
        max_retries: int = 3,
        max_wait: float = 60.0,
        cache_size: int = 256,
        session: requests.Session | None = None,
    ) -> None:
        if not api_key or not api_key.strip():
            raise ValueError("api_key is empty: pass your Cliniko API key")
        if not user_agent or not _CONTACT_EMAIL.search(user_agent):
            raise ValueError(
                "user_agent must name your application and a contact e-mail address, "
                f"as in 'Practice Sync (dev@example.com)'; got {user_agent!r}"
            )
        parts = urlsplit(base_url)
        if parts.scheme != "https" or not parts.netloc:
            raise ValueError(f"base_url must be an https:// URL (the API does not serve plain HTTP); got {base_url!r}")
        if not timeout > 0:
            raise ValueError(f"timeout must be more than 0 seconds; got {timeout!r}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more; got {max_retries!r}")
        if not max_wait >= 0:
            raise ValueError(f"max_wait must be 0 or more seconds; got {max_wait!r}")
        if cache_size < 0:
            raise ValueError(f"cache_size must be 0 or more; got {cache_size!r}")

        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.cache_size = cache_size
        self._cache: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._session = session if session is not None else requests.Session()
        self._session.auth = (api_key, "")
        self._session.headers.update({"Accept": "application/json", "User-Agent": user_agent})

    # Public methods ---------------------------------------------------------------------------

    def get(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        q: str | Sequence[str] | None = None,
        sort: str | None = None,
    ) -> Any:
        """Read a resource, revalidating any cached copy with `If-None-Match`.

        Args:
            path: A path under the base URL (`patients/1240000000000000001`) or an absolute URL
                the API gave you, such as a record's `links.self`.
            params: Query parameters, such as `{"page": 2}`.
            q: For a list, a filter such as `updated_at:>2026-01-15T09:30:00Z` (`FIELD:OPERATORVALUE`),
                or a list of filters, all of which a record must pass. Each is sent as a `q[]`
                parameter, after any filters already in `params`.
            sort: For a list, the fields to order it by, such as `last_name,first_name` or
                `updated_at:desc`; each is ascending unless it ends in `:desc`.

        Returns:
            The decoded JSON body. After a `304 Not Modified` it is decoded afresh from the
            cached copy, so changing it does not change the cache.

        Raises:
            ClinikoError: If the API responds with an error (a subclass for the common statuses).
            TypeError: If `q` is not a string or a list of strings, or `sort` is not a string.
            ValueError: If a filter is empty or has no `:`, `sort` is empty, or `params` already
                has a `sort`.

        Examples:
            >>> patient = client.get("patients/1240000000000000001")
            >>> patient["first_name"], patient["last_name"], patient["links"]["self"]
            ('William', 'Kaur', 'https://api.cliniko.com/v1/patients/1240000000000000001')

            Reading it again sends its `ETag`; the API responds with `304 Not Modified`, and the client
            returns the copy it kept:

            >>> client.get("patients/1240000000000000001") == patient
            True

            An error status raises the matching exception. Its text ends with the response's request
            ID, the one to quote to Cliniko's support (the sandbox counts them from its last reset):

            >>> client.get("patients/1")
            Traceback (most recent call last):
                ...
            cliniko_client.NotFoundError: 404 Not found: there is no patient with that ID. (request ID 00000000-0000-8000-8000-000000000004)

            A filter in `q` picks the records of a list, here the patients changed after a time:

            >>> client.get("patients", q="updated_at:>2025-10-01T00:00:00Z")["total_entries"]
            8

            With several filters, a record must pass every one:

            >>> page = client.get("patients", q=["last_name:=Kaur", "date_of_birth:>=1970-01-01"])
            >>> [(p["first_name"], p["last_name"], p["date_of_birth"]) for p in page["patients"]]
            [('Mia', 'Kaur', '1994-01-17'), ('Jack', 'Kaur', '1972-12-02'), ('Henry', 'Kaur', '1983-10-28')]

            `sort` orders the list; `:desc` turns a field's order:

            >>> page = client.get("patients", {"per_page": 3}, sort="date_of_birth:desc")
            >>> [(p["first_name"], p["date_of_birth"]) for p in page["patients"]]
            [('Leo', '1994-12-10'), ('Ruby', '1994-11-19'), ('Ruby', '1994-11-03')]
        """
        url = self._url(path, _list_query(params, q, sort))
        cached = self._cache.get(url)
        headers = {"If-None-Match": cached[0]} if cached else {}
        response = self._send("GET", url, headers=headers)
        if response.status_code == 304 and cached is not None:
            self._cache.move_to_end(url)
            logger.debug("%s, served from the cache", _summary("GET", url, response))
            return json.loads(cached[1])
        body = _decode(response)
        self._remember(url, response)
        return body

    def etag(self, path: str) -> str | None:
        """The `ETag` of the copy of a record that `get` last read, to pass as `if_match`.

        The tag comes from the cache, so nothing is sent. It is the tag of the last `200` response
        to `get` for the same URL; a `304` confirms it. A change you make does not update it: read the
        record again before you make another change that depends on it.

        Args:
            path: The path or absolute URL given to `get`, such as `patients/1240000000000000001` or
                the record's `links.self` (both name the same cached copy).

        Returns:
            The tag, quotes included, or `None` if `get` has not read the URL, the cache has since
            dropped it (see `cache_size`), or the response had no `ETag`. Check for `None` before
            you pass the tag on: `if_match=None` sends no precondition at all.

        Raises:
            ValueError: If `path` is an absolute URL outside the base URL.

        Examples:
            >>> print(client.etag("patients/1240000000000000002"))
            None
            >>> patient = client.get("patients/1240000000000000002")
            >>> tag = client.etag("patients/1240000000000000002")
            >>> client.etag(patient["links"]["self"]) == tag
            True
            >>> client.put("patients/1240000000000000002", json={"title": "Ms"}, if_match=tag)["title"]
            'Ms'
        """
        cached = self._cache.get(self._url(path))
        return cached[0] if cached else None

    def post(
        self,
        path: str,
        json: Any = None,
        *,
        if_match: str | None = None,
        if_unmodified_since: datetime | str | None = None,
    ) -> Any:
        """Create a record, or run an action such as `patients/{id}/archive` or `patients/{id}/unarchive`.

        A `POST` is not sent again after a `5xx`: the first attempt may have created the record.
        It is sent again after a `429`, which the API sends before doing anything.

        Args:
            path: A path under the base URL, or an absolute URL under it.
            json: The body, encoded as JSON (`None` sends no body).
            if_match: For an action on a record, as for `put`: run it only if the record still has
                this `ETag`.
            if_unmodified_since: For an action on a record, as for `put`: run it only if the record
                has not changed since this time.

        Returns:
            The decoded JSON body, or `None` for a response without one (`204 No Content`).

        Raises:
            ClinikoError: If the API responds with an error.
            PreconditionFailedError: If the record has changed since the `if_match` or
                `if_unmodified_since` given.
            TypeError: If a precondition has the wrong type.
            ValueError: If a precondition is not written as the header needs.

        Examples:
            >>> patient = client.post("patients", json={"first_name": "Ana", "last_name": "Silva"})
            >>> patient["first_name"], patient["last_name"], patient["archived_at"]
            ('Ana', 'Silva', None)
            >>> print(client.post(f"patients/{patient['id']}/archive"))
            None

            An archived patient leaves `patients` for the list `patients/archived`, and `unarchive`
            brings them back:

            >>> [p["first_name"] for p in client.get("patients/archived")["patients"]]
            ['Jack', 'Isla', 'Ana']
            >>> print(client.post(f"patients/{patient['id']}/unarchive"))
            None
            >>> print(client.get(f"patients/{patient['id']}")["archived_at"])
            None

            A value the API does not accept raises `ValidationError`, with the problems by field:

            >>> try:
            ...     client.post("patients", json={"first_name": "Ana"})
            ... except ValidationError as error:
            ...     print(error.status, error.errors)
            422 {'last_name': "can't be blank"}
        """
        return self._change("POST", path, json, if_match, if_unmodified_since)

    def put(
        self,
        path: str,
        json: Any,
        *,
        if_match: str | None = None,
        if_unmodified_since: datetime | str | None = None,
    ) -> Any:
        """Update a record with `PUT`: only the fields sent change; every other field keeps its value.

        This is the API's documented update. Sending the same change twice leaves the same record, so
        a `PUT` is retried after a `5xx` like a `GET`. With a precondition, a retry after a `5xx` can
        get `412` because the first attempt did make the change: read the record to see.

        Args:
            path: A path under the base URL, or an absolute URL under it.
            json: The fields to change.
            if_match: Make the change only if the record still has this `ETag`, such as the one
                `etag` gives for your copy (`*` matches any version). Sent as `If-Match`; `None`
                sends none.
            if_unmodified_since: Make the change only if the record has not changed since this
                time: a timezone-aware `datetime`, or a string already written as an HTTP date
                (`Thu, 15 Jan 2026 09:30:00 GMT`). Sent as `If-Unmodified-Since`, to the second;
                the API ignores it when `if_match` is given too.

        Returns:
            The decoded JSON body: the record as it now is.

        Raises:
            ClinikoError: If the API responds with an error.
            PreconditionFailedError: If the record has changed since the `if_match` or
                `if_unmodified_since` given; nothing was changed.
            TypeError: If a precondition has the wrong type.
            ValueError: If `if_match` is not an entity tag or `*`, or `if_unmodified_since` is a
                naive `datetime` or a string that is not an HTTP date.

        Examples:
            >>> patient = client.put("patients/1240000000000000001", json={"first_name": "Will"})
            >>> patient["first_name"], patient["last_name"]
            ('Will', 'Kaur')

            To make a change only if nobody has changed the record since you read it, send the
            `ETag` of your copy:

            >>> patient = client.get("patients/1240000000000000002")
            >>> tag = client.etag("patients/1240000000000000002")
            >>> client.put("patients/1240000000000000002", json={"title": "Ms"}, if_match=tag)["title"]
            'Ms'

            That change gave the record a new `ETag`, so a second change based on the same copy is
            refused, and the record keeps its title:

            >>> try:
            ...     client.put("patients/1240000000000000002", json={"title": "Mx"}, if_match=tag)
            ... except PreconditionFailedError as error:
            ...     print(error.status)
            412
            >>> client.get("patients/1240000000000000002")["title"]
            'Ms'

            A time must say its time zone:

            >>> from datetime import datetime
            >>> client.put("patients/1240000000000000002", json={"title": "Mx"},
            ...            if_unmodified_since=datetime(2026, 1, 15, 9, 30))
            Traceback (most recent call last):
                ...
            ValueError: if_unmodified_since must be timezone-aware (give it a tzinfo, such as UTC); got 2026-01-15T09:30:00
        """
        return self._change("PUT", path, json, if_match, if_unmodified_since)

    def patch(
        self,
        path: str,
        json: Any,
        *,
        if_match: str | None = None,
        if_unmodified_since: datetime | str | None = None,
    ) -> Any:
        """The same update as `put`, sent with `PATCH`, which the API accepts as an alias of `PUT`.

        Prefer `put`; this method is kept so that code written for it still works.

        Args:
            path: A path under the base URL, or an absolute URL under it.
            json: The fields to change.
            if_match: As for `put`.
            if_unmodified_since: As for `put`.

        Returns:
            The decoded JSON body: the record as it now is.

        Raises:
            ClinikoError: If the API responds with an error.
            PreconditionFailedError: If the record has changed since the precondition given.
            TypeError: If a precondition has the wrong type.
            ValueError: If a precondition is not written as the header needs.

        Examples:
            >>> client.patch("patients/1240000000000000001", json={"title": "Dr"})["title"]
            'Dr'
        """
        return self._change("PATCH", path, json, if_match, if_unmodified_since)

    def pages(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        q: str | Sequence[str] | None = None,
        sort: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield each page of a list, from the first to the last, by following `links.next`.

        Args:
            path: The list's path, such as `patients`.
            params: Query parameters for the first page, such as `{"per_page": 40}`; the API
                carries them into the `next` links.
            q: A filter or a list of filters, as for `get`.
            sort: The order, as for `get`.

        Yields:
            Each page's decoded body, with the records, `total_entries` and `links`.

        Raises:
            ClinikoError: If the API responds with an error.
            TypeError: If `q` or `sort` has the wrong type (raised when the first page is asked for).
            ValueError: If `q` or `sort` is not acceptable, as for `get`.

        Examples:
            >>> [len(page["patients"]) for page in client.pages("patients")]
            [50, 50, 10]
            >>> first = next(client.pages("patients", {"per_page": 40}))
            >>> first["total_entries"], first["links"]["next"]
            (110, 'https://api.cliniko.com/v1/patients?page=2&per_page=40')

            The filters and the order carry on to every page:

            >>> changed = client.pages("patients", {"per_page": 5}, q="updated_at:>2025-10-01T00:00:00Z")
            >>> [len(page["patients"]) for page in changed]
            [5, 3]
        """
        page = self.get(path, _list_query(params, q, sort))
        while True:
            yield page
            next_url = page.get("links", {}).get("next")
            if not next_url:
                return
            page = self.get(next_url)

    def paginate(
        self,
        path: str,
        key: str | None = None,
        params: dict[str, Any] | None = None,
        *,
        q: str | Sequence[str] | None = None,
        sort: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield every record of a list, page after page.

        The list can change while it is read: when a record on a page already read is archived,
        the records after it move back by one, and the first of them is missed, as with any paged
        read. No record is yielded twice.

        Args:
            path: The list's path, such as `patients`, `patients/archived` or `patients/deleted`.
            key: The name under which each page's body holds its records. By default, the first
                segment of `path`: `patients` for all three paths above, whose pages all hold
                their records under `patients`. Name it only for a list whose key is another word.
            params: Query parameters for the first page.
            q: A filter or a list of filters, as for `get`.
            sort: The order, as for `get`.

        Yields:
            Each record, as a dictionary.

        Raises:
            ClinikoError: If the API responds with an error.
            KeyError: If a page has no list under `key`.
            TypeError: If `key`, `q` or `sort` has the wrong type (raised when the first record is
                asked for).
            ValueError: If `q` or `sort` is not acceptable, as for `get`.

        Examples:
            >>> patients = list(client.paginate("patients", params={"per_page": 40}))
            >>> len(patients), patients[0]["first_name"], patients[-1]["first_name"]
            (110, 'William', 'Amelia')

            Every patient changed after a time, oldest change first, as a copy kept in sync reads
            them:

            >>> changed = client.paginate("patients", q="updated_at:>2025-10-01T00:00:00Z", sort="updated_at")
            >>> [(p["first_name"], p["updated_at"]) for p in changed][:2]
            [('Mia', '2025-10-02T03:47:00Z'), ('Charlotte', '2025-10-03T06:13:00Z')]

            The archived patients have a list of their own, whose pages hold them under `patients`
            too; naming the key gives the same records:

            >>> [p["first_name"] for p in client.paginate("patients/archived")]
            ['Jack', 'Isla']
            >>> [p["first_name"] for p in client.paginate("patients/archived", "patients")]
            ['Jack', 'Isla']
        """
        if key is None:
            key = self._list_key(path)
        elif not isinstance(key, str):
            raise TypeError(
                f"key must be the name of the list in each page, a string; got {type(key).__name__} "
                "(pass query parameters as params=)"
            )
        seen: set[str] = set()
        for page in self.pages(path, params, q=q, sort=sort):
            if key not in page:
                raise KeyError(f"the page of {path!r} holds no list under {key!r}; name the list's key as key=")
            for record in page[key]:
                record_id = record.get("id")
                if record_id in seen:
                    continue
                if record_id is not None:
                    seen.add(record_id)
                yield record

    def close(self) -> None:
        """Close the connections the client holds.

        Examples:
            >>> client.close()
        """
        self._session.close()

    def __enter__(self) -> Cliniko:
        """Use the client in a `with` block, which closes it at the end."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the client."""
        self.close()

    # Internals --------------------------------------------------------------------------------

    def _change(
        self, method: str, path: str, json: Any, if_match: str | None, if_unmodified_since: datetime | str | None
    ) -> Any:
        """Send a `POST`, `PUT` or `PATCH` with its preconditions, checked before anything is sent."""
        headers = _precondition_headers(if_match, if_unmodified_since)
        return _decode(self._send(method, self._url(path), json=json, headers=headers))

    def _list_key(self, path: str) -> str:
        """The key of a list's records by default: the first segment of its path under the base URL."""
        below_base = urlsplit(self._url(path)).path.removeprefix(urlsplit(self.base_url).path)
        return below_base.strip("/").split("/")[0]

    def _url(self, path: str, params: dict[str, Any] | None = None) -> str:
        if "://" in path:
            if not (path == self.base_url or path.startswith(self.base_url + "/") or path.startswith(self.base_url + "?")):
                raise ValueError(f"refusing to send the API key to {path!r}: it is not under {self.base_url}")
            url = path
        else:
            url = f"{self.base_url}/{path.lstrip('/')}"
        # Let requests write the query string, so that the cache key is the URL actually sent.
        prepared = requests.PreparedRequest()
        prepared.prepare_url(url, params)
        assert prepared.url is not None
        return prepared.url

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        retries = 0
        while True:
            # requests lets REQUESTS_CA_BUNDLE override a session's own CA bundle unless it is passed
            # with each request; passing it keeps the session's choice (True still reads the variable).
            response = self._session.request(
                method, url, timeout=self.timeout, verify=self._session.verify, **kwargs
            )
            status = response.status_code
            summary = _summary(method, url, response)
            if status < 400:
                if status != 304:  # `get` says how it served a 304
                    logger.debug(summary)
                return response
            wait = self._retry_wait(method, response, retries)
            if wait is None:
                logger.debug(summary)
                raise _error_for(response)
            retries += 1
            logger.info("%s; waiting %g s before retry %d of %d", summary, wait, retries, self.max_retries)
            time.sleep(wait)

    def _retry_wait(self, method: str, response: requests.Response, retries: int) -> float | None:
        """How long to wait before sending the request again, or `None` not to send it again."""
        if retries >= self.max_retries:
            return None
        status = response.status_code
        if status != 429 and not (status in _RETRYABLE_SERVER_STATUSES and method in _IDEMPOTENT):
            return None
        asked = _seconds_to_wait(response.headers.get("Retry-After"))
        if asked is not None:
            # Waiting less than asked would go against the API (after a 429, it would only be refused
            # again): give up instead.
            return None if asked > self.max_wait else asked
        # No Retry-After: back off exponentially, with jitter so that clients do not retry in step.
        return random.uniform(0, min(self.max_wait, 2.0**retries))

    def _remember(self, url: str, response: requests.Response) -> None:
        etag = response.headers.get("ETag")
        if self.cache_size == 0 or response.status_code != 200 or not etag:
            return
        self._cache[url] = (etag, response.text)
        self._cache.move_to_end(url)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)


def _summary(method: str, url: str, response: requests.Response) -> str:
    """One line for the log: the request, the status, and the response's request ID when it has one."""
    summary = f"{method} {url} -> {response.status_code} {response.reason}"
    request_id = response.headers.get("X-Request-Id")
    return f"{summary} (request ID {request_id})" if request_id else summary


def _decode(response: requests.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise ClinikoError(
            response.status_code, "the API responded with a body that is not JSON", response.text, response.headers
        ) from None
