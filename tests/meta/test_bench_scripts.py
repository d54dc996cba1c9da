"""Each benchmark script starts as `make` starts it: `python bench/<script>.py`, from the project's root,
with nothing added to the module path (the tests' own helpers are not on it there)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from project import BENCH, ROOT

SCRIPTS = sorted(path.name for path in BENCH.glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_script_starts_and_explains_itself(script: str) -> None:
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    run = subprocess.run(
        [sys.executable, f"bench/{script}", "--help"], cwd=ROOT, env=environment,
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.startswith("usage:"), run.stdout[:300]


def test_there_are_scripts_to_check() -> None:
    assert {"bench_mock.py", "bench_site.py", "bench_suite.py"} <= set(SCRIPTS)
