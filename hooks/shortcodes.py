"""Every `<!-- md:NAME arguments -->` shortcode of the pages: where each is, and what it becomes.

A shortcode is an HTML comment, so the raw Markdown on GitHub still shows where it stands and what it
names. There are two sorts:

* A block shortcode stands on a line of its own, indented as much as the text around it, and its line
  is replaced by lines of Markdown, indented as it is:

      <!-- md:example pagination/list_one_page -->      a tested example (hooks/examples.py)
      <!-- md:openapi getPatient headPatient -->       an operation's tables (hooks/openapi_reference.py)
      <!-- md:openapi-schema Patient -->               a schema's fields (the same)
      <!-- md:openapi-index Patients -->               a tag's operations (the same)

* An inline shortcode may stand anywhere in a line, in a sentence or a table cell, and is replaced by a
  piece of text: `<!-- md:contract per_page_max -->` by `cliniko_sandbox.contract.shown("per_page_max")`,
  the text the page shows for a number of the API's contract.

`KINDS` is the one table of the names and what expands each; a name it does not hold is an error, as
is a block shortcode written within a line. Nothing inside fenced code is a shortcode (backticks or
tildes, three or more, a longer fence closing only on a fence at least as long, indented or not, as in
lists and admonitions), nor anything inside a code span (`` `<!-- md:example x -->` ``), so that a page
can show the shortcodes themselves.

* `lines(markdown)` - each line of a page, with whether it is fenced code: the one scanner of fences,
  which the tests that read pages and the changelog's feed use too.
* `headings(markdown)` - each heading of a page outside fenced code, with its level, title and attribute
  list: the one heading scanner, which the tests that read pages use too.
* `find(markdown)` - every shortcode of a page, with its line; a malformed one as a `ShortcodeError`.
* `expand(markdown, context)` - the page with every shortcode replaced, and the problems, each
  `line N: what is wrong`. A shortcode that cannot be expanded is left as it is written.

The build runs `expand` as a Python-Markdown extension (`hooks.shortcodes` under `markdown_extensions:`
in mkdocs.yml) rather than as an MkDocs hook: Zensical reads the same mkdocs.yml and runs its Markdown
extensions, but no MkDocs hook, so both builds expand the shortcodes with this code. Each problem is
logged as an error that names the page and the line, which fails MkDocs' strict build; under Zensical,
which counts no logged error, the extension also raises. `hooks/llms_txt.py` runs `expand` too, for
the pages' Markdown copies. Options of the extension: `base_path`, the folder the examples are read from,
and `description`, the OpenAPI description the tables are made from, each relative to the folder the
build runs in (by default `snippets/` and `docs/openapi.yaml` beside `hooks/`).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

from cliniko_docs import description as loader
from cliniko_sandbox import contract
from hooks import examples, openapi_reference

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets"
DESCRIPTION = ROOT / "docs" / "openapi.yaml"
#: The name mkdocs.yml lists the extension by, and under which MkDocs keeps its options.
EXTENSION = "hooks.shortcodes"

# Under "mkdocs.", so that MkDocs counts each error and --strict fails the build.
log = logging.getLogger("mkdocs.extensions.shortcodes")

FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})")
#: Where a shortcode starts; one that has no `-->` after it on its line is malformed.
START = re.compile(r"<!--\s*md:")
SHORTCODE = re.compile(r"<!--\s*md:(?P<name>(?:(?!-->)\S)*)(?P<arguments>.*?)-->")
#: A code span: a run of backticks, and the next run of exactly as many.
CODE_SPAN = re.compile(r"(?<!`)(?P<ticks>`+)(?!`).*?(?<!`)(?P=ticks)(?!`)")
CONTRACT_NAME = re.compile(r"[a-z][a-z0-9_]*")


class ShortcodeError(ValueError):
    """A shortcode that cannot be read or expanded; the message says what is wrong with it."""


class ShortcodesFailed(RuntimeError):
    """A page has shortcodes that cannot be expanded; raised so that Zensical stops the build."""


# Finding the shortcodes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One line of a page, and whether it belongs to fenced code."""

    number: int  # 1-based
    text: str
    #: A fence, or a line between two: neither a shortcode nor a heading can be there.
    code: bool
    #: "open" or "close" on the line that opens or closes a fenced block, else "".
    fence: str = ""


