"""Under every code block of a page, a link that opens a new GitHub issue about that example.

The link names the page, the example's number on it, its section, its content tab (Python, JavaScript or curl),
which of the example's blocks it is under (the code, its output, or the sandbox commands that prepare
it) and its file, in the issue's title and body. Written by the build, it is in the page itself: it
shows without script and before any script runs, and the browser lays it out with the rest of the
page. A script that inserted it as the page loaded would move the text below each block once the reader
could see it, most of all for a reader who arrives at a section from a link (CONTRIBUTING.md,
"Decisions").

The first lines of the code go into the issue too, but only when the reader is about to follow the link:
`docs/assets/javascripts/report-example.js` adds them on hover, focus or touch. Written into every link
here, they would make a page with many examples several kilobytes heavier.

A block is a `div.highlight` (or a `div.highlighttable`, which holds one) in the page's content, less the
source listings that mkdocstrings folds into its reference (`details.quote`). The link goes right after
the block, or after the list of annotations that follows an annotated block, so that Material still finds
that list next to its block.

Examples are counted, not blocks. One example is what an `<!-- md:example -->` shortcode places
(`hooks/examples.py`), read from the page as it lays it out: a set of content tabs is one example, the
same in each language; a block after a paragraph that reads "Output:" is the output of the block
before that paragraph; a block in the box of sandbox commands (`div.sandbox-setup`) belongs to the
example that follows the box. Any other block is an example of its own. `number_examples` applies these
rules.

This module is a Python-Markdown extension (`hooks.example_reports` under `markdown_extensions:` in
mkdocs.yml), not an MkDocs hook, so that Zensical, which runs no hooks, writes the same links. Its
postprocessor runs last, on the page's finished HTML. A Markdown extension is handed no page, so the
page's address, its title in the navigation and the repository come from what each build registers on
its Markdown object (`converted_page`); the docstrings that mkdocstrings converts on the way, with the
page's extensions, get no links of their own: the page's links cover them.
"""

from __future__ import annotations

import html
import logging
import re
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urljoin

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor

try:  # the extension mkdocstrings adds to the Markdown of each docstring, and to no other
    from mkdocstrings import MkdocstringsInnerExtension
except ImportError:  # pragma: no cover - without mkdocstrings, no docstring is converted
    MkdocstringsInnerExtension = None

# Under "mkdocs.", so that MkDocs counts each error and --strict fails the build.
log = logging.getLogger("mkdocs.extensions.example_reports")

#: Where new issues are opened, under `repo_url`.
ISSUES_PATH = "/issues/new"
LINK_TEXT = "Report a problem with this example"
#: The paragraph that `hooks/examples.py` writes between an example's code and its output.
OUTPUT_LABEL = "Output:"
#: The class of the box of commands that prepares the sandbox for the example after it (`hooks/examples.py`).
SETUP_CLASS = "sandbox-setup"
#: What the link calls each block of an example.
CODE, OUTPUT, SETUP = "code", "output", "sandbox commands"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Block:
    end: int  # offset just after the block's closing tag
    section: tuple[str, str] | None  # (heading text, its id)
    tab: str | None
    filename: str | None
    tab_set: int | None = None  # which set of content tabs on the page holds the block (the outermost)
    setup: bool = False  # in a box of sandbox commands
    after_output_label: bool = False  # right after a paragraph that reads OUTPUT_LABEL
    after_list: int | None = None  # offset after an annotation list that follows the block
    number: int = 0  # the example's number on the page (`number_examples`)
    part: str | None = None  # CODE, OUTPUT or SETUP, where the example has more than one block


def number_examples(blocks: list[Block]) -> None:
    """Give each block, in page order, its example's number and its part of the example."""
    number = 0
    waiting = False  # sandbox commands have taken the next number for the example after them
    previous: Block | None = None
    for block in blocks:
        if block.setup:
            if not waiting:
                number, waiting = number + 1, True
            block.number, block.part = number, SETUP
            continue
        if previous is not None and block.after_output_label and previous.tab_set == block.tab_set:
            block.number, block.part = previous.number, OUTPUT
            previous.part = previous.part or CODE
        elif previous is not None and block.tab_set is not None and previous.tab_set == block.tab_set:
            block.number = previous.number
        else:
            if not waiting:
                number += 1
            waiting = False
            block.number = number
        previous = block


