"""The "report a problem" link that the build writes under every code block (`hooks/example_reports.py`)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from hooks.example_reports import with_report_links
from hooks.page_assets import with_named_search_dialog

ISSUES = "https://github.com/cliniko/cliniko-api/issues/new"
ADDRESS = "https://example.test/guide/"
LINK = re.compile(r'<p class="example-report" data-search-exclude><a href="([^"]*)"[^>]*aria-label="([^"]*)"')


def links(html: str) -> list[tuple[str, str, str]]:
    """(title, body, accessible name) of each link, in order."""
    found = []
    for address, label in LINK.findall(html):
        query = parse_qs(urlsplit(address.replace("&amp;", "&")).query)
        found.append((query["title"][0], query["body"][0], label))
    return found


def block(code: str, filename: str | None = None) -> str:
    title = f'<span class="filename">{filename}</span>' if filename else ""
    return f'<div class="language-python highlight">{title}<pre><span></span><code>{code}</code></pre></div>'


PAGE = (
    '<h1 id="guide">The guide</h1>\n'
    + block("before()")
    + '\n<h2 id="first">First <em>steps</em><a class="headerlink" href="#first">&para;</a></h2>\n'
    + '<div class="tabbed-set tabbed-alternate" data-tabs="1:2"><input id="__tabbed_1_1" type="radio">'
    + '<input id="__tabbed_1_2" type="radio"><div class="tabbed-labels"><label for="__tabbed_1_1">Python</label>'
    + '<label for="__tabbed_1_2">curl</label></div><div class="tabbed-content">'
    + '<div class="tabbed-block">' + block("one()  # (1)", "get_user.py") + "\n<ol>\n<li>A note.</li>\n</ol>\n</div>"
    + '<div class="tabbed-block">' + block("curl one") + "</div></div></div>\n"
    + '<div class="highlighttable"><div class="highlight"><pre><code>numbered()</code></pre></div></div>\n'
    + '<details class="quote"><summary>Source</summary>' + block("def hidden(): ...") + "</details>\n"
    + "<ol><li>Not a list of annotations: it does not follow a block.</li></ol>\n"
)


def test_each_block_gets_one_link_naming_its_page_section_tab_and_file() -> None:
    html = with_report_links(PAGE, "Nav title", ADDRESS, ISSUES)
    found = links(html)
    # A block with numbered lines is one example, not two; the reference's folded source is none.
    assert [title for title, _, _ in found] == [
        "Example problem: The guide (example 1)",
        "Example problem: The guide (example 2, Python tab, under \u201cFirst steps\u201d)",
        "Example problem: The guide (example 3, curl tab, under \u201cFirst steps\u201d)",
        "Example problem: The guide (example 4, under \u201cFirst steps\u201d)",
    ]
    assert found[1][1].splitlines() == [
        f"Page: {ADDRESS}",
        "Example: 2 on the page, counting from the top",
        f"Section: First steps ({ADDRESS}#first)",
        "Tab: Python",
        "File: get_user.py",
        "",
        "What is wrong (what you ran, what you expected, what happened):",
    ]
    assert found[2][2] == (
        "Report a problem with this example: example 3, curl tab, under \u201cFirst steps\u201d on \u201cThe guide\u201d"
    )
    # Everything else is left as it was.
    assert re.sub(r'\n<p class="example-report".*?</p>', "", html) == PAGE


def test_the_link_follows_the_annotation_list_so_that_material_still_finds_it() -> None:
    html = with_report_links(PAGE, "Nav title", ADDRESS, ISSUES)
    annotated = html.index("one()  # (1)")
    after = html[annotated:]
    assert after.index("</ol>") < after.index('class="example-report"')
    assert re.search(r"</code></pre></div>\n<ol>", after), "nothing may come between a block and its annotations"


def test_a_page_without_a_heading_uses_the_navigation_title() -> None:
    found = links(with_report_links(block("x()"), "Nav title", ADDRESS, ISSUES))
    assert found[0][0] == "Example problem: Nav title (example 1)"


def test_every_code_block_of_the_built_site_has_its_link(built_site: Path) -> None:
    for page in built_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        article = html[html.find("<article") : html.find("</article>")]
        article = re.sub(r'<details class="quote">.*?</details>', "", article, flags=re.DOTALL)
        # A block with numbered lines is a div.highlighttable around a div.highlight: one example.
        blocks = len(re.findall(r'<div class="[^"]*\bhighlight\b', article))
        reports = article.count('<p class="example-report"')
        assert reports == blocks, f"{page.relative_to(built_site)}: {reports} links for {blocks} blocks"


def test_the_search_dialog_is_named_and_a_changed_template_stops_the_build() -> None:
    page = '<div class="md-search" data-md-component="search" role="dialog">'
    assert 'role="dialog" aria-label="Search">' in with_named_search_dialog(page)
    with pytest.raises(ValueError, match="Material's search template changed"):
        with_named_search_dialog('<div class="md-search" role="dialog" data-md-component="search">')


def test_a_left_out_or_stray_end_tag_does_not_lose_a_block() -> None:
    page = "<ul><li>one<li>two</ul></span>\n" + block("x()") + "\n<p>after"
    html = with_report_links(page, "Nav title", ADDRESS, ISSUES)
    assert len(links(html)) == 1
    assert html.index('class="example-report"') > html.index("</code></pre></div>")
    assert html.index('class="example-report"') < html.index("<p>after")
