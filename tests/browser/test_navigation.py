"""Moving around the site: instant loading with prefetch, sections, breadcrumbs, footer links,
back-to-top, and an address that follows the section being read."""

from __future__ import annotations

from typing import Any

import pytest

from browser.page_walk import Visit, wait_until_settled
from docs_site import Site

pytestmark = pytest.mark.browser


def mark_document(page: Any) -> None:
    page.evaluate("() => { window.sameDocument = true; }")


def same_document(page: Any) -> bool:
    return page.evaluate("() => window.sameDocument === true")


def test_links_load_in_place_after_a_prefetch_on_hover(visit: Visit, site: Site) -> None:
    page = visit.page
    page.goto(site.base)
    page.wait_for_load_state("load")
    mark_document(page)
    target = site.url("errors/")
    link = page.locator(f'.md-nav--primary a.md-nav__link[href="{target}"]')
    with page.expect_request(target) as prefetch:
        link.hover()
    assert prefetch.value.resource_type != "document", "hovering fetched the page ahead of the click"
    link.click()
    page.wait_for_url(target)
    page.locator("article h1", has_text="Errors").wait_for()
    assert same_document(page), "the click reloaded the whole document instead of swapping the page in"
    assert page.title().startswith("Errors")


BAR_SHOWING = """() => {
    const bar = getComputedStyle(document.querySelector(".md-progress"));
    return Number(bar.opacity) > 0.9 && Number(bar.getPropertyValue("--md-progress-value")) < 100;
}"""
BAR_COMPLETE = """() => {
    const bar = getComputedStyle(document.querySelector(".md-progress"));
    return Number(bar.getPropertyValue("--md-progress-value")) === 100;
}"""


def test_progress_bar_shows_while_a_slow_page_loads(visit: Visit, site: Site) -> None:
    page = visit.page
    page.goto(site.base)
    page.wait_for_load_state("load")
    target = site.url("errors/")
    held: list[Any] = []
    page.route(target, lambda route: held.append(route))  # hold the page back until the bar has had time to show
    page.locator(f'.md-nav--primary a.md-nav__link[href="{target}"]').click()
    page.wait_for_function(BAR_SHOWING)
    assert held, "the bar showed before the page was even requested"
    for route in held:
        route.continue_()
    page.wait_for_url(target)
    page.wait_for_function(BAR_COMPLETE)


def test_navigation_groups_pages_in_sections_and_shows_the_path(visit: Visit, site: Site) -> None:
    page = visit.page
    page.goto(site.url("authentication/"))
    sections = page.locator(".md-nav--primary .md-nav__item--section > .md-nav__link")
    assert {"Guide", "Resources"} <= {text.strip() for text in sections.all_inner_texts()}
    assert page.locator(".md-path").inner_text().split() == ["Home", "Guide"]


def pages_in_navigation_order(page: Any) -> list[str]:
    """The addresses of the sidebar's pages, top to bottom (the sitemap lists them alphabetically)."""
    return page.evaluate(
        """() => {
            const seen = [];
            for (const link of document.querySelectorAll(".md-nav--primary a.md-nav__link[href]")) {
                const address = link.href.split("#")[0];
                if (!seen.includes(address)) seen.push(address);
            }
            return seen;
        }"""
    )


def test_footer_links_lead_to_the_next_and_the_previous_page(visit: Visit, site: Site) -> None:
    page = visit.page
    page.goto(site.base)
    order = pages_in_navigation_order(page)
    assert len(order) >= 3, order
    middle = len(order) // 2
    page.goto(order[middle])
    # The address may gain the #section in view on arrival (anchor tracking): compare without it.
    page.locator("a.md-footer__link--next").click()
    page.wait_for_url(lambda url: url.split("#")[0] == order[middle + 1])
    page.locator("a.md-footer__link--prev").click()
    page.wait_for_url(lambda url: url.split("#")[0] == order[middle])


def longest_page(site: Site) -> str:
    return max(site.pages(), key=lambda address: site.html(address).count("<h2"))


def test_back_to_top_button_appears_when_scrolling_up_and_returns_to_the_top(visit: Visit, site: Site) -> None:
    page = visit.page
    page.goto(longest_page(site))
    button = page.locator("button.md-top")
    page.mouse.wheel(0, 3000)
    page.wait_for_function("() => window.scrollY > 1000")
    assert button.get_attribute("hidden") is not None, "scrolling down does not show the button"
    page.mouse.wheel(0, -300)
    page.wait_for_function("() => !document.querySelector('button.md-top').hidden")
    button.click()
    page.wait_for_function("() => window.scrollY === 0")


def test_address_follows_the_section_being_read(visit: Visit, site: Site) -> None:
    page = visit.page
    address = longest_page(site)
    page.goto(address)
    wait_until_settled(page)
    headings = page.locator("article h2[id]")
    assert headings.count() >= 3, f"{address} has fewer than three sections"
    section = headings.nth(2).get_attribute("id")
    # Scroll as a reader would, until the third section starts at the top of the window.
    distance = headings.nth(2).evaluate("heading => heading.getBoundingClientRect().top - 20")
    page.mouse.wheel(0, distance)
    page.wait_for_url(f"{address}#{section}")
