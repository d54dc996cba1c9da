"""Runs the examples under `snippets/` against the mock API and records what they print.

An example is any `.py`, `.mjs` or `.sh` file under `snippets/` except the library modules that
examples import (`LIBRARIES`): Python run with this interpreter, JavaScript (an ES module) with `node`,
and curl with `bash`. Its stored output lives beside it as `<file>.out` (for example
`authentication/get_user.py.out`), and the pages include that file under the code.

An example that imports the client a reader generates from the description (`cliniko_api_client`,
the OpenAPI page's example) finds it on its path: `generated_client` makes it once per process.

An example may need a prepared state, and may change data. Both are described, never coded, in a
`<stem>.scenario.json` beside the example, shared by its Python, JavaScript and curl variants;
`cliniko_docs.scenario` (under `src/`) reads and checks it. How to add an example: https://cliniko.github.io/cliniko-api/contributing/#add-an-example

Every exchange obeys the description. While an example runs, the mock records each request it
receives and the response it sends (`src/cliniko_sandbox/exchanges.py`), and `exchange_contract.py` checks each
one against `docs/openapi.yaml` with openapi-core; `tests/examples/test_snippets.py` fails the example on any
problem, naming the exchange, the operation, the status and the rule broken. The rules:

- The response must be one the description documents for the operation and its status: the status is
  listed, and the headers and body match what the description gives for it. This holds for every
  exchange, including the requests a lesson sends wrong on purpose.
- A request that obeys the description may get any documented status (a wrong key, a role without the
  right, a missing record or a spent quota are not visible in the request itself).
- A request that breaks the description (no key, a `User-Agent` without an e-mail address, a
  form-encoded or malformed body, a field over its limit, a `per_page` out of range) must be refused:
  with the status of the check that the broken rule belongs to, or with that of a check the API makes
  before it (the order is in `src/cliniko_sandbox/app.py` and `exchange_contract.ORDER_OF_CHECKS`). So a missing
  key may get `401`, or `400` if the `User-Agent` is wrong too, but never `200`.
- A request for a path or a method the description does not have must get `404` or `405` (with an
  `Allow` header listing exactly the methods the description gives that path), or a status of an
  earlier check, and the response must still carry the error body, `Date` and `Cache-Control: no-store`.
- The mock keeps the first 64 KiB of each body. A request body longer than that (only the `413` lesson
  sends one) is not checked against its schema; its response still is.
- Plain HTTP never reaches the API: the server answers it before any route is matched, so it is not an
  exchange of the description (whose only server is `https://`), and it is not recorded.

What an example prints is stored with two changes only, so the pages read as the real API would answer:
the mock's address `127.0.0.1:<port>` is written `api.cliniko.com` (the same length, so any
`Content-Length` shown stays right), and CRLF line ends (as curl prints headers) become LF.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

# KEYS and ScenarioError are re-exported: callers of the runner name the keys and catch bad scenarios.
from cliniko_docs.scenario import EXAMPLE_SUFFIXES, KEYS, Scenario, ScenarioError, scenario_path  # noqa: F401
from project import SNIPPETS, in_ci

PUBLIC_HOST = "api.cliniko.com"

#: Modules that examples import; they are tested by their own tests, not run as examples.
LIBRARIES = frozenset({"cliniko_client.py"})

TIMEOUT_SECONDS = 60


#: A named-section marker, as pymdownx.snippets reads it: `# --8<-- [start:name]` / `[end:name]`.
SECTION_MARKER = re.compile(r"-{1,}8<-{1,}\s*\[(?P<kind>start|end):(?P<name>[^\]]+)\]")
#: A code annotation marker (`# (1)!`): Material shows a bubble instead, and never copies it.
ANNOTATION_MARKER = re.compile(r"[ \t]*#[ \t]*\(\d+\)![ \t]*$")


def section_names(path: Path) -> list[str]:
    """The named sections of a file under `snippets/`, in order of their start markers."""
    names: list[str] = []
    for match in SECTION_MARKER.finditer(path.read_text(encoding="utf-8")):
        if match.group("kind") == "start" and match.group("name") not in names:
            names.append(match.group("name"))
    return names


def shown_text(spec: str) -> str | None:
    """What a page shows for an include spec (`path` or `path:section`), as pymdownx.snippets does.

    Section markers never show, a section is dedented, and annotation markers are dropped. Returns
    None for a line-range spec, which this project does not use.
    """
    path, _, section = spec.partition(":")
    lines = (SNIPPETS / path).read_text(encoding="utf-8").splitlines()
    if section:
        if section.replace(":", "").isdigit():
            return None
        start = next(i for i, line in enumerate(lines) if f"[start:{section}]" in line)
        end = next(i for i, line in enumerate(lines) if i > start and f"[end:{section}]" in line)
        lines = textwrap.dedent("\n".join(lines[start + 1 : end])).splitlines()
    lines = [ANNOTATION_MARKER.sub("", line) for line in lines if not SECTION_MARKER.search(line)]
    return "\n".join(lines)


@dataclass(frozen=True)
class Example:
    path: Path

    @property
    def name(self) -> str:
        return self.path.relative_to(SNIPPETS).as_posix()

    @property
    def output_path(self) -> Path:
        return self.path.with_name(self.path.name + ".out")

    @property
    def scenario_path(self) -> Path:
        return scenario_path(self.path)

    def scenario(self) -> Scenario:
        """The example's scenario, checked; the default one when it has no scenario file."""
        return Scenario.for_example(self.path)

    def command(self) -> list[str]:
        if self.path.suffix == ".py":
            return [sys.executable, str(self.path)]
        if self.path.suffix == ".mjs":
            return ["node", str(self.path)]
        return ["bash", str(self.path)]

    def __str__(self) -> str:
        return self.name


