"""Runs the examples under `snippets/` against the mock API and records what they print.

An example is any `.py` or `.sh` file under `snippets/` except the library modules that examples
import (`LIBRARIES`). Its stored output lives beside it as `<file>.out` (for example
`authentication/get_user.py.out`), and the pages include that file under the code.

An example may need a prepared state. It is described, never coded, in a `<stem>.scenario.json` beside
the example, shared by its Python and curl variants:

    {
      "key": "bookkeeper",                 # whose API key the example gets (see KEYS)
      "clock": "2026-01-15T09:30:58Z",     # put the mock's clock here first
      "remaining": 1,                      # leave the key's account this many requests
      "jump_clock_on_rate_limit": true,    # a 429 moves the clock to the end of the window
      "fail_next": 1                       # the next request(s) answer 503, as in a server fault
    }

What an example prints is stored with two changes only, so the pages read as the real API would answer:
the mock's address `127.0.0.1:<port>` is written `api.cliniko.com` (the same length, so any
`Content-Length` shown stays right), and CRLF line ends (as curl prints headers) become LF.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from mock_cliniko import seed
from project import SNIPPETS

PUBLIC_HOST = "api.cliniko.com"

#: Modules that examples import; they are tested by their own tests, not run as examples.
LIBRARIES = frozenset({"cliniko_client.py"})

#: The keys a scenario may ask for.
KEYS = {
    "admin": seed.ADMIN_KEY_A,
    "practitioner": seed.PRACTITIONER_KEY_A,
    "bookkeeper": seed.BOOKKEEPER_KEY_A,
    "account_b": seed.ADMIN_KEY_B,
    "unknown": "MS0xMjEwMDAwMDAwMDAwMDAwMDAx-bm90LWEtcmVhbC1rZXk-au1",
}
_ACCOUNT_OF_KEY = {
    "admin": seed.ACCOUNT_A,
    "practitioner": seed.ACCOUNT_A,
    "bookkeeper": seed.ACCOUNT_A,
    "account_b": seed.ACCOUNT_B,
}
_SCENARIO_FIELDS = {"key", "clock", "remaining", "jump_clock_on_rate_limit", "fail_next"}
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


class ScenarioError(ValueError):
    """A scenario file that cannot be applied; the message says which file and why."""


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
        return self.path.with_name(self.path.stem + ".scenario.json")

    def scenario(self) -> dict[str, Any]:
        if not self.scenario_path.exists():
            return {}
        try:
            scenario = json.loads(self.scenario_path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise ScenarioError(f"{self.scenario_path}: not valid JSON ({error})") from None
        if not isinstance(scenario, dict):
            raise ScenarioError(f"{self.scenario_path}: must be a JSON object")
        unknown = set(scenario) - _SCENARIO_FIELDS
        if unknown:
            raise ScenarioError(f"{self.scenario_path}: unknown fields {sorted(unknown)}; known: {sorted(_SCENARIO_FIELDS)}")
        if scenario.get("key", "admin") not in KEYS:
            raise ScenarioError(f"{self.scenario_path}: key must be one of {sorted(KEYS)}")
        return scenario

    def command(self) -> list[str]:
        if self.path.suffix == ".py":
            return [sys.executable, str(self.path)]
        return ["bash", str(self.path)]

    def __str__(self) -> str:
        return self.name


def discover() -> list[Example]:
    """Every example under `snippets/`, in a stable order."""
    found = [
        Example(path)
        for path in sorted(SNIPPETS.rglob("*"))
        if path.suffix in {".py", ".sh"} and path.is_file() and path.name not in LIBRARIES
        and "__pycache__" not in path.parts
    ]
    return found


def prepare(example: Example, controls: Any) -> str:
    """Apply the example's scenario to a freshly reset mock; return the API key it should use."""
    scenario = example.scenario()
    key_name = scenario.get("key", "admin")
    if "clock" in scenario:
        try:
            instant = datetime.fromisoformat(str(scenario["clock"]).replace("Z", "+00:00"))
        except ValueError:
            raise ScenarioError(f"{example.scenario_path}: clock must be an ISO 8601 instant") from None
        if instant.tzinfo is None:
            raise ScenarioError(f"{example.scenario_path}: clock must carry a time zone (end it with Z)")
        controls.set_time(instant)
    if "remaining" in scenario:
        if key_name not in _ACCOUNT_OF_KEY:
            raise ScenarioError(f"{example.scenario_path}: remaining needs a key of a real account")
        controls.set_remaining(_ACCOUNT_OF_KEY[key_name], int(scenario["remaining"]))
    if scenario.get("jump_clock_on_rate_limit"):
        controls.jump_clock_on_rate_limit(True)
    if "fail_next" in scenario:
        controls.fail_next(int(scenario["fail_next"]))
    return KEYS[key_name]


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


def run(example: Example, mock_env: dict[str, str], api_key: str, mock_host_port: str) -> Run:
    """Run the example as a reader would, against the mock, and return what it printed."""
    completed = subprocess.run(
        example.command(),
        cwd=example.path.parent,
        env=environment(mock_env, api_key),
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    stdout = completed.stdout.decode("utf-8", errors="replace")
    stderr = completed.stderr.decode("utf-8", errors="replace")
    return Run(normalise(stdout, mock_host_port), stderr, completed.returncode)


def main(argv: list[str] | None = None) -> int:
    """Run examples by hand against a mock started with `make mock`, as the tests would.

    Usage: `make example S=snippets/quickstart/get_user.py` (several paths may be given). The mock's
    export lines must be in the environment. Each example is run from a reset mock with its scenario,
    and its output is printed and compared with the stored one.
    """
    import argparse
    from urllib.parse import urlsplit

    from mock_cliniko.control import HttpControls

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
        for name in ("CLINIKO_API_URL", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")
        if name in os.environ
    }
    host_port = urlsplit(os.environ["CLINIKO_API_URL"]).netloc
    status = 0
    for path in args.paths:
        resolved = path.resolve()
        if not resolved.is_file() or SNIPPETS not in resolved.parents or resolved.suffix not in {".py", ".sh"}:
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
