"""The changelog of the Versions and changes page, and its Atom feed, `changelog.xml`.

`hooks/changelog_feed.py` makes the feed from the page's Markdown when the site is built. These tests read
what the build wrote: the feed as a feed reader reads it (feedparser), the feed against the musts of
RFC 4287 (with the standard library's XML parser, so that nothing forgiving stands in between), the feed
against the page as built (the same entries, titles, dates and order, and links that land on the entries),
and the link to the feed in the head of every page. The last tests give the hook's reader Markdown that
breaks each rule of the entries' form, and show that an entry's id depends on its anchor alone.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest
from docs_site import site_url, sitemap_addresses

from hooks import changelog_feed

ATOM = "{http://www.w3.org/2005/Atom}"
FEED = "changelog.xml"
PAGE = "versions/"
#: A date-time as RFC 3339 writes it (section 5.6): a full date, a full time and an offset or `Z`.
RFC_3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")
ENTRY_HEADING = re.compile(r"^(?P<day>\d{4}-\d{2}-\d{2}): (?P<title>.+)$")


def feed_tree(built_site: Path) -> ET.Element:
    return ET.parse(built_site / FEED).getroot()


def children(element: ET.Element, name: str) -> list[ET.Element]:
    return element.findall(f"{ATOM}{name}")


def rfc_3339(value: str | None, where: str) -> datetime:
    """The moment a date-time of the feed names; fails unless it is written as RFC 3339 says."""
    assert value and RFC_3339.match(value), f"{where}: {value!r} is not an RFC 3339 date-time"
    return datetime.fromisoformat(value)


def alternate_links(element: ET.Element) -> list[str]:
    """The hrefs of an element's alternate links (a link without `rel` is one, RFC 4287 section 4.2.7.2)."""
    return [link.get("href") or "" for link in children(element, "link") if link.get("rel", "alternate") == "alternate"]


