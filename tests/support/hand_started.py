"""The hand-started sandbox, as the tests start it: `cliniko-sandbox` in a process of its own, read until
it says it is ready, its export lines parsed, and stopped with Ctrl+C (SIGINT) afterwards.

Shared by the sandbox layer's tests of the command and the examples layer's reproduction of each
prepared condition.
"""

from __future__ import annotations

import queue
import shlex
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pytest

from api_requests import USER_AGENT

READY_LINE = "Press Ctrl+C to stop."
START_TIMEOUT = 30
#: How many free port pairs `start` tries when the one it chose was taken before the mock could bind it.
PORT_ATTEMPTS = 3
EXPORTED = {
    "CLINIKO_API_URL",
    "CLINIKO_API_KEY",
    "REQUESTS_CA_BUNDLE",
    "SSL_CERT_FILE",
    "CURL_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "CLINIKO_MOCK_CONTROL_URL",
}


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_pair() -> int:
    """A port that is free, with the next one (the control port) free as well."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port < 65534 and port_is_free(port + 1):
            return port
    raise RuntimeError("found no two free ports in a row")


#: The console script, as `pip install` makes it beside the interpreter (`make test` installs the project).
SANDBOX = Path(sys.executable).with_name("cliniko-sandbox")


def sandbox_command(*arguments: str) -> list[str]:
    """The `cliniko-sandbox` command with `arguments`; fails the test if the project is not installed."""
    if not SANDBOX.is_file():
        pytest.fail(f"{SANDBOX} is missing: install the project first (make test does: pip install --editable .)")
    return [str(SANDBOX), *arguments]


def _launch(
    port: str, workdir: Path, stderr: TextIO, program: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """Start `program` (the checkout's `cliniko-sandbox` unless given) on `port`, in `workdir`."""
    arguments = ("--port", port, "--dir", str(workdir))
    return subprocess.Popen(
        [str(program), *arguments] if program is not None else sandbox_command(*arguments),
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr,  # a file, which never fills up and blocks the sandbox as an unread pipe could
        text=True,
    )


def run_to_exit(workdir: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        sandbox_command(*arguments),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=False,
    )


@dataclass
class HandStarted:
    process: subprocess.Popen[str]
    #: Where its standard error goes.
    stderr_path: Path
    #: Everything it printed up to and including the line saying it is ready.
    printed: list[str]
    #: The variables from its `export NAME=value` lines.
    exports: dict[str, str]


def _read_until_ready(process: subprocess.Popen[str], stderr_path: Path) -> list[str]:
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    printed: list[str] = []
    while True:
        try:
            line = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            raise AssertionError(f"the mock printed no {READY_LINE!r} in {START_TIMEOUT} s: {printed}") from None
        if line is None:
            raise AssertionError(f"the mock exited before it was ready: {printed} {stderr_path.read_text()}")
        printed.append(line)
        if line == READY_LINE:
            return printed


def _exports(printed: list[str]) -> dict[str, str]:
    exports = {}
    for line in printed:
        if line.startswith("export "):
            words = shlex.split(line)
            assert len(words) == 2, line
            name, _, value = words[1].partition("=")
            exports[name] = value
    return exports


def stop(process: subprocess.Popen[str]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def start(
    workdir: Path, port: int | None = None, program: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[HandStarted]:
    """Start `cliniko-sandbox` in `workdir` (on `port`, or a free port pair), and stop it afterwards.

    `program` and `env` start another installation's command, in its own environment.
    """
    stderr_path = workdir / "stderr.txt"
    # A free pair can be taken between the probe and the mock's bind (the other test process starts
    # mocks on ports the system picks): then another pair is chosen, up to PORT_ATTEMPTS times.
    for attempt in range(1, PORT_ATTEMPTS + 1):
        with stderr_path.open("w") as stderr:
            process = _launch(str(port or free_port_pair()), workdir, stderr, program, env)
            try:
                printed = _read_until_ready(process, stderr_path)
            except AssertionError:
                stop(process)
                if port is None and attempt < PORT_ATTEMPTS and "already in use" in stderr_path.read_text():
                    continue
                raise
            try:
                yield HandStarted(process, stderr_path, printed, _exports(printed))
            finally:
                stop(process)
            return


REQUESTS_CLIENT = (
    "import os, requests\n"
    "response = requests.get(\n"
    "    os.environ['CLINIKO_API_URL'] + '/user',\n"
    "    auth=(os.environ['CLINIKO_API_KEY'], ''),\n"
    f"    headers={{'Accept': 'application/json', 'User-Agent': {USER_AGENT!r}}},\n"
    "    timeout=10,\n"
    ")\n"
    "print(response.status_code, response.json()['role'])\n"
)


def curl_client(curl: str) -> str:
    """A shell command: `curl` asks for `GET /user` with only the exported variables (the CA from
    CURL_CA_BUNDLE), and prints the body, then the status on a line of its own."""
    return (
        f'{shlex.quote(curl)} --silent --show-error --write-out "\\n%{{http_code}}" '
        f'-u "$CLINIKO_API_KEY:" -H "Accept: application/json" -H {shlex.quote("User-Agent: " + USER_AGENT)} '
        '"$CLINIKO_API_URL/user"'
    )
