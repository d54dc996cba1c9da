"""A failing browser test leaves a screenshot and, from a second, traced run, a trace under `test-results/`;
a passing one leaves nothing and is never traced."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from browser.artifacts import finish_contexts
from docs_site import Site


def test_the_files_asked_for_are_written_for_each_context(
    browser: Any, browser_context_args: dict[str, Any], site: Site, tmp_path: Path
) -> None:
    def context_on_a_page() -> Any:
        context = browser.new_context(**browser_context_args)
        context.tracing.start(snapshots=True, screenshots=False, sources=False)
        page = context.new_page()
        page.goto(site.url("errors/"))
        page.locator(".md-content h1").first.click()
        return context

    passed, failed = tmp_path / "passed", tmp_path / "failed"
    assert finish_contexts([context_on_a_page()], passed, traced=True, keep_traces=False, screenshots=None) == []
    written = finish_contexts(
        [context_on_a_page(), context_on_a_page()], failed, traced=True, keep_traces=True, screenshots="failed"
    )

    assert not passed.exists()
    assert written == [failed / "trace-1.zip", failed / "trace-2.zip"]
    kept = sorted(path.name for path in failed.iterdir())
    assert kept == ["test-failed-1-1.png", "test-failed-2-1.png", "trace-1.zip", "trace-2.zip"]
    assert (failed / "test-failed-1-1.png").read_bytes().startswith(b"\x89PNG\r\n")
    with zipfile.ZipFile(failed / "trace-2.zip") as trace:
        events = trace.read("trace.trace").decode("utf-8")
        # The click and a DOM snapshot of the page it was made on.
        assert '"method":"click"' in events and "frame-snapshot" in events and "errors/" in events


#: A conftest for an inner test run, without pytest-playwright (which allows one session per process):
#: its `--tracing` option, the browser tests' protocol, and a stand-in for their `new_context` fixture
#: that notes, for each run of a test, whether it would be traced (`no_context` notes the runs of a
#: test without it).
INNER_CONFTEST = """
import pytest
from browser.artifacts import TRACED_RUN, TRACES_WRITTEN, run_traced_again_on_failure, traces_this_run

RUNS = []

def pytest_addoption(parser):
    parser.addoption("--tracing", default="off")

@pytest.fixture
def new_context(request):
    RUNS.append((request.node.name, traces_this_run(request)))
    yield
    if request.node.stash.get(TRACED_RUN, False):
        request.node.stash[TRACES_WRITTEN].append("test-results/" + request.node.name + "/trace.zip")

@pytest.fixture
def no_context(request):
    RUNS.append((request.node.name, None))

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    return run_traced_again_on_failure(item, nextitem)

def pytest_sessionfinish(session):
    print("RUNS", RUNS)
"""

INNER_TESTS = """
import pytest

FLAKY = []

def test_passes(new_context):
    pass

def test_fails(new_context):
    assert False, "always"

def test_fails_once(new_context):
    FLAKY.append(1)
    assert len(FLAKY) > 1, "only the first time"

def test_fails_without_a_context(no_context):
    assert False, "no browser here"
"""


@pytest.mark.parametrize("tracing", ["retain-on-failure", "off", "on"])
def test_a_failed_test_runs_again_traced_and_stays_failed(pytester: pytest.Pytester, tracing: str) -> None:
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(test_inner=INNER_TESTS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:playwright", f"--tracing={tracing}", "-s")
    # A second run never turns a failure into a pass, and is never reported as a test of its own.
    result.assert_outcomes(passed=1, failed=3)
    output = result.stdout.str()
    runs = output[output.index("RUNS ") :].splitlines()[0]
    if tracing == "retain-on-failure":
        assert runs == "RUNS " + str([
            ("test_passes", False), ("test_fails", False), ("test_fails", True),
            ("test_fails_once", False), ("test_fails_once", True), ("test_fails_without_a_context", None),
        ])
        assert "traced second run" in output
        assert "It failed as well. Its trace: test-results/test_fails/trace.zip." in output
        assert "It passed: the failure did not repeat" in output
    else:
        traced = tracing == "on"
        assert runs == "RUNS " + str([
            ("test_passes", traced), ("test_fails", traced), ("test_fails_once", traced),
            ("test_fails_without_a_context", None),
        ])
        assert "traced second run" not in output


def test_the_output_folder_is_emptied_once_as_the_run_starts(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
import pytest
from project import empty_output_folder

def pytest_addoption(parser):
    parser.addoption("--output", default="test-results")

def pytest_sessionstart(session):
    empty_output_folder(session.config)
""")
    pytester.makepyfile(test_inner="""
from pathlib import Path

def test_one_leaves_a_file():
    Path("test-results/first").mkdir(parents=True)
    Path("test-results/first/test-failed-1.png").write_bytes(b"png")

def test_the_next_test_finds_it():
    assert Path("test-results/first/test-failed-1.png").is_file()
""")
    stale = pytester.path / "test-results" / "an-earlier-run" / "trace.zip"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"zip")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:playwright")
    result.assert_outcomes(passed=2)
    assert not stale.exists()
    assert (pytester.path / "test-results" / "first" / "test-failed-1.png").is_file()
