"""A light and a dark scheme: the site follows the system setting until the reader picks one."""

from __future__ import annotations

from typing import Any

import pytest

from browser.page_walk import Visit, set_system_scheme
from docs_site import Site

pytestmark = pytest.mark.browser


def scheme(page: Any) -> str:
    return page.evaluate("() => document.body.getAttribute('data-md-color-scheme')")


def toggle(page: Any) -> Any:
    """The scheme button shown in the header (one per option; only the current one is shown)."""
    return page.locator("form[data-md-component=palette] label.md-header__button:visible")


@pytest.mark.parametrize(("system", "expected"), [("light", "default"), ("dark", "slate")])
def test_scheme_follows_the_system_setting(new_context: Any, site: Site, system: str, expected: str) -> None:
    context = new_context(color_scheme=system)
    try:
        page = context.new_page()
        page.goto(site.base)
        page.wait_for_load_state("load")
        assert scheme(page) == expected
    finally:
        context.close()


def test_scheme_toggle_switches_to_dark_and_back_and_the_choice_survives_a_page_change(
    visit: Visit, site: Site
) -> None:
    page = visit.page
    page.goto(site.base)
    page.wait_for_load_state("load")
    assert scheme(page) == "default"
    assert toggle(page).get_attribute("title") == "Switch to light mode"

    toggle(page).click()  # from "follow the system" to light
    assert scheme(page) == "default"
    assert toggle(page).get_attribute("title") == "Switch to dark mode"
    toggle(page).click()  # to dark
    assert scheme(page) == "slate"

    # The choice holds on the next page, reached by the footer's link...
    page.locator("a.md-footer__link--next").click()
    page.wait_for_url(lambda url: url != site.base)
    assert scheme(page) == "slate"
    # ... on a page loaded afresh...
    page.goto(site.url("rate-limiting/"))
    assert scheme(page) == "slate"
    # ... and even when the system says light.
    page.emulate_media(color_scheme="light")
    assert scheme(page) == "slate"

    toggle(page).click()  # back to following the system
    assert scheme(page) == "default"
    set_system_scheme(page, "dark")
    assert scheme(page) == "slate"