#: The programs a curl example may call besides the shell's own commands.
SHELL_TOOLS = ("curl", "jq")


#: The oldest Node.js the JavaScript examples are written for: the first with `fetch` built in. The
#: home page's "Before the first call" box names it (`tests/examples/test_prerequisites.py`).
NODE_MINIMUM = 18


@functools.cache
def _version_of(node: str) -> str | None:
    try:
        printed = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return printed.stdout.strip() or None


def node_version() -> str | None:
    """What the `node` on PATH says its version is (`v20.20.2`), or None if there is none (or it cannot say)."""
    node = shutil.which("node")
    return None if node is None else _version_of(node)


def node_major() -> int | None:
    """The major version of the `node` on PATH, or None if there is none (or it cannot say)."""
    match = re.match(r"v(\d+)\.", node_version() or "")
    return int(match.group(1)) if match else None


#: What a JavaScript file imports: `import ... from "x"`, a bare `import "x"`, `import("x")` or `require("x")`.
JS_IMPORT = re.compile(
    r"""(?:\bfrom\s*|^\s*import\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["'`](?P<module>[^"'`]+)["'`]""", re.MULTILINE
)


def packages_imported(javascript: str) -> list[str]:
    """What a JavaScript file's code imports that is not one of Node.js's own `node:` modules
    (comments and JSDoc types left out)."""
    code = "\n".join(line for line in javascript.splitlines() if not line.lstrip().startswith(("//", "/*", "*")))
    return [match["module"] for match in JS_IMPORT.finditer(code) if not match["module"].startswith("node:")]


def javascript_project() -> Path:
    """The folder where a JavaScript example that imports a package runs, as in a reader's project: its
    `node_modules` are the pinned Node.js tools' (`tools/node/`, installed on first use), which hold
    the one package an example imports, openapi-fetch. Made once per process."""
    with _shared_lock:
        if not _project:
            from cliniko_docs import node_tools

            folder = tempfile.TemporaryDirectory(prefix="javascript-project-")
            root = Path(folder.name)
            (root / "node_modules").symlink_to(node_tools.node_modules(), target_is_directory=True)
            _project.extend([root, folder])
        return _project[0]


_project: list[Any] = []


def runnable_path(example: Example, javascript: str | None) -> Path:
    """The file to run for an example: the example itself, or, for a JavaScript example (`javascript`,
    its text) that imports a package, a copy of it in `javascript_project()`, where the package is found."""
    if javascript is None or not packages_imported(javascript):
        return example.path
    text = javascript.encode("utf-8")
    try:
        relative = example.path.relative_to(SNIPPETS)
    except ValueError:  # a program of the tests' own: a folder named after where it is
        relative = Path("elsewhere", hashlib.sha256(str(example.path.parent).encode()).hexdigest()[:16], example.path.name)
    copy = javascript_project() / relative
    with _shared_lock:  # runs side by side share the copy: it is replaced whole, never rewritten in place
        copy.parent.mkdir(parents=True, exist_ok=True)
        if not copy.is_file() or copy.read_bytes() != text:
            fresh = copy.with_name(f".{copy.name}.{os.getpid()}.{threading.get_ident()}")
            fresh.write_bytes(text)
            os.replace(fresh, copy)
    return copy


