"""The copy button copies an example exactly as its file under snippets/ has it, and only that.

No prompt, no output, no annotation marker, and not the "report a problem" link that sits under
each code block.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from browser.page_walk import Visit, Walker, each_page
from page_examples import included_examples, snippet
from docs_site import Site, page_sources, site_url
from project import ROOT

pytestmark = pytest.mark.browser

ISSUES = "https://github.com/cliniko/cliniko-api/issues/new"


def copy_block(page: object, block: object) -> str:
    """Press the copy button of a code block, as a reader would, and read the clipboard."""
    page.evaluate("() => navigator.clipboard.writeText('nothing was copied')")
    block.hover()
    block.locator("button[data-clipboard-target]").click()
    return page.evaluate("() => navigator.clipboard.readText()")


def test_copy_buttons_copy_the_quickstart_example_and_its_output_exactly(visit: Visit, site: Site) -> None:
    visit.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.origin)
    page = visit.page
    page.goto(site.base)
    tabs = page.locator(".tabbed-set").filter(has=page.locator("label", has_text="curl")).first
    expected = {
        "Python": ("quickstart/get_user.py", "quickstart/get_user.py.out"),
        "curl": ("quickstart/get_user.sh", "quickstart/get_user.sh.out"),
    }
    for label, (code_file, output_file) in expected.items():
        tabs.locator(".tabbed-labels > label", has_text=label).click()
        panel = tabs.locator(".tabbed-block:visible")
        code, output = panel.locator("div.highlight").all()[:2]
        assert copy_block(page, code) == snippet(code_file).rstrip()
        assert copy_block(page, output) == snippet(output_file).rstrip()


def test_the_guide_includes_examples_from_snippets() -> None:
    """The per-page check below reads the includes with `included_examples`; it must find them."""
    texts = [(ROOT / source).read_text(encoding="utf-8") for source in page_sources().values()]
    found = [example for text in texts for example in included_examples(text)]
    assert len(found) > 10, [example.spec for example in found]


@pytest.mark.parametrize("path", each_page())
def test_every_example_included_on_the_page_is_copied_exactly(walker: Walker, site: Site, path: str) -> None:
    record = walker.record(path)
    source = ROOT / page_sources()[path]
    copied = [copy["text"] for copy in record.copies]
    problems = [
        f"no copy button copies exactly {example.spec}"
        for example in included_examples(source.read_text(encoding="utf-8"))
        if example.text.rstrip() not in copied
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", each_page())
def test_every_code_block_on_the_page_offers_a_report_link_outside_the_code(
    walker: Walker, site: Site, path: str
) -> None:
    record = walker.record(path)
    if "<pre" in site.html(record.address):
        assert record.copies, "the page has code blocks, but the visit found none"
    published = site_url() + path
    problems = []
    for number, copy in enumerate(record.copies, start=1):
        where = f"code block {number}"
        if copy["report"] is None or copy["reportInsideCode"]:
            problems.append(f"{where}: no report link right after the block, outside the code")
            continue
        if copy["text"] is not None and "Report a problem" in copy["text"]:
            problems.append(f"{where}: the copy includes the report link")
        link = urlsplit(copy["report"])
        query = parse_qs(link.query)
        if f"{link.scheme}://{link.netloc}{link.path}" != ISSUES:
            problems.append(f"{where}: the report link opens {copy['report']}")
            continue
        title, body = query.get("title", [""])[0], query.get("body", [""])[0]
        if f"example {number}" not in title or f"Page: {published}" not in body:
            problems.append(f"{where}: the issue does not name the page and the example: {title!r}")
        if copy["tab"] and f"Tab: {copy['tab']}" not in body:
            problems.append(f"{where}: the issue does not name the {copy['tab']} tab")
        # Once the reader is on the link, the issue also quotes the code's first lines.
        focused = parse_qs(urlsplit(copy["reportOnFocus"]).query).get("body", [""])[0]
        first_line = (copy["text"] or "").strip().splitlines()[:1]
        if "The example starts:\n\n````\n" not in focused or not all(line in focused for line in first_line):
            problems.append(f"{where}: on focus, the issue does not quote the code: {focused!r}")
    assert not problems, "\n".join(problems)
