"""Every link and resource inside the built site resolves: to a file, and each #fragment to an id.

MkDocs' `validation` settings (with `strict: true`) already reject broken links between Markdown
pages. This check covers what they cannot see: links written in the theme's templates, in HTML
inside pages, the assets each page loads, the 404 page's absolute links, the canonical
addresses, and the sitemap.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from docs_site import site_url, sitemap_addresses

SKIPPED_SCHEMES = ("mailto:", "tel:", "javascript:", "data:")


@dataclass
class ParsedPage:
    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.page.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.page.ids.add(values["name"])
        for attribute in ("href", "src"):
            value = values.get(attribute)
            if value is not None:
                self.page.links.append(value.strip())


def parse_html(path: Path) -> ParsedPage:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    collector.close()
    return collector.page


class SiteChecker:
    """Checks the links of a built site published at `published` (its `site_url`)."""

    def __init__(self, site_dir: Path, published: str) -> None:
        self.site_dir = site_dir
        self.published = published.rstrip("/") + "/"
        self.prefix = urlsplit(self.published).path  # e.g. /cliniko-api/
        self._pages: dict[Path, ParsedPage] = {}

    @property
    def pages_read(self) -> int:
        return len(self._pages)

    def page(self, path: Path) -> ParsedPage:
        if path not in self._pages:
            self._pages[path] = parse_html(path)
        return self._pages[path]

    def site_path(self, link: str, page_path: str) -> str | None:
        """The link's path from the site's root, or None when the link leaves the site.

        `page_path` is the page's own path from the root, e.g. "caching/index.html".
        Raises ValueError for an absolute path outside the site's folder.
        """
        if link.startswith(self.published):
            return link[len(self.published) :]
        parts = urlsplit(link)
        if parts.scheme or parts.netloc:
            return None
        if parts.path.startswith("/"):
            if not (parts.path + "/").startswith(self.prefix):
                raise ValueError("points outside the site's folder")
            return link[len(self.prefix) :]
        base = posixpath.dirname(page_path)
        joined = posixpath.normpath(posixpath.join(base, parts.path)) if parts.path else page_path
        if joined == "." or parts.path.endswith("/"):
            joined = "" if joined == "." else joined + "/"
        if joined.startswith(".."):
            raise ValueError("climbs out of the site's folder")
        fragment = f"#{parts.fragment}" if "#" in link else ""
        return joined + fragment

    def target_file(self, path: str) -> Path | None:
        """The file that answers a path from the site's root, as GitHub Pages would serve it."""
        path = unquote(urlsplit(path).path)
        target = self.site_dir / path
        if path == "" or path.endswith("/") or target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    def check_link(self, link: str, page_file: Path) -> str | None:
        """Why `link` on `page_file` is broken, or None when it resolves."""
        if not link or link.startswith(SKIPPED_SCHEMES):
            return None
        page_path = page_file.relative_to(self.site_dir).as_posix()
        try:
            path = self.site_path(link, page_path)
        except ValueError as error:
            return str(error)
        if path is None:
            return None
        target = self.target_file(path)
        if target is None:
            return "no such file in the site"
        fragment = unquote(urlsplit(path).fragment)
        if fragment and not fragment.startswith(":~:") and target.suffix == ".html":
            if fragment not in self.page(target).ids:
                return f"no id {fragment!r} in {target.relative_to(self.site_dir).as_posix()}"
        return None

    def problems(self) -> Iterator[str]:
        for page_file in sorted(self.site_dir.rglob("*.html")):
            for link in self.page(page_file).links:
                reason = self.check_link(link, page_file)
                if reason:
                    yield f"{page_file.relative_to(self.site_dir).as_posix()}: {link} -> {reason}"
        if (self.site_dir / "sitemap.xml").is_file():
            for address in sitemap_addresses(self.site_dir):
                if not address.startswith(self.published):
                    yield f"sitemap.xml: {address} -> not under {self.published}"
                elif self.target_file(address[len(self.published) :]) is None:
                    yield f"sitemap.xml: {address} -> no such page in the site"


def test_every_link_and_resource_in_the_built_site_resolves(built_site: Path) -> None:
    checker = SiteChecker(built_site, site_url())
    problems = list(checker.problems())
    assert checker.pages_read > 1, "the check read no page"
    assert not problems, "\n".join(problems)


# The checker itself, on a small site made up for the purpose.

PUBLISHED = "https://docs.example.org/guide/"


def make_site(root: Path, pages: dict[str, str]) -> Path:
    for name, body in pages.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"<!doctype html><html><body>{body}</body></html>", encoding="utf-8")
    return root


def test_checker_accepts_a_site_whose_links_all_resolve(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "index.html": (
                '<a href="setup/">setup</a> <a href="setup/#install">install</a> <a href="#top">top</a>'
                ' <img src="assets/logo.svg"> <a href="https://example.com/">elsewhere</a>'
                ' <a href="mailto:team@example.org">mail</a> <a href="/guide/setup/">absolute</a>'
                f' <link rel="canonical" href="{PUBLISHED}"><span id="top"></span>'
            ),
            "setup/index.html": (
                '<h2 id="install">Install</h2><a href="../">home</a><a href="../index.html#top">top</a>'
            ),
            "assets/logo.svg": "",
        },
    )
    assert list(SiteChecker(site, PUBLISHED).problems()) == []


def test_checker_reports_missing_pages_files_and_anchors(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "index.html": (
                '<a href="setup/">setup</a> <a href="gone/">gone</a> <a href="setup/#missing">anchor</a>'
                ' <img src="assets/missing.png"> <a href="/elsewhere/">outside</a>'
                f' <a href="{PUBLISHED}removed/">published but gone</a> <a href="#nowhere">here</a>'
                ' <a href="../../up.html">up</a>'
            ),
            "setup/index.html": '<h2 id="install">Install</h2>',
        },
    )
    problems = sorted(SiteChecker(site, PUBLISHED).problems())
    assert problems == sorted(
        [
            "index.html: gone/ -> no such file in the site",
            "index.html: setup/#missing -> no id 'missing' in setup/index.html",
            "index.html: assets/missing.png -> no such file in the site",
            "index.html: /elsewhere/ -> points outside the site's folder",
            f"index.html: {PUBLISHED}removed/ -> no such file in the site",
            "index.html: #nowhere -> no id 'nowhere' in index.html",
            "index.html: ../../up.html -> climbs out of the site's folder",
        ]
    )


def test_checker_reports_sitemap_entries_without_a_page(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"index.html": "home"})
    (site / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{PUBLISHED}</loc></url><url><loc>{PUBLISHED}old-page/</loc></url>"
        "</urlset>",
        encoding="utf-8",
    )
    assert list(SiteChecker(site, PUBLISHED).problems()) == [
        f"sitemap.xml: {PUBLISHED}old-page/ -> no such page in the site"
    ]
