"""The "report a problem" link that both builds write under every code block (`hooks/example_reports.py`).

The links of the Zensical build are compared with these in `tests/browser/test_zensical.py`, and the
browser tests follow each link of every page (`tests/browser/test_copy.py`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from docs_site import page_sources, site_url
from hooks.example_reports import with_report_links
from hooks.shortcodes import Shortcode, find
from project import ROOT
from report_samples import ADDRESS, EXAMPLES, block, links

ISSUES = "https://github.com/cliniko/cliniko-api/issues/new"
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
    # The two tabs are one example in two languages.
    assert [title for title, _, _ in found] == [
        "Example problem: The guide (example 1)",
        "Example problem: The guide (example 2, Python tab, under \u201cFirst steps\u201d)",
        "Example problem: The guide (example 2, curl tab, under \u201cFirst steps\u201d)",
        "Example problem: The guide (example 3, under \u201cFirst steps\u201d)",
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
        "Report a problem with this example: example 2, curl tab, under \u201cFirst steps\u201d on \u201cThe guide\u201d"
    )
    # Everything else is left as it was.
    assert re.sub(r'\n<p class="example-report".*?</p>', "", html) == PAGE


def test_links_count_examples_not_blocks_and_name_the_tab_and_the_block() -> None:
    where = [title.removeprefix("Example problem: Limits (").removesuffix(", under \u201cSpent\u201d)")
             for title, _, _ in links(with_report_links(EXAMPLES, "Nav title", ADDRESS, ISSUES))]
    assert where == [
        "example 1, Python tab, code",
        "example 1, Python tab, output",
        "example 1, curl tab, code",
        "example 1, curl tab, output",
        "example 2, sandbox commands",
        "example 2, Python tab, code",
        "example 2, Python tab, output",
        "example 2, curl tab, code",
        "example 2, curl tab, output",
        "example 3, code",
        "example 3, output",
        "example 4",
        "example 5",
    ]


def test_the_issue_body_names_the_example_its_tab_and_its_block() -> None:
    found = links(with_report_links(EXAMPLES, "Nav title", ADDRESS, ISSUES))
    title, body, label = found[8]
    assert body.splitlines()[:5] == [
        f"Page: {ADDRESS}",
        "Example: 2 on the page, counting from the top",
        f"Section: Spent ({ADDRESS}#spent)",
        "Tab: curl",
        "Block: output",
    ]
    assert label == (
        "Report a problem with this example: example 2, curl tab, output, under \u201cSpent\u201d on \u201cLimits\u201d"
    )


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


def test_the_built_site_counts_each_example_shortcode_as_one_example(built_site: Path) -> None:
    """On every page, the examples are numbered 1, 2, 3... in order; those with an output are the shortcodes.
    Each link names the page by its published address."""
    problems = []
    for path, source in page_sources().items():
        html = (built_site / path / "index.html").read_text(encoding="utf-8")
        found = links(html[html.find("<article") : html.find("</article>")])
        elsewhere = {body.split("\n", 1)[0] for _, body, _ in found} - {f"Page: {site_url()}{path}"}
        if elsewhere:
            problems.append(f"{path or 'home'}: links that name another page: {sorted(elsewhere)}")
        numbers = [int(re.search(r"\(example (\d+)\b", title).group(1)) for title, _, _ in found]
        if any(b - a not in (0, 1) for a, b in zip([0, *numbers], numbers)):
            problems.append(f"{path or 'home'}: the examples are numbered {numbers}")
        with_outputs = {number for number, (_, body, _) in zip(numbers, found) if "\nBlock: output\n" in body}
        placed = [
            code for code in find((ROOT / source).read_text(encoding="utf-8"))
            if isinstance(code, Shortcode) and code.name == "example"
        ]
        if len(with_outputs) != len(placed):
            problems.append(f"{path or 'home'}: {len(placed)} example shortcodes, {len(with_outputs)} examples with an output")
    assert not problems, "\n".join(problems)


def test_outside_a_build_the_extension_says_it_cannot_name_the_page(caplog: pytest.LogCaptureFixture) -> None:
    """Python-Markdown alone hands the extension no page: an error that says so, and the page unchanged."""
    import markdown

    text = "# Guide\n\n```python\nx()\n```\n"
    plain = markdown.Markdown(extensions=["pymdownx.superfences"]).convert(text)
    with caplog.at_level("ERROR"):
        converted = markdown.Markdown(extensions=["pymdownx.superfences", "hooks.example_reports"]).convert(text)
    assert converted == plain
    assert [record.getMessage() for record in caplog.records] == [
        (
            "hooks.example_reports: cannot tell which page is being converted, or where it is published (site_url), "
            "so no report link can name it"
        )
    ]


def test_a_docstring_that_mkdocstrings_converts_gets_no_links_of_its_own(caplog: pytest.LogCaptureFixture) -> None:
    """The page's own conversion links the blocks of its reference; a docstring's would link them twice."""
    import markdown
    from mkdocstrings import MkdocstringsInnerExtension

    extensions = ["toc", "pymdownx.superfences", "hooks.example_reports", MkdocstringsInnerExtension([])]
    with caplog.at_level("ERROR"):
        converted = markdown.Markdown(extensions=extensions).convert("```python\nx()\n```\n")
    assert "highlight" in converted and "example-report" not in converted
    assert not caplog.records, "a docstring's conversion looked for its page"


def test_a_left_out_or_stray_end_tag_does_not_lose_a_block() -> None:
    page = "<ul><li>one<li>two</ul></span>\n" + block("x()") + "\n<p>after"
    html = with_report_links(page, "Nav title", ADDRESS, ISSUES)
    assert len(links(html)) == 1
    assert html.index('class="example-report"') > html.index("</code></pre></div>")
    assert html.index('class="example-report"') < html.index("<p>after")
