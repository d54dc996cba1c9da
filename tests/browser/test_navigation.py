"""Moving around the site: sections, breadcrumbs, footer links, back-to-top, and an address that
follows the section being read. (Pages load as whole documents: mkdocs.yml says why there is no
instant navigation.)"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from browser.page_walk import Visit, wait_until_settled
from docs_site import Site


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
    # Material's tracking leaves out the first position the page settles at (a scroll within a quarter
    # of a second of loading settles with it), so the address may not follow that first scroll. A
    # reader goes on scrolling, and so does the test: one pixel at a time, still in the same section.
    target = f"{address}#{section}"
    for _ in range(20):
        try:
            page.wait_for_url(target, timeout=500)
            return
        except PlaywrightTimeoutError:
            page.mouse.wheel(0, 1)
    assert page.url == target, f"scrolled to #{section}, but the address stayed {page.url}"
