"""The shortcodes' scanner and dispatcher (`hooks/shortcodes.py`), and the inline `<!-- md:contract NAME -->`.

What each block shortcode expands to is tested with its module: `test_example_shortcode.py` for
`md:example`, `test_openapi_pages.py` for the reference tables. Here: which lines are fenced code, where
a shortcode is found and where not, that each name goes to its kind and an unknown one is an error
naming the line, that a contract's number takes the place of its shortcode in a sentence and in a table
cell, and that the Python-Markdown extension does all of it with the page named in each error.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import markdown
import pytest

from cliniko_sandbox import contract
from hooks import shortcodes
from hooks.shortcodes import Context, ShortcodeError

# Fenced code ---------------------------------------------------------------------------------------


def code_lines(text: str) -> list[int]:
    """The numbers of the lines the scanner takes for fenced code, fences included."""
    return [line.number for line in shortcodes.lines(text) if line.code]


def test_the_lines_joined_give_the_page_back() -> None:
    text = "# Page\n\n```python\nx = 1\n```\n\nText.\n"
    assert "\n".join(line.text for line in shortcodes.lines(text)) == text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # Backticks and tildes; the opening and closing lines are marked too.
        ("a\n```\nb\n```\nc", [2, 3, 4]),
        ("a\n~~~\nb\n~~~\nc", [2, 3, 4]),
        # A fence of the other character, or a shorter one, or one with an info string, closes nothing.
        ("````\n```\n~~~~\n```text\n````\nc", [1, 2, 3, 4, 5]),
        # A longer fence closes a shorter one.
        ("```\nb\n`````\nc", [1, 2, 3]),
        # Indented, as in a list or an admonition.
        ("- item\n\n    ```bash\n    echo\n    ```\n\nc", [3, 4, 5]),
        # A fence never closed runs to the end.
        ("a\n```\nb", [2, 3]),
    ],
)
def test_fenced_code_is_found_as_the_pages_fences_close(text: str, code: list[int]) -> None:
    assert code_lines(text) == code


def test_the_opening_and_closing_fences_are_told_apart() -> None:
    fences = [(line.number, line.fence) for line in shortcodes.lines("```\n```text\n```\n```\n```") if line.fence]
    assert fences == [(1, "open"), (3, "close"), (4, "open"), (5, "close")]


# Finding shortcodes --------------------------------------------------------------------------------


def test_a_shortcode_on_a_line_of_its_own_is_found_with_its_indent() -> None:
    line = "    <!-- md:example client/list_patients -->  "
    [found] = shortcodes.find(f"Text.\n\n{line}\n")
    assert (found.name, found.arguments, found.line, found.indent, found.alone) == ("example", "client/list_patients", 3, "    ", True)
    assert line[found.start : found.end] == line.strip()


def test_shortcodes_within_a_line_are_found_in_order_and_not_alone() -> None:
    found = list(shortcodes.find("| max | <!-- md:contract per_page_max --> | <!--md:contract rate_limit--> |"))
    assert [(code.name, code.arguments, code.alone, code.indent) for code in found] == [
        ("contract", "per_page_max", False, ""),
        ("contract", "rate_limit", False, ""),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "```markdown\n<!-- md:example pagination/list_one_page -->\n```\n",
        "~~~~\nUp to <!-- md:contract per_page_max -->.\n~~~~\n",
        "Write `<!-- md:contract per_page_max -->` in a sentence.\n",
        "Write ``a ` and <!-- md:nosuch --> inside`` a span.\n",
        "An HTML comment: <!-- nothing to see -->.\n",
    ],
)
def test_nothing_in_code_or_in_another_comment_is_a_shortcode(text: str) -> None:
    assert list(shortcodes.find(text)) == []
    assert shortcodes.expand(text) == (text, [])


def test_a_shortcode_that_does_not_end_on_its_line_is_malformed() -> None:
    [found] = shortcodes.find("# P\n\n<!-- md:example pagination/list_one_page\n-->\n")
    assert isinstance(found, ShortcodeError)
    assert str(found).startswith("line 3: malformed shortcode '<!-- md:example pagination/list_one_page'")


# The dispatcher ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("# P\n\n<!-- md:exmaple pagination/list_one_page -->\n", "line 3: unknown shortcode 'md:exmaple'; the shortcodes are md:contract, md:example"),
        ("# P\n\nSee <!-- md:nosuch -->.\n", "line 3: unknown shortcode 'md:nosuch'"),
        ("<!-- md: -->\n", "line 1: unknown shortcode 'md:'"),
        ("See <!-- md:example client/list_patients --> here.\n", "line 1: md:example stands on a line of its own"),
        ("A\n\nUp to <!-- md:contract per_page_maximum --> records.\n", "line 3: no contract number is named 'per_page_maximum'; the names are: "),
        ("Up to <!-- md:contract --> records.\n", "line 1: malformed shortcode 'md:contract '"),
        ("Up to <!-- md:contract per_page_max rate_limit -->.\n", "line 1: malformed shortcode 'md:contract per_page_max rate_limit'"),
    ],
)
def test_a_shortcode_that_cannot_be_expanded_is_an_error_naming_its_line_and_stays_as_written(text: str, problem: str) -> None:
    expanded, problems = shortcodes.expand(text)
    assert len(problems) == 1 and problems[0].startswith(problem), problems
    assert expanded == text


def test_the_dispatcher_hands_each_kind_its_arguments_and_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """A block kind's lines take its line's place, indented as it is; an inline kind's text takes its own place."""
    seen = []

    def block(arguments: str, context: Context) -> list[str]:
        seen.append(("block", arguments, context.page))
        return ["first", "", "second"]

    def inline(arguments: str, context: Context) -> str:
        seen.append(("inline", arguments, context.page))
        return "TEXT"

    monkeypatch.setattr(shortcodes, "KINDS", {"blocky": shortcodes.Kind(block), "wordy": shortcodes.Kind(inline, inline=True)})
    page = "  <!-- md:blocky a  b -->\nSay <!-- md:wordy x --> now, <!-- md:wordy -->.\n"
    text, problems = shortcodes.expand(page, Context(page="guide/page.md"))
    assert problems == []
    assert seen == [("block", "a  b", "guide/page.md"), ("inline", "x", "guide/page.md"), ("inline", "", "guide/page.md")]
    assert text == "  first\n\n  second\nSay TEXT now, TEXT.\n"


