"""`llms.txt`, `llms-full.txt` and a Markdown copy of every page, for tools and assistants.

Written from the Markdown each page is written in, never from its HTML:

- the shortcodes (`<!-- md:example -->`, the reference tables' `<!-- md:openapi -->` and the contract's
  numbers) are expanded by the build's own `hooks.shortcodes.expand`, with the extension's options
  from mkdocs.yml (run here on the Markdown as written: the extension expands them only in the HTML);
- each `--8<-- "file"` or `--8<-- "file:section"` inside a code block is replaced by what the page shows
  of that file: without pymdownx.snippets' section markers and Material's annotation markers (`# (1)!`),
  a section dedented;
- content tabs and admonitions (`=== "Python"`, `!!! warning "..."`) become a bold line with their
  content beneath it, no longer indented, so that every code block starts at the margin;
- the box above an example that gives the commands preparing its condition (written as HTML, for its
  `data-example`) loses its HTML and keeps its title as a bold line, as an admonition does, and a
  reference table loses the HTML block around it;
- a fence keeps only its language (no `hl_lines`), and a mkdocstrings reference (`::: module`) becomes
  the module's whole source file;
- a link to another page (`caching.md#etag`) becomes the address of that page's Markdown copy.

`llms.txt` lists the pages of `nav` in its order, under the nav's sections, each with its page
description (the `description` of its front matter, or else its first sentence, its inline shortcodes
expanded). Each page's copy is published beside its HTML (`caching/index.md`), and `llms-full.txt` holds
them all, in nav order.
"""

from __future__ import annotations

import html
import logging
import posixpath
import re
import textwrap
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from hooks import shortcodes

log = logging.getLogger("mkdocs.hooks.llms_txt")

#: What every copy says first, after the page's own title.
ABOUT_THE_EXAMPLES = (
    "Every code example in these pages is a file that the site's tests run, in Python, JavaScript and curl, against "
    "a mock of the API; the output under an example is what it printed."
)

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
INCLUDE = re.compile(r'^(?P<indent>[ \t]*)-+8<-+[ \t]+"(?P<spec>[^"]+)"[ \t]*$')
SECTION_MARKER = re.compile(r"-+8<-+\s*\[(?:start|end):[^\]]+\]")
ANNOTATION_MARKER = re.compile(r"[ \t]*#[ \t]*\(\d+\)![ \t]*$")
#: A content tab or an admonition, collapsible or not: its body is the indented lines after it.
CONTAINER = re.compile(r'^(?P<indent>[ \t]*)(?P<mark>===|!!!|\?\?\?\+?)[ \t]*(?P<kind>[\w-]*)[ \t]*(?:"(?P<title>[^"]*)")?[ \t]*$')
REFERENCE = re.compile(r"^:::[ \t]+(?P<module>[\w.]+)[ \t]*$")
PAGE_LINK = re.compile(r"\]\((?P<path>[^)\s#:]+\.md)(?P<anchor>#[^)\s]*)?\)")
#: A link to a file the site publishes beside the pages (`openapi.json`, `cliniko_client.py`, the changelog's
#: `changelog.xml`), relative to the page. The copy of a page is one folder deeper than the page's source
#: (`client.md` is copied to `client/index.md`), so the link is made absolute.
FILE_LINK = re.compile(r"\]\((?P<path>[^)\s#:?]+\.(?:py|json|yaml|xml))\)")
#: The lines of the examples hook's box of commands (`examples._sandbox_setup`) that are HTML.
SETUP_OPENING = re.compile(r'^[ \t]*<div class="admonition example sandbox-setup" data-example="[^"]*"[^>]* markdown>[ \t]*$')
SETUP_TITLE = re.compile(r'^(?P<indent>[ \t]*)<p class="admonition-title">(?P<title>[^<]*)</p>[ \t]*$')
SETUP_CLOSING = re.compile(r"^[ \t]*</div>[ \t]*$")
#: The opening line of the block around a reference table (`openapi_reference._table`); it closes as the box does.
TABLE_OPENING = re.compile(r'^[ \t]*<div class="reference-table"[^>]*>[ \t]*$')
SENTENCE_END = re.compile(r"(?<=[.!?])\s")
INLINE_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


def shown_text(spec: str, snippets: Path) -> str:
    """What a page shows for an include spec, `path` or `path:section`, as pymdownx.snippets and Material do."""
    path, _, section = spec.partition(":")
    lines = (snippets / path).read_text(encoding="utf-8").splitlines()
    if section:
        start = next(i for i, line in enumerate(lines) if f"[start:{section}]" in line)
        end = next(i for i, line in enumerate(lines) if i > start and f"[end:{section}]" in line)
        lines = textwrap.dedent("\n".join(lines[start + 1 : end])).splitlines()
    return "\n".join(ANNOTATION_MARKER.sub("", line) for line in lines if not SECTION_MARKER.search(line))


