"""The `<!-- md:example -->` shortcode (`hooks/examples.py`, found and dispatched by `hooks/shortcodes.py`):
what it expands to, and how it fails.

What the expanded examples look like on the built site is checked in `test_examples_shown.py`; the
scanner and the dispatcher themselves in `test_shortcodes.py`.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cliniko_docs.scenario import EXAMPLE_SUFFIXES, Scenario
from docs_site import shortcode_site
from example_runner import SNIPPETS
from hooks import examples, shortcodes
from page_examples import expanded
from project import ROOT


def expand(markdown: str, snippets: Path = SNIPPETS, page: str | None = None) -> tuple[str, list[str]]:
    """The page expanded as the build expands it, and the problems; `page` is its path under docs/."""
    return shortcodes.expand(markdown, shortcodes.Context(page=page, snippets=snippets))


def test_an_example_with_every_variant_gets_a_tab_for_each_with_its_output() -> None:
    text = expanded("Intro.\n\n<!-- md:example pagination/list_one_page -->\n\nAfter.\n")
    assert text.startswith("Intro.\n\n=== \"Python\"\n\n    ```python\n")
    for include in [
        '    --8<-- "pagination/list_one_page.py"',
        '    --8<-- "pagination/list_one_page.py.out"',
        '    --8<-- "pagination/list_one_page.mjs"',
        '    --8<-- "pagination/list_one_page.mjs.out"',
        '    --8<-- "pagination/list_one_page.sh"',
        '    --8<-- "pagination/list_one_page.sh.out"',
    ]:
        assert include in text.splitlines()
    assert text.index('=== "Python"') < text.index('=== "JavaScript"') < text.index('=== "curl"')
    assert '    ```javascript' in text.splitlines()
    assert text.count("Output:") == 3
    assert text.endswith("\n\nAfter.\n")


def test_the_tabs_are_the_languages_an_example_may_be_written_in() -> None:
    """A language the runner runs (EXAMPLE_SUFFIXES) has a tab, and a tab a language the runner runs."""
    assert tuple(variant.suffix for variant in examples.VARIANTS) == EXAMPLE_SUFFIXES


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


def _box(text: str) -> list[str]:
    """The lines of the box of sandbox commands in an expanded page, from its opening tag to its closing one."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if 'class="admonition example sandbox-setup"' in line)
    return lines[start : lines.index("</div>", start) + 1]


def test_a_prepared_example_gets_the_box_of_commands_from_its_scenario_above_it() -> None:
    text = expanded("<!-- md:example rate-limiting/over_the_limit -->\n")
    box = _box(text)
    assert text.startswith(box[0]) and text.index("</div>") < text.index('=== "Python"')
    assert box[:2] == [
        '<div class="admonition example sandbox-setup" data-example="rate-limiting/over_the_limit" data-search-exclude markdown>',
        '<p class="admonition-title">To see this output in the sandbox</p>',
    ]
    setup = Scenario.for_example(SNIPPETS / "rate-limiting" / "over_the_limit.py").setup()
    fence = box.index("```bash")
    assert "\n".join(box[fence + 1 : box.index("```", fence + 1)]) == setup.commands
    assert f"This output needs {setup.condition}." in box[3]
    assert "[Sandbox](sandbox.md)" in "\n".join(box) and "in any of its languages" in "\n".join(box)
    assert "sandbox-setup" not in expanded("<!-- md:example pagination/list_one_page -->\n")


def test_the_box_goes_below_the_warning_and_says_to_restore_the_key() -> None:
    text = expanded("<!-- md:example authentication/create_patient_as_bookkeeper -->\n")
    assert text.index('!!! warning "Changes data"') < text.index("sandbox-setup") < text.index('=== "Python"')
    assert "export CLINIKO_API_KEY" in "\n".join(_box(text)[-4:])


