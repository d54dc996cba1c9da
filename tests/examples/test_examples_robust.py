"""Examples hold outside the state the suite prepares for them, and curl examples are safe to paste.

- Foreign conditions: every example runs again with another account's key, an unknown key, a spent
  quota, a server fault, and a base URL (and control URL) where nothing listens. Nothing printed is compared. Every example
  ends by itself (no signal, no hang) and never shows a stack trace: no Python traceback, and no
  JavaScript error or promise rejection left uncaught (`assert_ends_cleanly`). Whether it must succeed or fail
  is derived from the statuses the mock served, compared with those of a run in the example's own state
  (see `expected_outcome`): where the lesson cannot hold, it must exit non-zero with a reason on stderr.
  Its waits are recorded rather than waited, and before each retry it must have waited, at least as
  long as `Retry-After` asked (`assert_waited_as_told`). An example that retried the spent quota's
  `429` (`Retry-After: 1`) runs once more where `Retry-After` is 45, more than some examples will wait:
  it must wait all of it or give up, never send the request again sooner.
- No ETag: Cliniko's live service may send none, so every example whose own code reads one runs again
  in its own state with the mock's `ETag` left out. It must carry on, or stop with a reason on stderr, and
  show no stack trace.
- A trailing slash: the run in the example's own state, the reference for the conditions above, reads
  base URLs that end in a slash (`CLINIKO_API_URL=https://.../v1/`, and the control URL likewise),
  as a reader may set them. There it must do exactly what `tests/examples/test_snippets.py` saw it do without
  the slash: send no path with `//`, exit 0, write nothing to stderr and print its stored output
  (`test_example_works_with_a_trailing_slash_on_its_base_urls`). One run proves both, so the slash
  costs no run of its own.
- Safe to paste: every curl example, fed to an interactive bash, leaves the shell open with its options
  as they were. A file whose first line is a `#!` line is a script: the page says to save it and run
  `bash file.sh`, and this test runs it that way instead.
- curl's version: no curl example uses a flag newer than the minimum the home page states.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import example_runner
from example_runner import Example, Served, retried, retried_responses, served, waits_as_told
from cliniko_sandbox import MockCliniko, seed
from cliniko_sandbox.caching import Validators
from curl_flags import CURL_FLAGS, CURL_MINIMUM
from example_runner import require_tools

# Slow (left out of `make check`): every example again under five foreign conditions.
pytestmark = pytest.mark.slow

#: The examples' own time limit under a foreign condition; none of them should wait long for anything.
FOREIGN_TIMEOUT_SECONDS = 20


@pytest.fixture(scope="session")
def closed_port() -> Iterator[int]:
    """A loopback port that is bound, so no one else takes it, but never listens: connections are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


@dataclass(frozen=True)
class Condition:
    """A state the example was not written for: which key it gets, and what the mock does first."""

    name: str
    key: str
    prepare: Callable[..., None] = lambda controls: None
    nothing_listens: bool = False


def _spent_quota(seconds_left: int) -> Callable[..., None]:
    """The quota spent `seconds_left` seconds before its one-minute window ends, so that `Retry-After`
    is `seconds_left`; a `429` then moves the clock to the next window, as if the wait (recorded, not
    waited) had happened."""

    def prepare(controls) -> None:  # type: ignore[no-untyped-def]
        controls.set_time(datetime(2026, 1, 15, 9, 31, tzinfo=UTC) - timedelta(seconds=seconds_left))
        controls.set_remaining(seed.ACCOUNT_A, 0)
        controls.jump_clock_on_rate_limit(True)

    return prepare