def _flatten_containers(lines: list[str]) -> list[str]:
    """Tabs and admonitions as a bold title line over their content, moved to the margin."""
    code = [line.code for line in shortcodes.lines("\n".join(lines))]
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        container = None if code[index] else CONTAINER.match(line)
        if not container:
            out.append(line)
            index += 1
            continue
        indent = container.group("indent")
        # A tab is named by its title; an admonition by its kind too ("Warning: Changes data").
        kind = "" if container.group("mark") == "===" else container.group("kind").capitalize()
        title = ": ".join(part for part in (kind, container.group("title")) if part)
        out.append(f"{indent}**{title}**" if title else "")
        body: list[str] = []
        index += 1
        inner = indent + "    "
        while index < len(lines) and (not lines[index].strip() or lines[index].startswith(inner)):
            body.append(lines[index][len(inner) :] if lines[index].strip() else "")
            index += 1
        while body and not body[-1]:
            body.pop()
        out += [f"{indent}{line}" if line else "" for line in _flatten_containers(body)]
        if index < len(lines):
            out.append("")
    return out


def _html_blocks_as_markdown(lines: list[str]) -> list[str]:
    """The HTML blocks the shortcodes write, without their HTML: an example's box of commands keeps its
    title as a bold line, as an admonition's becomes (`Example: ...`), and its content as it is; a
    reference table keeps its table."""
    out: list[str] = []
    inside = False
    for line in lines:
        if not inside and (SETUP_OPENING.match(line) or TABLE_OPENING.match(line)):
            inside = True
            continue
        if inside and not line.strip() and out and not out[-1].strip():
            continue  # the blank line after the opening tag, where a blank line stands before it already
        title = SETUP_TITLE.match(line) if inside else None
        if title:
            out.append(f"{title.group('indent')}**Example: {html.unescape(title.group('title'))}**")
        elif inside and SETUP_CLOSING.match(line):
            inside = False
            if out and not out[-1].strip():
                out.pop()  # the blank line that md_in_html needs before the closing tag
        else:
            out.append(line)
    return out


def to_markdown(markdown: str, context: shortcodes.Context, base: str) -> tuple[str, list[str]]:
    """A page's Markdown copy, and the problems found.

    `context` names the page (its path under docs/) and the files its shortcodes read; `base` is the
    site's address, which links to other pages start with.
    """
    source, snippets = context.page or "index.md", context.snippets
    text, problems = shortcodes.expand(markdown, context)
    out: list[str] = []
    skipping_options = False
    flat = _flatten_containers(_html_blocks_as_markdown(text.split("\n")))
    for scanned in shortcodes.lines("\n".join(flat)):
        line = scanned.text
        if skipping_options:
            if line.startswith((" ", "\t")) or not line.strip():
                continue
            skipping_options = False
        opening = FENCE.match(line) if scanned.fence == "open" else None
        if opening:
            language = opening.group("info").strip().lstrip("{").split()
            name = language[0].lstrip(".") if language else ""
            out.append(f"{opening.group('indent')}{opening.group('fence')}{name}")
            continue
        include = INCLUDE.match(line) if scanned.code and not scanned.fence else None
        if include:
            try:
                shown = shown_text(include.group("spec"), snippets)
            except (OSError, StopIteration):
                problems.append(f"cannot include {include.group('spec')!r}")
                continue
            out += [f"{include.group('indent')}{code}" if code else "" for code in shown.splitlines()]
            continue
        reference = None if scanned.code else REFERENCE.match(line)
        if reference:
            module_file = snippets / (reference.group("module").replace(".", "/") + ".py")
            if not module_file.is_file():
                problems.append(f"no source file for the reference of {reference.group('module')!r}")
                continue
            out += ["```python", *shown_text(module_file.relative_to(snippets).as_posix(), snippets).splitlines(), "```"]
            skipping_options = True
            continue
        if not scanned.code:
            line = PAGE_LINK.sub(lambda link: _page_link(link, source, base), line)
            line = FILE_LINK.sub(lambda link: _file_link(link, source, base), line)
            heading = shortcodes.HEADING.match(line)
            if heading and heading["attributes"] is not None:  # a heading's attribute list is for the site
                line = f"{heading['marks']} {heading['title']}"
        out.append(line)
    return "\n".join(out).rstrip("\n") + "\n", problems


