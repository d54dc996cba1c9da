"""With the keyboard alone, from the top of a page: a skip link to the content, then the search."""

from __future__ import annotations

from typing import Any

import pytest

from browser.page_walk import Visit, settled_search_results, wait_until_settled
from docs_site import Site


DESCRIBE_FOCUS = """() => {
    const element = document.activeElement;
    return {
        tag: element.tagName.toLowerCase(),
        classes: element.className || "",
        text: (element.textContent || "").trim().slice(0, 40),
        inArticle: element.closest("article") !== null,
        visible: element.getBoundingClientRect().width > 0,
    };
}"""


def focus(page: Any) -> dict[str, Any]:
    return page.evaluate(DESCRIBE_FOCUS)


def test_first_tab_reaches_a_skip_link_that_moves_focus_into_the_content(visit: Visit, site: Site) -> None:
    page = visit.page
    page.goto(site.url("authentication/"))
    # A reader reaches for the keyboard once the page is up, not while its scripts still run.
    wait_until_settled(page)
    page.keyboard.press("Tab")
    first = focus(page)
    assert "md-skip" in first["classes"] and first["text"] == "Skip to content", first
    assert first["visible"], "the skip link shows when it has focus"
    heading = page.locator("article h1, article h2").first.get_attribute("id")
    # What is awaited is the jump itself, as the page saw it, not the address: once the page has
    # scrolled to the title, Material's anchor tracking takes `#<title>` off the address again (the
    # title is no section of the table of contents), on a busy machine before the test looked.
    page.evaluate("() => { window.jumps = []; addEventListener('hashchange', () => jumps.push(location.hash)); }")
    page.keyboard.press("Enter")
    page.wait_for_function("hash => window.jumps.includes(hash)", arg=f"#{heading}")
    # Following the link moves the starting point of sequential focus to the heading.
    page.wait_for_function("() => !document.activeElement.classList.contains('md-skip')")
    page.keyboard.press("Tab")
    after = focus(page)
    assert after["inArticle"], f"after the skip link, Tab continues inside the content, not at {after}"


def test_tabbing_from_the_top_reaches_the_search_box_and_searching_works(visit: Visit, site: Site) -> None:
    page = visit.page
    page.goto(site.url("authentication/"))
    seen = []
    for _ in range(15):
        page.keyboard.press("Tab")
        current = focus(page)
        seen.append(current)
        if "md-search__input" in current["classes"]:
            break
    else:
        pytest.fail(f"15 presses of Tab never reached the search box: {seen}")
    page.keyboard.type("rate limit")
    page.locator(".md-search-result__item").first.wait_for()
    # As a reader would, move into the results once they have stopped changing.
    settled_search_results(page)
    page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.closest('.md-search-result') !== null")
