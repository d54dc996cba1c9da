"""The `<!-- md:example -->` shortcode (`hooks/examples.py`): what it expands to, and how it fails.

What the expanded examples look like on the built site is checked in `test_examples_shown.py`.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from example_runner import SNIPPETS
from page_examples import ROOT, example_hook, expanded

hook = example_hook()


def expand(markdown: str) -> tuple[str, list[str]]:
    return hook.expand(markdown, SNIPPETS)


def test_an_example_with_both_variants_gets_a_tab_for_each_with_its_output() -> None:
    text = expanded("Intro.\n\n<!-- md:example pagination/list_one_page -->\n\nAfter.\n")
    assert text.startswith("Intro.\n\n=== \"Python\"\n\n    ```python\n")
    for include in [
        '    --8<-- "pagination/list_one_page.py"',
        '    --8<-- "pagination/list_one_page.py.out"',
        '    --8<-- "pagination/list_one_page.sh"',
        '    --8<-- "pagination/list_one_page.sh.out"',
    ]:
        assert include in text.splitlines()
    assert text.index('=== "Python"') < text.index('=== "curl"')
    assert text.count("Output:") == 2
    assert text.endswith("\n\nAfter.\n")


def test_an_example_with_one_variant_is_shown_without_tabs() -> None:
    text = expanded("<!-- md:example client/list_patients -->\n")
    assert "===" not in text
    assert text.splitlines()[:3] == ["```python", '--8<-- "client/list_patients.py"', "```"]


def test_a_note_goes_between_the_variants_code_and_its_output() -> None:
    text = expanded('<!-- md:example base-url/follow_links curl-note="Needs *jq*." -->\n')
    curl = text[text.index('=== "curl"') :]
    assert curl.index('follow_links.sh"') < curl.index("    Needs *jq*.") < curl.index("Output:")
    assert "Needs *jq*." not in text[: text.index('=== "curl"')]


def test_an_indented_shortcode_is_expanded_at_its_indent() -> None:
    text = expanded("- A step:\n\n    <!-- md:example client/list_patients -->\n")
    code = [line for line in text.splitlines()[2:] if line]
    assert all(line.startswith("    ") for line in code), code


def test_an_example_flagged_as_changing_data_gets_the_warning_above_it() -> None:
    text = expanded("<!-- md:example patients/archive_patient -->\n")
    warning, tabs = text.split('=== "Python"', 1)
    assert warning.startswith('!!! warning "Changes data"\n\n    This example archives a patient.')
    assert "trial or test account" in warning
    assert "Archiving cannot be undone through the API." in warning
    created = expanded("<!-- md:example patients/create_patient -->\n")
    assert "This example creates a patient." in created and "Archiving" not in created
    assert "Changes data" not in expanded("<!-- md:example pagination/list_one_page -->\n")


def test_lesson_lines_are_highlighted_as_the_page_counts_them(tmp_path: Path) -> None:
    """Marker lines are not shown, so the lines after a marker move up by one for each marker before them."""
    folder = tmp_path / "topic"
    folder.mkdir()
    (folder / "lesson.py").write_text(
        "setup = 1\n# --8<-- [start:lesson]\nkey = 2\nline = 3\n# --8<-- [end:lesson]\nrest = 4\n"
        "# --8<-- [start:lesson]\nagain = 5\n# --8<-- [end:lesson]\n",
        encoding="utf-8",
    )
    (folder / "lesson.py.out").write_text("ok\n", encoding="utf-8")
    text, problems = hook.expand("<!-- md:example topic/lesson -->\n", tmp_path)
    assert problems == []
    assert text.splitlines()[0] == '```python hl_lines="2-3 5"'
    assert text.splitlines()[-3] == "```text", "no highlight on the output"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("<!-- md:example pagination/no_such_example -->", "line 3: unknown example 'pagination/no_such_example'"),
        ("<!-- md:example pagination/list_one_page colour=\"red\" -->", "line 3: unknown option 'colour'"),
        ("<!-- md:example pagination/list_one_page -- >", "line 3: malformed shortcode"),
        ("<!-- md:example -->", "line 3: malformed shortcode"),
        ("<!-- md:example pagination/list_one_page curl-note=unquoted -->", "line 3: malformed shortcode"),
        ("<!-- md:exmaple pagination/list_one_page -->", "line 3: unknown shortcode 'md:exmaple'"),
        ("<!-- md:example pagination/list_one_page.py -->", "line 3: 'pagination/list_one_page.py' is not an example's name"),
        ("<!-- md:example list_one_page -->", "line 3: 'list_one_page' is not an example's name"),
        ("<!-- md:example client/list_patients curl-note=\"x\" -->", "line 3: option 'curl-note', but client/list_patients has no curl variant"),
        (
            "<!-- md:example pagination/list_one_page curl-note=\"a\" curl-note=\"b\" -->",
            "line 3: option 'curl-note' is given twice",
        ),
    ],
)
def test_a_bad_shortcode_is_reported_with_its_line(line: str, message: str) -> None:
    text, problems = expand(f"# Page\n\n{line}\n")
    assert len(problems) == 1 and problems[0].startswith(message), problems
    assert line in text, "a shortcode that cannot be expanded is left as it is"


def test_a_shortcode_inside_a_code_block_is_left_alone() -> None:
    page = "```markdown\n<!-- md:example pagination/no_such_example -->\n```\n"
    assert expand(page) == (page, [])


def test_an_example_with_no_stored_output_is_reported(tmp_path: Path) -> None:
    (tmp_path / "topic").mkdir()
    (tmp_path / "topic" / "new.py").write_text("print(1)\n", encoding="utf-8")
    _, problems = hook.expand("<!-- md:example topic/new -->\n", tmp_path)
    assert problems == ["line 1: snippets/topic/new.py has no stored output new.py.out; run `make update-outputs`"]


def test_a_bad_shortcode_fails_the_strict_build_naming_page_line_and_problem(tmp_path: Path) -> None:
    """A real `mkdocs build --strict` of a small site with the extension: every problem is listed, then it stops."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Fine\n\n<!-- md:example pagination/list_one_page -->\n", encoding="utf-8")
    (docs / "bad.md").write_text(
        "# Bad\n\n<!-- md:example pagination/missing -->\n\n"
        '<!-- md:example pagination/list_one_page size="big" -->\n\n<!-- md:example -->\n',
        encoding="utf-8",
    )
    (tmp_path / "mkdocs.yml").write_text(
        textwrap.dedent(f"""\
            site_name: Shortcode check
            strict: true
            markdown_extensions:
              - hooks.examples:
                  base_path: {SNIPPETS}
              - pymdownx.superfences
              - pymdownx.tabbed:
                  alternate_style: true
              - pymdownx.snippets:
                  base_path: [{SNIPPETS}]
                  check_paths: true
            """),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=tmp_path,
        # The small site is elsewhere: the project's root goes on the path for `hooks.examples`.
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])},
        capture_output=True,
        text=True,
        timeout=120,
    )
    said = result.stdout + result.stderr
    assert result.returncode != 0, said
    for expected in [
        "docs/bad.md, line 3: unknown example 'pagination/missing'",
        "docs/bad.md, line 5: unknown option 'size'",
        "docs/bad.md, line 7: malformed shortcode",
        "Aborted with 3 errors in strict mode",
    ]:
        assert expected in said, f"{expected!r} not in:\n{said}"
    assert "index.md" not in said