def missing_tools(example: Example) -> list[str]:
    """The programs an example needs that this machine lacks: node (new enough) for JavaScript, and
    what a curl example calls."""
    if example.path.suffix == ".mjs":
        major = node_major()
        if major is None:
            return ["node"]
        if major < NODE_MINIMUM:
            return [f"Node.js {NODE_MINIMUM} or newer (this machine has {major})"]
        if packages_imported(example.path.read_text(encoding="utf-8")):
            if not shutil.which("npm"):
                return ["npm (to install the package it imports, with the pinned Node.js tools)"]
            from cliniko_docs import node_tools

            try:
                node_tools.node_modules()  # installed on first use, as a run would install them
            except node_tools.NodeMissing as error:
                return [f"what the pinned Node.js tools need ({error})"]
        return []
    if example.path.suffix != ".sh":
        return []
    text = example.path.read_text(encoding="utf-8")
    return [t for t in SHELL_TOOLS if re.search(rf"(^|[\s|(]){t}\s", text, re.MULTILINE) and not shutil.which(t)]


def require_tools(example: Example) -> None:
    """In a test: skip an example whose tools this machine lacks; under CI a missing tool is a failure."""
    import pytest  # only the tests call this; the command line (`make example`) never does

    missing = missing_tools(example)
    if missing:
        message = f"{example} needs {', '.join(missing)}, which this machine does not have"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


def discover() -> list[Example]:
    """Every example under `snippets/`, in a stable order."""
    found = [
        Example(path)
        for path in sorted(SNIPPETS.rglob("*"))
        if path.suffix in EXAMPLE_SUFFIXES and path.is_file() and path.name not in LIBRARIES
        and "__pycache__" not in path.parts
    ]
    return found


def prepare(example: Example, controls: Any) -> str:
    """Apply the example's scenario to a freshly reset mock; return the API key it should use."""
    return example.scenario().apply(controls)


