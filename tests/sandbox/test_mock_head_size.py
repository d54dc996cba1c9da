"""The limit on a request's head holds every time: a head over it gets `431` in JSON, however it is sent
and while the client is still sending, and a head just under it is served."""

from __future__ import annotations

import time

import pytest

from api_requests import read_until_closed, send
from cliniko_sandbox.contract import MAX_HEAD_BYTES, size_in_words
from raw_tls import request_head, tls_socket


@pytest.mark.parametrize("pieces", [1, 4], ids=["one-write", "four-writes"])
def test_a_head_over_the_limit_gets_431_in_json_every_time(mock, pieces):
    request = request_head(mock, "GET", "/v1/user", "X-Padding: " + "p" * MAX_HEAD_BYTES)
    with tls_socket(mock) as sock:
        step = len(request) // pieces + 1
        for start in range(0, len(request), step):
            sock.sendall(request[start : start + step])
            time.sleep(0.01)
        response = read_until_closed(sock)

    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 ")
    assert b"content-type: application/json; charset=utf-8" in head.lower()
    assert size_in_words(MAX_HEAD_BYTES).encode() in body


def test_a_client_still_sending_an_oversized_head_gets_the_431_not_a_reset(mock):
    """The server responds once the limit has been passed; a client still sending must be able to read that.

    The head here is four times the limit, and the server's 431 goes out once the first 4 KiB past the
    limit have arrived. Closing then would make the client's next writes fail, so a client like
    http.client, which sends the whole request before it reads, would never see the response.
    """
    request = request_head(mock, "GET", "/v1/user", "X-Padding: " + "p" * (4 * MAX_HEAD_BYTES))
    first = MAX_HEAD_BYTES + 4 * 1024
    with tls_socket(mock) as sock:
        sock.sendall(request[:first])
        time.sleep(0.1)  # the server has seen enough to respond, and has done so
        for start in range(first, len(request), 4096):
            sock.sendall(request[start : start + 4096])  # fails if the server has closed already
            time.sleep(0.005)
        response = read_until_closed(sock)

    assert response.startswith(b"HTTP/1.1 431 ")
    assert size_in_words(MAX_HEAD_BYTES).encode() in response


def test_a_head_just_under_the_limit_is_served(mock):
    padding = MAX_HEAD_BYTES - len(request_head(mock, "GET", "/v1/user", "X-Padding: ")) - 100
    response = send(mock, "GET", "/user", headers={"X-Padding": "p" * padding})

    assert response.status_code == 200
