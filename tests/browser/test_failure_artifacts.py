"""A failing browser test leaves its trace and a screenshot under `test-results/`; a passing one, nothing."""

from __future__ import annotations

import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from browser.artifacts import finish_contexts
from docs_site import Site

pytestmark = pytest.mark.browser

#: The options of pyproject.toml, whatever this run was given on its command line.
OPTIONS = SimpleNamespace(getoption={"--tracing": "retain-on-failure", "--screenshot": "only-on-failure"}.get)


def test_only_a_failed_test_keeps_a_trace_and_a_screenshot_of_each_context(
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
    finish_contexts([context_on_a_page()], OPTIONS, False, passed)
    finish_contexts([context_on_a_page(), context_on_a_page()], OPTIONS, True, failed)

    assert not passed.exists()
    kept = sorted(path.name for path in failed.iterdir())
    assert kept == ["test-failed-1-1.png", "test-failed-2-1.png", "trace-1.zip", "trace-2.zip"]
    assert (failed / "test-failed-1-1.png").read_bytes().startswith(b"\x89PNG\r\n")
    with zipfile.ZipFile(failed / "trace-2.zip") as trace:
        events = trace.read("trace.trace").decode("utf-8")
        # The click and a DOM snapshot of the page it was made on.
        assert '"method":"click"' in events and "frame-snapshot" in events and "errors/" in events
