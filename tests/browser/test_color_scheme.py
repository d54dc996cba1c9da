"""A light and a dark scheme: the site follows the system setting until the reader picks one."""

from __future__ import annotations

from typing import Any

import pytest

from browser.page_walk import Visit, set_system_scheme
from docs_site import Site


def scheme(page: Any) -> str:
    return page.evaluate("() => document.body.getAttribute('data-md-color-scheme')")


def toggle(page: Any) -> Any:
    """The scheme button shown in the header (one per option; only the current one is shown)."""
    return page.locator("form[data-color-scheme-toggle] label.md-header__button:visible")


@pytest.mark.parametrize(("system", "expected"), [("light", "default"), ("dark", "slate")])
def test_scheme_follows_the_system_setting(new_context: Any, site: Site, system: str, expected: str) -> None:
    context = new_context(color_scheme=system)
    page = context.new_page()
    page.goto(site.base)
    page.wait_for_load_state("load")
    assert scheme(page) == expected


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


# Records, from before the page's first script, every value the body's scheme attribute takes and
# whether the page's content had been parsed by then, and every time the page is marked
# `data-md-color-switching` (the mark that turns colour transitions off while the scheme changes).
RECORD_SCHEME_CHANGES = """
window.__schemes = [];
window.__switching = 0;
new MutationObserver(records => {
  for (const record of records) {
    if (record.target !== document.body) continue;
    if (record.attributeName === "data-md-color-switching" && document.body.hasAttribute(record.attributeName)) {
      window.__switching += 1;
    } else if (record.attributeName === "data-md-color-scheme") {
      window.__schemes.push({
        scheme: document.body.getAttribute("data-md-color-scheme"),
        contentParsed: document.querySelector(".md-content") !== null,
      });
    }
  }
}).observe(document, { attributes: true, subtree: true });
"""


def test_a_first_visit_from_a_dark_system_is_dark_before_the_content_is_parsed(new_context: Any, site: Site) -> None:
    """Nothing stored yet: the page comes out of the build light and turns dark while the header is read."""
    context = new_context(color_scheme="dark")
    context.add_init_script(RECORD_SCHEME_CHANGES)
    page = context.new_page()
    page.goto(site.url("errors/"))
    page.wait_for_load_state("load")
    changes = page.evaluate("() => window.__schemes")
    assert changes == [{"scheme": "slate", "contentParsed": False}]
    assert scheme(page) == "slate"


def test_a_load_that_keeps_the_scheme_restyles_nothing_and_a_switch_turns_transitions_off_once(
    visit: Visit, site: Site
) -> None:
    page = visit.page
    visit.context.add_init_script(RECORD_SCHEME_CHANGES)
    page.goto(site.url("errors/"))
    page.wait_for_load_state("load")
    assert page.evaluate("() => [window.__schemes, window.__switching]") == [[], 0]

    toggle(page).click()  # to light: the colours stay, so nothing is switched
    toggle(page).click()  # to dark
    assert page.evaluate("() => [window.__schemes, window.__switching]") == [
        [{"scheme": "slate", "contentParsed": True}],
        1,
    ]
    # The mark goes after one frame, so that later colour changes (a hover) animate again.
    page.wait_for_function("() => !document.body.hasAttribute('data-md-color-switching')")


@pytest.mark.parametrize("system", ["light", "dark"])
def test_the_browser_bar_gets_the_header_colour_and_the_scheme(new_context: Any, site: Site, system: str) -> None:
    """`theme-color` (the bar of a phone's browser) and `color-scheme` match the header as drawn."""
    context = new_context(color_scheme=system)
    page = context.new_page()
    page.goto(site.url("caching/"))
    page.wait_for_load_state("load")
    found = page.evaluate(
        """() => {
        const style = getComputedStyle(document.querySelector("[data-md-component=header]"));
        const hex = style.backgroundColor.match(/\\d+/g).slice(0, 3)
          .map(value => Number(value).toString(16).padStart(2, "0")).join("");
        const meta = name => document.querySelectorAll(`meta[name="${name}"]`);
        return {
          header: ["#" + hex, style.colorScheme],
          meta: [meta("theme-color")[0].content, meta("color-scheme")[0].content],
          count: meta("theme-color").length + meta("color-scheme").length,
        };
    }"""
    )
    assert found["meta"] == found["header"]
    assert found["header"][1] == system
    assert found["count"] == 2


def test_enter_on_the_toggle_moves_to_the_next_scheme(visit: Visit, site: Site) -> None:
    page = visit.page
    page.goto(site.base)
    page.wait_for_load_state("load")
    # The radio button of the current option is checked, so it is the one Tab reaches.
    assert page.evaluate("() => document.querySelector('#__palette_0').checked")
    page.locator("#__palette_0").focus()
    page.keyboard.press("Enter")  # following the system -> light
    assert toggle(page).get_attribute("title") == "Switch to dark mode"
    page.keyboard.press("Enter")  # -> dark
    assert scheme(page) == "slate"
    assert page.evaluate("() => document.activeElement.id") == "__palette_2"
    page.keyboard.press("Enter")  # -> following the system again (light here)
    assert scheme(page) == "default"
    assert toggle(page).get_attribute("title") == "Switch to light mode"
