"""Half a body is never acted on: a body that stops short stores nothing, one that arrives in full after
a pause is served, and a client still sending a body over the limit can read its `413`."""

from __future__ import annotations

import socket
import ssl
import struct
import time

import pytest

from api_requests import read_until_closed
from cliniko_sandbox.contract import MAX_BODY_BYTES, size_in_words
from raw_tls import NEW_PATIENT, count_patients, request_head, tls_socket


def _abort(sock: ssl.SSLSocket, reset: bool) -> None:
    if reset:
        # SO_LINGER with a zero timeout makes close() send a reset instead of an orderly end.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


@pytest.mark.parametrize("ending", ["close", "reset"])
@pytest.mark.parametrize("framing", ["content-length", "chunked-without-last-chunk"])
def test_a_body_that_never_arrives_in_full_stores_nothing(mock, framing, ending):
    before = count_patients(mock)
    with tls_socket(mock) as sock:
        if framing == "content-length":
            sock.sendall(request_head(mock, "POST", "/v1/patients", "Content-Type: application/json", "Content-Length: 4096"))
            sock.sendall(NEW_PATIENT)
        else:
            sock.sendall(
                request_head(mock, "POST", "/v1/patients", "Content-Type: application/json", "Transfer-Encoding: chunked")
            )
            sock.sendall(f"{len(NEW_PATIENT):X}\r\n".encode() + NEW_PATIENT + b"\r\n")
        time.sleep(0.1)  # the head and the piece of body have reached the server
        _abort(sock, reset=ending == "reset")
    time.sleep(0.2)  # time for the server to see the end of the connection

    assert count_patients(mock) == before


def test_a_complete_body_after_a_pause_is_still_served(mock):
    before = count_patients(mock)
    with tls_socket(mock) as sock:
        head = request_head(mock, "POST", "/v1/patients", "Content-Type: application/json", f"Content-Length: {len(NEW_PATIENT)}")
        sock.sendall(head + NEW_PATIENT[:10])
        time.sleep(0.2)
        sock.sendall(NEW_PATIENT[10:] + request_head(mock, "GET", "/v1/user", "Connection: close"))
        responses = read_until_closed(sock)

    assert responses.startswith(b"HTTP/1.1 201 Created\r\n")
    assert responses.count(b"HTTP/1.1 ") == 2
    assert count_patients(mock) == before + 1


def test_a_client_still_sending_a_body_over_the_limit_reads_the_413_not_a_reset(mock):
    """The server answers a declared body of three times the limit at once, then reads and drops the body
    still arriving.

    A client such as requests sends the whole body before it reads; had the server closed once it had
    answered, the client's next writes would fail and the answer would be lost.
    """
    size = 3 * MAX_BODY_BYTES
    before = count_patients(mock)
    with tls_socket(mock) as sock:
        sock.sendall(request_head(mock, "POST", "/v1/patients", "Content-Type: application/json", f"Content-Length: {size}"))
        time.sleep(0.1)  # the server has answered by now
        piece = b" " * 65536
        for _ in range(size // len(piece)):
            sock.sendall(piece)  # fails if the server has closed already
        response = read_until_closed(sock)  # the server closes once the body it declined has arrived

    assert response.startswith(b"HTTP/1.1 413 Content Too Large\r\n")
    assert size_in_words(MAX_BODY_BYTES).encode() in response and b"connection: close" in response.lower()
    assert count_patients(mock) == before