def lines(markdown: str) -> Iterator[Line]:
    """Every line of `markdown` ("\\n"-separated, so that joining them gives it back), marked as code or not."""
    fence = ""
    for number, text in enumerate(markdown.split("\n"), start=1):
        marker = FENCE.match(text)
        if fence:
            closes = (
                marker is not None
                and marker.group("fence")[0] == fence[0]
                and len(marker.group("fence")) >= len(fence)
                and text.strip() == marker.group("fence")
            )
            if closes:
                fence = ""
            yield Line(number, text, True, "close" if closes else "")
        elif marker:
            fence = marker.group("fence")
            yield Line(number, text, True, "open")
        else:
            yield Line(number, text, False)


#: An ATX heading: its `#` marks, its title, an optional closing run of `#`, and an optional attribute list
#: (`{ #id .class key=value }`), as Python-Markdown's toc and attr_list read it.
HEADING = re.compile(
    r"^(?P<marks>#{1,6})[ \t]+(?P<title>.*?)[ \t]*(?:(?<=[ \t])#+)?[ \t]*(?:\{(?P<attributes>[^}\n]*)\})?[ \t]*$"
)


@dataclass(frozen=True)
class Heading:
    """A heading of a page, outside fenced code."""

    number: int  # 1-based line
    level: int
    #: The title as written, without the `#` marks and the attribute list.
    title: str
    #: The inside of the attribute list, or "" without one.
    attributes: str
    #: The heading's Markdown after its marks, attribute list included (what toc and attr_list read).
    markdown: str


def headings(markdown: str) -> Iterator[Heading]:
    """Every ATX heading of a page that is not in fenced code, in order: the one heading scanner of the
    hooks and the tests."""
    for line in lines(markdown):
        if line.code:
            continue
        match = HEADING.match(line.text)
        if match:
            yield Heading(
                number=line.number,
                level=len(match["marks"]),
                title=match["title"],
                attributes=(match["attributes"] or "").strip(),
                markdown=line.text[len(match["marks"]) :].strip(),
            )


@dataclass(frozen=True)
class Shortcode:
    """One `<!-- md:NAME arguments -->` of a page."""

    name: str
    #: What follows the name, without the spaces around it.
    arguments: str
    line: int
    #: The whitespace before it, when it stands on a line of its own.
    indent: str
    #: Whether it is all its line holds (besides the indent and trailing spaces): a block shortcode's place.
    alone: bool
    #: Where it is in its line, as `text[start:end]`.
    start: int
    end: int


def shortcodes_in(line: Line) -> list[Shortcode | ShortcodeError]:
    """The shortcodes of one line, in order; none in fenced code or in a code span.

    One that has no `-->` after it on its line is a ShortcodeError, and ends the line's reading.
    """
    text = line.text
    if line.code or "md:" not in text:
        return []
    spans = [match.span() for match in CODE_SPAN.finditer(text)]
    found: list[Shortcode | ShortcodeError] = []
    position = 0
    for start in START.finditer(text):
        at = start.start()
        if at < position or any(left <= at < right for left, right in spans):
            continue
        match = SHORTCODE.match(text, at)
        if not match:
            found.append(ShortcodeError(
                f"line {line.number}: malformed shortcode {text[at:].strip()!r}; a shortcode ends with --> "
                "on the line where it starts"
            ))
            break
        alone = not text[:at].strip() and not text[match.end():].strip()
        found.append(Shortcode(
            name=match.group("name"),
            arguments=match.group("arguments").strip(),
            line=line.number,
            indent=text[: len(text) - len(text.lstrip(" \t"))] if alone else "",
            alone=alone,
            start=at,
            end=match.end(),
        ))
        position = match.end()
    return found