@dataclass
class _Open:
    tag: str
    classes: set[str]
    attrs: dict[str, str]
    data: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    """Finds the blocks, and for each the heading above it, its tab and its file name."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text = text
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", text)]
        self.stack: list[_Open] = []
        self.blocks: list[Block] = []
        self.title: str | None = None
        self.section: tuple[str, str] | None = None
        self.heading: list[str] | None = None
        self.heading_skip = 0  # depth inside the heading's permalink, whose text is left out
        self.tab_labels: list[list[str]] = []  # labels of each open tabbed set, innermost last
        self.label: list[str] | None = None
        self.tab_index: list[int] = []  # index of the open tabbed block in each open set
        self.block_depth: int | None = None  # stack depth of the open block
        self.filename: list[str] | None = None
        self.filename_text: str | None = None
        self.waiting: Block | None = None  # a block whose next sibling may be its annotation list
        self.list_depth: int | None = None
        self.tab_sets = 0  # sets of content tabs opened so far
        self.outer_tab_set: tuple[int, int] | None = None  # (its number, its stack depth)
        self.paragraph: list[str] | None = None  # text of the open paragraph
        self.last_paragraph: tuple[int, str] | None = None  # (offset after it, its text)
        self.block_after_output_label = False

    def _position(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _inside(self, tag: str, klass: str) -> bool:
        return any(item.tag == tag and klass in item.classes for item in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        classes = set(values.get("class", "").split())
        if self.waiting is not None and self.list_depth is None:
            between = self.text[self.waiting.end : self._position()]
            if tag == "ol" and not between.strip():
                self.list_depth = len(self.stack)
            else:
                self.waiting = None
        if tag in VOID:
            return
        if tag == "h1" and self.title is None:
            self.heading = []
        elif tag in {"h2", "h3", "h4"} and "id" in values:
            self.heading = []
            values["data-heading"] = "1"
        elif self.heading is not None and tag == "a" and "headerlink" in classes:
            self.heading_skip = len(self.stack) + 1
        if "tabbed-set" in classes:
            self.tab_labels.append([])
            self.tab_index.append(-1)
            self.tab_sets += 1
            if self.outer_tab_set is None:
                self.outer_tab_set = (self.tab_sets, len(self.stack) + 1)
        elif "tabbed-labels" in classes and self.tab_labels:
            values["data-labels"] = "1"
        elif tag == "label" and self.stack and "data-labels" in self.stack[-1].attrs:
            self.label = []
        elif "tabbed-block" in classes and self.tab_index:
            self.tab_index[-1] += 1
        if (
            tag == "div"
            and classes & {"highlight", "highlighttable"}
            and self.block_depth is None
            and not self._inside("details", "quote")
        ):
            self.block_depth = len(self.stack) + 1
            self.filename_text = None
            last = self.last_paragraph
            self.block_after_output_label = (
                last is not None and last[1] == OUTPUT_LABEL and not self.text[last[0] : self._position()].strip()
            )
        elif tag == "p" and self.block_depth is None:
            self.paragraph = []
        elif self.block_depth is not None and tag == "span" and "filename" in classes:
            self.filename = []
        self.stack.append(_Open(tag, classes, values))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or all(item.tag != tag for item in self.stack):
            return  # a stray end tag
        while self.stack[-1].tag != tag:
            if self.stack.pop().tag == "p":  # an element whose end tag HTML allows to leave out
                self.paragraph = None
        depth = len(self.stack)
        item = self.stack.pop()
        end = self.text.index(">", self._position()) + 1
        if self.heading_skip == depth:
            self.heading_skip = 0
        if self.heading is not None and (item.tag == "h1" or "data-heading" in item.attrs):
            text = " ".join("".join(self.heading).split())
            if item.tag == "h1":
                self.title = text
            else:
                self.section = (text, item.attrs["id"])
            self.heading = None
        elif self.label is not None and item.tag == "label":
            self.tab_labels[-1].append(" ".join("".join(self.label).split()))
            self.label = None
        elif self.filename is not None and item.tag == "span":
            self.filename_text = "".join(self.filename).strip()
            self.filename = None
        elif "tabbed-set" in item.classes and self.tab_labels:
            self.tab_labels.pop()
            self.tab_index.pop()
            if self.outer_tab_set is not None and self.outer_tab_set[1] == depth:
                self.outer_tab_set = None
        elif self.paragraph is not None and item.tag == "p":
            self.last_paragraph = (end, " ".join("".join(self.paragraph).split()))
            self.paragraph = None
        if self.block_depth == depth:
            self.block_depth = None
            self.waiting = Block(
                end=end,
                section=self.section,
                tab=self._tab(),
                filename=self.filename_text,
                tab_set=self.outer_tab_set[0] if self.outer_tab_set else None,
                setup=self._inside("div", SETUP_CLASS),
                after_output_label=self.block_after_output_label,
            )
            self.blocks.append(self.waiting)
        elif self.list_depth is not None and depth == self.list_depth + 1 and item.tag == "ol":
            assert self.waiting is not None
            self.waiting.after_list = end
            self.waiting = None
            self.list_depth = None

    def handle_data(self, data: str) -> None:
        if self.heading is not None and not self.heading_skip:
            self.heading.append(data)
        if self.label is not None:
            self.label.append(data)
        if self.filename is not None:
            self.filename.append(data)
        if self.paragraph is not None:
            self.paragraph.append(data)
        if self.waiting is not None and self.list_depth is None and data.strip():
            self.waiting = None

    def _tab(self) -> str | None:
        if not self.tab_labels or self.tab_index[-1] < 0:
            return None
        labels, index = self.tab_labels[-1], self.tab_index[-1]
        return labels[index] if index < len(labels) else None


def describe(block: Block, page_title: str, page_address: str) -> tuple[str, str, str]:
    """The issue's title and body, and the link's accessible name, for one block."""
    where = f"example {block.number}"
    if block.tab:
        where += f", {block.tab} tab"
    if block.part:
        where += f", {block.part}"
    if block.section:
        where += f", under \u201c{block.section[0]}\u201d"
    lines = [f"Page: {page_address}", f"Example: {block.number} on the page, counting from the top"]
    if block.section:
        lines.append(f"Section: {block.section[0]} ({page_address}#{block.section[1]})")
    if block.tab:
        lines.append(f"Tab: {block.tab}")
    if block.part:
        lines.append(f"Block: {block.part}")
    if block.filename:
        lines.append(f"File: {block.filename}")
    lines += ["", "What is wrong (what you ran, what you expected, what happened):", ""]
    title = f"Example problem: {page_title} ({where})"
    label = f"Report a problem with this example: {where} on \u201c{page_title}\u201d"
    return title, "\n".join(lines), label


#: A `<pre>` element: its content holds most of a page's tags, and nothing this module reads.
PRE = re.compile(r"(<pre\b[^>]*>)(.*?)(?=</pre>)", re.DOTALL)


def _without_pre_content(content: str) -> tuple[str, list[tuple[int, int]]]:
    """The content with every `<pre>` emptied, and where each cut was: (offset in the result, length)."""
    cuts: list[tuple[int, int]] = []
    removed = 0

    def cut(match: re.Match[str]) -> str:
        nonlocal removed
        cuts.append((match.end(1) - removed, len(match.group(2))))
        removed += len(match.group(2))
        return match.group(1)

    return PRE.sub(cut, content), cuts


def with_report_links(content: str, page_title: str, page_address: str, issues: str) -> str:
    """The page's content HTML with a report link after each code block."""
    # Parsing the code would be most of the work: the parser reads the page without it.
    reduced, cuts = _without_pre_content(content)
    reader = _Reader(reduced)
    reader.feed(reduced)
    reader.close()
    number_examples(reader.blocks)

    def original(offset: int) -> int:
        return offset + sum(length for at, length in cuts if at < offset)

    title = reader.title or page_title
    pieces, start = [], 0
    for block in reader.blocks:
        at = original(block.after_list or block.end)
        issue_title, body, label = describe(block, title, page_address)
        address = f"{issues}?title={quote(issue_title, safe='')}&body={quote(body, safe='')}"
        pieces += [
            content[start:at],
            f'\n<p class="example-report" data-search-exclude><a href="{html.escape(address)}" target="_blank" rel="noopener" '
            f'aria-label="{html.escape(label)}">{LINK_TEXT}</a></p>',
        ]
        start = at
    pieces.append(content[start:])
    return "".join(pieces)


