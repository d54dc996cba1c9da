"""Requests to the mock Cliniko API, as the mock's own tests send them.

Two ways to talk to the mock, both over HTTPS that trusts only the mock's CA:

* `send` makes one request with `requests`, dressed as a well-behaved client (a `User-Agent` with a
  contact e-mail, `Accept: application/json`, the API key by Basic authentication). Any of those can
  be replaced, or left out by giving `None`.
* `RawClient` sends exactly the method, target, headers and body it is given with `http.client`, and
  returns the answer as it arrived: the status, every header in order, and the body bytes. Tests that
  compare answers byte for byte, or send what `requests` would tidy up, use it.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests

from cliniko_sandbox import MockCliniko
from cliniko_sandbox.seed import ADMIN_KEY_A

#: A User-Agent the API accepts: an application name and a contact e-mail address.
USER_AGENT = "Cliniko API docs tests (docs-tests@example.com)"
#: Shaped like a real key, but no user has it.
UNKNOWN_KEY = "MS0xMjEwMDAwMDAwMDAwMDAwMDAx-bm90LWEtcmVhbC1rZXk-au1"
#: What every JSON answer of the API is labelled with.
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
#: The `Date` of every answer while the mock's clock stands at its start.
START_DATE = "Thu, 15 Jan 2026 09:30:00 GMT"
#: An IMF-fixdate, the only date format the API writes (`Date`, `Last-Modified`).
HTTP_DATE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$"
)
#: A UTC time as the API writes it in bodies.
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def basic_auth(api_key: str, password: str = "") -> str:
    """The `Authorization` value for a key sent as the Basic username."""
    return "Basic " + base64.b64encode(f"{api_key}:{password}".encode()).decode("ascii")


def raw_head(host: str, method: str, target: str, *lines: str, version: str = "HTTP/1.1") -> bytes:
    """The bytes of a request head, for tests that send what a client library would not: `Host`, the
    administrator's key, the tests' `User-Agent` and `Accept: application/json`, then `lines`."""
    head = [
        f"{method} {target} {version}",
        f"Host: {host}",
        f"User-Agent: {USER_AGENT}",
        f"Authorization: {basic_auth(ADMIN_KEY_A)}",
        "Accept: application/json",
        *lines,
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")


def client_headers(api_key: str | None = ADMIN_KEY_A) -> dict[str, str]:
    """The headers every request of a well-behaved client carries."""
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if api_key is not None:
        headers["Authorization"] = basic_auth(api_key)
    return headers


def origin(mock: MockCliniko) -> str:
    """The mock's scheme, host and port, without the `/v1` of the base URL."""
    return mock.base_url.removesuffix("/v1")


def send(
    mock: MockCliniko,
    method: str,
    target: str,
    *,
    key: str | None = ADMIN_KEY_A,
    headers: dict[str, str | None] | None = None,
    session: requests.Session | None = None,
    **kwargs: Any,
) -> requests.Response:
    """Send one request to the mock with `requests`.

    Args:
        mock: the running mock.
        method: the HTTP method.
        target: a path under the base URL (`/patients?page=2`), or an absolute URL.
        key: the API key to authenticate with; None sends no `Authorization`.
        headers: headers to add or replace; a value of None leaves that header out entirely.
        session: a session to reuse its connection; a one-off request without it.
        **kwargs: passed on to `requests` (`json`, `data`, `params`, ...).
    """
    url = target if target.startswith(("https://", "http://")) else mock.base_url + target
    merged: dict[str, str | None] = dict(client_headers(key))
    merged.update(headers or {})
    kwargs.setdefault("timeout", 10)
    # verify= on every call: a session's own `verify` loses to REQUESTS_CA_BUNDLE from the environment.
    if session is None:
        with requests.Session() as one_off:
            return one_off.request(method, url, headers=merged, verify=str(mock.ca_file), **kwargs)
    return session.request(method, url, headers=merged, verify=str(mock.ca_file), **kwargs)


