"""Drift between the description and the mock fails the suite, whichever side changes.

In a copy of the project (so the real files are never touched), one rule is changed, and only the test
that must catch it is run: `tests/contract/test_openapi_boundaries.py`, which probes each bound the description
states, at the bound and one past it, for `per_page` alone.

* The description's maximum `per_page` drops to half (from 100 to 50): the mock still answers
  `per_page=51` with a page, where the description now says `400`.
* The mock's own maximum, `PER_PAGE_MAX` in `contract.py`, drops to half: the mock refuses
  `per_page=100`, which the description allows.

(`tests/examples/test_exchange_contract.py` shows, in the suite's own process, that the examples' exchange check
catches a changed description as well.)
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from cliniko_sandbox.contract import PER_PAGE_DEFAULT, PER_PAGE_MAX
from project_copy import copy_project, run_pytest

# Slow (left out of `make check`): a copy of the project, tested in a pytest session of its own.
pytestmark = pytest.mark.slow

#: The lower maximum each test puts in place of `PER_PAGE_MAX`.
LOWER = PER_PAGE_MAX // 2
#: What the copy holds: the tests and their settings, the copy's own sandbox (which they import instead
#: of the installed one), and the description.
PARTS = ("tests", "src", "docs/openapi.yaml", "pyproject.toml")


def _change(path: Path, old: str, new: str) -> None:
    """Replace exactly one occurrence of `old`, so that a changed source fails here, not silently."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path.name}: expected one {old!r} to change"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _per_page_bounds(project: Path) -> subprocess.CompletedProcess[str]:
    return run_pytest(project, "tests/contract/test_openapi_boundaries.py", "-k", "per_page")


def _assert_failed(run: subprocess.CompletedProcess[str], *expected: str) -> None:
    output = run.stdout + run.stderr
    assert run.returncode == 1, f"the suite did not fail (exit {run.returncode}):\n{output[-3000:]}"
    for pattern in expected:
        assert re.search(pattern, output), f"the failure does not say {pattern!r}:\n{output[-3000:]}"


def test_a_changed_limit_in_the_description_fails_the_suite(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", *PARTS)
    parameters = project / "docs" / "openapi.yaml"
    bounds = "        maximum: &per-page-max {}\n        default: {}"
    _change(parameters, bounds.format(PER_PAGE_MAX, PER_PAGE_DEFAULT), bounds.format(LOWER, min(LOWER, PER_PAGE_DEFAULT)))
    _assert_failed(
        _per_page_bounds(project),
        rf"GET /patients\?per_page={LOWER + 1}: the description's bound says 400, the mock answered 200",
    )


def test_a_changed_limit_in_the_mock_fails_the_suite(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", *PARTS)
    rule = f"PER_PAGE_MAX = {PER_PAGE_MAX}\n"
    holders = [path for path in (project / "src" / "cliniko_sandbox").glob("*.py") if rule in path.read_text(encoding="utf-8")]
    assert len(holders) == 1, f"expected one module of the mock to set {rule!r}, found {holders}"
    _change(holders[0], rule, f"PER_PAGE_MAX = {LOWER}\n")
    _assert_failed(
        _per_page_bounds(project),
        rf"GET /patients\?per_page={PER_PAGE_MAX}: the description's bound says 200, the mock answered 400",
    )