CONDITIONS = [
    Condition("account_b_key", seed.ADMIN_KEY_B),
    Condition("unknown_key", example_runner.KEYS["unknown"]),
    Condition("spent_quota", seed.ADMIN_KEY_A, _spent_quota(1)),
    Condition("server_fault", seed.ADMIN_KEY_A, lambda controls: controls.fail_next(1)),
    Condition("nothing_listens", seed.ADMIN_KEY_A, nothing_listens=True),
]
#: For an example that retried the `429` of `spent_quota`: a `Retry-After` of 45 s, over the 30 s that
#: the Errors page's retry example waits at most (it must give up), and under the 60 s of the client and
#: of the Rate limiting page's example (they must wait it out).
LONG_WAIT = Condition("spent_quota_for_45_s", seed.ADMIN_KEY_A, _spent_quota(45))


def served_by(mock: MockCliniko) -> list[Served]:
    """Every response the mock's API has sent, in order, from its record of exchanges (what the
    transport alone answers, such as plain HTTP, never reaches the API and is not in it)."""
    assert mock.exchanges is not None and mock.exchanges.dropped == 0
    return served(mock.exchanges.snapshot())


def without_retries(log: list[Served]) -> list[Served]:
    """The responses a client acted on: a retry status followed by the same request again is left out."""
    return [response for response, following in zip(log, [*log[1:], None]) if not retried(response, following)]


def expected_outcome(own: list[Served], foreign: list[Served]) -> tuple[str, Served | None]:
    """Whether an example must succeed, must fail, or may do either, from the responses it got.

    `own` is what the mock served in the example's own state, `foreign` under a foreign condition; a
    retried response is left out of both. They are compared in order, request by request, while the
    two runs send the same method to the same path:

    - a request that got another status than in the example's own state is a response the lesson does
      not expect: the example must fail (`"fail"`, with that response), and say why;
    - the same requests with the same statuses throughout: the lesson held, so it must succeed;
    - otherwise (the runs sent different requests, or one sent fewer, as with fewer pages to follow, or
      none at all) either outcome may be right, and only the clean ending is checked.
    """
    own, foreign = without_retries(own), without_retries(foreign)
    for mine, theirs in zip(own, foreign):
        if (mine.method, mine.target.partition("?")[0]) != (theirs.method, theirs.target.partition("?")[0]):
            return "either", None
        if mine.status != theirs.status:
            return "fail", theirs
    return ("succeed", None) if len(own) == len(foreign) else ("either", None)


@dataclass(frozen=True)
class Outcome:
    """An example's run on a mock of its own: what it printed, and what the mock's API answered."""

    run: example_runner.Run
    served: list[Served]


#: The variables that hold a base URL, which the own state's run gives a trailing slash.
BASE_URL_VARIABLES = ("CLINIKO_API_URL", "CLINIKO_MOCK_CONTROL_URL")


def with_trailing_slash(env: dict[str, str]) -> dict[str, str]:
    """`env` with a slash at the end of each base URL: `https://127.0.0.1:<port>/v1/`."""
    return {**env, **{name: env[name] + "/" for name in BASE_URL_VARIABLES if name in env}}


def run_alone(
    example: Example, condition: Condition | None, closed_port: int, *, trailing_slash: bool = False
) -> Outcome:
    """Run the example on a fresh mock of its own: in its own state (its scenario) when `condition` is
    None, else under the condition, with its scenario left out. With `trailing_slash`, its base URLs
    end in a slash.

    Each run has its mock to itself. Its waits (for a `Retry-After` or a back-off) are recorded, not
    waited (`example_runner.run`), and checked by `assert_waited_as_told`. Raises
    `subprocess.TimeoutExpired` if the example runs too long.
    """
    # With a control port, for the Sandbox page's examples.
    with MockCliniko(record_exchanges=True, control_port=0, authority=example_runner.shared_authority()) as mock:
        env = mock.environment()
        host_port = urlsplit(mock.base_url).netloc
        if condition is None:
            key = example_runner.prepare(example, mock.controls)
        else:
            condition.prepare(mock.controls)
            key = condition.key
            if condition.nothing_listens:
                env["CLINIKO_API_URL"] = mock.base_url.replace(host_port, f"127.0.0.1:{closed_port}")
                # Nothing listens for the Sandbox page's examples either, which reach only the controls.
                env["CLINIKO_MOCK_CONTROL_URL"] = f"https://127.0.0.1:{closed_port}"
        if trailing_slash:
            env = with_trailing_slash(env)
        result = example_runner.run(
            example, env, key, host_port, fork=True, timeout=FOREIGN_TIMEOUT_SECONDS, record_waits=True
        )
        return Outcome(result, served_by(mock))