@dataclass
class Page:
    """What the links say of the page being converted."""

    address: str  # its published address, as in its canonical link
    title: str  # its title in the navigation, for a page without a heading of its own
    repo_url: str  # the repository, whose issues the links open


def converted_page(md: Markdown) -> Page | None:
    """The page that `md` is converting, from whichever build is converting it; None outside a build.

    MkDocs registers a tree processor named "relpath" that holds the page's file (and the file its page)
    and the configuration; Zensical registers a preprocessor that holds its page and the configuration.
    Neither is a public interface: the tests check every page's links in both builds.
    """
    relpath = md.treeprocessors["relpath"] if "relpath" in md.treeprocessors else None
    page = getattr(getattr(relpath, "file", None), "page", None)
    config = getattr(relpath, "config", None)
    if page is not None and config is not None and getattr(page, "canonical_url", None):
        return Page(page.canonical_url, page.title or "", config.get("repo_url") or "")
    for processor in md.preprocessors:
        page, config = getattr(processor, "page", None), getattr(processor, "config", None)
        if isinstance(getattr(page, "url", None), str) and isinstance(config, dict) and config.get("site_url"):
            address = urljoin(config["site_url"].rstrip("/") + "/", page.url.lstrip("/"))
            return Page(address, page.title or "", config.get("repo_url") or "")
    return None