def test_the_hook_output_renders_as_tabs_in_a_real_build(built_site: Path) -> None:
    """On the home page, the quickstart shortcode became a Python and a curl tab, each with two blocks."""
    page = (built_site / "index.html").read_text(encoding="utf-8")
    labels = re.findall(r'<label for="__tabbed_1_\d+">([^<]+)</label>', page)
    assert labels == ["Python", "curl"], labels
    assert "md:example" not in html.unescape(page)


def test_the_extension_works_in_plain_python_markdown(caplog: pytest.LogCaptureFixture) -> None:
    """Outside any site generator: the tabs and the included code; a bad shortcode is logged for "a page"."""
    import markdown

    extensions = [hook.makeExtension(base_path=str(SNIPPETS)), "pymdownx.superfences", "pymdownx.tabbed", "pymdownx.snippets"]
    configs = {"pymdownx.tabbed": {"alternate_style": True}, "pymdownx.snippets": {"base_path": [str(SNIPPETS)], "check_paths": True}}
    rendered = markdown.Markdown(extensions=extensions, extension_configs=configs).convert(
        "<!-- md:example pagination/list_one_page -->\n"
    )
    assert re.findall(r'<label for="__tabbed_1_\d+">([^<]+)</label>', rendered) == ["Python", "curl"]
    assert "Output:" in rendered and "md:example" not in rendered
    with caplog.at_level("ERROR"):
        markdown.Markdown(extensions=extensions, extension_configs=configs).convert(
            "# Page\n\n<!-- md:example pagination/missing -->\n"
        )
    assert [record.getMessage() for record in caplog.records] == [
        "a page, line 3: unknown example 'pagination/missing': there is no snippets/pagination/missing.py "
        "or snippets/pagination/missing.sh"
    ]
