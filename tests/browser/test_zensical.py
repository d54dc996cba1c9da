"""The site built with Zensical, strictly (`make build-zensical`): examples, report links, feedback box,
search and tabs.

Zensical reads the same mkdocs.yml as MkDocs. These tests build it once per run (all of them in one
test process) and check what would be lost without care: the examples, which a Markdown extension
expands in both builds; the report links under them, which another extension writes from what each
build says of the page; the feedback box, whose template reads the page's source file differently in
each; and Zensical's own search, whose index and search box differ from Material's (the template of
the search dialog, overrides/partials/search.html, gives each build its own).

Without Zensical's environment (`.venv-zensical/`, made by the Makefile), the tests are skipped
with the reason, except under CI=true, where they fail.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from browser.page_walk import Visit
from docs_site import Site, serve, shortcode_site, site_url
from project import ROOT, in_ci
from zensical_build import ZensicalBuildError, ZensicalUnavailable, build, build_site, ensure_environment

# One process builds and checks the Zensical site, so that it is built once per run.
pytestmark = [pytest.mark.xdist_group("zensical"), pytest.mark.timeout(1200)]

REPOSITORY = "https://github.com/cliniko/cliniko-api"
#: The pages checked in the browser: their address under the site, title and source file.
PAGES = {
    "caching/": ("HTTP caching", "docs/caching.md"),
    "resources/patients/": ("Patients", "docs/resources/patients.md"),
}


@pytest.fixture(scope="module")
def zensical_python() -> Path:
    try:
        return ensure_environment()
    except ZensicalUnavailable as error:
        if in_ci():
            pytest.fail(str(error), pytrace=False)
        pytest.skip(f"Zensical's environment cannot be made: {error}")


@pytest.fixture(scope="module")
def zensical_site_dir(zensical_python: Path) -> Path:
    started = time.monotonic()
    try:
        site = build_site()
    except ZensicalBuildError as error:
        pytest.fail(str(error), pytrace=False)
    print(f"zensical build --strict: {time.monotonic() - started:.1f} s")
    return site


@pytest.fixture(scope="module")
def zensical_site(zensical_site_dir: Path) -> Iterator[Site]:
    with serve(zensical_site_dir) as site:
        yield site


def page_file(site_dir: Path, path: str) -> Path:
    return site_dir / path / "index.html" if path else site_dir / "index.html"


def example_counts(page: str) -> tuple[int, int, int, int]:
    """What a built page shows of the examples, and the shortcodes it still holds.

    Tab sets, "Output:" lines, shortcodes written out as text (as on the contributing page), and
    shortcode comments of any kind (`<!-- md:... -->`) left in the HTML: a build that does not run
    whatever expands them (Zensical runs no MkDocs hook, only Markdown extensions) leaves them there,
    unseen.
    """
    return (
        page.count('class="tabbed-set'),
        len(re.findall(r"<p>Output:</p>", page)),
        html.unescape(page).count("md:example"),
        page.count("<!-- md:"),
    )


def test_zensical_shows_every_example_that_mkdocs_shows(zensical_site_dir: Path, built_site: Path) -> None:
    """Page by page, the same number of example tab sets and outputs, and no more shortcodes left as text."""
    problems = []
    pages = sorted(path.relative_to(built_site) for path in built_site.rglob("index.html"))
    assert len(pages) > 5, pages
    for relative in pages:
        mkdocs_page = (built_site / relative).read_text(encoding="utf-8")
        zensical_file = zensical_site_dir / relative
        if not zensical_file.is_file():
            problems.append(f"{relative}: not in the Zensical build")
            continue
        zensical_page = zensical_file.read_text(encoding="utf-8")
        if example_counts(zensical_page) != example_counts(mkdocs_page):
            problems.append(
                f"{relative}: (tab sets, outputs, shortcodes shown, shortcode comments left) {example_counts(zensical_page)} with Zensical, "
                f"{example_counts(mkdocs_page)} with MkDocs"
            )
    assert not problems, "\n".join(problems)
    caching = (zensical_site_dir / "caching" / "index.html").read_text(encoding="utf-8")
    assert example_counts(caching)[0] > 0, "the caching page shows no example tabs"


#: A "report a problem" link as both builds write it (hooks/example_reports.py): its address and its name.
REPORT_LINK = re.compile(r'<p class="example-report"[^>]*><a href="([^"]*)"[^>]*aria-label="([^"]*)"')


def test_zensical_writes_the_same_report_links_as_mkdocs(zensical_site_dir: Path, built_site: Path) -> None:
    """Page by page, the same links under the code blocks: the same issue title, body and accessible name.

    The numbering and the page's address come from the same extension in both builds; what each build
    tells the extension of the page differs, and the address is the part it could get wrong.
    """
    problems = []
    found = 0
    for mkdocs_file in sorted(built_site.rglob("index.html")):
        relative = mkdocs_file.relative_to(built_site)
        zensical_file = zensical_site_dir / relative
        if not zensical_file.is_file():
            continue  # reported by test_zensical_shows_every_example_that_mkdocs_shows
        expected = REPORT_LINK.findall(mkdocs_file.read_text(encoding="utf-8"))
        written = REPORT_LINK.findall(zensical_file.read_text(encoding="utf-8"))
        found += len(expected)
        if written != expected:
            first = next((pair for pair in zip(written, expected) if pair[0] != pair[1]), None)
            problems.append(
                f"{relative}: {len(written)} links with Zensical, {len(expected)} with MkDocs"
                + (f"; first difference:\n  {html.unescape(first[0][0])}\n  {html.unescape(first[1][0])}" if first else "")
            )
    assert found > 50, f"only {found} report links in the MkDocs build"
    assert not problems, "\n".join(problems)


def test_the_search_override_gives_zensical_its_own_dialog(zensical_python: Path) -> None:
    """overrides/partials/search.html serves Material's dialog to MkDocs and, to Zensical, Zensical's own
    template as installed (its search is a component of its own), named in the comment by its release."""
    site_packages = next(zensical_python.parent.parent.glob("lib/python*/site-packages"))
    installed = (site_packages / "zensical" / "templates" / "partials" / "search.html").read_text(encoding="utf-8")
    installed = re.sub(r"\A\{#-.*?-#\}\n", "", installed, flags=re.DOTALL)
    override = (ROOT / "overrides" / "partials" / "search.html").read_text(encoding="utf-8")
    zensical_branch = re.search(r"\{%- else -%\}\n(.*?)\{%- endif %\}", override, re.DOTALL)
    assert zensical_branch, "the override has no branch for Zensical ({%- else -%} ... {%- endif %})"
    assert zensical_branch.group(1) == installed, (
        "the Zensical branch of overrides/partials/search.html is not Zensical's partials/search.html: copy it again"
    )
    release = next(site_packages.glob("zensical-*.dist-info")).name.removeprefix("zensical-").removesuffix(".dist-info")
    assert f"Zensical {release}" in override, f"the override's comment does not name Zensical {release}"


def test_zensical_renders_the_reference_tables(zensical_site_dir: Path, built_site: Path) -> None:
    """The reference tables made from the description are on the resource pages, as MkDocs makes them."""
    for page in ("resources/patients/index.html", "resources/user/index.html"):
        zensical_page = (zensical_site_dir / page).read_text(encoding="utf-8")
        mkdocs_page = (built_site / page).read_text(encoding="utf-8")
        assert "<!-- md:openapi" not in zensical_page, f"{page}: reference-table shortcodes left unexpanded"
        tables, expected = (built.count('class="reference-table') for built in (zensical_page, mkdocs_page))
        assert tables > 0 and tables == expected, f"{page}: {tables} reference tables with Zensical, {expected} with MkDocs"


def test_a_bad_shortcode_fails_the_zensical_build_naming_page_and_line(zensical_python: Path, tmp_path: Path) -> None:
    """Zensical does not count logged errors, even with --strict, so the extension stops its build."""
    shortcode_site(
        tmp_path,
        {
            "index.md": "# Fine\n\n<!-- md:example pagination/list_one_page -->\n",
            "bad.md": "# Bad\n\nText.\n\n<!-- md:example pagination/missing -->\n",
        },
    )
    result = build(tmp_path, "site")
    said = result.stdout + result.stderr
    assert result.returncode != 0, said
    assert "docs/bad.md, line 5: unknown example 'pagination/missing'" in said, said


def assert_only_own_traffic(visit: Visit, site: Site) -> None:
    """No request to another host, no failed request, no script error: as the MkDocs build is held to."""
    others = [url for url in visit.traffic.requests if not url.startswith(site.origin + "/")]
    assert not others, f"requests to other hosts: {others}"
    assert not visit.traffic.failed, visit.traffic.failed
    assert not visit.traffic.console_errors, visit.traffic.console_errors


def zensical_search(page: Any, query: str) -> list[str]:
    """Type `query` into Zensical's search box; return the result links' paths, best first.

    Zensical's search dialog is its own component, in a shadow root (which Playwright's role
    locators reach into), with a combobox and a listbox of options, unlike Material's.
    """
    page.locator(".md-search__button").click()
    box = page.get_by_role("combobox", name="Search")
    box.fill(query)
    options = page.get_by_role("listbox", name="Search results").get_by_role("option")
    options.first.wait_for()
    return [urlsplit(href).path for href in options.evaluate_all("links => links.map(link => link.href)")]


@pytest.mark.browser
@pytest.mark.parametrize("path", list(PAGES))
def test_searching_etag_finds_the_caching_page(path: str, visit: Visit, zensical_site: Site) -> None:
    visit.page.goto(zensical_site.url(path))
    results = zensical_search(visit.page, "etag")
    assert urlsplit(zensical_site.url("caching/")).path in results, results
    assert_only_own_traffic(visit, zensical_site)


@pytest.mark.browser
@pytest.mark.parametrize("path", list(PAGES))
def test_the_feedback_box_names_the_page_and_its_source_file(path: str, visit: Visit, zensical_site: Site) -> None:
    title, source = PAGES[path]
    page = visit.page
    page.goto(zensical_site.url(path))
    feedback = page.locator("article aside.page-feedback")
    assert feedback.locator(".page-feedback__question").inner_text() == "Was this page helpful?"
    for answer, verdict in [("Yes", "was helpful"), ("No", "needs work")]:
        link = feedback.get_by_role("link", name=answer)
        assert link.is_visible(), f"no visible {answer!r} answer"
        address = urlsplit(link.get_attribute("href") or "")
        assert f"{address.scheme}://{address.netloc}{address.path}" == f"{REPOSITORY}/issues/new"
        query = parse_qs(address.query)
        assert query["title"] == [f'Page feedback: "{title}" {verdict}'], query
        body = query["body"][0]
        assert f"Page: {site_url()}{path}\n" in body, body
        assert f"Source: {source}\n" in body, body
    assert_only_own_traffic(visit, zensical_site)


@pytest.mark.browser
@pytest.mark.parametrize("path", list(PAGES))
def test_the_python_javascript_and_curl_tabs_switch(path: str, visit: Visit, zensical_site: Site) -> None:
    page = visit.page
    page.goto(zensical_site.url(path))
    tabs = page.locator("article .tabbed-set").first
    blocks = {label: tabs.locator(".tabbed-block").nth(i) for i, label in enumerate(("Python", "JavaScript", "curl"))}
    assert blocks["Python"].is_visible(), "Python is shown first"
    assert not blocks["JavaScript"].is_visible() and not blocks["curl"].is_visible()
    for label, word in (("JavaScript", "fetch("), ("curl", "curl"), ("Python", "requests")):
        tabs.locator(".tabbed-labels > label", has_text=label).click()
        blocks[label].wait_for(state="visible")
        assert [other for other, block in blocks.items() if block.is_visible()] == [label]
        assert word in blocks[label].inner_text()
    assert_only_own_traffic(visit, zensical_site)
