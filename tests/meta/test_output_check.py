"""The check of stored outputs is strict, and `--update-outputs` repairs exactly what it should.

Runs the example test in a copy of the project holding only the quickstart examples, so that the real
stored outputs are never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from project import ROOT

# Slow (left out of `make check`): a copy of the project, tested in pytest sessions of its own.
pytestmark = pytest.mark.slow


def _copy_project(destination: Path) -> Path:
    ignored = shutil.ignore_patterns("__pycache__", ".hypothesis", "*.egg-info")
    shutil.copytree(ROOT / "tests", destination / "tests", ignore=ignored)
    # The copy's own sandbox and scenario model, which its tests import instead of the installed ones
    # (PYTHONPATH, in _run_example_tests).
    shutil.copytree(ROOT / "src", destination / "src", ignore=ignored)
    # The shortcode readers the example test shares with the build (`hooks.examples`).
    shutil.copytree(ROOT / "hooks", destination / "hooks", ignore=ignored)
    shutil.copytree(ROOT / "snippets" / "quickstart", destination / "snippets" / "quickstart")
    # The example test checks each exchange against the description.
    (destination / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "openapi.yaml", destination / "docs" / "openapi.yaml")
    shutil.copy(ROOT / "pyproject.toml", destination / "pyproject.toml")
    return destination


def _run_example_tests(project: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    # The example test needs none of the installed pytest plugins (Playwright, Schemathesis, Hypothesis,
    # xdist), and loading them costs seconds per run: run it with only its own conftest, and without the
    # options in pyproject.toml that belong to those plugins.
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
        "-W", "ignore::pytest.PytestConfigWarning", "tests/examples/test_snippets.py", *extra,
    ]
    return subprocess.run(
        command,
        cwd=project,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONPATH": os.pathsep.join([str(project / "src"), str(project)])},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_one_changed_byte_in_a_stored_output_fails_and_the_update_flag_restores_it(tmp_path: Path) -> None:
    project = _copy_project(tmp_path / "project")
    stored = project / "snippets" / "quickstart" / "get_user.py.out"
    original = stored.read_bytes()

    # Change one byte: the first letter of the output, to the other case.
    changed = bytearray(original)
    position = next(i for i, byte in enumerate(changed) if chr(byte).isalpha())
    changed[position] ^= 0x20
    stored.write_bytes(bytes(changed))

    failing = _run_example_tests(project)
    assert failing.returncode != 0
    assert "printed something other than its stored output" in failing.stdout

    assert _run_example_tests(project, "--update-outputs").returncode == 0
    assert stored.read_bytes() == original
    assert _run_example_tests(project).returncode == 0
