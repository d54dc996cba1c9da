"""Start the mock by hand: `make mock` (or `python -m mock_cliniko` with `tests/` on the path).

It serves the API on `PORT` (default 18443) and its controls on the next port up, keeps its CA files in
`MOCK_CLINIKO_DIR` (default: `.mock-cliniko/` in the current folder), prints the lines to export in
another shell, and runs until Ctrl+C. Unlike the tests' mock, its clock jumps past the window on a `429`
(`clock_jumps_on_rate_limit`). How to use it:
https://cliniko.github.io/cliniko-api/contributing/#run-the-mock-by-hand
"""

from __future__ import annotations

import os
import shlex
import signal
import sys
import threading
from pathlib import Path

from mock_cliniko.server import MockCliniko, PortInUseError

DEFAULT_PORT = 18443


def main() -> int:
    raw_port = os.environ.get("PORT", str(DEFAULT_PORT))
    if not raw_port.isdigit() or not 0 < int(raw_port) < 65535:
        print(f"mock: PORT must be a port number from 1 to 65534, got {raw_port!r}", file=sys.stderr)
        return 2
    port = int(raw_port)
    workdir = Path(os.environ.get("MOCK_CLINIKO_DIR", Path.cwd() / ".mock-cliniko"))
    try:
        mock = MockCliniko(port=port, control_port=port + 1, clock_jumps_on_rate_limit=True, workdir=workdir)
    except PortInUseError as error:
        print(f"mock: {error}", file=sys.stderr)
        return 1
    mock.start()

    # The handlers go in before the mock says it is running, so that an early Ctrl+C still stops it cleanly.
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("Mock Cliniko API running. In another shell, export:\n")
    for name, value in mock.environment().items():
        print(f"export {name}={shlex.quote(value)}")
    print(
        "\nThen, for example:\n"
        '  curl -u "$CLINIKO_API_KEY:" -H "Accept: application/json" '
        '-H "User-Agent: My app (me@example.com)" "$CLINIKO_API_URL/user"\n'
        "\nReset the mock: curl -X POST \"$CLINIKO_MOCK_CONTROL_URL/reset\"\n"
        "Press Ctrl+C to stop.",
        flush=True,
    )
    stop.wait()
    mock.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
