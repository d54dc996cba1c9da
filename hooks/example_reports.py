"""Under every code block of a page, a link that opens a new GitHub issue about that example.

The link names the page, the example's number on it, its section, its content tab (Python or curl) and
its file, in the issue's title and body. Building it here puts it in the page itself: it shows without
script and before any script runs, and the browser lays it out with the rest of the page, instead of
moving the text below each block when a script inserts it during load.

The first lines of the code go into the issue too, but only when the reader is about to follow the link:
`docs/assets/javascripts/report-example.js` adds them on hover, focus or touch. Written into every link
here, they would make a page with many examples several kilobytes heavier. The same script adds the whole
link under each block when a build ran no hooks (Zensical).

A block is a `div.highlight` (or a `div.highlighttable`, which holds one) in the page's content, less the
source listings that mkdocstrings folds into its reference (`details.quote`). The link goes right after
the block, or after the list of annotations that follows an annotated block, so that Material still finds
that list next to its block.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

#: Where new issues are opened, under `repo_url`.
ISSUES_PATH = "/issues/new"
LINK_TEXT = "Report a problem with this example"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Block:
    number: int
    end: int  # offset just after the block's closing tag
    section: tuple[str, str] | None  # (heading text, its id)
    tab: str | None
    filename: str | None
    after_list: int | None = None  # offset after an annotation list that follows the block


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
        elif self.block_depth is not None and tag == "span" and "filename" in classes:
            self.filename = []
        self.stack.append(_Open(tag, classes, values))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or all(item.tag != tag for item in self.stack):
            return  # a stray end tag
        while self.stack[-1].tag != tag:
            self.stack.pop()  # an element whose end tag HTML allows to leave out
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
        if self.block_depth == depth:
            self.block_depth = None
            self.waiting = Block(
                number=len(self.blocks) + 1,
                end=end,
                section=self.section,
                tab=self._tab(),
                filename=self.filename_text,
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
    if block.section:
        where += f", under \u201c{block.section[0]}\u201d"
    lines = [f"Page: {page_address}", f"Example: {block.number} on the page, counting from the top"]
    if block.section:
        lines.append(f"Section: {block.section[0]} ({page_address}#{block.section[1]})")
    if block.tab:
        lines.append(f"Tab: {block.tab}")
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


def on_page_content(html_content: str, page: Any, config: Any, **kwargs: Any) -> str:
    issues = config["repo_url"].rstrip("/") + ISSUES_PATH
    return with_report_links(html_content, page.title or "", page.canonical_url, issues)
