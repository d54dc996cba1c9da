"""The search box: the right page first, suggestions as you type, and the terms highlighted on arrival."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from browser.page_walk import Visit, settled_search_results
from docs_site import Site


def search(page: Any, site: Site, query: str, *, again: bool = False) -> list[str]:
    """Type `query` into the search box of the home page; return the result links' paths, best first.

    With `again`, the page is already the home page with the search open, and the query typed before is
    cleared first, as a reader would select it and type another.
    """
    box = page.locator(".md-search__input")
    if again:
        box.fill("")
    else:
        page.goto(site.base)
        box.click()
    page.keyboard.type(query)
    page.wait_for_function(
        "query => { const meta = document.querySelector('.md-search-result__meta');"
        " const input = document.querySelector('.md-search__input');"
        " return input.value === query && /matching document/i.test(meta.textContent); }",
        arg=query,
    )
    return [urlsplit(href).path for href in settled_search_results(page)]


def page_path(site: Site, path: str) -> str:
    return urlsplit(site.url(path)).path


#: What a reader types, and the page that must come first. The index leaves code blocks out, so each of
#: these must be found in the prose (the names set in inline code count).
FIRST_RESULTS = {
    "rate limit": "rate-limiting/",
    "etag": "caching/",
    "429": "rate-limiting/",
    "X-RateLimit-Reset": "rate-limiting/",
    "per_page": "pagination/",
}


def test_searching_lists_the_page_about_it_first(visit: Visit, site: Site) -> None:
    """Each query of FIRST_RESULTS, typed one after the other into the same search box (one page load
    for all of them); every query whose first result is another page is reported."""
    wrong = {}
    for number, (query, first_page) in enumerate(FIRST_RESULTS.items()):
        results = search(visit.page, site, query, again=number > 0)
        if not results or results[0] != page_path(site, first_page):
            wrong[query] = {"expected first": page_path(site, first_page), "results": results[:5]}
    assert not wrong, wrong


def test_the_search_index_leaves_code_blocks_out(site: Site) -> None:
    """A name that appears only inside an example is shown on its page but is not in the index."""
    name = "GOOD_HEADERS"  # from the code of the status example on the errors page, never in its prose
    page = (site.directory / "errors" / "index.html").read_text(encoding="utf-8")
    assert name in page, f"the errors page no longer shows {name}: pick another name found only in code"
    index = (site.directory / "search" / "search_index.json").read_text(encoding="utf-8")
    assert name not in index


def test_search_suggests_the_rest_of_a_partly_typed_word(visit: Visit, site: Site) -> None:
    search(visit.page, site, "paginat")
    suggestion = visit.page.locator(".md-search__suggest").inner_text().strip()
    # A word of the index that completes the typed part ("pagination", "paginated", ...).
    assert suggestion.startswith("paginat") and len(suggestion) > len("paginat"), suggestion


def test_following_a_search_result_highlights_the_terms_on_the_page(visit: Visit, site: Site) -> None:
    page = visit.page
    search(page, site, "rate limit")
    page.locator(".md-search-result__item > .md-search-result__link").first.click()
    page.wait_for_url("**/rate-limiting/**")
    marks = page.locator("article mark[data-md-highlight]")
    marks.first.wait_for()
    # textContent, not innerText: the browser lays out no code block away from the viewport, and
    # innerText reads as empty there.
    texts = marks.all_text_contents()
    # Adjacent terms share one mark ("rate limit"); every mark holds only the searched words.
    assert all(re.fullmatch(r"(rate|limit\w*)([\s-]+(rate|limit\w*))*", text.strip().lower()) for text in texts), texts
