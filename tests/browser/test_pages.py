"""Every page of the site loads cleanly, and nothing a page does reaches beyond the site's own server."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from browser.conftest import MISSING
from browser.support import Site, Tour, Visit

pytestmark = pytest.mark.browser


def browser_cancelled_favicon(failure: str) -> bool:
    """Chromium cancels its own favicon download when the page changes under it: not a site fault."""
    return failure.endswith("(net::ERR_ABORTED)") and "/assets/images/favicon." in failure


def test_every_page_loads_without_console_errors_or_failed_requests(tour: Tour) -> None:
    problems = []
    for address in tour.pages:
        traffic = tour.records[address].traffic
        failed = [failure for failure in traffic.failed if not browser_cancelled_favicon(failure)]
        problems += [f"{address}: failed request {failure}" for failure in failed]
        problems += [f"{address}: console error {error}" for error in traffic.console_errors]
    assert len(tour.pages) > 1, "the sitemap should list the home page and the guide"
    assert not problems, "\n".join(problems)


def test_no_page_requests_another_host(tour: Tour, site: Site) -> None:
    requests = tour.all_requests()
    # The walk must have recorded the site's own requests for the check below to mean anything.
    for own in ("/search/search_index.json", "/sitemap.xml", ".css", ".js", ".svg"):
        assert any(urlsplit(url).path.endswith(own) for url in requests), f"no request for a {own} seen"
    foreign = sorted(
        {url for url in requests if not url.startswith(("data:", "blob:")) and not url.startswith(site.origin + "/")}
    )
    assert not foreign, "requests to other hosts:\n" + "\n".join(foreign)


def test_missing_page_is_answered_with_the_custom_404_page(tour: Tour, site: Site, visit: Visit) -> None:
    page = visit.page
    response = page.goto(site.url("guide/" + MISSING))
    page.wait_for_load_state("load")
    assert response is not None and response.status == 404
    assert page.locator("article h1").inner_text() == "Page not found"
    # Styled from the site's root whatever the depth of the missing address: the header is sticky.
    assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).position") == "sticky"
    page.get_by_role("link", name="home page").click()
    page.wait_for_url(site.base)
    # On the tour's visit to the 404 page, only the missing address itself failed.
    failures = tour.records[tour.missing].traffic.failed
    assert failures and all(urlsplit(failure.split(" ")[0]).path.endswith(MISSING) for failure in failures), failures
    # Chromium logs the 404 answer itself as an error; nothing else may be logged.
    errors = [error for error in tour.records[tour.missing].traffic.console_errors if MISSING not in error]
    assert not errors, errors


def test_broken_link_report_on_the_404_page_names_the_missing_address(site: Site, visit: Visit) -> None:
    page = visit.page
    page.goto(site.url(MISSING))
    href = page.locator("a[data-report-missing]").get_attribute("href")
    assert href.startswith("https://github.com/cliniko/cliniko-api/issues/new?title=")
    assert MISSING.rstrip("/") in href