def environment(mock_env: dict[str, str], api_key: str) -> dict[str, str]:
    """A small, fixed environment, so that nothing on the machine changes what an example prints."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(SNIPPETS),
        "TZ": "UTC",
    }
    env.update(mock_env)
    env["CLINIKO_API_KEY"] = api_key
    return env


def normalise(printed: str, mock_host_port: str) -> str:
    """Write the mock's address as the real API's, and CRLF as LF (see the module's docstring)."""
    if len(mock_host_port) != len(PUBLIC_HOST):
        raise ValueError(
            f"the mock listens on {mock_host_port}; its address must be as long as {PUBLIC_HOST} "
            "(a five-digit port) so that Content-Length stays right once it is rewritten"
        )
    return printed.replace("\r\n", "\n").replace(mock_host_port, PUBLIC_HOST)


@dataclass(frozen=True)
class Run:
    output: str
    stderr: str
    returncode: int
    #: How long the example asked to wait each time it slept, in seconds and in order, when the
    #: run recorded its waits (`run(record_waits=True)`); None otherwise.
    waits: tuple[float, ...] | None = None


def run(
    example: Example,
    mock_env: dict[str, str],
    api_key: str,
    mock_host_port: str,
    *,
    fork: bool = False,
    timeout: float = TIMEOUT_SECONDS,
    record_waits: bool = False,
) -> Run:
    """Run the example as a reader would, against the mock, and return what it printed.

    With `fork`, a Python example runs in a fork of a warm interpreter that has already imported
    `requests` (see `_run_forked`), which saves the interpreter's start-up on every run; what it prints
    is byte-for-byte what `python file.py` prints. With `fork`, a JavaScript example runs in a worker
    thread of one warm Node.js process (`_run_in_worker`), when the mock it runs against has its
    certificate from the CA that this process's mocks share (`shared_authority`). Otherwise, and for
    curl examples, a new process.
    Raises `subprocess.TimeoutExpired` if the example runs longer than `timeout` seconds.

    With `record_waits`, the example's waits are recorded instead of waited (`Run.waits`): a Python
    example's `time.sleep` and a curl example's `sleep` note how long they were asked to wait and
    return at once. The mock's clock stands still, so a wait changes nothing it answers, only how long
    the suite takes; the tests check the recorded waits against the `Retry-After` the mock sent
    (`waits_as_told`). A Python example's waits can be recorded only in a fork. A JavaScript example
    waits with `setTimeout` from `node:timers/promises` (`NODE_RECORDING_SLEEP`); a wait made any other
    way is waited, and a retry after it is reported as one made without waiting.
    """
    env = environment(mock_env, api_key)
    python = example.path.suffix == ".py"
    if python:
        import generated_client

        if generated_client.imported_by(example.path):
            # The client a reader generates from the description, made once for this process.
            env["PYTHONPATH"] += os.pathsep + str(generated_client.shared().root)
    if record_waits and python and not fork:
        raise ValueError("the waits of a Python example are recorded only when it runs in a fork")
    with tempfile.TemporaryDirectory(prefix="example-waits-") if record_waits else nullcontext() as folder:
        waits_path = os.path.join(folder, "waits") if folder is not None else None
        javascript = example.path.read_bytes().decode("utf-8") if example.path.suffix == ".mjs" else None
        path = runnable_path(example, javascript)
        if fork and python:
            returncode, stdout_bytes, stderr_bytes = _run_forked(example.path, env, timeout, waits_path)
        elif fork and javascript is not None and trusts_the_shared_authority(env) and runs_in_a_worker(javascript):
            returncode, stdout_bytes, stderr_bytes = _run_in_worker(path, env, timeout, waits_path)
        else:
            command = [*example.command()[:-1], str(path)]
            if waits_path is not None and example.path.suffix == ".mjs":
                # Loaded before the example: `setTimeout` of node:timers/promises notes its waits.
                command[1:1] = ["--require", str(NODE_RECORDING_SLEEP)]
                env = {**env, NODE_WAITS_VARIABLE: waits_path}
            elif waits_path is not None:
                env = {**env, BASH_SLEEP_VARIABLE: _bash_recording_sleep(waits_path)}
            completed = subprocess.run(
                command,
                cwd=path.parent,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
            returncode, stdout_bytes, stderr_bytes = completed.returncode, completed.stdout, completed.stderr
        waits = _read_waits(waits_path) if waits_path is not None else None
    stdout = stdout_bytes.decode("utf-8", errors="replace")
    stderr = stderr_bytes.decode("utf-8", errors="replace")
    if example.path.suffix == ".mjs":
        stderr = NODE_FETCH_WARNING.sub("", stderr)
    return Run(normalise(stdout, mock_host_port), stderr, returncode, waits)


#: Older versions of Node.js warn, once, that `fetch` is experimental. The warning says nothing about
#: the example, and the home page says to expect it; it is taken out of stderr.
NODE_FETCH_WARNING = re.compile(
    r"^\(node:\d+\) ExperimentalWarning: The Fetch API is an experimental feature\.[^\n]*\n"
    r"(?:\(Use `node --trace-warnings \.\.\.` to show where the warning was created\)\n)?",
    re.MULTILINE,
)
#: Loaded with `node --require` when a JavaScript example's waits are recorded (see `run`): the
#: examples wait with `setTimeout` from `node:timers/promises`, which it makes note the wait instead.
NODE_RECORDING_SLEEP = Path(__file__).with_name("node_recording_sleep.cjs")
#: Where that file writes the waits: its path, in the example's environment.
NODE_WAITS_VARIABLE = "CLINIKO_EXAMPLE_WAITS_FILE"

#: The environment variable through which bash defines a function `sleep` for the script it runs (as
#: `export -f sleep` would). It stands in for the `sleep` command whenever a script calls it by name.
BASH_SLEEP_VARIABLE = "BASH_FUNC_sleep%%"


def _bash_recording_sleep(waits_path: str) -> str:
    """The body of a bash function `sleep` that notes a plain number of seconds in `waits_path` and
    returns at once; any other use (no argument, several, a unit suffix) goes to the real command."""
    return (
        '() { if [ "$#" = 1 ] && [[ "$1" =~ ^[0-9]+([.][0-9]+)?$ ]]; '
        f'then printf "%s\\n" "$1" >> {shlex.quote(waits_path)}; else command sleep "$@"; fi; }}'
    )


def _read_waits(waits_path: str) -> tuple[float, ...]:
    try:
        with open(waits_path, encoding="utf-8") as recorded:
            return tuple(float(line) for line in recorded if line.strip())
    except FileNotFoundError:
        return ()


#: Statuses that ask the client to send the request again (after `Retry-After`, or a back-off).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class Served(NamedTuple):
    """One response the mock's API sent: to which request, with which status and `Retry-After`."""

    method: str
    target: str
    status: int
    retry_after: str | None = None


def served(exchanges: list[Any]) -> list[Served]:
    """The responses in a mock's record of exchanges (`MockCliniko.exchanges.snapshot()`), in order."""
    return [Served(e.method, f"{e.path}?{e.query}", e.status, e.response_header("retry-after")) for e in exchanges]


def retried(response: Served, following: Served | None) -> bool:
    """Whether the client sent `response`'s request again: a retry status, then the same request."""
    return (
        response.status in RETRY_STATUSES
        and following is not None
        and (following.method, following.target) == (response.method, response.target)
    )


def retried_responses(responses: list[Served]) -> list[Served]:
    """The responses, of those the mock sent in order (`served`), whose request the client sent again."""
    return [response for response, following in zip(responses, responses[1:]) if retried(response, following)]


def waits_as_told(responses: list[Served], waits: tuple[float, ...]) -> str | None:
    """Whether an example waited before each request it sent again, as long as it was told to; if not, why.

    `responses` are what the mock sent, in order (`served`). A response the client sent again
    (`retried`) must have been followed by a wait (a back-off may be short, but not skipped), and the
    waits must in all be at least as long as the `Retry-After` of the retried responses asked.
    """
    again = retried_responses(responses)
    told = sum(int(response.retry_after) for response in again if response.retry_after and response.retry_after.isdigit())
    if len(waits) < len(again):
        return f"it sent a request again {len(again)} time(s) but waited only {len(waits)} time(s)"
    if sum(waits) < told:
        return f"it waited {sum(waits):g} s in all before its retries, where Retry-After asked for {told} s"
    return None


class _Server(subprocess.Popen[bytes]):
    """A server process that runs examples (a fork server, a Node.js worker server)."""

    def close(self) -> None:
        """Close this side of its pipes: once it has ended, or been stopped."""
        for stream in (self.stdin, self.stdout, self.stderr):
            if stream is not None:
                stream.close()


class _Servers:
    """The servers of one kind (fork servers, Node.js worker servers) not running an example now. A
    server runs one example at a time, so examples run side by side (from several threads) each take
    a server of their own, started when none is idle."""

    def __init__(self, start: Any) -> None:
        self._start = start
        self._idle: list[_Server] = []
        self._lock = threading.Lock()

    def take(self) -> Any:
        """An idle server that is still running, or a new one."""
        with self._lock:
            while self._idle:
                server = self._idle.pop()
                if server.poll() is None:
                    return server
                server.close()
        return self._start()

    def give_back(self, server: _Server) -> None:
        with self._lock:
            self._idle.append(server)


#: Imported once by the fork server, so that each forked example starts with them loaded.
_WARM_MODULES = ("requests", "json", "logging", "zoneinfo", "runpy", "traceback", "locale", "io")


def _start_fork_server() -> _Server:
    """A warm interpreter that forks one child per Python example (see `_serve_forks`).

    It is a fresh interpreter of its own: this process is never forked, since it may hold threads
    (the mock server runs in one). It ends when its standard input closes, with this process.
    """
    code = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); " \
           "import example_runner; example_runner._serve_forks()"
    return _Server([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)


_fork_servers = _Servers(_start_fork_server)


def _serve_forks() -> None:
    """The fork server's loop: one JSON job a line in, the child's pid and then its status out.

    A job is `{"path", "env", "out", "err"}`; the child becomes `python <path>` (`_forked_example`).
    """
    import importlib

    for name in _WARM_MODULES:
        importlib.import_module(name)
    reply = sys.stdout
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            try:
                _forked_example(job["path"], job["env"], job["out"], job["err"], job["waits"])
            finally:
                os._exit(70)  # only reached if the child could not even be set up
        print(json.dumps({"pid": pid}), file=reply, flush=True)
        _, wait_status = os.waitpid(pid, 0)
        print(json.dumps({"status": os.waitstatus_to_exitcode(wait_status)}), file=reply, flush=True)


def _read_reply(server: subprocess.Popen[bytes]) -> dict[str, int]:
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line:
        raise RuntimeError(f"the examples' fork server stopped (exit {server.poll()})")
    return json.loads(line)


def _run_forked(path: Path, env: dict[str, str], timeout: float, waits: str | None = None) -> tuple[int, bytes, bytes]:
    """Run a Python example in a fork of the warm interpreter; return (exit status, stdout, stderr).

    A child killed by a signal has a negative status, as with `subprocess`. Raises
    `subprocess.TimeoutExpired` if the example runs longer than `timeout` seconds.
    """
    import select
    import signal
    import tempfile

    server = _fork_servers.take()
    assert server.stdin is not None and server.stdout is not None
    with tempfile.TemporaryDirectory(prefix="example-") as folder:
        out, err = os.path.join(folder, "stdout"), os.path.join(folder, "stderr")
        job = {"path": str(path), "env": env, "out": out, "err": err, "waits": waits}
        # A server that fails here (RuntimeError, OSError) is not given back: the next run starts another.
        server.stdin.write(json.dumps(job).encode() + b"\n")
        pid = _read_reply(server)["pid"]
        finished, _, _ = select.select([server.stdout], [], [], timeout)
        if not finished:
            os.kill(pid, signal.SIGKILL)
            _read_reply(server)
            _fork_servers.give_back(server)
            raise subprocess.TimeoutExpired([sys.executable, str(path)], timeout)
        status = _read_reply(server)["status"]
        _fork_servers.give_back(server)
        with open(out, "rb") as printed, open(err, "rb") as complained:
            return status, printed.read(), complained.read()


def _forked_example(path: str, env: dict[str, str], out_path: str, err_path: str, waits_path: str | None) -> None:
    """In the forked child: become `python <path>` with `env`, run it, and exit with its status.

    Standard streams, environment, working folder, argv, sys.path and time zone are set as a new
    interpreter would set them; an unhandled exception prints its traceback and exits 1, as Python does.
    With `waits_path`, `time.sleep` notes each wait there instead of waiting (see `run`).
    """
    import io
    import locale
    import runpy
    import time
    import traceback

    for target, fd in ((out_path, 1), (err_path, 2)):
        opened = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.environ.clear()
    os.environ.update(env)
    time.tzset()
    locale.setlocale(locale.LC_CTYPE, "")
    encoding, _, errors = env.get("PYTHONIOENCODING", "utf-8").partition(":")
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding=encoding)
    # As CPython sets them for a non-terminal: stdout block-buffered, stderr line-buffered.
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding=encoding, errors=errors or "strict"
    )
    sys.stderr = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(2, "w", closefd=False)),
        encoding=encoding, errors="backslashreplace", line_buffering=True,
    )
    sys.dont_write_bytecode = bool(env.get("PYTHONDONTWRITEBYTECODE"))
    script_dir = os.path.dirname(os.path.abspath(path))
    os.chdir(script_dir)
    extra = [entry for entry in env.get("PYTHONPATH", "").split(os.pathsep) if entry]
    prefixes = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix})
    interpreter_paths = [entry for entry in sys.path if entry.startswith(prefixes)]
    sys.path[:] = [script_dir, *extra, *interpreter_paths]
    sys.argv[:] = [path]
    if waits_path is not None:
        time.sleep = _recording_sleep(time.sleep, waits_path)

    status = 0
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit as stop:
        code = stop.code
        if code is None:
            status = 0
        elif isinstance(code, int):
            status = code
        else:
            print(code, file=sys.stderr)
            status = 1
    except BaseException as error:  # noqa: BLE001 - reported as the interpreter reports it
        trace = error.__traceback__
        # Leave out runpy's own frames, which `python file.py` would not show.
        while trace is not None and trace.tb_frame.f_code.co_filename != path:
            trace = trace.tb_next
        traceback.print_exception(type(error), error, trace or error.__traceback__)
        status = 1
    import logging

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            status = status or 120
    os._exit(status & 0xFF)


