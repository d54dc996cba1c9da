"""Browser fixtures: the site built once, served over HTTP on 127.0.0.1, and one Chromium per test process."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import axe_core
from browser.artifacts import (
    TRACED_RUN,
    TRACES_WRITTEN,
    failed_before_teardown,
    finish_contexts,
    keeps,
    run_traced_again_on_failure,
    traces_this_run,
)
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
            "no Chromium found: install the `chromium-headless-shell` package (or `chromium`), "
            "set CHROMIUM_PATH, or run `python -m playwright install chromium`"
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


# The browser comes from pytest-playwright: one Chromium per test process (its session-scoped
# `browser`). Each test's contexts come from `new_context` below, which keeps pytest-playwright's
# `--tracing` and `--screenshot` options: with `retain-on-failure` and `only-on-failure`
# (pyproject.toml), a failing test leaves a screenshot and, from a second run, a trace under
# `test-results/`. The fixtures below point it at the Chromium found here and give every context the
# same window size.


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], chromium_path: str) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": chromium_path, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": VIEWPORT}


@pytest.fixture
def new_context(
    browser: Any, browser_context_args: dict[str, Any], request: pytest.FixtureRequest, output_path: str
) -> Iterator[Callable[..., Any]]:
    """Make a fresh browser context for this test (`new_context(color_scheme="dark")`); all are closed after it.

    In place of pytest-playwright's fixture of the same name, which traces every context of every test,
    writes each trace to disk and screenshots each page, then deletes both when the test passed. Here,
    with `--tracing retain-on-failure`, a test runs untraced, and one that fails runs a second time,
    traced (`browser.artifacts`); the screenshot is of the first run's failure. A test should leave
    closing its contexts to this fixture, or their trace and screenshot are lost.
    """
    traced = traces_this_run(request)
    second_run = request.node.stash.get(TRACED_RUN, False)
    contexts: list[Any] = []

    def create(**kwargs: Any) -> Any:
        context = browser.new_context(**{**browser_context_args, **kwargs})
        if traced:
            context.tracing.start(title=request.node.nodeid, screenshots=False, snapshots=True, sources=False)
        contexts.append(context)
        return context

    yield create
    failed = failed_before_teardown(request)
    screenshot = not second_run and keeps(request.config, "--screenshot", failed)
    written = finish_contexts(
        contexts,
        Path(output_path),
        traced=traced,
        keep_traces=second_run or keeps(request.config, "--tracing", failed),
        screenshots=("failed" if failed else "finished") if screenshot else None,
    )
    if second_run:
        request.node.stash.setdefault(TRACES_WRITTEN, []).extend(written)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    """A failed test that takes its contexts from `new_context` runs again, traced (`browser.artifacts`)."""
    return run_traced_again_on_failure(item, nextitem)


@pytest.fixture
def visit(new_context: Callable[..., Any]) -> Visit:
    """A new context per test, so a choice one test stores (a tab, a scheme) cannot leak into another."""
    context = new_context(color_scheme="light")
    traffic = Traffic()
    watch(context, traffic)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return Visit(context=context, page=page, traffic=traffic)


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
    failed = failed_before_teardown(request)
    folder = Path(output_path)
    for index, path in enumerate(dict.fromkeys(page_walker.asked), start=1):
        trace = folder / f"trace-{index}.zip" if keeps(request.config, "--tracing", failed) else None
        state = "failed" if failed else "finished"
        screenshot = folder / f"test-{state}-{index}.png" if keeps(request.config, "--screenshot", failed) else None
        if trace or screenshot:
            folder.mkdir(parents=True, exist_ok=True)
            page_walker.replay(path, trace, screenshot)
