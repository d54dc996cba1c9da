"""A copy of parts of the project, and a pytest session run in it: for the tests that change a file of
the project on purpose, to show that the suite then fails, without touching the real files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from project import ROOT

#: What a copy leaves out: caches of Python, Hypothesis and packaging.
IGNORED = shutil.ignore_patterns("__pycache__", ".hypothesis", "*.egg-info")


def copy_project(destination: Path, *parts: str) -> Path:
    """Copy `parts` of the project (paths from its root, folders or files) into `destination`, each to
    the same place under it, and return `destination`."""
    for part in parts:
        source, target = ROOT / part, destination / part
        if source.is_dir():
            shutil.copytree(source, target, ignore=IGNORED)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    return destination


def run_pytest(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run pytest in the copy at `project` with `arguments`, importing the copy's own code (its `src/`
    and its root) before anything installed.

    The tests run there need none of the installed pytest plugins (Playwright, Schemathesis, Hypothesis,
    xdist), whose loading costs seconds per run: pytest loads only the copy's own conftest, without the
    options in pyproject.toml that belong to those plugins.
    """
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
        "-W", "ignore::pytest.PytestConfigWarning", *arguments,
    ]
    return subprocess.run(
        command,
        cwd=project,
        env={
            **os.environ,
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "PYTHONPATH": os.pathsep.join([str(project / "src"), str(project)]),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