@pytest.mark.parametrize(
    ("page", "link"),
    [
        ("rate-limiting.md", "(sandbox.md)"),
        ("resources/patients.md", "(../sandbox.md)"),
        (None, "(sandbox.md)"),
        ("sandbox.md", None),
    ],
)
def test_the_box_links_the_sandbox_page_relative_to_the_page_it_is_on(page: str | None, link: str | None) -> None:
    text, problems = expand("<!-- md:example client/wait_on_rate_limit -->\n", page=page)
    assert problems == []
    box = "\n".join(_box(text))
    assert "the example below in that same shell" in box, "one variant: no languages to choose from"
    if link is None:
        assert "](" not in box, "no link from the Sandbox page to itself"
    else:
        assert f"[Sandbox]{link}" in box


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
    text, problems = expand("<!-- md:example topic/lesson -->\n", tmp_path)
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
    _, problems = expand("<!-- md:example topic/new -->\n", tmp_path)
    assert problems == ["line 1: snippets/topic/new.py has no stored output new.py.out; run `make update-outputs`"]


def test_a_bad_shortcode_fails_the_strict_build_naming_page_line_and_problem(tmp_path: Path) -> None:
    """A real `mkdocs build --strict` of a small site with the extension: every problem is listed, then it
    stops; an unknown shortcode and a contract number that does not exist are problems too."""
    shortcode_site(
        tmp_path,
        {
            "index.md": "# Fine\n\n<!-- md:example pagination/list_one_page -->\n",
            "bad.md": "# Bad\n\n<!-- md:example pagination/missing -->\n\n"
            '<!-- md:example pagination/list_one_page size="big" -->\n\n<!-- md:example -->\n\n'
            "Up to <!-- md:contract per_page_maximum --> records.\n\n<!-- md:exmaple pagination/list_one_page -->\n",
        },
        strict=True,
    )
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=tmp_path,
        # The small site is elsewhere: the project's root goes on the path for `hooks.shortcodes`.
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
        "docs/bad.md, line 9: no contract number is named 'per_page_maximum'",
        "docs/bad.md, line 11: unknown shortcode 'md:exmaple'",
        "Aborted with 5 errors in strict mode",
    ]:
        assert expected in said, f"{expected!r} not in:\n{said}"
    assert "index.md" not in said


def test_the_hook_output_renders_as_tabs_in_a_real_build(built_site: Path) -> None:
    """On the home page, the quickstart shortcode became a Python, a JavaScript and a curl tab."""
    page = (built_site / "index.html").read_text(encoding="utf-8")
    labels = re.findall(r'<label for="__tabbed_1_\d+">([^<]+)</label>', page)
    assert labels == ["Python", "JavaScript", "curl"], labels
    assert "md:example" not in html.unescape(page)


def test_the_extension_works_in_plain_python_markdown(caplog: pytest.LogCaptureFixture) -> None:
    """Outside any site generator: the tabs and the included code; a bad shortcode is logged for "a page"."""
    import markdown

    extensions = [shortcodes.makeExtension(base_path=str(SNIPPETS)), "pymdownx.superfences", "pymdownx.tabbed", "pymdownx.snippets"]
    configs = {"pymdownx.tabbed": {"alternate_style": True}, "pymdownx.snippets": {"base_path": [str(SNIPPETS)], "check_paths": True}}
    rendered = markdown.Markdown(extensions=extensions, extension_configs=configs).convert(
        "<!-- md:example pagination/list_one_page -->\n"
    )
    assert re.findall(r'<label for="__tabbed_1_\d+">([^<]+)</label>', rendered) == ["Python", "JavaScript", "curl"]
    assert "Output:" in rendered and "md:example" not in rendered
    with caplog.at_level("ERROR"):
        markdown.Markdown(extensions=extensions, extension_configs=configs).convert(
            "# Page\n\n<!-- md:example pagination/missing -->\n"
        )
    assert [record.getMessage() for record in caplog.records] == [
        "a page, line 3: unknown example 'pagination/missing': there is no snippets/pagination/missing.py, "
        "snippets/pagination/missing.mjs or snippets/pagination/missing.sh"
    ]
