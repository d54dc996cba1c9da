"""The description in the readers' Node.js tools: two linters, and Postman collections run with newman.

* Redocly CLI (`lint`, its recommended rules: `redocly.yaml`) and Spectral (the `spectral:oas` ruleset:
  `.spectral.yaml`) find no problem in `docs/openapi.yaml`. One run of each, offline.
* The published collection, `docs/cliniko-api.postman_collection.json`, is what `make postman` makes of
  the description now (`cliniko_docs.postman`), so it cannot drift from it.
* newman runs the published collection against a fresh sandbox over HTTPS, trusting the sandbox's CA and
  setting only `baseUrl` and `apiKey`, as a reader does. Every request must get the success status the
  description gives its operation, and every operation must have a request.
* The same for the collection a reader gets by importing the YAML file as the OpenAPI page says: with
  example-based parameters, then Basic authentication set on the whole collection.

The tools are pinned in `tools/node/` and installed on first use (`cliniko_docs.node_tools`). Where node or
npm is missing, these tests are skipped with a message, except under CI=true, where they fail.
"""

from __future__ import annotations

import difflib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from cliniko_docs import node_tools, postman
from cliniko_sandbox import MockCliniko
from cliniko_sandbox.seed import ADMIN_KEY_A
from project import ROOT, in_ci

# Slow (left out of `make check`): the readers' Node.js tools, each in a process of its own.
pytestmark = pytest.mark.slow

DESCRIPTION = postman.DESCRIPTION.relative_to(ROOT).as_posix()
COLLECTION = postman.COLLECTION
#: Each tool's run takes a second or two; this is only the bound on a hung one.
TIMEOUT = 120
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@pytest.fixture(scope="module")
def tools() -> Path:
    """The folder of the installed tools; installing them the first time (about 15 s)."""
    try:
        return node_tools.install()
    except node_tools.NodeMissing as error:
        if in_ci():
            pytest.fail(f"{error}; .ci/run installs nodejs and npm where they are missing", pytrace=False)
        pytest.skip(str(error))
    except node_tools.NodeToolsError as error:
        pytest.fail(str(error), pytrace=False)


