"""Where the project's files are, and whether the tests run in CI: what every test module may need.

Also the one step of the browser tests' bookkeeping that the root conftest takes: emptying the folder
where failed tests leave their files, without loading the browser tests' modules.

A plain module, so that any test or tool imports it directly (pytest advises against importing
`conftest`, which it loads itself).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
#: The folder of the helpers the tests share (on `sys.path`, with `BENCH` and `SNIPPETS`: see pyproject.toml).
SUPPORT = TESTS / "support"
BENCH = ROOT / "bench"
DOCS = ROOT / "docs"
SNIPPETS = ROOT / "snippets"
MKDOCS_YML = ROOT / "mkdocs.yml"
WORKFLOWS = ROOT / ".github" / "workflows"


def in_ci() -> bool:
    """CI sets CI=true; there, a missing tool is a failure, never a reason to skip."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def empty_output_folder(config: Any) -> None:
    """Empty pytest-playwright's `--output` folder (`test-results/`), in the main test process only.

    `tests/conftest.py` calls it as the run starts. With several test processes, the main one starts
    before any of them, so no process can delete what another's failed test has left there.
    """
    folder = config.getoption("--output", default=None)
    if folder and not hasattr(config, "workerinput"):  # pytest-xdist gives each test process's config one
        shutil.rmtree(folder, ignore_errors=True)
