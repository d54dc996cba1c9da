"""What every page offers around its content: edit and source buttons, feedback, logo, favicon, address."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from browser.page_walk import Visit
from docs_site import Site, page_sources, site_url
from project import ROOT


REPOSITORY = "https://github.com/cliniko/cliniko-api"
PAGE = "rate-limiting/"
PAGE_SOURCE = "docs/rate-limiting.md"
#: The logo, a Material icon of our own (mkdocs.yml, theme.icon.logo).
LOGO = "overrides/.icons/cliniko/logo.svg"


def stand_in_for_github(context: Any) -> list[str]:
    """Answer every request to github.com with an empty page (there is no network); return their list."""
    opened: list[str] = []

    def answer(route: Any) -> None:
        opened.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>GitHub</title>")

    context.route("https://github.com/**", answer)
    return opened


def test_edit_and_view_buttons_open_the_page_file_on_github(visit: Visit, site: Site) -> None:
    opened = stand_in_for_github(visit.context)
    page = visit.page
    page.goto(site.url(PAGE))
    page.locator("a.md-content__button[rel=edit]").click()
    page.wait_for_url(f"{REPOSITORY}/edit/main/{PAGE_SOURCE}")
    page.goto(site.url(PAGE))
    page.locator("a.md-content__button[title='View source of this page']").click()
    page.wait_for_url(f"{REPOSITORY}/raw/main/{PAGE_SOURCE}")
    assert opened == [f"{REPOSITORY}/edit/main/{PAGE_SOURCE}", f"{REPOSITORY}/raw/main/{PAGE_SOURCE}"]


def test_every_page_has_edit_and_view_links_to_its_own_source_file(site: Site) -> None:
    problems = []
    sources = page_sources()
    for address in site.pages():
        html = site.html(address)
        source = sources.get(address[len(site.base) :])
        if source is None:
            problems.append(f"{address}: no Markdown source under docs/")
            continue
        for kind in ("edit", "raw"):
            link = f'href="{REPOSITORY}/{kind}/main/{source}"'
            if link not in html:
                problems.append(f"{address}: no {kind} link to {source}")
    assert not problems, "\n".join(problems)


def test_feedback_answer_opens_a_prefilled_issue_naming_the_page(visit: Visit, site: Site) -> None:
    stand_in_for_github(visit.context)
    page = visit.page
    page.goto(site.url(PAGE))
    feedback = page.locator("article aside.page-feedback")
    assert feedback.locator(".page-feedback__question").inner_text() == "Was this page helpful?"
    # It closes the page: nothing of the article comes after it.
    assert page.evaluate("() => document.querySelector('article aside.page-feedback').nextElementSibling") is None
    with visit.context.expect_page() as new_tab:
        feedback.get_by_role("link", name="No").click()
    issue = new_tab.value
    issue.wait_for_load_state()
    address = urlsplit(issue.url)
    assert f"{address.scheme}://{address.netloc}{address.path}" == f"{REPOSITORY}/issues/new"
    query = parse_qs(address.query)
    assert query["title"] == ['Page feedback: "Rate limiting" needs work']
    assert f"Page: {site_url()}{PAGE}" in query["body"][0]
    assert f"Source: {PAGE_SOURCE}" in query["body"][0]


def test_every_page_asks_whether_it_was_helpful_and_names_itself(site: Site) -> None:
    problems = []
    for address in site.pages():
        built = site.html(address)
        published = site_url() + address[len(site.base) :]
        answers = re.findall(r'class="md-button page-feedback__answer"[^>]*href="([^"]+)"', built)
        links = [html.unescape(link) for link in answers]
        if "Was this page helpful?" not in built or len(links) != 2:
            problems.append(f"{address}: no yes/no feedback links")
            continue
        for link in links:
            query = parse_qs(urlsplit(link).query)
            if not link.startswith(f"{REPOSITORY}/issues/new?"):
                problems.append(f"{address}: the feedback link opens {link[:80]}")
            elif not query.get("title", [""])[0].startswith("Page feedback: "):
                problems.append(f"{address}: the feedback issue has no title")
            elif f"Page: {published}" not in query.get("body", [""])[0]:
                problems.append(f"{address}: the feedback issue does not name the page")
    assert not problems, "\n".join(problems)


def test_logo_is_the_project_own_drawing_inline_and_the_favicon_its_own_svg(visit: Visit, site: Site) -> None:
    page = visit.page
    images: list[str] = []
    page.on("request", lambda request: images.append(request.url) if request.resource_type == "image" else None)
    page.goto(site.base)
    drawing = re.findall(r'\bd="([^"]+)"', (ROOT / LOGO).read_text(encoding="utf-8"))
    assert len(drawing) == 3, f"{LOGO} should hold the logo's three paths"
    for place in ("header a.md-logo", "nav.md-nav--primary a.md-logo"):
        logo = page.locator(f"{place} > svg")
        assert logo.locator("path").evaluate_all("paths => paths.map(p => p.getAttribute('d'))") == drawing, place
    header_logo = page.locator("header a.md-logo > svg").bounding_box()
    assert header_logo and header_logo["width"] > 10 and abs(header_logo["width"] - header_logo["height"]) < 0.5
    # Drawn from the page itself: the only image the page loads is the favicon.
    favicon = page.locator("link[rel=icon]").evaluate("link => link.href")
    assert favicon.endswith("/assets/images/favicon.svg")
    assert [url for url in images if not url.startswith("data:")] in ([], [favicon])
    response = page.request.get(favicon)
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text().lstrip().startswith("<svg")


def test_pages_name_their_published_address_as_canonical(visit: Visit, site: Site) -> None:
    page = visit.page
    page.goto(site.url(PAGE))
    assert page.locator("link[rel=canonical]").get_attribute("href") == f"{site_url()}{PAGE}"