#: The name of the example's run in its own state, beside the conditions' names. That run is also
#: the trailing-slash condition: its base URLs end in a slash (`run_alone(trailing_slash=True)`).
OWN_STATE = "own state"
TRAILING_SLASH = "base URLs ending in a slash"
_runs: dict[Path, dict[str, Outcome | BaseException]] = {}


def runs_of(example: Example, closed_port: int) -> dict[str, Outcome | BaseException]:
    """The example's run in its own state and under every condition, made side by side on the first call.

    What a run raised is kept in its place, for the test of that condition to report.
    """
    if example.path not in _runs:
        jobs = {OWN_STATE: None, **{condition.name: condition for condition in CONDITIONS}}
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            futures = {
                name: pool.submit(run_alone, example, condition, closed_port, trailing_slash=name == OWN_STATE)
                for name, condition in jobs.items()
            }
        runs = {name: future.exception() or future.result() for name, future in futures.items()}
        quota = runs["spent_quota"]
        if isinstance(quota, Outcome) and any(response.status == 429 for response in retried_responses(quota.served)):
            try:
                runs[LONG_WAIT.name] = run_alone(example, LONG_WAIT, closed_port)
            except Exception as error:  # kept, as above, for the test to report
                runs[LONG_WAIT.name] = error
        _runs[example.path] = runs
    return _runs[example.path]


def outcome(example: Example, name: str, closed_port: int) -> Outcome:
    """One of `runs_of`, or the test's failure if it timed out (other errors are raised as they were)."""
    found = runs_of(example, closed_port)[name]
    if isinstance(found, subprocess.TimeoutExpired):
        pytest.fail(f"{example} under {name}: still running after {FOREIGN_TIMEOUT_SECONDS} s")
    if isinstance(found, BaseException):
        raise found
    return found


def assert_outcome(name: str, expected: str, surprise: Served | None, result: example_runner.Run) -> None:
    """The example succeeded where its lesson held, and failed with a reason where it could not."""
    printed = f"--- stdout\n{result.output}--- stderr\n{result.stderr}"
    if expected == "succeed":
        assert result.returncode == 0, f"{name}: every response was the one its lesson expects, yet it failed\n{printed}"
    elif expected == "fail":
        assert surprise is not None
        assert result.returncode != 0, (
            f"{name} exited 0, though {surprise.method} {surprise.target} got {surprise.status}, "
            f"which its lesson does not expect\n{printed}"
        )
        assert result.stderr.strip(), f"{name} failed with no reason on stderr\n{printed}"
        assert str(surprise.status) in result.stderr, (
            f"{name}: its reason on stderr does not name the status {surprise.status} it got\n{printed}"
        )


def assert_waited_as_told(name: str, outcome: Outcome) -> None:
    """Before each retry the example waited, and at least as long as `Retry-After` asked."""
    assert outcome.run.waits is not None
    problem = waits_as_told(outcome.served, outcome.run.waits)
    assert problem is None, f"{name}: {problem}; the mock sent:\n" + "\n".join(
        f"  {method} {target} -> {status}" + (f" (Retry-After: {retry_after})" if retry_after else "")
        for method, target, status, retry_after in outcome.served
    )


