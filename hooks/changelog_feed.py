"""MkDocs hook: the changelog of the "Versions and changes" page, published as an Atom feed, `changelog.xml`.

The page's Markdown, `docs/versions.md`, is the one source. Its "## Changelog" section holds the entries,
newest first, each a heading of one fixed form followed by its text, down to the next heading:

    ### 2026-12-06: What changed, in a few words { #a-stable-id }

    What changed for the reader, in a paragraph or two of Markdown.

The date is the day the change was published (ISO 8601), and the id is written out, never made from the
title: the page's anchor and the feed entry's id both come from it, so a title can be reworded without
a feed reader showing the entry again as new. Once an entry is published, its id must not change.

The hook reads the entries when the build collects its files and adds the feed as a generated file,
like `hooks/openapi_json.py`, so that the page can link to it and the strict build checks that link. A
heading of the section that is not of the form above, a date that is not a date, an id used twice, an
entry with no text or entries out of order stop the build with a message that names the line.

Each entry's text is rendered with Python-Markdown and its links made absolute from `site_url`, since a
feed is read away from the site. The ids are tag URIs (RFC 4151) of their own, not addresses of the site,
so that moving the site changes none of them. `on_config` names the feed in `extra.changelog_feed`, which
`overrides/main.html` reads to link it from the head of every page; a build that does not run the hooks
(Zensical) has no feed, and so no link to one. The entries' sections are kept out of the search index
(`on_page_markdown`).
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import markdown
from feedgen.feed import FeedGenerator
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from hooks import shortcodes

#: The page that holds the changelog, relative to docs/.
SOURCE = "versions.md"
#: Where the built site serves the feed, relative to the site's root.
TARGET = "changelog.xml"
#: The heading of the page's section that holds the entries.
SECTION = "Changelog"
#: The feed's id, minted once: never derived from `site_url`, so that it survives a move of the site.
FEED_ID = "tag:cliniko.github.io,2026:cliniko-api/changelog"
#: Who publishes the feed (Atom requires an author for the feed or for every entry).
AUTHOR = "Cliniko API documentation"

SECTION_HEADING = re.compile(r"^##[ \t]+(?P<title>[^#{]+?)[ \t]*(?:\{[^}]*\})?[ \t]*$")
ENTRY_HEADING = re.compile(
    r"^###[ \t]+(?P<day>\S+):[ \t]+(?P<title>\S.*?)[ \t]*\{[ \t]*#(?P<anchor>[a-z0-9][a-z0-9-]*)[ \t]*\}[ \t]*$"
)
#: The attribute list that ends an entry's heading: its id, then its closing brace.
ENTRY_ATTRIBUTES = re.compile(r"(\{[ \t]*#[a-z0-9-]+)([ \t]*\}[ \t]*)$")
ENTRY_FORM = "### YYYY-MM-DD: Title { #stable-id }"


class ChangelogError(ValueError):
    """The changelog's Markdown is not in the form the feed is made from; the message says where and why."""


@dataclass(frozen=True)
class Entry:
    """One changelog entry, as the page's Markdown has it."""

    anchor: str
    day: date
    title: str
    body: str
    line: int

    @property
    def updated(self) -> datetime:
        """The entry's date as Atom needs it, a moment: the start of that day, in UTC."""
        return datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC)


def entry_id(anchor: str) -> str:
    """An entry's id in the feed: made from its anchor alone, so that nothing else can change it."""
    return f"{FEED_ID}/{anchor}"


def plain_title(title: str) -> str:
    """A heading's Markdown as the text the page shows (`Updates are `PUT`` -> `Updates are PUT`)."""
    rendered = markdown.markdown(title)
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


def read_entries(text: str) -> list[Entry]:
    """The entries of the Changelog section of a page's Markdown, in the page's order (newest first)."""
    entries: list[Entry] = []
    in_section = False
    found_section = False
    current: dict[str, Any] | None = None
    body: list[str] = []

    def close() -> None:
        if current is None:
            return
        content = "\n".join(body).strip()
        if not content:
            raise ChangelogError(f"line {current['line']}: the entry {current['anchor']!r} has no text under its heading")
        entries.append(Entry(body=content, **current))

    for scanned in shortcodes.lines(text):
        number, line = scanned.number, scanned.text
        if scanned.code:
            body.append(line)
            continue
        section = SECTION_HEADING.match(line)
        if section or line.startswith("# "):
            close()
            current, body = None, []
            in_section = bool(section) and section.group("title") == SECTION
            found_section = found_section or in_section
            continue
        if not in_section:
            continue
        if not shortcodes.HEADING.match(line):
            body.append(line)
            continue
        if not line.startswith("### "):
            raise ChangelogError(f"line {number}: the Changelog section takes only entry headings ({ENTRY_FORM})")
        heading = ENTRY_HEADING.match(line)
        if not heading:
            raise ChangelogError(f"line {number}: an entry heading must read {ENTRY_FORM!r}, not {line!r}")
        try:
            day = date.fromisoformat(heading.group("day"))
        except ValueError:
            raise ChangelogError(f"line {number}: {heading.group('day')!r} is not a date written YYYY-MM-DD") from None
        close()
        anchor = heading.group("anchor")
        if any(entry.anchor == anchor for entry in entries):
            raise ChangelogError(f"line {number}: the id {anchor!r} is already used by an earlier entry")
        if entries and day > entries[-1].day:
            raise ChangelogError(
                f"line {number}: the entry of {day} comes after one of {entries[-1].day}; the newest entry comes first"
            )
        current = {"anchor": anchor, "day": day, "title": plain_title(heading.group("title")), "line": number}
        body = []
    close()
    if not found_section:
        raise ChangelogError(f"the page has no '## {SECTION}' section")
    if not entries:
        raise ChangelogError(f"the '## {SECTION}' section has no entry ({ENTRY_FORM})")
    return entries