class _Page(HTMLParser):
    """A built page: every id, the entry headings of its Changelog section, and the links in its head."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.entries: list[tuple[str, str]] = []  # (id, heading text)
        self.head_links: list[dict[str, str | None]] = []
        self.toc_targets: list[str] = []
        self._in_head = False
        self._in_changelog = False
        self._heading: tuple[str, list[str]] | None = None
        self._in_headerlink = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "head":
            self._in_head = True
        elif tag == "link" and self._in_head:
            self.head_links.append(values)
        elif tag == "h2":
            self._in_changelog = values.get("id") == "changelog"
        elif tag == "h3" and self._in_changelog:
            self._heading = (values.get("id") or "", [])
        elif tag == "a" and self._heading is not None and "headerlink" in (values.get("class") or "").split():
            self._in_headerlink = True
        elif tag == "a" and "md-nav__link" in (values.get("class") or "").split():
            self.toc_targets.append(values.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False
        elif tag == "a":
            self._in_headerlink = False
        elif tag == "h3" and self._heading is not None:
            anchor, text = self._heading
            self.entries.append((anchor, " ".join("".join(text).split())))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading is not None and not self._in_headerlink:
            self._heading[1].append(data)


def parse_page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_a_feed_reader_reads_the_feed_without_complaint(built_site: Path) -> None:
    parsed = feedparser.parse((built_site / FEED).read_bytes())
    assert not parsed.bozo, f"feedparser finds the feed malformed: {parsed.get('bozo_exception')}"
    assert parsed.version == "atom10", parsed.version
    assert parsed.feed.title and parsed.feed.id
    assert len(parsed.entries) >= 10, "the changelog has fewer entries than it was published with"
    for entry in parsed.entries:
        assert entry.id and entry.title and entry.updated_parsed and entry.link, entry


def test_the_feed_meets_the_musts_of_rfc_4287(built_site: Path) -> None:
    feed = feed_tree(built_site)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(children(feed, name)) == 1, f"the feed must have exactly one atom:{name}"
    feed_id = children(feed, "id")[0].text or ""
    assert urlsplit(feed_id).scheme, f"the feed's id {feed_id!r} is not an absolute IRI"
    updated = rfc_3339(children(feed, "updated")[0].text, "the feed's updated")
    self_links = [link.get("href") for link in children(feed, "link") if link.get("rel") == "self"]
    assert self_links == [urljoin(site_url(), FEED)], self_links
    entries = children(feed, "entry")
    assert entries, "the feed has no entry"
    # An author for the feed, or one in every entry; each with a name.
    authors = children(feed, "author") or [author for entry in entries for author in children(entry, "author")]
    assert children(feed, "author") or all(children(entry, "author") for entry in entries), "no atom:author"
    assert all((author.findtext(f"{ATOM}name") or "").strip() for author in authors), "an author has no name"
    ids = []
    moments = []
    for number, entry in enumerate(entries, start=1):
        for name in ("id", "title", "updated"):
            assert len(children(entry, name)) == 1, f"entry {number} must have exactly one atom:{name}"
        ids.append(children(entry, "id")[0].text or "")
        assert urlsplit(ids[-1]).scheme, f"entry {number}'s id {ids[-1]!r} is not an absolute IRI"
        assert (children(entry, "title")[0].text or "").strip(), f"entry {number} has an empty title"
        moments.append(rfc_3339(children(entry, "updated")[0].text, f"entry {number}'s updated"))
        for published in children(entry, "published"):
            rfc_3339(published.text, f"entry {number}'s published")
        links = alternate_links(entry)
        assert len(links) == 1 and urlsplit(links[0]).scheme == "https", f"entry {number}'s alternate link: {links}"
        assert children(entry, "content") or children(entry, "summary"), f"entry {number} has no text"
    assert len(set(ids)) == len(ids), f"entry ids repeat: {ids}"
    assert updated == max(moments), f"the feed's updated {updated} is not its newest entry's {max(moments)}"


def test_the_feed_holds_the_changelog_of_the_page(built_site: Path) -> None:
    page = parse_page(built_site / PAGE / "index.html")
    assert page.entries, "the built page's Changelog section has no entry heading"
    shown = []
    for anchor, text in page.entries:
        heading = ENTRY_HEADING.match(text)
        assert heading, f"the heading {text!r} does not start with its date"
        shown.append((anchor, date.fromisoformat(heading.group("day")), heading.group("title")))
    days = [day for _, day, _ in shown]
    assert days == sorted(days, reverse=True), "the changelog is not newest first"

    entries = children(feed_tree(built_site), "entry")
    in_feed = []
    for entry in entries:
        link = urlsplit(alternate_links(entry)[0])
        assert link._replace(fragment="").geturl() == urljoin(site_url(), PAGE), f"{link.geturl()} is not the page"
        assert link.fragment in page.ids, f"the page has no id {link.fragment!r} for {link.geturl()}"
        updated = datetime.fromisoformat(children(entry, "updated")[0].text or "")
        in_feed.append((link.fragment, updated.date(), children(entry, "title")[0].text))
    assert in_feed == shown


def test_every_link_in_the_feed_leads_to_the_site_or_away(built_site: Path) -> None:
    """The entries' text is read away from the site: its links are absolute, and those into the site land
    on a file the build wrote, at an id that page has."""
    targets = [
        href
        for content in feed_tree(built_site).iter(f"{ATOM}content")
        for href in re.findall(r'href="([^"]*)"', content.text or "")
    ]
    assert len(targets) > 10, targets
    for target in targets:
        parts = urlsplit(target)
        assert parts.scheme in {"https", "http", "mailto"}, f"a relative link in the feed: {target!r}"
        if not target.startswith(site_url()):
            continue
        path = parts.path[len(urlsplit(site_url()).path) :]
        written = built_site / path / "index.html" if path == "" or path.endswith("/") else built_site / path
        assert written.is_file(), f"the feed links {target}, which the site does not hold"
        if parts.fragment:
            assert parts.fragment in parse_page(written).ids, f"the feed links {target}, an id its page lacks"


def test_every_page_links_the_feed_from_its_head(built_site: Path) -> None:
    published = site_url()
    addresses = sitemap_addresses(built_site)
    assert urljoin(published, PAGE) in addresses
    for address in addresses:
        relative = address[len(published) :]
        links = [
            link
            for link in parse_page(built_site / relative / "index.html").head_links
            if link.get("rel") == "alternate" and link.get("type") == "application/atom+xml"
        ]
        assert len(links) == 1, f"{address}: {len(links)} Atom links in the head"
        assert urljoin(address, links[0].get("href") or "") == urljoin(published, FEED), (address, links[0])
        assert (links[0].get("title") or "").strip(), f"{address}: the feed's link has no title"
    assert (built_site / FEED).is_file()


def test_the_versions_page_follows_base_url_and_shows_its_changelog(built_site: Path) -> None:
    html = (built_site / PAGE / "index.html").read_text(encoding="utf-8")
    assert re.search(r'href="\.\./base-url/"[^>]*aria-label="Previous: Base URL"', html), "not right after Base URL"
    page = parse_page(built_site / PAGE / "index.html")
    assert "#changelog" in page.toc_targets, "the page's table of contents does not list the changelog"
    assert {f"#{anchor}" for anchor, _ in page.entries} <= set(page.toc_targets)


def test_the_entries_stay_out_of_the_search_index_and_the_rest_of_the_page_does_not(built_site: Path) -> None:
    import json

    locations = {entry["location"] for entry in json.loads((built_site / "search" / "search_index.json").read_bytes())["docs"]}
    anchors = [anchor for anchor, _ in parse_page(built_site / PAGE / "index.html").entries]
    assert not [anchor for anchor in anchors if f"{PAGE}#{anchor}" in locations], "changelog entries in the index"
    assert {PAGE, f"{PAGE}#within-a-version", f"{PAGE}#changelog"} <= locations


ONE_ENTRY = "# Versions\n\n## Changelog\n\n### 2026-12-06: First { #first }\n\nText.\n"


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("# Versions\n\nNo changelog.\n", "no '## Changelog' section"),
        ("## Changelog\n\nOnly an introduction.\n", "has no entry"),
        ("## Changelog\n\n### 2026-12-06: No id\n\nText.\n", "line 3: an entry heading must read"),
        ("## Changelog\n\n### 6 December 2026: Words { #words }\n\nText.\n", "line 3: an entry heading must read"),
        ("## Changelog\n\n### 2026-13-06: Month 13 { #month }\n\nText.\n", "line 3: '2026-13-06' is not a date"),
        ("## Changelog\n\n### 2026-12-06: Empty { #empty }\n\n### 2026-12-01: B { #b }\n\nText.\n", "'empty' has no text"),
        (
            "## Changelog\n\n### 2026-12-01: Old { #old }\n\nText.\n\n### 2026-12-06: New { #new }\n\nText.\n",
            "line 7: the entry of 2026-12-06 comes after one of 2026-12-01",
        ),
        (
            "## Changelog\n\n### 2026-12-06: A { #same }\n\nText.\n\n### 2026-12-01: B { #same }\n\nText.\n",
            "line 7: the id 'same' is already used",
        ),
        ("## Changelog\n\n### 2026-12-06: A { #a }\n\n#### Detail\n\nText.\n", "line 5: the Changelog section takes only"),
    ],
)
def test_a_changelog_out_of_form_is_refused_with_its_line(markdown: str, expected: str) -> None:
    with pytest.raises(changelog_feed.ChangelogError) as raised:
        changelog_feed.read_entries(markdown)
    assert expected in str(raised.value)


def test_the_reader_takes_what_the_form_allows() -> None:
    text = (
        "# Versions\n\n## Changelog\n\nIntro.\n\n"
        "### 2026-12-06: Updates are `PUT` { #put }\n\n```text\n### not a heading\n```\n\n"
        "### 2026-12-06: Same day { #same-day }\n\nText.\n\n## After\n\n### Not an entry\n"
    )
    entries = changelog_feed.read_entries(text)
    assert [(entry.anchor, entry.title, entry.day) for entry in entries] == [
        ("put", "Updates are PUT", date(2026, 12, 6)),
        ("same-day", "Same day", date(2026, 12, 6)),
    ]
    assert "### not a heading" in entries[0].body


def _entry_ids(markdown: str, base: str) -> list[str]:
    entries = changelog_feed.read_entries(markdown)
    xml = changelog_feed.feed_xml(
        entries,
        title="T",
        subtitle="S",
        feed_url=base + FEED,
        page_url=base + PAGE,
        absolute=lambda target: urljoin(base, target),
    )
    return [element.text or "" for element in ET.fromstring(xml).iter(f"{ATOM}id")]


def test_an_entry_keeps_its_id_when_its_title_date_text_or_the_site_change() -> None:
    before = _entry_ids(ONE_ENTRY, "https://one.example/docs/")
    after = _entry_ids(
        "## Changelog\n\n### 2026-12-07: Reworded { #first }\n\nOther text, [a link](sandbox.md).\n",
        "https://two.example/",
    )
    assert before == after and len(before) == 2  # the feed's id and the entry's
    assert _entry_ids(ONE_ENTRY.replace("#first", "#second"), "https://one.example/docs/")[1] != before[1]
