"""Every page of the site loads cleanly, and nothing a page does reaches beyond the site's own server."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

from browser.page_walk import MISSING, Visit, Walker, each_page
from docs_site import Site, page_paths


def browser_cancelled_favicon(failure: str) -> bool:
    """Chromium cancels its own favicon download when the page changes under it: not a site fault."""
    return failure.endswith("(net::ERR_ABORTED)") and "/assets/images/favicon." in failure


def test_the_page_checks_cover_every_page_of_the_sitemap(site: Site) -> None:
    """The per-page tests below are collected from docs/; the built site must have no other page."""
    checked = [site.url(path) for path in page_paths()]
    assert len(checked) > 1, "the site should have the home page and the guide"
    assert sorted(checked) == sorted(site.pages())


@pytest.mark.parametrize("path", each_page()[:1])
def test_the_checks_of_a_page_stay_in_one_test_process(request: pytest.FixtureRequest, path: str) -> None:
    """In a parallel run, xdist must see the group mark; otherwise every process visits every page."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        pytest.skip("the suite runs in one process: there is nothing to group")
    assert request.node.nodeid.endswith(f"@page {path or 'home'}"), request.node.nodeid


@pytest.mark.parametrize("path", each_page(missing=False))
def test_page_loads_without_console_errors_or_failed_requests(walker: Walker, path: str) -> None:
    traffic = walker.record(path).traffic
    failed = [failure for failure in traffic.failed if not browser_cancelled_favicon(failure)]
    problems = [f"failed request {failure}" for failure in failed]
    problems += [f"console error {error}" for error in traffic.console_errors]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", each_page(missing=True))
def test_page_requests_nothing_from_another_host(walker: Walker, site: Site, path: str) -> None:
    requests = walker.record(path).traffic.requests
    # The visit must have recorded the site's own requests for the check below to mean anything. (Not
    # the favicon: Chromium's headless shell does not fetch one. test_page_actions.py checks it.)
    for own in ("/search/search_index.json", ".css", ".js"):
        assert any(urlsplit(url).path.endswith(own) for url in requests), f"no request for a {own} seen"
    foreign = sorted(
        {url for url in requests if not url.startswith(("data:", "blob:")) and not url.startswith(site.origin + "/")}
    )
    assert not foreign, "requests to other hosts:\n" + "\n".join(foreign)


@pytest.mark.xdist_group(f"page {MISSING}")
def test_missing_page_is_answered_with_the_custom_404_page(walker: Walker, site: Site, visit: Visit) -> None:
    page = visit.page
    response = page.goto(site.url("guide/" + MISSING))
    page.wait_for_load_state("load")
    assert response is not None and response.status == 404
    assert page.locator("article h1").inner_text() == "Page not found"
    # Styled from the site's root whatever the depth of the missing address: the header is sticky.
    assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).position") == "sticky"
    page.get_by_role("link", name="home page").click()
    page.wait_for_url(site.base)
    # On the shared visit to the 404 page, only the missing address itself failed (the favicon may be
    # cancelled by the browser, as on any page).
    traffic = walker.record(MISSING).traffic
    failures = [failure for failure in traffic.failed if not browser_cancelled_favicon(failure)]
    assert failures and all(urlsplit(failure.split(" ")[0]).path.endswith(MISSING) for failure in failures), failures
    # Chromium logs the 404 answer itself as an error; nothing else may be logged.
    errors = [error for error in traffic.console_errors if MISSING not in error]
    assert not errors, errors


def test_broken_link_report_on_the_404_page_names_the_missing_address(site: Site, visit: Visit) -> None:
    page = visit.page
    page.goto(site.url(MISSING))
    href = page.locator("a[data-report-missing]").get_attribute("href")
    assert href.startswith("https://github.com/cliniko/cliniko-api/issues/new?title=")
    assert MISSING.rstrip("/") in href


@pytest.mark.parametrize("path", each_page(missing=True))
def test_on_a_phone_no_button_covers_code_and_the_page_fits_the_screen(walker: Walker, path: str) -> None:
    """At a phone's width (`page_walk.PHONE`), no button of a code block lies over its text, even when
    a long line is scrolled sideways, and the page itself is no wider than the screen: a wide table or
    code block scrolls in its own box."""
    phone = walker.record(path).phone
    problems = []
    for block in phone["covered"]:
        tab = f" ({block['tab']} tab)" if block["tab"] else ""
        lines = "; ".join(repr(line) for line in block["lines"])
        problems.append(f"code block {block['index'] + 1}{tab}: {' and '.join(block['by'])} over {lines}")
    # The check must have seen each block's buttons, or it would pass on any layout.
    problems += [f"code block {index + 1}: could not be shown to be measured" for index in phone["unmeasured"]]
    problems += [f"code block {index + 1}: no button seen in it" for index in phone["buttonless"]]
    if phone["width"] > phone["screen"]:
        problems.append(
            f"the page is {phone['width']} px wide on a {phone['screen']} px screen;"
            f" reaching past its edge: {', '.join(phone['outside'])}"
        )
    assert not problems, f"on a screen {phone['screen']} px wide:\n" + "\n".join(problems)