class _AbsoluteLinks(Treeprocessor):
    def __init__(self, md: markdown.Markdown, absolute: Callable[[str], str]) -> None:
        super().__init__(md)
        self.absolute = absolute

    def run(self, root: Any) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None:
                    element.set(attribute, self.absolute(value))


class _AbsoluteLinksExtension(Extension):
    def __init__(self, absolute: Callable[[str], str]) -> None:
        super().__init__()
        self.absolute = absolute

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After the inline patterns (priority 20), which make the links.
        md.treeprocessors.register(_AbsoluteLinks(md, self.absolute), "absolute_links", 5)


def render(body: str, absolute: Callable[[str], str]) -> str:
    """An entry's Markdown as HTML for the feed, every link passed through `absolute`."""
    return markdown.markdown(body, extensions=["attr_list", _AbsoluteLinksExtension(absolute)])


def feed_xml(
    entries: list[Entry],
    *,
    title: str,
    subtitle: str,
    feed_url: str,
    page_url: str,
    absolute: Callable[[str], str],
    author_uri: str | None = None,
) -> bytes:
    """The Atom feed of `entries`, newest first, as UTF-8 XML; its `updated` is the newest entry's date."""
    feed = FeedGenerator()
    feed.id(FEED_ID)
    feed.title(title)
    feed.subtitle(subtitle)
    feed.author({"name": AUTHOR, **({"uri": author_uri} if author_uri else {})})
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.link(href=page_url, rel="alternate", type="text/html")
    feed.language("en")
    feed.updated(max(entry.updated for entry in entries))
    for entry in entries:
        item = feed.add_entry(order="append")
        item.id(entry_id(entry.anchor))
        item.title(entry.title)
        item.updated(entry.updated)
        item.published(entry.updated)
        # feedgen 1.0 writes an entry's link with its href only; Atom reads a link without `rel` as the
        # alternate, the page the entry is about.
        item.link(href=f"{page_url}#{entry.anchor}", rel="alternate", type="text/html")
        item.content(render(entry.body, absolute), type="html")
    return feed.atom_str(pretty=True)


def _site_url(config: MkDocsConfig) -> str:
    site_url = config.site_url or ""
    if not urlsplit(site_url).scheme:
        raise PluginError(f"the changelog feed needs an absolute site_url in mkdocs.yml, not {site_url!r}")
    return site_url.rstrip("/") + "/"


def _resolver(files: Files, base: str, page: File) -> Callable[[str], str]:
    """Turns a link of the page's Markdown (`sandbox.md`, `resources/patients.md#list-patients`,
    `openapi.yaml`, `#section`) into the absolute address the site serves it at."""
    page_url = urljoin(base, page.url)

    def absolute(target: str) -> str:
        if urlsplit(target).scheme or target.startswith("//"):
            return target
        path, _, anchor = target.partition("#")
        fragment = f"#{anchor}" if anchor else ""
        if not path:
            return page_url + fragment
        linked = posixpath.normpath(posixpath.join(posixpath.dirname(page.src_uri), path))
        found = files.get_file_from_path(linked)
        if found is None:
            raise PluginError(f"docs/{SOURCE}, changelog: {target!r} is not a file of the site")
        return urljoin(base, found.url) + fragment

    return absolute


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Name the feed for the templates: `overrides/main.html` links it from every page's head."""
    config.extra["changelog_feed"] = {"href": TARGET, "title": f"{config.site_name}: versions and changes"}
    return config


def on_page_markdown(text: str, page: Any, config: MkDocsConfig, **kwargs: Any) -> str:
    """Keep the entries out of the search index, as `data-search-exclude` on a heading does for its section.

    Each entry tells what changed and links to the page that explains it, which is what a search should
    find; and the changelog only grows, while every reader downloads the index.
    """
    if page.file.src_uri != SOURCE:
        return text
    try:
        lines = {entry.line for entry in read_entries(text)}
    except ChangelogError as error:
        raise PluginError(f"docs/{SOURCE}, changelog: {error}") from None
    return "\n".join(
        ENTRY_ATTRIBUTES.sub(r"\1 data-search-exclude\2", line) if number in lines else line
        for number, line in enumerate(text.split("\n"), start=1)
    )


def on_files(files: Files, config: MkDocsConfig) -> Files:
    source = Path(config.docs_dir) / SOURCE
    page = files.get_file_from_path(SOURCE)
    if page is None or not source.is_file():
        raise PluginError(f"cannot make the changelog feed: docs/{SOURCE} does not exist")
    try:
        entries = read_entries(source.read_text(encoding="utf-8"))
    except ChangelogError as error:
        raise PluginError(f"docs/{SOURCE}, changelog: {error}") from None
    base = _site_url(config)
    content = feed_xml(
        entries,
        title=config.extra["changelog_feed"]["title"],
        subtitle=f"What changed in the {config.site_name} and in its guide, newest first.",
        feed_url=urljoin(base, TARGET),
        page_url=urljoin(base, page.url),
        absolute=_resolver(files, base, page),
        author_uri=config.repo_url,
    )
    files.append(File.generated(config, TARGET, content=content))
    return files
