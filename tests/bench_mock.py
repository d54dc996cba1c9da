"""Figures for the mock API's speed, which decide how long the example and mock tests take.

Run with `make bench`. Prints, for a mock on this machine: requests per second over one keep-alive
HTTPS connection, with a new connection (and TLS handshake) per request, and from 8 threads at once;
and the time a reset takes (the suites reset before every test, and the fuzz test before every case).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable

import requests

from cliniko_sandbox import MockCliniko
from cliniko_sandbox.seed import ADMIN_KEY_A, ACCOUNT_A

HEADERS = {"Accept": "application/json", "User-Agent": "Mock benchmark (docs@example.com)"}


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:8.0f} requests/s ({seconds * 1000 / count:6.2f} ms each)"


def _timed(action: Callable[[], None], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    with MockCliniko() as mock:
        url = f"{mock.base_url}/patients?per_page=10"
        verify = str(mock.ca_file)

        session = requests.Session()
        session.auth = (ADMIN_KEY_A, "")
        session.headers.update(HEADERS)
        # A per-request verify: a session's own is overridden by REQUESTS_CA_BUNDLE from the environment.
        session.get(url, verify=verify, timeout=10)  # warm up

        count = 400
        mock.controls.reset()
        started = time.perf_counter()
        for _ in range(count):
            session.get(url, verify=verify, timeout=10).raise_for_status()
        print(f"keep-alive, 1 client     {_rate(count, time.perf_counter() - started)}")

        count = 100
        mock.controls.reset()
        started = time.perf_counter()
        for _ in range(count):
            requests.get(url, auth=(ADMIN_KEY_A, ""), headers=HEADERS, verify=verify, timeout=10).raise_for_status()
        print(f"new connection each      {_rate(count, time.perf_counter() - started)}")

        threads, per_thread = 8, 60
        mock.controls.reset()
        mock.controls.set_remaining(ACCOUNT_A, 500)

        def worker() -> None:
            own = requests.Session()
            own.auth = (ADMIN_KEY_A, "")
            own.headers.update(HEADERS)
            for _ in range(per_thread):
                own.get(url, verify=verify, timeout=10).raise_for_status()

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        started = time.perf_counter()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        print(f"keep-alive, {threads} threads   {_rate(threads * per_thread, time.perf_counter() - started)}")

        resets = _timed(mock.controls.reset, 50)
        print(f"reset                    median {statistics.median(resets) * 1000:6.2f} ms, "
              f"max {max(resets) * 1000:6.2f} ms")


if __name__ == "__main__":
    main()
