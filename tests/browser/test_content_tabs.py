"""Content tabs are linked across the site: pick JavaScript (or curl) once, and every page shows that tab."""

from __future__ import annotations

import json
from typing import Any

from browser.page_walk import Visit, serious_violations
from docs_site import Site


JAVASCRIPT_TAB = ">JavaScript</label>"


def selected_tabs(page: Any) -> set[str]:
    """The label of the selected tab of every tab set on the page."""
    return set(
        page.evaluate(
            """() => Array.from(document.querySelectorAll(".tabbed-set")).map(set => {
                const input = set.querySelector(":scope > input:checked");
                return set.querySelector(`:scope > .tabbed-labels > label[for="${input.id}"]`).textContent.trim();
            })"""
        )
    )


def test_choosing_javascript_on_one_page_shows_javascript_on_the_next(visit: Visit, site: Site, axe_script: str) -> None:
    pages = site.pages_containing(JAVASCRIPT_TAB)
    assert len(pages) >= 3, f"fewer than three pages have a JavaScript tab: {pages}"
    first, second, third = pages[:3]
    page = visit.page
    page.goto(first)
    assert selected_tabs(page) == {"Python"}, "Python is the tab shown before any choice"
    page.locator(".tabbed-labels > label", has_text="JavaScript").first.click()
    assert selected_tabs(page) == {"JavaScript"}, "every tab set of the page follows the choice"
    # The page walk's axe-core run reads the panels on show only: here, the JavaScript ones.
    found = serious_violations(page, axe_script)
    assert not found, json.dumps(found, indent=2)

    # A full page load elsewhere on the site remembers the choice...
    page.goto(second)
    assert selected_tabs(page) == {"JavaScript"}

    # ... and so does a page reached by a link in the navigation (whose href is relative).
    links = page.locator(".md-nav--primary a.md-nav__link")
    index = links.evaluate_all("(links, target) => links.findIndex(link => link.href === target)", third)
    assert index >= 0, f"no link to {third} in the navigation"
    links.nth(index).click()
    page.wait_for_url(third)
    page.locator(".tabbed-set").first.wait_for()
    assert selected_tabs(page) == {"JavaScript"}

    # A later choice replaces it, on the pages already seen too.
    page.locator(".tabbed-labels > label", has_text="curl").first.click()
    assert selected_tabs(page) == {"curl"}
    found = serious_violations(page, axe_script)
    assert not found, json.dumps(found, indent=2)
    page.goto(first)
    assert selected_tabs(page) == {"curl"}

    page.locator(".tabbed-labels > label", has_text="Python").first.click()
    page.goto(second)
    assert selected_tabs(page) == {"Python"}
