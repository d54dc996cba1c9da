"""Browser fixtures: the site built once, served over HTTP on 127.0.0.1, and one Chromium per test process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import axe_core
from browser.page_walk import CHROMIUM_ARGS, VIEWPORT, Traffic, Visit, Walker, find_chromium, watch
from docs_site import Site, serve
from project import in_ci


@pytest.fixture(scope="session")
def site_dir(request: pytest.FixtureRequest) -> Path:
    """The site, built once per test run with `mkdocs build --strict` (the shared `built_site`).

    SITE_DIR=<folder> serves a site built beforehand instead, to iterate on a browser test
    without rebuilding each time.
    """
    prebuilt = os.environ.get("SITE_DIR")
    if prebuilt:
        if not (Path(prebuilt) / "sitemap.xml").is_file():
            pytest.fail(f"SITE_DIR={prebuilt} does not hold a built site (no sitemap.xml)", pytrace=False)
        return Path(prebuilt)
    return request.getfixturevalue("built_site")


@pytest.fixture(scope="session")
def site(site_dir: Path) -> Iterator[Site]:
    """The built site, served by a real HTTP server in a thread, under the path of `site_url`."""
    with serve(site_dir) as served:
        yield served


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        message = (
            "no Chromium found: install the `chromium` package, set CHROMIUM_PATH, "
            "or run `python -m playwright install chromium`"
        )
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def axe_script() -> str:
    """The pinned axe-core, downloaded into the virtual environment on first use (`browser.axe_core`)."""
    try:
        return axe_core.script()
    except axe_core.AxeCoreError as error:
        message = f"axe-core is needed for the accessibility tests: {error}"
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


# The browser, its contexts, and what a failing test leaves behind come from pytest-playwright:
# one Chromium per test process (its session-scoped `browser`), a new context per test, and, with
# `--tracing retain-on-failure --screenshot only-on-failure` (pyproject.toml), a trace and a
# screenshot of each failing test under `test-results/`. The fixtures below point it at the
# Chromium found here and give every context the same window size.


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], chromium_path: str) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": chromium_path, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": VIEWPORT}


@pytest.fixture
def visit(new_context: Any, pytestconfig: pytest.Config) -> Visit:
    """A new context per test, so a choice one test stores (a tab, a scheme) cannot leak into another."""
    context = new_context(color_scheme="light")
    if pytestconfig.getoption("--tracing") != "off":
        # pytest-playwright traces with a screencast, which costs about as much CPU as the test
        # itself; the trace's DOM snapshots show the page at each step without it.
        context.tracing.stop()
        context.tracing.start(screenshots=False, snapshots=True, sources=False)
    traffic = Traffic()
    watch(context, traffic)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return Visit(context=context, page=page, traffic=traffic)


def _keeps(config: pytest.Config, option: str, failed: bool) -> bool:
    """Whether pytest-playwright's `--tracing` or `--screenshot` setting keeps a test's file."""
    value = config.getoption(option)
    return value == "on" or (failed and value in {"retain-on-failure", "only-on-failure"})


@pytest.fixture(scope="session")
def page_walker(browser: Any, browser_context_args: dict[str, Any], site: Site, axe_script: str) -> Iterator[Walker]:
    """Each page visited once (see `visit_page`), shared by the tests that check every page."""
    walker = Walker(browser, site, axe_script, context_args=browser_context_args)
    try:
        yield walker
    finally:
        walker.close()


@pytest.fixture
def walker(page_walker: Walker, request: pytest.FixtureRequest, output_path: str) -> Iterator[Walker]:
    """The shared `page_walker`, which outlives any one test, so pytest-playwright cannot trace it.

    When the test fails, each page it looked at is visited again with a trace and a screenshot
    (`Walker.replay`), kept in the test's folder under `test-results/` with the names
    pytest-playwright gives its own.
    """
    page_walker.asked.clear()
    yield page_walker
    call = getattr(request.node, "rep_call", None)
    failed = call is None or call.failed
    folder = Path(output_path)
    for index, path in enumerate(dict.fromkeys(page_walker.asked), start=1):
        trace = folder / f"trace-{index}.zip" if _keeps(request.config, "--tracing", failed) else None
        state = "failed" if failed else "finished"
        screenshot = folder / f"test-{state}-{index}.png" if _keeps(request.config, "--screenshot", failed) else None
        if trace or screenshot:
            folder.mkdir(parents=True, exist_ok=True)
            page_walker.replay(path, trace, screenshot)