def _linked(link: re.Match[str], source: str) -> str:
    """The docs-relative path a relative link of the page `source` leads to."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), link.group("path")))


def _page_link(link: re.Match[str], source: str, base: str) -> str:
    """A link to another page's Markdown source, as the address of that page's Markdown copy."""
    return f"]({urljoin(base, copy_address(_linked(link, source)))}{link.group('anchor') or ''})"


def _file_link(link: re.Match[str], source: str, base: str) -> str:
    """A link to a file the site publishes, as its address on the site."""
    return f"]({urljoin(base, _linked(link, source))})"


def description(page: Any, markdown: str) -> str:
    """A page's one line for llms.txt: its `description` front matter, or its first sentence (in which
    an inline shortcode, such as a contract's number, is expanded)."""
    if page.meta.get("description"):
        return " ".join(str(page.meta["description"]).split())
    paragraph: list[str] = []
    for line in shortcodes.expand(markdown, inline_only=True)[0].splitlines():
        stripped = line.strip()
        if not stripped:
            if paragraph:
                break
            continue
        if shortcodes.HEADING.match(stripped) or stripped.startswith(("<!--", "!!!", "???", "===", "|", "-", "*[")):
            if paragraph:
                break
            continue
        paragraph.append(stripped)
    text = INLINE_LINK.sub(r"\1", " ".join(paragraph))
    sentence = SENTENCE_END.split(text, maxsplit=1)[0]
    # A first sentence that introduces a list ends with a colon; the line ends it as a sentence.
    return sentence.removesuffix(":") + "." if sentence.endswith(":") else sentence


_copies: dict[str, tuple[str, str]] = {}


def on_pre_build(config: Any, **kwargs: Any) -> None:
    """Start each build (`mkdocs serve` rebuilds in one process) with no copy kept from the last."""
    _copies.clear()


def on_page_markdown(markdown: str, page: Any, config: Any, **kwargs: Any) -> str:
    """Keep the page's Markdown copy, made from the Markdown as written, for the post-build step."""
    context = shortcodes.mkdocs_context(config, page.file.src_uri)
    address = copy_address(page.file.src_uri)
    copy, problems = to_markdown(markdown, context, config["site_url"] or "/")
    for problem in problems:
        log.error(f"docs/{page.file.src_uri}, llms.txt copy: {problem}")
    _copies[page.file.src_uri] = (address, copy)
    return markdown


def copy_address(source: str) -> str:
    """Where a page's Markdown copy goes: beside its index.html (`a/b.md` -> `a/b/index.md`)."""
    stem = source.removesuffix(".md")
    return f"{stem}.md" if stem == "index" or stem.endswith("/index") else f"{stem}/index.md"


def on_post_build(config: Any, **kwargs: Any) -> None:
    """Write every page's copy, llms.txt listing them under the nav's sections, and llms-full.txt."""
    site = Path(config["site_dir"])
    base = config["site_url"] or "/"
    for address, copy in _copies.values():
        target = site / address
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(copy, encoding="utf-8")

    listing = [f"# {config['site_name']}", ""]
    if config.get("site_description"):
        listing += [f"> {config['site_description']}", ""]
    listing += [ABOUT_THE_EXAMPLES, ""]
    full = list(listing)
    for section, pages in _nav_sections():
        listing += [f"## {section}", ""]
        for page in pages:
            if page.file.src_uri not in _copies:
                log.error(f"docs/{page.file.src_uri}: in the nav, but no Markdown copy was made")
                continue
            address, copy = _copies[page.file.src_uri]
            listing.append(f"- [{page.title}]({urljoin(base, address)}): {description(page, page.markdown or '')}")
            full += [copy]
        listing.append("")
    (site / "llms.txt").write_text("\n".join(listing), encoding="utf-8")
    (site / "llms-full.txt").write_text("\n".join(full), encoding="utf-8")


_nav: list[Any] = []


def on_nav(nav: Any, **kwargs: Any) -> Any:
    """Keep the nav for the post-build step, which MkDocs does not hand it."""
    _nav[:] = nav.items
    return nav


def _nav_sections() -> list[tuple[str, list[Any]]]:
    """The nav as (section title, its pages): a section of the nav, or a page at the top level on its own."""
    sections: list[tuple[str, list[Any]]] = []
    for item in _nav:
        if item.is_page:
            sections.append((item.title, [item]))
        elif item.is_section:
            sections.append((item.title, _pages(item.children)))
    return sections


def _pages(items: list[Any]) -> list[Any]:
    pages: list[Any] = []
    for item in items:
        if item.is_page:
            pages.append(item)
        elif item.is_section:
            pages += _pages(item.children)
    return pages