def test_a_block_expansion_is_indented_as_its_shortcode_is() -> None:
    text, problems = shortcodes.expand("1. Step:\n\n    <!-- md:openapi-schema User -->\n")
    assert problems == []
    table = text.splitlines()[2:]
    assert table[0] == '    <div class="reference-table" markdown>'
    assert all(line.startswith("    ") for line in table if line), table


def test_a_contract_number_takes_its_shortcodes_place_in_a_sentence_and_a_table_cell() -> None:
    page = (
        "Up to <!-- md:contract per_page_max --> records (default <!--md:contract per_page_default-->).\n\n"
        "| Limit | Value |\n| --- | --- |\n| Body | <!-- md:contract max_body --> |\n"
    )
    text, problems = shortcodes.expand(page)
    assert problems == []
    assert text == (
        f"Up to {contract.shown('per_page_max')} records (default {contract.shown('per_page_default')}).\n\n"
        f"| Limit | Value |\n| --- | --- |\n| Body | {contract.shown('max_body')} |\n"
    )


def test_inline_only_leaves_the_block_shortcodes_as_they_are() -> None:
    page = "<!-- md:example pagination/missing -->\n\nUp to <!-- md:contract per_page_max --> records.\n"
    text, problems = shortcodes.expand(page, inline_only=True)
    assert problems == []
    assert text == f"<!-- md:example pagination/missing -->\n\nUp to {contract.shown('per_page_max')} records.\n"


def test_the_problems_of_a_line_are_listed_from_its_left() -> None:
    _, problems = shortcodes.expand("<!-- md:contract one --> and <!-- md:contract two -->\n")
    assert [problem.split(";")[0] for problem in problems] == [
        "line 1: no contract number is named 'one'",
        "line 1: no contract number is named 'two'",
    ]


# The extension and the MkDocs context ----------------------------------------------------------------


def test_the_extension_writes_the_numbers_and_logs_each_problem_for_the_page(caplog: pytest.LogCaptureFixture) -> None:
    """In plain Python-Markdown: the number is in the table's cell, and a bad one is logged for "a page"."""
    converter = markdown.Markdown(extensions=["tables", shortcodes.makeExtension()])
    html = converter.convert("| Most per page |\n| --- |\n| <!-- md:contract per_page_max --> |\n")
    assert f"<td>{contract.shown('per_page_max')}</td>" in html
    with caplog.at_level("ERROR", logger="mkdocs.extensions.shortcodes"):
        converter.reset().convert("# P\n\nUp to <!-- md:contract nope --> records.\n\n<!-- md:nosuch -->\n")
    assert [record.getMessage().split(";")[0] for record in caplog.records] == [
        "a page, line 3: no contract number is named 'nope'",
        "a page, line 5: unknown shortcode 'md:nosuch'",
    ]


def test_a_hook_gets_the_extensions_options_relative_to_mkdocs_yml(tmp_path: Path) -> None:
    config = {
        "config_file_path": str(tmp_path / "mkdocs.yml"),
        "mdx_configs": {"hooks.shortcodes": {"base_path": "examples", "description": "api/openapi.yaml"}},
    }
    context = shortcodes.mkdocs_context(config, "resources/patients.md")
    assert context == Context("resources/patients.md", tmp_path / "examples", tmp_path / "api" / "openapi.yaml")
    default = shortcodes.mkdocs_context({"config_file_path": str(tmp_path / "mkdocs.yml"), "mdx_configs": {}}, "a.md")
    assert (default.snippets, default.openapi) == (shortcodes.SNIPPETS, shortcodes.DESCRIPTION)


def test_a_description_that_cannot_be_read_is_an_error_of_the_shortcode(tmp_path: Path) -> None:
    context = Context(openapi=tmp_path / "missing.yaml")
    _, problems = shortcodes.expand("# P\n\n<!-- md:openapi getUser -->\n", context)
    assert problems == [f"line 3: cannot read the OpenAPI description {tmp_path / 'missing.yaml'}: No such file or directory"]


def test_the_page_is_named_as_mkdocs_names_it() -> None:
    converter = markdown.Markdown()
    converter.treeprocessors.register(SimpleNamespace(file=SimpleNamespace(src_uri="resources/user.md")), "relpath", 0)
    assert shortcodes.page_name(converter) == "docs/resources/user.md"
    assert shortcodes.page_name(markdown.Markdown()) == "a page"


def test_headings_are_read_outside_fenced_code_with_their_titles_and_attribute_lists():
    page = (
        "# Title\n\n```bash\n# a comment, not a heading\n```\n\n"
        "## How long it waits { data-search-exclude }\n"
        "### 2026-01-01: A change {#change-1}\n"
        "## Closed ##\n#NoSpace\n## C# code\n"
    )

    found = [(h.number, h.level, h.title, h.attributes) for h in shortcodes.headings(page)]

    assert found == [
        (1, 1, "Title", ""),
        (7, 2, "How long it waits", "data-search-exclude"),
        (8, 3, "2026-01-01: A change", "#change-1"),
        (9, 2, "Closed", ""),
        (11, 2, "C# code", ""),
    ]