def find(markdown: str) -> Iterator[Shortcode | ShortcodeError]:
    """Every shortcode of a page outside code, in order; a malformed one as a ShortcodeError."""
    for line in lines(markdown):
        yield from shortcodes_in(line)


# What each shortcode becomes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What the shortcodes of one page may need."""

    #: The page's path under docs/ (`resources/patients.md`), which links are made relative to; None
    #: outside a build, where links are written as for a page at the top of docs/.
    page: str | None = None
    #: The folder the examples are read from.
    snippets: Path = SNIPPETS
    #: The OpenAPI description the tables are made from: its file, or its data (for a test).
    openapi: Path | dict[str, Any] = DESCRIPTION

    def description(self) -> dict[str, Any]:
        """The description, read when a shortcode first needs it (by the loader, once for each content)."""
        return loader.load(self.openapi) if isinstance(self.openapi, Path) else self.openapi


@dataclass(frozen=True)
class Kind:
    """What one shortcode name stands for."""

    #: The arguments and the page's context in; for a block shortcode its lines of Markdown, not yet
    #: indented, and for an inline one its text. A ValueError's message says what is wrong.
    expand: Callable[[str, Context], Any]
    #: Written within a line, rather than on a line of its own.
    inline: bool = False


def _example(arguments: str, context: Context) -> list[str]:
    return examples.shortcode(arguments, context.snippets, context.page)


def _openapi(arguments: str, context: Context) -> list[str]:
    return openapi_reference.operations_shortcode(arguments, context.description(), context.page or "")


def _openapi_schema(arguments: str, context: Context) -> list[str]:
    return openapi_reference.schema_shortcode(arguments, context.description(), context.page or "")


def _openapi_index(arguments: str, context: Context) -> list[str]:
    return openapi_reference.index_shortcode(arguments, context.description(), context.page or "")


def _contract(arguments: str, context: Context) -> str:
    if not CONTRACT_NAME.fullmatch(arguments):
        raise ShortcodeError(f"malformed shortcode 'md:contract {arguments}'; write <!-- md:contract NAME --> with one name")
    try:
        return contract.shown(arguments)
    except KeyError as error:
        raise ShortcodeError(error.args[0]) from None


#: Every shortcode name, and what expands it: a new kind is a function above and a row here.
KINDS: dict[str, Kind] = {
    # A tested example, its code and output in each language: `<!-- md:example pagination/list_one_page -->`.
    "example": Kind(_example),
    # An operation's tables, then each alias's: `<!-- md:openapi getPatient headPatient -->`.
    "openapi": Kind(_openapi),
    # A schema's fields: `<!-- md:openapi-schema Patient -->`.
    "openapi-schema": Kind(_openapi_schema),
    # A tag's operations: `<!-- md:openapi-index Patients -->`.
    "openapi-index": Kind(_openapi_index),
    # A number of the API's contract, as a page shows it, within a line: `<!-- md:contract per_page_max -->`.
    "contract": Kind(_contract, inline=True),
}


def _expanded(code: Shortcode, context: Context) -> Any:
    """What a shortcode becomes; a ShortcodeError that names its line when it cannot be expanded."""
    kind = KINDS.get(code.name)
    if kind is None:
        names = ", ".join(f"md:{name}" for name in sorted(KINDS))
        raise ShortcodeError(f"line {code.line}: unknown shortcode 'md:{code.name}'; the shortcodes are {names}")
    if not kind.inline and not code.alone:
        raise ShortcodeError(f"line {code.line}: md:{code.name} stands on a line of its own, not within a line")
    try:
        return kind.expand(code.arguments, context)
    except ValueError as error:
        raise ShortcodeError(f"line {code.line}: {error}") from None