def _docstring(md: Markdown) -> bool:
    """Whether `md` is converting a docstring for mkdocstrings: the page's own links cover its blocks."""
    return MkdocstringsInnerExtension is not None and any(
        isinstance(extension, MkdocstringsInnerExtension) for extension in md.registeredExtensions
    )


class ReportLinksFailed(RuntimeError):
    """The links cannot be written; raised so that Zensical stops the build (MkDocs counts the log)."""


class ReportLinksPostprocessor(Postprocessor):
    # Python-Markdown also runs every postprocessor over each heading's text, for the table of contents:
    # the quick test below passes those by, and the error is logged once per page.
    reported = False

    def run(self, text: str) -> str:
        if "highlight" not in text or _docstring(self.md):
            return text
        page = converted_page(self.md)
        if page is None:
            message = (
                "hooks.example_reports: cannot tell which page is being converted, or where it is published "
                "(site_url), so no report link can name it"
            )
        elif not page.repo_url:
            message = f"{page.address}: hooks.example_reports: no repo_url in mkdocs.yml, so no repository to report to"
        else:
            return with_report_links(text, page.title, page.address, page.repo_url.rstrip("/") + ISSUES_PATH)
        if not self.reported:
            self.reported = True
            log.error(message)
        if "zensical" in sys.modules:
            # Zensical does not count a logged error, even with --strict: an exception stops its build.
            raise ReportLinksFailed(message)
        return text


class ReportLinksExtension(Extension):
    """The report links as a Python-Markdown extension."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        # Below every built-in postprocessor (the lowest, unescaping, is 10), so the stashed HTML of the
        # code blocks and of mkdocstrings' reference is back in the page, and below `hooks.console_copy`
        # (5): the page is finished.
        md.postprocessors.register(ReportLinksPostprocessor(md), "example_reports", 1)


def makeExtension(**kwargs: Any) -> ReportLinksExtension:  # noqa: N802 - Python-Markdown's name
    """The entry point Python-Markdown calls when mkdocs.yml lists `hooks.example_reports`."""
    return ReportLinksExtension(**kwargs)
