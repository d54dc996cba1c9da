"""Shared fixtures: one mock Cliniko API server for the whole test session, reset before each test; and
each test marked with its layer, the folder it is in (`pytest -m sandbox`; the layers are listed in
pyproject.toml and in CONTRIBUTING.md's map of the code)."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock

import example_runner
from docs_site import BuildError, build_site
from cliniko_sandbox import MockCliniko
from cliniko_sandbox.control import Controls
from project import empty_output_folder


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-outputs",
        action="store_true",
        default=False,
        help="rewrite the stored output of every example with what it prints now",
    )


#: The folders of `tests/` that hold tests, each a layer and the marker of its tests.
LAYERS = ("sandbox", "examples", "contract", "site", "browser", "meta")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its layer. A test file outside the layers' folders is an error, so that no
    test escapes `make check` or the map of the code by being put somewhere new."""
    tests = Path(__file__).parent
    for item in items:
        try:
            folder = item.path.relative_to(tests).parts[0]
        except ValueError:  # a test outside tests/ (pytester's inner sessions)
            continue
        if folder not in LAYERS:
            raise pytest.UsageError(
                f"{item.path.relative_to(tests.parent)} is in no layer: put it in one of tests/{{{','.join(LAYERS)}}}/"
            )
        item.add_marker(folder)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Empty pytest-playwright's `--output` folder (`test-results/`) once, as the run starts.

    In the main process only: with several test processes, it runs before any of them starts.
    """
    empty_output_folder(session.config)


@pytest.fixture(scope="session", autouse=True)
def delete_output_dir() -> None:
    """In place of pytest-playwright's fixture of this name, which `pytest_sessionstart` above replaces.

    Theirs empties `test-results/` in each test process at its first test, and again whenever the
    session's fixtures are set up anew, as they are when the last test of a process fails and runs a
    second time (`tests/browser/artifacts.py`). It could so delete what another process's failed test
    left there, or the first run's screenshot.
    """


@pytest.fixture(scope="session")
def mock_server() -> Iterator[MockCliniko]:
    """The sandbox over HTTPS on a free loopback port, with its control port, started once per session.

    It records every exchange (`mock.exchanges`), so that a test can check them against the description.
    The control port is for the Sandbox page's examples, which drive it as a reader does.
    """
    # Its CA is the one the test process's mocks share, which the JavaScript examples' Node.js trusts.
    with MockCliniko(record_exchanges=True, control_port=0, authority=example_runner.shared_authority()) as mock:
        yield mock
        # A response that a test left in a reference cycle (an exception caught by pytest.raises holds
        # the frame that holds it) keeps its connection to the mock open until the cycle is collected,
        # and the mock waits for open connections when it stops. One collection here, before it stops,
        # serves the whole session: one after each test cost a tenth of a second each in a test
        # process that has the whole suite loaded.
        gc.collect()


@pytest.fixture
def mock(mock_server: MockCliniko) -> MockCliniko:
    """The session's mock, reset to its initial state (data, clock, quotas) for this test."""
    mock_server.controls.reset()
    return mock_server


@pytest.fixture
def controls(mock: MockCliniko) -> Controls:
    return mock.controls


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built once per run with `mkdocs build --strict`; any warning fails the build.

    Shared by the build, link, example-invariant and browser tests. When the suite runs in several
    processes (pytest-xdist), the first one to need the site builds it under a lock into the run's
    shared temporary folder and the others use that build, or report the same failure.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        target = tmp_path_factory.mktemp("site") / "site"
        try:
            return build_site(target)
        except BuildError as error:
            pytest.fail(str(error), pytrace=False)
    shared = tmp_path_factory.getbasetemp().parent
    target, failure = shared / "site", shared / "site-build-failed.txt"
    with FileLock(str(shared / "site.lock")):
        if not failure.is_file() and not (target / "sitemap.xml").is_file():
            try:
                build_site(target)
            except BuildError as error:
                failure.write_text(str(error), encoding="utf-8")
    if failure.is_file():
        pytest.fail(failure.read_text(encoding="utf-8"), pytrace=False)
    return target
