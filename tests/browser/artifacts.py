"""What a failing browser test leaves behind: its contexts' traces and screenshots, under `test-results/`.

pytest-playwright's `--tracing` and `--screenshot` options say what to keep (pyproject.toml sets
`retain-on-failure` and `only-on-failure`); `tests/browser/conftest.py` calls these when a test ends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError


def failed_before_teardown(request: pytest.FixtureRequest) -> bool:
    """Whether the test failed (or never ran to its end), as its call report says."""
    call = getattr(request.node, "rep_call", None)
    return call is None or call.failed


def keeps(config: pytest.Config, option: str, failed: bool) -> bool:
    """Whether pytest-playwright's `--tracing` or `--screenshot` setting keeps a test's file."""
    value = config.getoption(option)
    return value == "on" or (failed and value in {"retain-on-failure", "only-on-failure"})


def finish_contexts(contexts: list[Any], config: pytest.Config, failed: bool, folder: Path) -> None:
    """Close a test's contexts, first writing into `folder` the traces and screenshots that the options keep.

    One context's files are `trace.zip` and `test-failed-1.png` (a number per page); with several
    contexts, each name gains the context's number (`trace-2.zip`, `test-failed-2-1.png`).
    """
    state = "failed" if failed else "finished"
    tracing = config.getoption("--tracing") != "off"
    for index, context in enumerate(contexts, start=1):
        suffix = "" if len(contexts) == 1 else f"-{index}"
        try:
            trace = folder / f"trace{suffix}.zip" if keeps(config, "--tracing", failed) else None
            screenshot = keeps(config, "--screenshot", failed)
            if trace or screenshot:
                folder.mkdir(parents=True, exist_ok=True)
            if screenshot:
                for number, page in enumerate(context.pages, start=1):
                    page.screenshot(path=folder / f"test-{state}{suffix}-{number}.png", timeout=5_000)
            if tracing:
                context.tracing.stop(path=trace)
        except PlaywrightError:
            pass  # the test closed the context itself, or the browser is gone: nothing left to keep
        finally:
            context.close()
