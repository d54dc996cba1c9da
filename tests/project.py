"""Where the project's files are, and whether the tests run in CI: what every test module may need.

A plain module, so that any test or tool imports it directly (pytest advises against importing
`conftest`, which it loads itself).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
DOCS = ROOT / "docs"
SNIPPETS = ROOT / "snippets"
MKDOCS_YML = ROOT / "mkdocs.yml"
WORKFLOWS = ROOT / ".github" / "workflows"


def in_ci() -> bool:
    """CI sets CI=true; there, a missing tool is a failure, never a reason to skip."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}
