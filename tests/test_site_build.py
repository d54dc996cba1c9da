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


#: The search index's budget, gzipped: half of what it was when it still held the code blocks, the
#: client's reference and the contributors' how-to. Every page downloads it.
SEARCH_INDEX_BUDGET = 23 * 1024


def test_the_search_index_stays_small_and_keeps_the_prose_readers_search(built_site: Path) -> None:
    """What docs/contributing.md ("Measure speed") says the index leaves out stays out, and no more."""
    import gzip
    import json

    raw = (built_site / "search" / "search_index.json").read_bytes()
    size = len(gzip.compress(raw))
    assert size <= SEARCH_INDEX_BUDGET, f"the search index is {size} bytes gzipped, over {SEARCH_INDEX_BUDGET}"
    locations = [entry["location"] for entry in json.loads(raw)["docs"]]
    # The client's reference and the contributors' how-to are left out ...
    assert not [place for place in locations if "#cliniko_client." in place]
    assert "contributing/#add-an-example" not in locations
    # ... but not the prose around them: the client page, its sections, and the feedback section.
    assert {"client/", "client/#errors-are-exceptions", "contributing/", "contributing/#tell-us"} <= set(locations)
    assert len([place for place in locations if place.startswith("rate-limiting/")]) > 3


def test_code_drops_only_the_spans_drawn_in_the_text_colour(built_site: Path) -> None:
    """hooks/lean_code_blocks.py unwraps Pygments' whitespace and plain-name tokens. That is right only
    while a plain name is drawn in the code's own colour: Material says so, and nothing of ours changes it."""
    import html
    import re

    main_css = next((built_site / "assets" / "stylesheets").glob("main.*.min.css")).read_text(encoding="utf-8")
    assert "--md-code-hl-name-color:var(--md-code-fg-color)" in main_css
    assert re.search(r"\.highlight \.n[,{]", main_css), "Material no longer colours plain names the way the hook assumes"
    for stylesheet in (built_site / "assets").rglob("*.css"):
        text = stylesheet.read_text(encoding="utf-8")
        if stylesheet.name.startswith(("main.", "palette.")):
            # Material's own: every scheme it defines maps plain names to the code's text colour.
            values = re.findall(r"--md-code-hl-name-color:([^;}]*)", text)
            assert set(values) <= {"var(--md-code-fg-color)"}, (stylesheet.name, values)
            continue
        assert "--md-code-hl-name-color" not in text, stylesheet.name
    errors = (built_site / "errors" / "index.html").read_text(encoding="utf-8")
    assert '<span class="n">' not in errors and '<span class="w">' not in errors
    # The names are still there, as text.
    assert "requests." in html.unescape(re.sub(r"<[^>]+>", "", errors))


def test_only_the_page_with_the_reference_links_mkdocstrings_stylesheet(built_site: Path) -> None:
    """hooks/page_assets.py: the client page keeps the link (and the file is there), no other page has it."""
    link = "assets/_mkdocstrings.css"
    assert (built_site / link).is_file()
    assert link in (built_site / "client" / "index.html").read_text(encoding="utf-8")
    others = [page for page in built_site.rglob("*.html") if page.parent.name != "client"]
    assert len(others) > 10
    assert not [str(page.relative_to(built_site)) for page in others if link in page.read_text(encoding="utf-8")]