def _recording_sleep(real_sleep: Any, waits_path: str) -> Any:
    """A `time.sleep` that notes a wait it would make in `waits_path` and returns at once. What the real
    one refuses (a negative or non-finite number, a string) still goes to the real one, which raises."""
    import math

    def sleep(seconds: Any) -> None:
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not 0 <= seconds < math.inf:
            real_sleep(seconds)
            return
        with open(waits_path, "a", encoding="utf-8") as recorded:
            recorded.write(f"{float(seconds)!r}\n")

    return sleep


# --- JavaScript examples in worker threads ------------------------------------------------------

_shared: list[Any] = []
_shared_lock = threading.Lock()


def shared_authority() -> Any:
    """The throwaway certificate authority that the mocks of this test process share
    (`MockCliniko(authority=...)`), made on first use; its folder lasts as long as the process."""
    from cliniko_sandbox.tls import make_authority

    with _shared_lock:
        if not _shared:
            folder = tempfile.TemporaryDirectory(prefix="mock-cliniko-ca-")
            _shared.extend([make_authority(Path(folder.name)), folder])
        return _shared[0]


def trusts_the_shared_authority(env: dict[str, str]) -> bool:
    """Whether a run's environment gives Node.js the shared CA, the one the worker servers trust."""
    return bool(_shared) and env.get("NODE_EXTRA_CA_CERTS") == str(_shared[0].ca_file)


