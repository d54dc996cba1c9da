"""Raw TLS connections to a mock, for the transport tests that send what no client library would: a head
in pieces, half a body, a body framed two ways.

Also what several of those tests share: the bytes of a request head, a patient to create, the count of
patients that shows a broken request stored nothing, and the short limits of the mocks they start
for themselves.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from api_requests import raw_head, send
from cliniko_sandbox.transport import Timeouts

#: A patient to create, as the bytes of its JSON body.
NEW_PATIENT = b'{"first_name": "Half", "last_name": "Body"}'
#: Short limits for a mock a test starts for itself, so that each limit ends a connection within about a second.
SHORT = Timeouts(handshake=0.5, header=0.5, idle=0.5, body=1.0, write=0.5, accept_backoff=0.05)


@contextmanager
def tls_socket(mock: Any) -> Iterator[ssl.SSLSocket]:
    """A TLS connection to `mock` (anything with `host`, `port` and `ca_file`), trusting only its CA."""
    context = ssl.create_default_context(cafile=str(mock.ca_file))
    with (
        socket.create_connection((mock.host, mock.port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=mock.host) as tls,
    ):
        yield tls


def request_head(mock: Any, method: str, target: str, *extra: str) -> bytes:
    """The bytes of a request head for `mock`'s host and port, with the headers of `api_requests.raw_head`
    and then `extra`."""
    return raw_head(f"{mock.host}:{mock.port}", method, target, *extra)


def count_patients(mock: Any) -> int:
    """How many active patients the mock holds."""
    return send(mock, "GET", "/patients").json()["total_entries"]