#: What a stack trace looks like in what an example printed: Python's traceback, or a JavaScript
#: stack (a line `    at f (file:line:column)`), which Node.js prints for an uncaught error or an
#: unhandled rejection, and with it the line of the source that threw.
STACK_TRACE = re.compile(r"Traceback \(most recent call last\)|^\s+at \S.*:\d+:\d+\)?$", re.MULTILINE)
#: Node.js's own words for an error no code caught, whether or not a stack comes with it.
UNCAUGHT = re.compile(r"\[UnhandledPromiseRejection|triggerUncaughtException|^Node\.js v\d+", re.MULTILINE)


def assert_ends_cleanly(name: str, result: example_runner.Run) -> None:
    """The rule under a foreign condition: an exit status of its own, no stack trace and nothing uncaught."""
    printed = f"--- stdout\n{result.output}--- stderr\n{result.stderr}"
    assert result.returncode >= 0, f"{name} was killed by signal {-result.returncode}\n{printed}"
    assert not STACK_TRACE.search(result.output + result.stderr), f"{name} ended with a stack trace\n{printed}"
    assert not UNCAUGHT.search(result.stderr), f"{name} left an error or a rejection uncaught\n{printed}"


#: Every example, once. One test process runs all the tests of an example: its runs are made once,
#: side by side (`runs_of`).
EXAMPLES = [
    pytest.param(example, id=str(example), marks=pytest.mark.xdist_group(f"example {example}"))
    for example in example_runner.discover()
]


@pytest.mark.parametrize("condition", CONDITIONS, ids=lambda c: c.name)
@pytest.mark.parametrize("example", EXAMPLES)
def test_example_ends_cleanly_under_a_foreign_condition(example: Example, condition: Condition, closed_port: int) -> None:
    require_tools(example)
    own = outcome(example, OWN_STATE, closed_port)
    assert own.run.returncode == 0, f"{example} failed in its own state, with {TRAILING_SLASH}:\n{own.run.stderr}"
    assert_waited_as_told(f"{example} in its own state", own)
    checked = [condition]
    if condition.name == "spent_quota" and LONG_WAIT.name in runs_of(example, closed_port):
        checked.append(LONG_WAIT)
    for each in checked:
        assert_holds_under(example, each, own, outcome(example, each.name, closed_port))


def assert_holds_under(example: Example, condition: Condition, own: Outcome, foreign: Outcome) -> None:
    """The rules of a foreign condition, for the run under it (`foreign`) beside the own state's (`own`)."""
    result = foreign.run
    name = f"{example} under {condition.name}"
    assert_ends_cleanly(name, result)
    assert_waited_as_told(name, foreign)
    if not condition.nothing_listens:
        assert_outcome(name, *expected_outcome(own.served, foreign.served), result)
    else:
        # No example can do what it set out to do: it must say why and fail, not end as if it worked.
        assert result.returncode != 0, f"{example} exited 0 with nothing listening\n{result.output}"
        assert result.stderr.strip(), f"{example} failed with nothing listening but wrote no reason to stderr"


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_works_with_a_trailing_slash_on_its_base_urls(example: Example, closed_port: int) -> None:
    """`CLINIKO_API_URL=https://.../v1/` changes nothing: the run in the example's own state, which has
    the slash, sends the paths and prints the output that `tests/examples/test_snippets.py` checks without it."""
    require_tools(example)
    own = outcome(example, OWN_STATE, closed_port)
    name = f"{example} with {TRAILING_SLASH}"
    printed = f"--- stdout\n{own.run.output}--- stderr\n{own.run.stderr}"
    doubled = [response for response in own.served if "//" in response.target.partition("?")[0]]
    assert not doubled, (
        f"{name}: it sent {doubled[0].method} {doubled[0].target.rstrip('?')} (answered {doubled[0].status}); "
        "drop the slash where the base URL is read\n" + printed
    )
    assert own.run.returncode == 0, f"{name}: exited with {own.run.returncode}\n{printed}"
    assert own.run.stderr == "", f"{name}: it wrote to stderr\n{printed}"
    assert own.run.output == example.output_path.read_text(encoding="utf-8"), (
        f"{name}: it printed something other than its stored output {example.output_path.name}\n{printed}"
    )