def run_tool(tools: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        command = [str(node_tools.bin_path(name)), *args]
    except node_tools.NodeToolsError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        return subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, env=node_tools.environment()
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{name} did not finish in {TIMEOUT} s: {' '.join(args)}", pytrace=False)


def said(result: subprocess.CompletedProcess[str]) -> str:
    """The end of what a tool printed, for a failure message."""
    text = (result.stderr.strip() + "\n" + result.stdout.strip()).strip()
    return "\n".join(text.splitlines()[-20:])


# --- The linters ---


def test_redocly_finds_no_problem(tools: Path) -> None:
    result = run_tool(tools, "redocly", "lint", DESCRIPTION, "--config", "redocly.yaml", "--format", "json")
    try:
        report = json.loads(result.stdout)
        problems = report["problems"]
    except (ValueError, KeyError, TypeError):
        pytest.fail(f"redocly lint gave no JSON report (exit {result.returncode}):\n{said(result)}", pytrace=False)
    lines = []
    for problem in problems:
        where = (problem.get("location") or [{}])[0]
        start = where.get("start") or {}
        lines.append(
            f"{DESCRIPTION}:{start.get('line', '?')}:{start.get('col', '?')} {problem.get('severity')} "
            f"{problem.get('ruleId')}: {problem.get('message')} ({where.get('pointer', '')})"
        )
    assert not lines, f"Redocly CLI finds {len(lines)} problem(s) in the description:\n" + "\n".join(lines)
    assert result.returncode == 0, f"redocly lint failed without a problem to show:\n{said(result)}"


def test_spectral_finds_no_problem(tools: Path, tmp_path: Path) -> None:
    output = tmp_path / "spectral.json"
    result = run_tool(
        tools, "spectral", "lint", DESCRIPTION, "--ruleset", ".spectral.yaml",
        "--format", "json", "--output", str(output), "--fail-severity", "hint", "--quiet",
    )
    try:
        results = json.loads(output.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pytest.fail(f"spectral lint wrote no JSON report (exit {result.returncode}):\n{said(result)}", pytrace=False)
    severities = {0: "error", 1: "warning", 2: "info", 3: "hint"}
    lines = [
        f"{DESCRIPTION}:{item['range']['start']['line'] + 1}:{item['range']['start']['character'] + 1} "
        f"{severities.get(item.get('severity'), item.get('severity'))} {item.get('code')}: {item.get('message')} "
        f"(#/{'/'.join(str(part).replace('~', '~0').replace('/', '~1') for part in item.get('path', []))})"
        for item in results
    ]
    assert not lines, f"Spectral finds {len(lines)} problem(s) in the description:\n" + "\n".join(lines)
    assert result.returncode == 0, f"spectral lint failed without a problem to show:\n{said(result)}"


# --- The Postman collection ---


def convert(options: dict[str, str]) -> dict[str, Any]:
    try:
        return postman.convert(postman.DESCRIPTION, options)
    except postman.PostmanError as error:
        pytest.fail(str(error), pytrace=False)


def test_the_published_collection_is_made_from_the_description(tools: Path) -> None:
    try:
        expected = postman.build()
    except postman.PostmanError as error:
        pytest.fail(str(error), pytrace=False)
    name = COLLECTION.relative_to(ROOT).as_posix()
    if not COLLECTION.is_file():
        pytest.fail(f"{name} is missing: run `make postman` and commit it", pytrace=False)
    committed = COLLECTION.read_text(encoding="utf-8")
    if committed != expected:
        diff = difflib.unified_diff(
            committed.splitlines(), expected.splitlines(), f"{name} (committed)", f"{name} (made now)", n=1, lineterm=""
        )
        shown = list(diff)
        pytest.fail(
            f"{name} is not what `make postman` makes of {DESCRIPTION} now: run `make postman` and commit the file. "
            f"The first differences:\n" + "\n".join(shown[:40]) + ("\n..." if len(shown) > 40 else ""),
            pytrace=False,
        )


def operations() -> list[tuple[str, str, str, list[int]]]:
    """Each operation of the description: method, path template, operationId, and its success (2xx) statuses."""
    document = yaml.safe_load(postman.DESCRIPTION.read_text(encoding="utf-8"))
    found = []
    for template, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                success = sorted(int(code) for code in operation["responses"] if str(code).startswith("2"))
                found.append((method.upper(), template, operation.get("operationId", ""), success))
    return found


def matching_operation(
    method: str, segments: list[str], known: list[tuple[str, str, str, list[int]]]
) -> tuple[str, str, str, list[int]] | None:
    """The operation a request is for: its method, and the path whose segments match, literal ones first."""
    candidates = []
    for operation in known:
        template = operation[1].strip("/").split("/")
        if operation[0] != method or len(template) != len(segments):
            continue
        if all(part == value or (part.startswith("{") and part.endswith("}")) for part, value in zip(template, segments)):
            candidates.append((sum(part.startswith("{") for part in template), operation))
    return min(candidates, key=lambda candidate: candidate[0])[1] if candidates else None


def run_newman(tools: Path, collection: Path, mock: MockCliniko, folder: Path) -> list[dict[str, Any]]:
    """Run `collection` against `mock` with only `baseUrl` and `apiKey` set; newman's executions, in order."""
    report = folder / "newman-report.json"
    result = run_tool(
        tools, "newman", "run", str(collection),
        "--env-var", f"baseUrl={mock.base_url}",
        "--env-var", f"apiKey={ADMIN_KEY_A}",
        "--ssl-extra-ca-certs", str(mock.ca_file),
        "--reporters", "json", "--reporter-json-export", str(report),
        "--timeout-request", "10000", "--color", "off", "--disable-unicode",
    )
    try:
        return json.loads(report.read_text(encoding="utf-8"))["run"]["executions"]
    except (OSError, ValueError, KeyError, TypeError):
        pytest.fail(f"newman wrote no report (exit {result.returncode}):\n{said(result)}", pytrace=False)


def error_message(response: dict[str, Any]) -> str:
    """The `message` of an error body, where newman's report holds one."""
    stream = response.get("stream")
    data = stream.get("data") if isinstance(stream, dict) else None
    try:
        body = json.loads(bytes(data or []).decode("utf-8"))
    except (ValueError, TypeError):
        return ""
    return str(body.get("message", "")) + (f" {body['errors']}" if isinstance(body.get("errors"), dict) else "")


def status_problems(executions: list[dict[str, Any]], base_url: str) -> list[str]:
    """Each request that did not get its operation's success status, and each operation no request was for."""
    known = operations()
    base = [part for part in base_url.split("://", 1)[1].split("/")[1:] if part]
    problems, seen = [], set()
    for execution in executions:
        name = execution.get("item", {}).get("name", "?")
        request = execution.get("request") or {}
        method = str(request.get("method", "?")).upper()
        url = request.get("url") or {}
        path = [str(part) for part in url.get("path") or []]
        shown = f"{method} /{'/'.join(path)} ({name})"
        if path[: len(base)] != base:
            problems.append(f"{shown}: not under the base URL {base_url}")
            continue
        operation = matching_operation(method, path[len(base):], known)
        if operation is None:
            problems.append(f"{shown}: the description has no such operation")
            continue
        seen.add(operation[:3])
        response = execution.get("response")
        if not isinstance(response, dict) or "code" not in response:
            error = (execution.get("requestError") or {}).get("message", "no response")
            problems.append(f"{shown}: {error}")
            continue
        if response["code"] not in operation[3]:
            problems.append(
                f"{shown}: {response['code']} {response.get('status', '')}, but {operation[2]} succeeds with "
                f"{' or '.join(map(str, operation[3]))}. {error_message(response)}".rstrip()
            )
    for method, template, operation_id, _ in known:
        if (method, template, operation_id) not in seen:
            problems.append(f"{method} {template} ({operation_id}): the collection sent no request for it")
    return problems


def test_the_published_collection_runs_against_the_sandbox(tools: Path, tmp_path: Path) -> None:
    with MockCliniko() as mock:
        mock.controls.reset()
        executions = run_newman(tools, COLLECTION, mock, tmp_path)
    problems = status_problems(executions, mock.base_url)
    assert not problems, f"{len(problems)} request(s) of {COLLECTION.name} did not succeed:\n" + "\n".join(problems)


def test_the_yaml_imported_as_the_openapi_page_says_runs_against_the_sandbox(tools: Path, tmp_path: Path) -> None:
    collection = convert(dict(postman.READER_OPTIONS))
    # Then, as the page says: Basic authentication for the whole collection, the API key as the user
    # name and an empty password. A reader types the key itself; here it is the variable newman sets.
    collection["auth"] = {
        "type": "basic",
        "basic": [
            {"key": "username", "value": "{{apiKey}}", "type": "string"},
            {"key": "password", "value": "", "type": "string"},
        ],
    }
    imported = tmp_path / "imported.postman_collection.json"
    imported.write_text(json.dumps(collection), encoding="utf-8")
    with MockCliniko() as mock:
        mock.controls.reset()
        executions = run_newman(tools, imported, mock, tmp_path)
    problems = status_problems(executions, mock.base_url)
    assert not problems, f"{len(problems)} request(s) of the imported YAML did not succeed:\n" + "\n".join(problems)