#: Loaded by `node` to run JavaScript examples in its worker threads (see the file).
NODE_WORKER_SERVER = Path(__file__).with_name("node_worker_server.cjs")
#: V8's option for the worker servers: WebAssembly stays at its first tier. fetch parses HTTP with
#: WebAssembly, and optimising that code costs each run more than a short example ever wins back. It
#: changes how fast the parser runs, never what it does.
NODE_SERVER_OPTIONS = ("--liftoff-only",)


class _NodeServer(_Server):
    """A running `NODE_WORKER_SERVER`: jobs go to its stdin, and replies come back on a pipe of their own
    (`replies`). Its own stdout and stderr go to `own_output`, a file no example should write to: `seen`
    is how much of it has been read."""

    replies: Any
    own_output: Any
    seen: int = 0

    def stop(self) -> str:
        """Kill and reap the process, close its pipes and file; return the end of what it printed."""
        self.kill()
        self.wait()
        said = self.new_output().decode(errors="replace")[-2000:]
        self.close()
        return said

    def close(self) -> None:
        super().close()
        self.replies.close()
        self.own_output.close()

    def new_output(self) -> bytes:
        """What the process itself has written to its stdout or stderr since the last call."""
        size = os.fstat(self.own_output.fileno()).st_size
        written = os.pread(self.own_output.fileno(), size - self.seen, self.seen) if size > self.seen else b""
        self.seen = size
        return written


