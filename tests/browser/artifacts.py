"""What a failing browser test leaves behind: a trace of each context and a screenshot, under `test-results/`.

pytest-playwright's `--tracing` and `--screenshot` options say what to keep (pyproject.toml sets
`retain-on-failure` and `only-on-failure`).

With `retain-on-failure`, a test's contexts are not traced while it runs: recording DOM snapshots of every
action cost the browser tests about a tenth of their CPU time, for traces that a passing test throws
away. Instead, a test that fails is run a second time, traced (`run_traced_again_on_failure`, called by
`tests/browser/conftest.py`), as Playwright's own runner does with its `on-first-retry` setting. The first
run's outcome is the test's outcome, whatever the second run does: a test that fails once has failed. The
second run's outcome is added to the failure's report, so a failure that did not repeat is plain to see.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _pytest.runner import runtestprotocol
from playwright.sync_api import Error as PlaywrightError

#: True on a test's item while it runs for the second time, to be traced.
TRACED_RUN = pytest.StashKey[bool]()
#: The traces that the second run wrote, for the report of the first.
TRACES_WRITTEN = pytest.StashKey[list[Path]]()

#: The fixture through which a test gets its browser contexts (`tests/browser/conftest.py`).
CONTEXT_FIXTURE = "new_context"


def failed_before_teardown(request: pytest.FixtureRequest) -> bool:
    """Whether the test failed (or never ran to its end), as its call report says."""
    call = getattr(request.node, "rep_call", None)
    return call is None or call.failed


def keeps(config: pytest.Config, option: str, failed: bool) -> bool:
    """Whether pytest-playwright's `--tracing` or `--screenshot` setting keeps a test's file."""
    value = config.getoption(option)
    return value == "on" or (failed and value in {"retain-on-failure", "only-on-failure"})


def traces_this_run(request: pytest.FixtureRequest) -> bool:
    """Whether the contexts of this run of the test are traced: always with `--tracing on`, and in the
    second run of a failed test with `retain-on-failure`."""
    option = request.config.getoption("--tracing")
    return option == "on" or (option == "retain-on-failure" and request.node.stash.get(TRACED_RUN, False))


def run_traced_again_on_failure(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    """Run a browser test as pytest would; if it fails, run it once more with its contexts traced.

    Only for tests that take their contexts from `new_context`, and only with `--tracing
    retain-on-failure`; otherwise returns None and pytest runs the test as usual. The first run's
    reports are the test's; the second run's are not reported, except for one line, added to the
    failure, that says whether it failed too and where its trace is.
    """
    if CONTEXT_FIXTURE not in getattr(item, "fixturenames", ()):
        return None
    if item.config.getoption("--tracing") != "retain-on-failure":
        return None
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    reports = runtestprotocol(item, nextitem=nextitem, log=False)
    failure = next((report for report in reports if report.failed), None)
    if failure is not None:
        item.stash[TRACED_RUN], item.stash[TRACES_WRITTEN] = True, []
        try:
            again = runtestprotocol(item, nextitem=nextitem, log=False)
        finally:
            del item.stash[TRACED_RUN]
        traces = item.stash.get(TRACES_WRITTEN, [])
        outcome = "It failed as well." if any(report.failed for report in again) else (
            "It passed: the failure did not repeat, and the trace shows a passing run."
        )
        where = ", ".join(str(trace) for trace in traces) or "none was written"
        failure.sections.append(("traced second run", f"{outcome} Its trace: {where}."))
    for report in reports:
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def finish_contexts(
    contexts: list[Any], folder: Path, *, traced: bool, keep_traces: bool, screenshots: str | None
) -> list[Path]:
    """Close a test's contexts, first writing into `folder` the files asked for; return the traces written.

    `traced`: the contexts' tracing was started; `keep_traces`: write each one's trace (`trace.zip`);
    `screenshots`: when not None, screenshot each page as `test-<screenshots>-1.png` ("failed" or
    "finished"). With several contexts, each name gains the context's number (`trace-2.zip`,
    `test-failed-2-1.png`).
    """
    written: list[Path] = []
    for index, context in enumerate(contexts, start=1):
        suffix = "" if len(contexts) == 1 else f"-{index}"
        try:
            trace = folder / f"trace{suffix}.zip" if traced and keep_traces else None
            if trace or screenshots:
                folder.mkdir(parents=True, exist_ok=True)
            if screenshots:
                for number, page in enumerate(context.pages, start=1):
                    page.screenshot(path=folder / f"test-{screenshots}{suffix}-{number}.png", timeout=5_000)
            if traced:
                context.tracing.stop(path=trace)
                if trace:
                    written.append(trace)
        except PlaywrightError:
            pass  # the test closed the context itself, or the browser is gone: nothing left to keep
        finally:
            context.close()
    return written
