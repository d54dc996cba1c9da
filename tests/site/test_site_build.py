"""The site builds with `mkdocs build --strict`: any warning (a broken link, a missing snippet) fails."""

from __future__ import annotations

from pathlib import Path

from project import SNIPPETS


def test_strict_build_produces_every_page(built_site: Path) -> None:
    assert (built_site / "index.html").is_file()
    assert (built_site / "sitemap.xml").is_file()


def test_an_include_of_a_missing_snippet_fails_the_build(tmp_path: Path) -> None:
    """`check_paths: true` makes a page that includes a file that does not exist a build error."""
    import os
    import shutil
    import subprocess
    import sys

    project = tmp_path / "project"
    shutil.copytree(SNIPPETS, project / "snippets")
    (project / "docs").mkdir()
    (project / "docs" / "index.md").write_text(
        '# Broken\n\n```python\n--8<-- "no_such_directory/no_such_example.py"\n```\n', encoding="utf-8"
    )
    config = (
        "site_name: Broken include\n"
        "markdown_extensions:\n"
        "  - pymdownx.superfences\n"
        "  - pymdownx.snippets:\n"
        "      base_path: [snippets]\n"
        "      check_paths: true\n"
    )
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=project,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "no_such_example.py" in result.stderr