def _start_node_server() -> _NodeServer:
    # The examples' own fixed environment: what the process reads once (its time zone, its locale, the
    # CA) holds for every worker, whatever the job's environment says.
    env = environment({"NODE_EXTRA_CA_CERTS": str(shared_authority().ca_file)}, api_key="")
    del env["CLINIKO_API_KEY"]
    replies, reply_end = os.pipe()
    own_output = tempfile.TemporaryFile(prefix="node-worker-server-")
    try:
        server = _NodeServer(
            ["node", *NODE_SERVER_OPTIONS, str(NODE_WORKER_SERVER), str(reply_end)],
            stdin=subprocess.PIPE, stdout=own_output, stderr=subprocess.STDOUT, env=env, bufsize=0,
            pass_fds=(reply_end,),
        )
    except BaseException:
        os.close(replies)
        own_output.close()
        raise
    finally:
        os.close(reply_end)
    server.replies = os.fdopen(replies, "rb", buffering=0)
    server.own_output = own_output
    return server


_node_servers = _Servers(_start_node_server)


#: What `node file.mjs` does and a worker thread cannot: change the working folder or the umask (a
#: worker refuses) or the time zone (a worker keeps the process's). A program that does runs in a
#: `node` of its own.
NOT_IN_A_WORKER = re.compile(
    r"""\bprocess\.(?:chdir|umask)\b|\bprocess\.env(?:\.TZ|\[\s*["'`]TZ["'`]\s*\])\s*=(?!=)"""
)


def runs_in_a_worker(javascript: str) -> bool:
    """Whether a JavaScript program (its text) can run in a worker thread of `NODE_WORKER_SERVER`
    (`NOT_IN_A_WORKER`)."""
    return not NOT_IN_A_WORKER.search(javascript)


