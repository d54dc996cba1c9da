"""Browser fixtures: the site built once, served over HTTP on 127.0.0.1, and one Chromium for the whole test run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import axe_core
from browser.page_walk import CHROMIUM_ARGS, Traffic, Visit, Walker, find_chromium, watch
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


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    """One Chromium per test process; each test gets its own context from it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def visit(browser: Any) -> Iterator[Visit]:
    """A new context per test, so a choice one test stores (a tab, a scheme) cannot leak into another."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    traffic = Traffic()
    watch(context, traffic)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield Visit(context=context, page=page, traffic=traffic)
    finally:
        context.close()


@pytest.fixture(scope="session")
def walker(browser: Any, site: Site, axe_script: str) -> Iterator[Walker]:
    """Each page visited once (see `visit_page`), shared by the tests that check every page."""
    walker = Walker(browser, site, axe_script)
    try:
        yield walker
    finally:
        walker.close()
