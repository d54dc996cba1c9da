"""The check of stored outputs is strict, and `--update-outputs` repairs exactly what it should.

Runs the example test in a copy of the project holding only the quickstart examples, so that the real
stored outputs are never touched.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from project_copy import copy_project, run_pytest

# Slow (left out of `make check`): a copy of the project, tested in pytest sessions of its own.
pytestmark = pytest.mark.slow

#: What the copy holds: the tests and their settings; the copy's own sandbox and scenario model, which
#: its tests import instead of the installed ones; the shortcode readers the example test shares with the
#: build (`hooks.examples`); the quickstart examples; and the description, which the example test checks
#: each exchange against.
PARTS = ("tests", "src", "hooks", "snippets/quickstart", "docs/openapi.yaml", "pyproject.toml")


def _run_example_tests(project: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_pytest(project, "tests/examples/test_snippets.py", *extra)


def test_one_changed_byte_in_a_stored_output_fails_and_the_update_flag_restores_it(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", *PARTS)
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