def _run_in_worker(path: Path, env: dict[str, str], timeout: float, waits: str | None = None) -> tuple[int, bytes, bytes]:
    """Run a JavaScript example in a worker thread of a warm Node.js process (`NODE_WORKER_SERVER`);
    return (exit status, stdout, stderr). Raises `subprocess.TimeoutExpired` if it runs longer than
    `timeout` seconds."""
    import select

    server = _node_servers.take()
    assert server.stdin is not None
    with tempfile.TemporaryDirectory(prefix="example-") as folder:
        out, err = os.path.join(folder, "stdout"), os.path.join(folder, "stderr")
        if waits is not None:
            env = {**env, NODE_WAITS_VARIABLE: waits}
        job = {
            "path": str(path), "cwd": str(path.parent), "env": env, "out": out, "err": err,
            "timeoutMs": int(timeout * 1000), "recorder": str(NODE_RECORDING_SLEEP) if waits is not None else None,
        }
        # A server that fails here is stopped, not given back: the next run starts another.
        try:
            server.stdin.write(json.dumps(job).encode() + b"\n")
            # The server stops a run at its time limit itself; this is in case the server hangs.
            finished, _, _ = select.select([server.replies], [], [], timeout + 30)
            line = server.replies.readline() if finished else b""
            answer = json.loads(line) if line else None
        except (OSError, ValueError) as error:
            server.stop()
            raise RuntimeError(f"the Node.js worker server failed running {path.name}: {error}") from error
        if not isinstance(answer, dict):
            said = server.stop()
            if not finished:
                state = "did not answer"
            elif not line:
                state = f"stopped (exit {server.returncode})"
            else:
                state = f"answered {line!r}"
            raise RuntimeError(f"the Node.js worker server {state} for {path.name}" + (f":\n{said}" if said else ""))
        # A worker shares the process's file descriptors: what an example wrote to 1 or 2 itself
        # landed in the server's own output, out of order with the rest, so its run is not kept.
        stray = server.new_output()
        _node_servers.give_back(server)
        if stray:
            raise RuntimeError(
                f"{path.name} wrote {stray[:200]!r} to file descriptor 1 or 2 itself, which a worker thread "
                "shares with the process running it; write with console.log and console.error (or "
                "process.stdout and process.stderr), which the runner keeps for each example apart"
            )
        if "error" in answer:
            raise RuntimeError(f"the Node.js worker server could not run {path.name}: {answer['error']}")
        if answer.get("timedOut"):
            raise subprocess.TimeoutExpired(["node", str(path)], timeout)
        with open(out, "rb") as printed, open(err, "rb") as complained:
            return answer["status"], printed.read(), complained.read()


def main(argv: list[str] | None = None) -> int:
    """Run examples by hand against a mock started with `make mock`, as the tests would.

    Usage: `make example S=snippets/quickstart/get_user.py` (several paths may be given). The mock's
    export lines must be in the environment. Each example is run from a reset mock with its scenario,
    and its output is printed and compared with the stored one.
    """
    import argparse
    from urllib.parse import urlsplit

    from cliniko_sandbox.control import HttpControls

    parser = argparse.ArgumentParser(prog="make example", description=main.__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="example files under snippets/")
    args = parser.parse_args(argv)

    needed = ["CLINIKO_API_URL", "CLINIKO_MOCK_CONTROL_URL", "SSL_CERT_FILE"]
    missing = [name for name in needed if not os.environ.get(name)]
    if missing:
        print(f"example: {', '.join(missing)} not set; start `make mock` and export the lines it prints",
              file=sys.stderr)
        return 2
    controls = HttpControls(os.environ["CLINIKO_MOCK_CONTROL_URL"], os.environ["SSL_CERT_FILE"])
    mock_env = {
        name: os.environ[name]
        for name in (
            "CLINIKO_API_URL", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
            "CLINIKO_MOCK_CONTROL_URL",
        )
        if name in os.environ
    }
    host_port = urlsplit(os.environ["CLINIKO_API_URL"]).netloc
    status = 0
    for path in args.paths:
        resolved = path.resolve()
        if not resolved.is_file() or SNIPPETS not in resolved.parents or resolved.suffix not in EXAMPLE_SUFFIXES:
            print(f"example: {path} is not an example file under snippets/", file=sys.stderr)
            status = 2
            continue
        example = Example(resolved)
        try:
            controls.reset()
            api_key = prepare(example, controls)
            result = run(example, mock_env, api_key, host_port)
        except (ScenarioError, RuntimeError, OSError, ValueError) as error:
            print(f"example: {example}: {error}", file=sys.stderr)
            status = 1
            continue
        print(f"--- {example} (exit {result.returncode})")
        print(result.output, end="")
        if result.stderr:
            print(result.stderr, end="", file=sys.stderr)
        stored = example.output_path.read_text(encoding="utf-8") if example.output_path.exists() else None
        verdict = "matches" if result.output == stored else "DIFFERS FROM"
        print(f"--- {verdict} {example.output_path.name}")
        if result.output != stored or result.returncode != 0:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
