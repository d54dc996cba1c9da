"""The map of the code ("How the site is made" on the contributing page) matches the tree: every folder
of the repository, and every folder inside `src/`, `tests/` and `tools/`, has a row, and every row names
a path that exists."""

from __future__ import annotations

import re
import subprocess

import pytest

from project import DOCS, ROOT

PAGE = DOCS / "contributing.md"
#: The folders whose own folders each need a row of their own.
MAPPED_INSIDE = ("src", "tests", "tools")


def map_rows(text: str) -> list[str]:
    """The paths in the first column of the table under "How the site is made", as written."""
    section = text.split("## How the site is made", 1)[1].split("\n## ", 1)[0]
    return [match.group(1) for match in re.finditer(r"^\| `([^`]+)` \|", section, re.MULTILINE)]


def folders_needing_rows(files: list[str]) -> set[str]:
    """The top-level folders of the tracked files, and the folders directly inside `MAPPED_INSIDE`."""
    needed = set()
    for path in files:
        parts = path.split("/")
        if len(parts) > 1:
            needed.add(parts[0])
        if len(parts) > 2 and parts[0] in MAPPED_INSIDE:
            needed.add(f"{parts[0]}/{parts[1]}")
    return needed


def unmapped(needed: set[str], rows: list[str]) -> list[str]:
    """The folders no row covers: a row covers its own path and the folders above it, and a row with a
    placeholder (`snippets/<page>/`) covers the folder before the placeholder."""
    covered = set()
    for row in rows:
        parts = row.split("<", 1)[0].strip("/").split("/")
        covered.update("/".join(parts[: depth + 1]) for depth in range(len(parts)) if parts[depth])
    return sorted(needed - covered)


def tracked_files() -> list[str]:
    try:
        listed = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.fail(f"git ls-files failed ({error}): the map is checked against the tracked files")
    return listed.stdout.splitlines()


def test_every_folder_has_a_row_in_the_map():
    missing = unmapped(folders_needing_rows(tracked_files()), map_rows(PAGE.read_text(encoding="utf-8")))
    assert not missing, f"add a row to the table under 'How the site is made' in {PAGE.name} for: {', '.join(missing)}"


def test_every_row_of_the_map_names_a_path_that_exists():
    gone = [row for row in map_rows(PAGE.read_text(encoding="utf-8")) if "<" not in row and not (ROOT / row).exists()]
    assert not gone, f"these rows of the map in {PAGE.name} name no path in the repository: {', '.join(gone)}"


def test_a_new_folder_without_a_row_is_reported():
    rows = ["docs/", "tests/sandbox/", "snippets/<page>/", "src/cliniko_sandbox/"]
    files = ["docs/index.md", "snippets/a/b.py", "tests/sandbox/test_x.py", "tests/fresh/test_y.py", "src/cliniko_sandbox/a.py", "src/other/b.py", "README.md"]

    assert unmapped(folders_needing_rows(files), rows) == ["src/other", "tests/fresh"]
