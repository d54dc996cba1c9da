"""The search box: the right page first, suggestions as you type, and the terms highlighted on arrival."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from browser.page_walk import Visit
from docs_site import Site

pytestmark = pytest.mark.browser


def search(page: Any, site: Site, query: str) -> list[str]:
    """Type `query` into the search box of the home page; return the result links' paths, best first."""
    page.goto(site.base)
    page.locator(".md-search__input").click()
    page.keyboard.type(query)
    page.wait_for_function(
        "query => { const meta = document.querySelector('.md-search-result__meta');"
        " const input = document.querySelector('.md-search__input');"
        " return input.value === query && /matching document/i.test(meta.textContent); }",
        arg=query,
    )
    links = page.locator(".md-search-result__item > .md-search-result__link")
    return [urlsplit(href).path for href in links.evaluate_all("links => links.map(link => link.href)")]


def page_path(site: Site, path: str) -> str:
    return urlsplit(site.url(path)).path


def test_searching_rate_limit_lists_the_rate_limiting_page_first(visit: Visit, site: Site) -> None:
    results = search(visit.page, site, "rate limit")
    assert results, "no result for 'rate limit'"
    assert results[0] == page_path(site, "rate-limiting/"), results


def test_searching_etag_finds_the_caching_page(visit: Visit, site: Site) -> None:
    results = search(visit.page, site, "etag")
    assert page_path(site, "caching/") in results, results


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
    texts = marks.all_inner_texts()
    # Adjacent terms share one mark ("rate limit"); every mark holds only the searched words.
    assert all(re.fullmatch(r"(rate|limit\w*)([\s-]+(rate|limit\w*))*", text.strip().lower()) for text in texts), texts