def error_message(response: requests.Response) -> str:
    """The `message` of an error answer, after checking that the answer is JSON as documented."""
    assert response.headers.get("Content-Type") == JSON_CONTENT_TYPE, response.headers
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"], body
    return body["message"]


def read_until_closed(sock: Any) -> bytes:
    """Everything a socket receives until the server closes the connection; a reset or a TLS error on
    the way counts as the close (the server may drop a connection that broke the rules)."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except (ConnectionResetError, ssl.SSLError):
        pass
    return received


def read_response(sock: Any, *, after_head: bool = False) -> bytes:
    """One response as it arrives, its head and as much body as its `Content-Length` gives (none when
    `after_head`, for a response to `HEAD`), without waiting for the server to close the connection.
    What arrived is returned as it is when the connection ends (or resets) first."""
    received = b""
    try:
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                return received
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        length = re.search(rb"(?im)^content-length:[ \t]*(\d+)[ \t]*$", head)
        wanted = 0 if after_head or length is None else int(length.group(1))
        while len(body) < wanted:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    except (ConnectionResetError, ssl.SSLError):
        pass
    return received if b"\r\n\r\n" not in received else head + b"\r\n\r\n" + body


def _chunked(body: bytes) -> bytes:
    """The body in chunked transfer coding, cut into three chunks (or none, for an empty body)."""
    step = max(1, len(body) // 3)
    pieces = [body[start : start + step] for start in range(0, len(body), step)]
    return b"".join(f"{len(piece):X}\r\n".encode("ascii") + piece + b"\r\n" for piece in pieces) + b"0\r\n\r\n"


@dataclass(frozen=True)
class Answer:
    """A response exactly as it arrived."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        assert len(values) <= 1, f"{name} sent {len(values)} times: {values}"
        return values[0] if values else None

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class RawClient:
    """One keep-alive HTTPS connection to the mock that sends requests exactly as given.

    Nothing is added to a request except `Content-Length` (or chunked framing) for a body.
    """

    def __init__(self, mock: MockCliniko, timeout: float = 10) -> None:
        assert mock.port is not None
        self.host = mock.host
        self.port = mock.port
        self._context = ssl.create_default_context(cafile=str(mock.ca_file))
        self._timeout = timeout
        self._connection = self._connect()

    def _connect(self) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(self.host, self.port, context=self._context, timeout=self._timeout)

    @property
    def host_header(self) -> str:
        return f"{self.host}:{self.port}"

    def send(
        self,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str | bytes]] = (),
        body: bytes | None = None,
        *,
        chunked: bool = False,
    ) -> Answer:
        """Send one request; a connection the server had already closed is replaced once."""
        headers = list(headers)
        reused = self._connection.sock is not None
        try:
            return self._send_once(method, target, headers, body, chunked)
        except (ConnectionError, ssl.SSLError, http.client.BadStatusLine):
            if not reused:
                raise
        return self._send_once(method, target, headers, body, chunked)

    def _send_once(
        self, method: str, target: str, headers: list[tuple[str, str | bytes]], body: bytes | None, chunked: bool
    ) -> Answer:
        try:
            return self._exchange(self._connection, method, target, headers, body, chunked)
        except BaseException:
            self.close()  # whatever went wrong, the next request starts on a new connection
            raise

    @staticmethod
    def _exchange(
        connection: http.client.HTTPSConnection,
        method: str,
        target: str,
        headers: list[tuple[str, str | bytes]],
        body: bytes | None,
        chunked: bool,
    ) -> Answer:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        if body is not None and chunked:
            connection.putheader("Transfer-Encoding", "chunked")
            body = _chunked(body)
        elif body is not None:
            connection.putheader("Content-Length", str(len(body)))
        # Head and body leave in one write: a server that refuses the head and closes has then already
        # received everything, so its close cannot reset the connection before the answer is read.
        connection.endheaders(message_body=body or None)
        response = connection.getresponse()
        content = response.read()
        return Answer(response.status, list(response.getheaders()), content)

    def close(self) -> None:
        self._connection.close()
        self._connection = self._connect()

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._connection.close()