def expand(markdown: str, context: Context | None = None, *, inline_only: bool = False) -> tuple[str, list[str]]:
    """The page with each shortcode replaced by what it stands for, and the problems (`line N: what`).

    With `inline_only`, the block shortcodes are left as they are: the page's own text, as a reader
    reads it, without the examples and tables.
    """
    context = context or Context()
    out: list[str] = []
    problems: list[str] = []
    for line in lines(markdown):
        pieces: list[str] = []
        done = 0  # how much of the line is in `pieces`
        block: list[str] | None = None
        for code in shortcodes_in(line):
            if isinstance(code, ShortcodeError):
                problems.append(str(code))
                continue
            if inline_only and code.name in KINDS and not KINDS[code.name].inline:
                continue
            try:
                replacement = _expanded(code, context)
            except ShortcodeError as error:
                problems.append(str(error))
                continue
            if KINDS[code.name].inline:
                pieces += [line.text[done : code.start], replacement]
                done = code.end
            else:
                block = [f"{code.indent}{part}" if part else "" for part in replacement]
        if block is not None:
            out += block
        else:
            out.append("".join(pieces) + line.text[done:])
    return "\n".join(out), problems


# The Python-Markdown extension -----------------------------------------------------------------------


def page_name(md: Markdown) -> str:
    """The page being converted, as `docs/<path>`, from whichever build is converting it.

    MkDocs registers a tree processor named "relpath" that holds the page's file; Zensical registers
    a preprocessor that holds its page. Neither is a public interface, so anything else is "a page".
    """
    relpath = md.treeprocessors["relpath"] if "relpath" in md.treeprocessors else None
    file = getattr(relpath, "file", None)
    if getattr(file, "src_uri", None):
        return f"docs/{file.src_uri}"
    for processor in md.preprocessors:
        page = getattr(processor, "page", None)
        path = getattr(page, "path", None)
        if isinstance(path, str) and path:
            return path if path.startswith("docs/") else f"docs/{path.lstrip('/')}"
    return "a page"


def in_zensical() -> bool:
    return "zensical" in sys.modules


class ShortcodePreprocessor(Preprocessor):
    """Replaces each shortcode before anything else reads the page (pymdownx.snippets reads the includes
    the examples' Markdown holds); each problem is logged as an error that names the page and the line."""

    def __init__(self, md: Markdown, snippets: Path, description: Path) -> None:
        super().__init__(md)
        self.snippets = snippets
        self.description = description

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if "md:" not in text:
            return lines
        page = page_name(self.md)
        within = page.removeprefix("docs/") if page.startswith("docs/") else None
        text, problems = expand(text, Context(within, self.snippets, self.description))
        for problem in problems:
            log.error(f"{page}, {problem}")
        if problems and in_zensical():
            # Zensical does not count Python log records as warnings, even with --strict; an exception
            # is what stops its build (with the messages above in its output).
            raise ShortcodesFailed("\n".join(f"{page}, {problem}" for problem in problems))
        return text.split("\n")


class ShortcodesExtension(Extension):
    """Every `<!-- md:... -->` shortcode, as a Python-Markdown extension for MkDocs and Zensical alike."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "base_path": [str(SNIPPETS), "The folder the examples are read from (as pymdownx.snippets' first base_path)"],
            "description": [str(DESCRIPTION), "The OpenAPI description the reference tables are made from"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        snippets = Path(self.getConfig("base_path")).resolve()
        description = Path(self.getConfig("description")).resolve()
        # Above pymdownx.snippets (32), which reads the includes the examples' Markdown holds, and above
        # whitespace normalisation (30) and superfences' fence handling (25).
        md.preprocessors.register(ShortcodePreprocessor(md, snippets, description), "md_shortcodes", 35)


def makeExtension(**kwargs: Any) -> ShortcodesExtension:  # noqa: N802 - Python-Markdown's name
    """The entry point Python-Markdown calls when mkdocs.yml lists `hooks.shortcodes`."""
    return ShortcodesExtension(**kwargs)


def mkdocs_context(config: Any, page: str) -> Context:
    """The context of a page (its path under docs/) with the extension's options in MkDocs' configuration,
    for a hook that expands the shortcodes itself (`hooks/llms_txt.py`)."""
    settings = config["mdx_configs"].get(EXTENSION, {})
    base = Path(config["config_file_path"]).parent
    return Context(
        page=page,
        snippets=(base / settings.get("base_path", SNIPPETS)).resolve(),
        openapi=(base / settings.get("description", DESCRIPTION)).resolve(),
    )
