"""Out of file handles, the mock goes on: it logs each accept that failed, and serves the next client
once handles are free again."""

from __future__ import annotations

import logging
import multiprocessing
import resource
import socket
import time
from pathlib import Path

import requests

from api_requests import client_headers
from cliniko_sandbox import MockCliniko
from raw_tls import SHORT


def _serve_with_few_handles(pipe, stop) -> None:  # type: ignore[no-untyped-def]
    """In a child process: serve with only a few file handles to spare, and report the failed accepts."""
    failed_accepts: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: failed_accepts.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("cliniko_sandbox").addHandler(handler)
    with MockCliniko(timeouts=SHORT) as mock:
        open_now = len(list(Path("/proc/self/fd").iterdir()))
        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (open_now + 4, hard))
        pipe.send((mock.host, mock.port, str(mock.ca_file)))
        stop.wait(60)
    pipe.send([message for message in failed_accepts if "accept()" in message])


def test_the_mock_keeps_accepting_after_running_out_of_file_handles():
    context = multiprocessing.get_context("fork")
    ready_here, ready_there = context.Pipe()
    stop = context.Event()
    process = context.Process(target=_serve_with_few_handles, args=(ready_there, stop), daemon=True)
    process.start()
    try:
        assert ready_here.poll(20), "the mock in the child process did not start"
        host, port, ca_file = ready_here.recv()
        # Far more connections than the child has handles for: it runs out while accepting them.
        crowd = [socket.create_connection((host, port), timeout=5) for _ in range(40)]
        time.sleep(0.3)
        for sock in crowd:
            sock.close()
        time.sleep(0.3)

        started = time.perf_counter()
        response = requests.get(
            f"https://{host}:{port}/v1/user", headers=client_headers(), verify=ca_file, timeout=5
        )

        assert response.status_code == 200
        assert time.perf_counter() - started < 3
        stop.set()
        assert ready_here.poll(10)
        failed_accepts = ready_here.recv()
        assert failed_accepts and "Too many open files" in failed_accepts[0], failed_accepts
    finally:
        stop.set()
        process.join(10)
        if process.is_alive():
            process.kill()