#: The examples whose own code reads an `ETag` (not those that leave it to the client, which caches a
#: response only when it has one: `Cliniko._remember`). Cliniko's live service may send none (the home
#: page's table of where it differs from this guide), so each must do without: carry on, or stop with
#: a reason.
READS_AN_ETAG = [
    param for param in EXAMPLES if re.search("etag", param.values[0].path.read_text(encoding="utf-8"), re.IGNORECASE)
]


@pytest.mark.parametrize("example", READS_AN_ETAG)
def test_an_example_that_reads_an_etag_ends_cleanly_when_there_is_none(
    example: Example, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_tools(example)
    # The mocks of this test process answer without ETag while the test runs (they run in its threads).
    with_etag = Validators.headers
    monkeypatch.setattr(
        Validators, "headers", lambda self: {name: value for name, value in with_etag(self).items() if name != "ETag"}
    )
    found = run_alone(example, None, closed_port)
    assert not any(response.status == 304 for response in found.served), (
        f"{example} got a 304 by another header, so this run does not show what it does without an ETag"
    )
    name = f"{example} with no ETag"
    assert_ends_cleanly(name, found.run)
    if found.run.returncode != 0:
        assert "ETag" in found.run.stderr, f"{name} failed, and its reason does not name the ETag:\n{found.run.stderr}"


HEADER_BEFORE_STATUS = '''\
import os

import requests

response = requests.get(
    os.environ["CLINIKO_API_URL"] + "/user",
    auth=(os.environ["CLINIKO_API_KEY"], ""),
    headers={"Accept": "application/json", "User-Agent": "Practice Sync (dev@example.com)"},
    timeout=10,
)
print("ETag:", response.headers["ETag"])  # read before the status is checked
'''


def test_the_rule_catches_an_example_that_reads_a_header_before_the_status(tmp_path: Path, closed_port: int) -> None:
    sample = tmp_path / "header_first.py"
    sample.write_text(HEADER_BEFORE_STATUS, encoding="utf-8")
    example = Example(sample)
    unknown_key = next(c for c in CONDITIONS if c.name == "unknown_key")
    result = run_alone(example, unknown_key, closed_port).run
    with pytest.raises(AssertionError, match="stack trace"):
        assert_ends_cleanly("header_first.py", result)
    assert "KeyError: 'etag'" in result.stderr


#: A JavaScript example that reads a header before it checks that there was a response at all.
UNCAUGHT_REJECTION_JS = """\
const response = await fetch(`${process.env.CLINIKO_API_URL}/user`, {
  headers: { Accept: "application/json", "User-Agent": "Practice Sync (dev@example.com)" },
});
console.log("ETag:", response.headers.get("ETag"));
"""


def test_the_rule_catches_a_javascript_example_that_leaves_a_rejection_uncaught(tmp_path: Path, closed_port: int) -> None:
    sample = tmp_path / "uncaught.mjs"
    sample.write_text(UNCAUGHT_REJECTION_JS, encoding="utf-8")
    require_tools(Example(sample))
    nothing_listens = next(c for c in CONDITIONS if c.name == "nothing_listens")
    result = run_alone(Example(sample), nothing_listens, closed_port).run
    assert result.returncode != 0
    with pytest.raises(AssertionError, match="stack trace"):
        assert_ends_cleanly("uncaught.mjs", result)
    assert "TypeError: fetch failed" in result.stderr
    # Without its stack, Node.js's own words still give the uncaught error away.
    stackless = example_runner.Run(result.output, "\n".join(
        line for line in result.stderr.splitlines() if not STACK_TRACE.search(line)
    ), result.returncode)
    with pytest.raises(AssertionError, match="uncaught"):
        assert_ends_cleanly("uncaught.mjs", stackless)


#: The curl example of a 401 as it was once written: it prints whatever comes back, and exits 0.
STATUS_IGNORED = """\
curl --silent --show-error --max-time 10 --include \\
  --header "Accept: application/json" \\
  --header "User-Agent: Practice Sync (dev@example.com)" \\
  "${CLINIKO_API_URL:-https://api.cliniko.com/v1}/user"
"""


def test_the_rule_catches_an_example_that_exits_0_whatever_the_status(tmp_path: Path, closed_port: int) -> None:
    sample = tmp_path / "status_ignored.sh"
    sample.write_text(STATUS_IGNORED, encoding="utf-8")
    example = Example(sample)
    own = run_alone(example, None, closed_port)
    assert own.run.returncode == 0
    assert [response.status for response in own.served] == [401]
    server_fault = next(c for c in CONDITIONS if c.name == "server_fault")
    foreign = run_alone(example, server_fault, closed_port)
    result = foreign.run
    expected, surprise = expected_outcome(own.served, foreign.served)
    assert (expected, surprise and surprise.status) == ("fail", 503)
    assert result.returncode == 0
    with pytest.raises(AssertionError, match="which its lesson does not expect"):
        assert_outcome("status_ignored.sh", expected, surprise, result)


#: Retries a 429 after half a second, where Retry-After asks for one.
SHORT_WAIT_PY = '''\
import os
import sys
import time

import requests

url = os.environ["CLINIKO_API_URL"] + "/user"
auth = (os.environ["CLINIKO_API_KEY"], "")
headers = {"Accept": "application/json", "User-Agent": "Practice Sync (dev@example.com)"}
response = requests.get(url, auth=auth, headers=headers, timeout=10)
if response.status_code == 429:
    time.sleep(0.5)
    response = requests.get(url, auth=auth, headers=headers, timeout=10)
sys.exit(0 if response.ok else f"HTTP {response.status_code}")
'''
SHORT_WAIT_MJS = """\
import { setTimeout as sleep } from "node:timers/promises";

const get = () => fetch(`${process.env.CLINIKO_API_URL}/user`, {
  headers: {
    Authorization: `Basic ${btoa(`${process.env.CLINIKO_API_KEY}:`)}`,
    Accept: "application/json",
    "User-Agent": "Practice Sync (dev@example.com)",
  },
});
let response = await get();
if (response.status === 429) {
  await sleep(500);
  response = await get();
}
process.exitCode = response.ok ? 0 : 1;
"""
SHORT_WAIT_SH = """\
get() {
  curl --silent --output /dev/null --write-out '%{http_code}' --user "$CLINIKO_API_KEY:" \\
    --header "Accept: application/json" --header "User-Agent: Practice Sync (dev@example.com)" \\
    "$CLINIKO_API_URL/user"
}
status=$(get)
if [ "$status" = 429 ]; then sleep 0.5; status=$(get); fi
[ "$status" = 200 ]
"""


@pytest.mark.parametrize(
    ("suffix", "text"), [(".py", SHORT_WAIT_PY), (".mjs", SHORT_WAIT_MJS), (".sh", SHORT_WAIT_SH)],
    ids=["python", "javascript", "curl"],
)
def test_the_rule_catches_an_example_that_waits_less_than_retry_after(
    suffix: str, text: str, tmp_path: Path, closed_port: int
) -> None:
    sample = tmp_path / f"short_wait{suffix}"
    sample.write_text(text, encoding="utf-8")
    require_tools(Example(sample))
    spent_quota = next(c for c in CONDITIONS if c.name == "spent_quota")
    found = run_alone(Example(sample), spent_quota, closed_port)
    assert found.run.returncode == 0, found.run.stderr
    assert [(response.status, response.retry_after) for response in found.served] == [(429, "1"), (200, None)]
    # The wait was recorded as asked, not made.
    assert found.run.waits == (0.5,)
    with pytest.raises(AssertionError, match="waited 0.5 s in all before its retries, where Retry-After asked for 1 s"):
        assert_waited_as_told(sample.name, found)


def test_a_retry_without_any_wait_breaks_the_rule() -> None:
    user = ("GET", "/v1/user?")
    sent_again = [Served(*user, 503), Served(*user, 200)]
    assert waits_as_told(sent_again, ()) == "it sent a request again 1 time(s) but waited only 0 time(s)"
    assert waits_as_told(sent_again, (0.25,)) is None
    # A different request after a 429 is not a retry of it.
    assert waits_as_told([Served(*user, 429, "1"), Served("GET", "/v1/patients?", 200)], ()) is None


def test_a_retried_response_is_not_a_surprise() -> None:
    user, patients = ("GET", "/v1/user?"), ("GET", "/v1/patients?")
    own = [Served(*user, 429), Served(*user, 200)]
    assert expected_outcome(own, [Served(*user, 503), Served(*user, 200)]) == ("succeed", None)
    assert expected_outcome(own, [Served(*user, 503)]) == ("fail", Served(*user, 503))
    # One page fewer to follow is neither a surprise nor the lesson held in full.
    pages = [Served(*patients, 200), Served("GET", "/v1/patients?page=2", 200)]
    assert expected_outcome(pages, pages[:1]) == ("either", None)


# --- Safe to paste ---------------------------------------------------------------------------------

MARKER = "PASTE-ENDED-CLEANLY"
#: Printed after the pasted example: the marker, then every option a paste could change.
STATE_LINE = f"echo {MARKER} \"$-\"; shopt -po; shopt -p; trap -p\n"
SHELL_EXAMPLES = [e for e in example_runner.discover() if e.path.suffix == ".sh"]


def is_script(example: Example) -> bool:
    """A `.sh` file whose first line is `#!...` is a script, to be saved and run with `bash file.sh`."""
    return example.path.read_text(encoding="utf-8").startswith("#!")


def paste_into_bash(text: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Feed `text` and then the state line to an interactive bash with no start-up files."""
    return subprocess.run(
        ["bash", "--norc", "--noprofile", "-i"],
        input=text + ("" if text.endswith("\n") else "\n") + STATE_LINE,
        env=env, cwd=cwd, capture_output=True, text=True, timeout=FOREIGN_TIMEOUT_SECONDS, check=False,
    )


def shell_state(completed: subprocess.CompletedProcess[str]) -> str | None:
    """What the state line printed, or None if the shell never reached it."""
    _, found, after = completed.stdout.partition(MARKER)
    return after if found else None


_baseline: list[str] = []


def baseline_state(env: dict[str, str], cwd: Path) -> str:
    """The state line's output when nothing is pasted before it (the same for every paste; kept)."""
    if not _baseline:
        state = shell_state(paste_into_bash("", env, cwd))
        assert state is not None, "an empty paste must reach the marker"
        _baseline.append(state)
    return _baseline[0]


def assert_safe_to_paste(name: str, text: str, env: dict[str, str], cwd: Path) -> None:
    baseline = baseline_state(env, cwd)
    pasted = paste_into_bash(text, env, cwd)
    state = shell_state(pasted)
    assert state is not None, (
        f"{name}: pasted into an interactive bash, it closed the shell before the next command\n"
        f"--- stderr\n{pasted.stderr}"
    )
    assert state == baseline, f"{name}: pasted into an interactive bash, it changed the shell's options"


@pytest.mark.parametrize("nothing_listens", [False, True], ids=["its-state", "nothing-listens"])
@pytest.mark.parametrize("example", SHELL_EXAMPLES, ids=str)
def test_curl_example_is_safe_to_paste(example: Example, nothing_listens: bool, mock, controls, closed_port) -> None:  # type: ignore[no-untyped-def]
    """Pasted in the state its page shows, and again with nothing listening, so its error paths run too."""
    require_tools(example)
    api_key = example_runner.prepare(example, controls)
    env = example_runner.environment(mock.environment(), api_key)
    if nothing_listens:
        host_port = urlsplit(mock.base_url).netloc
        env["CLINIKO_API_URL"] = mock.base_url.replace(host_port, f"127.0.0.1:{closed_port}")
        env["CLINIKO_MOCK_CONTROL_URL"] = f"https://127.0.0.1:{closed_port}"
    if is_script(example):
        completed = subprocess.run(
            ["bash", example.path.name], env=env, cwd=example.path.parent,
            capture_output=True, text=True, timeout=FOREIGN_TIMEOUT_SECONDS, check=False,
        )
        assert completed.returncode == 0, f"{example}: `bash {example.path.name}` failed\n{completed.stderr}"
        return
    assert_safe_to_paste(str(example), example.path.read_text(encoding="utf-8"), env, example.path.parent)


@pytest.mark.parametrize(
    "text",
    ["set -e\necho hello\n", "set -euo pipefail\necho hello\n", "echo hello\nexit 1\n",
     "trap 'echo bye' EXIT\necho hello\n"],
    ids=["set-e", "set-euo-pipefail", "exit", "trap-exit"],
)
def test_the_paste_test_catches_what_closes_or_changes_the_shell(text: str, tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    with pytest.raises(AssertionError):
        assert_safe_to_paste("sample", text, env, tmp_path)


# --- curl's minimum version ------------------------------------------------------------------------

#: Long options of the other tools the curl examples use; they are not curl's.
OTHER_TOOLS_FLAGS = {
    "--raw-output": "jq",
    "--compact-output": "jq",
    "--exit-status": "jq",
    "--arg": "jq",
    "--argjson": "jq",
    "--null-input": "jq",
    "--slurpfile": "jq",
    "--date": "date",
}

LONG_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def long_options(text: str) -> set[str]:
    """The long options in a shell file, comments left out."""
    code = "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())
    return set(LONG_OPTION.findall(code))


def curl_version_problems(text: str, flags: dict[str, tuple[int, int, int]] = CURL_FLAGS) -> list[str]:
    """Why a shell file would need a curl newer than `CURL_MINIMUM`, or a flag the table lacks."""
    problems = []
    for option in sorted(long_options(text)):
        if option in OTHER_TOOLS_FLAGS:
            continue
        if option not in flags:
            problems.append(
                f"uses {option}, which is not in CURL_FLAGS: add it with the version curl's docs give "
                "under 'Added:' (or to OTHER_TOOLS_FLAGS if it is another tool's)"
            )
        elif flags[option] > CURL_MINIMUM:
            problems.append(
                f"uses {option}, added in curl {'.'.join(map(str, flags[option]))}, newer than the stated "
                f"minimum {'.'.join(map(str, CURL_MINIMUM))}"
            )
    return problems


@pytest.mark.parametrize("example", SHELL_EXAMPLES, ids=str)
def test_curl_example_needs_no_newer_curl_than_stated(example: Example) -> None:
    problems = curl_version_problems(example.path.read_text(encoding="utf-8"))
    assert not problems, f"{example}: " + "; ".join(problems)


def test_the_version_check_fails_for_a_newer_or_unknown_flag() -> None:
    sample = 'curl --silent --json \'{"a": 1}\' "$url"  # --fail-early, in a comment, is not read'
    assert long_options(sample) == {"--silent", "--json"}
    assert "not in CURL_FLAGS" in " ".join(curl_version_problems(sample))
    assert "newer than the stated minimum" in " ".join(
        curl_version_problems(sample, {**CURL_FLAGS, "--json": (7, 82, 0)})
    )
    assert curl_version_problems('curl --silent --fail-with-body "$url"') == []
