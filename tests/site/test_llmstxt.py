"""llms.txt and llms-full.txt, the site as Markdown for tools: every page listed, every example in full.

`hooks/llms_txt.py` writes them from the Markdown the pages are written in, with the shortcodes
expanded and the snippet includes resolved. An example in the full text must be the file the tests run,
character for character, less only what pymdownx.snippets and Material never show (section and
annotation markers): `example_runner.shown_text`.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

import example_runner
from cliniko_sandbox import contract
from docs_site import site_url
from hooks import llms_txt, shortcodes
from project import MKDOCS_YML

OPENING_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})[^`]*$")
LISTED_PAGE = re.compile(r"^- \[(?P<title>[^\]]+)\]\((?P<address>[^)\s]+)\)")


class _AnyTagLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, whose `!!python/name:` and `!ENV` tags plain YAML refuses; their values are not needed."""


_AnyTagLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def nav_pages() -> list[str]:
    """Every Markdown file in mkdocs.yml's `nav`, in order (links to other sites left out)."""
    config = yaml.load(MKDOCS_YML.read_text(encoding="utf-8"), Loader=_AnyTagLoader)  # noqa: S506 - a SafeLoader

    def walk(item: Any) -> list[str]:
        if isinstance(item, str):
            return [item] if item.endswith(".md") else []
        if isinstance(item, dict):
            return [page for value in item.values() for page in walk(value)]
        if isinstance(item, list):
            return [page for value in item for page in walk(value)]
        return []

    return walk(config["nav"])


def markdown_address(source: str) -> str:
    """Where the build publishes a page's Markdown: beside its index.html (`a/b.md` -> `a/b/index.md`)."""
    stem = source.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return site_url() + stem + ".md"
    return site_url() + stem + "/index.md"


def code_blocks(markdown: str) -> list[str]:
    """The content of every fenced code block of a Markdown text, in order."""
    blocks = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        opening = OPENING_FENCE.match(lines[index])
        index += 1
        if not opening:
            continue
        fence = opening.group("fence")
        body = []
        while index < len(lines) and not (
            lines[index].startswith(fence[0] * len(fence)) and lines[index].strip(fence[0]) == ""
        ):
            body.append(lines[index])
            index += 1
        index += 1
        blocks.append("\n".join(body))
    return blocks


def shown_code_files() -> list[str]:
    """Every code file the pages show: each example, and the client module shown whole."""
    return [example.name for example in example_runner.discover()] + sorted(example_runner.LIBRARIES)


def test_every_page_of_the_nav_is_listed_in_llms_txt_and_published_as_markdown(built_site: Path) -> None:
    listed = {
        match.group("address"): match.group("title")
        for line in (built_site / "llms.txt").read_text(encoding="utf-8").splitlines()
        if (match := LISTED_PAGE.match(line))
    }
    pages = nav_pages()
    assert len(pages) > 10, pages
    missing = [page for page in pages if markdown_address(page) not in listed]
    assert not missing, f"pages of the nav that llms.txt does not list: {missing}"
    for address in listed:
        assert address.startswith(site_url()), address
        published = built_site / address[len(site_url()) :]
        assert published.is_file(), f"llms.txt lists {address}, which the site does not hold"


MARKDOWN_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


def test_every_link_of_a_markdown_copy_is_absolute_and_leads_to_the_site_or_away(built_site: Path) -> None:
    """A copy lives one folder deeper than its page's source, so a relative link would lead elsewhere:
    every link is absolute, and a link to this site names a file the build wrote (or a page's folder)."""
    problems = []
    for page in nav_pages():
        address = markdown_address(page)
        copy = (built_site / address[len(site_url()) :]).read_text(encoding="utf-8")
        in_fence = False
        for line in copy.splitlines():
            if OPENING_FENCE.match(line.strip()):
                in_fence = not in_fence
                continue
            if in_fence:
                continue
            for link in MARKDOWN_LINK.finditer(line):
                target = link.group("target").split("#", 1)[0]
                if not target:  # `#section`: a place on the same page
                    continue
                if not target.startswith(("mailto:", "http://", "https://")):
                    problems.append(f"{address}: relative link {link.group('target')!r}")
                    continue
                if target.startswith(site_url()):
                    path = target[len(site_url()) :]
                    written = built_site / path if path and not path.endswith("/") else built_site / path / "index.html"
                    if not written.is_file():
                        problems.append(f"{address}: {link.group('target')!r} is not a file of the site")
    assert not problems, "\n".join(problems)


