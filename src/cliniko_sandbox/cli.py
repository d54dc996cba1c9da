"""`cliniko-sandbox`: start the sandbox by hand, in the foreground, until Ctrl+C.

It serves the API over HTTPS on `--port` (default 18443) and its controls on the next port up (or
`--control-port`), writes its throwaway certificate authority into `--dir` (default: `.cliniko-sandbox/`
in the current folder), and prints the lines to export in another shell. Unlike the test suite's sandbox,
its clock jumps past the rate-limit window after a `429` (`clock_jumps_on_rate_limit`), so a reader who
spends the quota by hand is never locked out. How to use it: the guide's Sandbox page.

A bad option gets one line on standard error and exit status 2; a port already in use, exit status 1.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import signal
import sys
import threading
from importlib import metadata
from pathlib import Path
from typing import NoReturn

PROGRAM = "cliniko-sandbox"
DEFAULT_PORT = 18443
DEFAULT_DIR = ".cliniko-sandbox"
LOOPBACK_NAMES = ("127.0.0.1", "::1", "localhost")


class _Parser(argparse.ArgumentParser):
    """argparse, with each mistake said on one line: what was wrong, and where to read more."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROGRAM}: {message} (see {PROGRAM} --help)\n")


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"a port must be a whole number from 1 to 65535, not {text!r}")
    return int(text)


def _loopback(text: str) -> str:
    if text == "localhost":
        return text
    try:
        loopback = ipaddress.ip_address(text).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise argparse.ArgumentTypeError(
            f"the controls have no authentication, so the sandbox listens on a loopback address only "
            f"(such as {', '.join(LOOPBACK_NAMES)}), not on {text!r}"
        )
    return text


def _version() -> str:
    try:
        return metadata.version(PROGRAM)
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def parser() -> argparse.ArgumentParser:
    build = _Parser(
        prog=PROGRAM,
        description=(
            "Start the Cliniko API guide's sandbox: a local mock of the Cliniko API over HTTPS, with the "
            "demo data every example on the guide runs against, and a control port to reset it, move its "
            "clock, spend its quota or make requests fail. It is the guide's reference implementation, "
            "not Cliniko's service. It runs in the foreground until Ctrl+C."
        ),
        epilog="It prints the lines to export in another shell; the guide's Sandbox page explains each.",
    )
    build.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"the API's port (default {DEFAULT_PORT})"
    )
    build.add_argument(
        "--control-port", type=_port, default=None, help="the controls' port (default: the API's port + 1)"
    )
    build.add_argument(
        "--host", type=_loopback, default="127.0.0.1",
        help="the loopback address to listen on (default 127.0.0.1)",
    )
    build.add_argument(
        "--dir", type=Path, default=Path(DEFAULT_DIR), dest="workdir", metavar="DIR",
        help=f"where to write the sandbox's CA certificate (default: ./{DEFAULT_DIR}/)",
    )
    build.add_argument("--version", action="version", version=f"{PROGRAM} {_version()}")
    return build


def main(argv: list[str] | None = None) -> int:
    options = parser()
    args = options.parse_args(argv)
    control_port = args.control_port
    if control_port is None:
        if args.port == 65535:
            options.error("--port 65535 leaves no port above it for the controls; give --control-port too")
        control_port = args.port + 1
    if control_port == args.port:
        options.error(f"--control-port must differ from --port (both are {args.port})")
    if args.workdir.exists() and not args.workdir.is_dir():
        options.error(f"--dir {str(args.workdir)!r} is a file, not a folder")

    # Imported here, so that --help and a bad option answer without loading the server.
    from cliniko_sandbox.server import MockCliniko, PortInUseError

    try:
        sandbox = MockCliniko(
            host=args.host,
            port=args.port,
            control_port=control_port,
            clock_jumps_on_rate_limit=True,
            workdir=args.workdir.resolve(),
        )
    except PortInUseError as error:
        print(f"{PROGRAM}: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"{PROGRAM}: cannot start: {error}", file=sys.stderr)
        return 1
    sandbox.start()

    # The handlers go in before the sandbox says it is running, so that an early Ctrl+C still stops it.
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("The Cliniko API sandbox is running. In another shell, export:\n")
    for name, value in sandbox.environment().items():
        print(f"export {name}={shlex.quote(value)}")
    print(
        "\nThen, for example:\n"
        '  curl -u "$CLINIKO_API_KEY:" -H "Accept: application/json" '
        '-H "User-Agent: My app (me@example.com)" "$CLINIKO_API_URL/user"\n'
        '\nReset the sandbox: curl -X POST "$CLINIKO_MOCK_CONTROL_URL/reset"\n'
        "Press Ctrl+C to stop.",
        flush=True,
    )
    stop.wait()
    sandbox.stop()
    return 0
