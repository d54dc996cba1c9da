"""The copy button copies an example exactly as its file under snippets/ has it, and only that.

No prompt, no output, no annotation marker, and not the "report a problem" link that sits under
each code block.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from browser.support import ROOT, Site, Tour, Visit, included_examples, site_url, snippet

pytestmark = pytest.mark.browser

ISSUES = "https://github.com/cliniko/cliniko-api/issues/new"


def markdown_source(site: Site, address: str) -> Path:
    """The file under docs/ that a page address was built from."""
    relative = address[len(site.base) :].split("#")[0].rstrip("/")
    candidates = [ROOT / "docs" / "index.md"] if not relative else []
    candidates += [ROOT / "docs" / f"{relative}.md", ROOT / "docs" / relative / "index.md"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise AssertionError(f"no Markdown source for {address}")


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


def test_every_example_included_from_snippets_is_copied_exactly(tour: Tour, site: Site) -> None:
    checked = 0
    problems = []
    for address in tour.pages:
        source = markdown_source(site, address)
        copied = [copy["text"] for copy in tour.records[address].copies]
        for example in included_examples(source.read_text(encoding="utf-8")):
            checked += 1
            if example.text.rstrip() not in copied:
                problems.append(f"{address}: no copy button copies exactly {example.spec}")
    assert checked > 0, "no page includes an example from snippets/"
    assert not problems, "\n".join(problems)


def test_every_code_block_offers_a_report_link_outside_the_code(tour: Tour, site: Site) -> None:
    problems = []
    blocks = 0
    for address in tour.pages:
        published = site_url() + address[len(site.base) :]
        for number, copy in enumerate(tour.records[address].copies, start=1):
            blocks += 1
            where = f"{address} code block {number}"
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
    assert blocks > 0, "no code block on the whole site"
    assert not problems, "\n".join(problems)