def test_every_example_is_in_the_full_text_exactly_as_tested(built_site: Path) -> None:
    blocks = code_blocks((built_site / "llms-full.txt").read_text(encoding="utf-8"))
    assert len(blocks) > 50, "the full text holds too few code blocks to be the whole site"
    files = shown_code_files()
    assert "cliniko_client.py" in files and all(any(name.endswith(suffix) for name in files) for suffix in (".sh", ".mjs"))
    missing = [name for name in files if example_runner.shown_text(name).rstrip("\n") not in blocks]
    assert not missing, f"examples not in llms-full.txt as their file has them: {missing}"


def test_the_block_reader_finds_a_block_only_whole() -> None:
    text = "Intro\n\n```python\nprint(1)\n\nprint(2)\n```\n\n````text\n```\ninside\n````\n"
    assert code_blocks(text) == ["print(1)\n\nprint(2)", "```\ninside"]
    assert "print(1)" not in code_blocks(text)


def test_the_copy_shows_a_file_as_the_page_does_and_moves_tabs_to_the_margin(tmp_path: Path) -> None:
    """Section and annotation markers go, a section is dedented, and a tab's code starts at the margin."""
    (tmp_path / "demo.py").write_text(
        "import os\n# --8<-- [start:call]\n    key = 1  # (1)!\n    # a comment stays\n# --8<-- [end:call]\n",
        encoding="utf-8",
    )
    page = '=== "Python"\n\n    ```python hl_lines="2"\n    --8<-- "demo.py"\n    ```\n\n=== "Part"\n\n    ```python\n    --8<-- "demo.py:call"\n    ```\n\nSee [errors](errors.md#codes).\n'
    context = shortcodes.Context(page="guide/page.md", snippets=tmp_path)
    copy, problems = llms_txt.to_markdown(page, context, "https://example.org/site/")
    assert not problems
    assert code_blocks(copy) == ["import os\n    key = 1\n    # a comment stays", "key = 1\n# a comment stays"]
    assert "**Python**" in copy and "hl_lines" not in copy and "8<" not in copy
    assert "[errors](https://example.org/site/guide/errors/index.md#codes)" in copy


def test_the_copy_gives_the_box_of_sandbox_commands_as_markdown_with_the_link_from_its_page() -> None:
    """The box above a prepared example is HTML on the page (for its `data-example`); the copy keeps its
    title as a bold line, its text and its commands, and links the Sandbox page from where the page is."""
    page = "# Limits\n\n<!-- md:example rate-limiting/over_the_limit -->\n"
    context = shortcodes.Context(page="guide/limits.md", snippets=example_runner.SNIPPETS)
    copy, problems = llms_txt.to_markdown(page, context, "https://example.org/site/")
    assert not problems
    assert "<div" not in copy and "</div>" not in copy and "<p " not in copy
    assert "\n**Example: To see this output in the sandbox**\n\nThis output needs the sandbox's clock" in copy
    assert 'curl -fsS -o /dev/null -X POST "$CLINIKO_MOCK_CONTROL_URL/reset"' in code_blocks(copy)[0]
    assert "[Sandbox](https://example.org/site/sandbox/index.md)" in copy


def test_the_copy_holds_the_reference_tables_and_the_contracts_numbers_as_markdown() -> None:
    """A page's reference table is in its copy without the HTML block around it, and a number of the
    contract written as a shortcode is its text, in the copy and in the page's line of llms.txt."""
    page = "# Limits\n\nUp to <!-- md:contract per_page_max --> records. More text.\n\n<!-- md:openapi-schema User -->\n"
    context = shortcodes.Context(page="resources/limits.md", snippets=example_runner.SNIPPETS)
    copy, problems = llms_txt.to_markdown(page, context, "https://example.org/site/")
    assert not problems
    assert f"Up to {contract.shown('per_page_max')} records." in copy and "md:" not in copy
    assert "<div" not in copy and "</div>" not in copy
    assert "\n\n| Field | Type | Meaning |\n| --- | --- | --- |\n| `id` |" in copy
    # The table's links to the guide lead to the Markdown copies of its pages too.
    assert "(https://example.org/site/data-responses/index.md#ids-are-strings)" in copy
    listed = llms_txt.description(SimpleNamespace(meta={}), page)
    assert listed == f"Up to {contract.shown('per_page_max')} records."
