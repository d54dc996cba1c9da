"""The `<!-- md:example ... -->` shortcode: one line in a page places a tested example.

A page writes, on a line of its own (indented as much as the text around it):

    <!-- md:example pagination/list_one_page -->

and the build puts in its place what every page used to write by hand: a content tab for each variant
that exists under `snippets/` ("Python" for `list_one_page.py`, "curl" for `list_one_page.sh`), each with
the code, "Output:" and the stored output (`list_one_page.py.out`). An example with only one variant is
shown without tabs. Options, written `name="value"` after the example:

* `python-note`, `curl-note`: a sentence of Markdown shown in that variant's tab, between the code and
  its output (say there what that variant alone needs, such as jq).

Two things come from the example's own files rather than from the page:

* If its `<stem>.scenario.json` has `changes` (see `src/cliniko_docs/scenario.py`), a warning above the example
  says what it changes, where to try it, and for an archive that it cannot be undone.
* If its scenario prepares a condition (another key, the clock, the quota, a failure: `Scenario.prepared`),
  a box above the example (below the warning) says what the stored output needs and gives the commands
  that prepare it in a sandbox started by hand, generated from the scenario (`Scenario.setup`), with a
  link to the Sandbox page. The box is a Material admonition written as HTML (md_in_html), so that it
  carries `data-example`, the example it belongs to: `tests/examples/test_sandbox_reproduce.py` finds it on the
  built page, runs its commands and then the example, and compares what it prints with the stored output.
* Lines between `# --8<-- [start:lesson]` and `# --8<-- [end:lesson]` in a variant are highlighted
  (pymdownx.highlight's `hl_lines`). pymdownx.snippets drops the marker lines from a whole-file
  include, so the copy button still copies the whole file as it is tested, without the markers.

The shortcode is an HTML comment, so the raw Markdown on GitHub still says which example goes there.
A shortcode that names no example, has an unknown option or cannot be read is an error that names the
page and line, and fails the strict build. Shortcodes inside fenced code blocks are left alone.

This module is a Python-Markdown extension, listed under `markdown_extensions:` in mkdocs.yml as
`hooks.examples`, rather than an MkDocs hook: Zensical reads the same mkdocs.yml and loads its Markdown
extensions, but runs no MkDocs hooks, so a hook's shortcodes would be left unexpanded there. Both
builds run from the project's root with `python -m`, which puts the root on `sys.path` (the Makefile
also adds it to PYTHONPATH, with `src/` for the scenario model in `cliniko_docs`). Option: `base_path`, the folder the examples are read from, relative to
the folder the build runs in (default: `snippets/` beside `hooks/`).
"""

from __future__ import annotations

import logging
import posixpath
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

# The scenario files are read by one type, shared with the test runner.
from cliniko_docs.scenario import Scenario, ScenarioError

ROOT = Path(__file__).resolve().parent.parent

# Under "mkdocs.", so that MkDocs counts each error and --strict fails the build.
log = logging.getLogger("mkdocs.extensions.examples")


@dataclass(frozen=True)
class Variant:
    """One language an example may be written in."""

    label: str
    suffix: str
    fence_language: str


VARIANTS = (Variant("Python", ".py", "python"), Variant("curl", ".sh", "bash"))
OPTIONS = {f"{variant.label.lower()}-note" for variant in VARIANTS}

#: Any line that starts a shortcode; a line that starts one but does not match SHORTCODE is malformed.
SHORTCODE_START = re.compile(r"^(?P<indent>[ \t]*)<!--\s*md:(?P<name>\S*)")
SHORTCODE = re.compile(
    r"^(?P<indent>[ \t]*)<!--\s*md:example\s+(?P<example>[^\s\"=]+)"
    r"(?P<options>(?:\s+[a-z][a-z-]*=\"[^\"]*\")*)\s*-->\s*$"
)
#: Shortcodes that another module of the build expands (hooks/openapi_reference.py).
OTHER_SHORTCODES = frozenset({"openapi", "openapi-schema", "openapi-index"})
OPTION = re.compile(r"(?P<name>[a-z][a-z-]*)=\"(?P<value>[^\"]*)\"")
EXAMPLE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*(?:/[a-z0-9][a-z0-9_-]*)+")
FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})")
#: The class that marks the box of commands that prepares an example's condition (`_sandbox_setup`).
SETUP_CLASS = "sandbox-setup"
#: The box's title.
SETUP_TITLE = "To see this output in the sandbox"
#: The page that explains the sandbox, as a path under docs/.
SANDBOX_PAGE = "sandbox.md"
#: A named-section marker as pymdownx.snippets reads it; a whole-file include drops the line.
SECTION_MARKER = re.compile(r"(?<!;)-+8<-+[ \t]+\[[ \t]*(?P<kind>start|end)[ \t]*:[ \t]*(?P<name>[a-z][-_0-9a-z]*)[ \t]*\]")
LESSON = "lesson"


class ShortcodeError(ValueError):
    """A shortcode that cannot be expanded; the message says what is wrong with it."""


@dataclass(frozen=True)
class Shortcode:
    """One `<!-- md:example -->` line of a page."""

    line: int  # 1-based
    indent: str
    example: str
    options: dict[str, str]


def shortcodes(markdown: str) -> Iterator[Shortcode | ShortcodeError]:
    """Every shortcode line of a page outside fenced code, read; a malformed one as a ShortcodeError."""
    fence = ""
    for number, line in enumerate(markdown.splitlines(), start=1):
        opening = FENCE.match(line)
        if opening:
            marker = opening.group("fence")
            if not fence:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence) and line.strip() == marker:
                fence = ""
            continue
        start = SHORTCODE_START.match(line)
        if fence or not start or start.group("name") in OTHER_SHORTCODES:
            continue
        yield _read(number, line)


def _read(number: int, line: str) -> Shortcode | ShortcodeError:
    where = f"line {number}"
    name = SHORTCODE_START.match(line).group("name")  # type: ignore[union-attr]
    if name != "example":
        return ShortcodeError(f"{where}: unknown shortcode 'md:{name}'; the one shortcode is 'md:example'")
    match = SHORTCODE.match(line)
    if not match:
        return ShortcodeError(
            f"{where}: malformed shortcode {line.strip()!r}; write "
            '<!-- md:example <folder>/<name> [option="value" ...] --> on a line of its own'
        )
    example = match.group("example")
    if not EXAMPLE_NAME.fullmatch(example) or Path(example).suffix:
        return ShortcodeError(
            f"{where}: {example!r} is not an example's name; write its folder under snippets/ and its "
            "file name without the extension, such as pagination/list_one_page"
        )
    options: dict[str, str] = {}
    for option in OPTION.finditer(match.group("options")):
        if option.group("name") not in OPTIONS:
            return ShortcodeError(
                f"{where}: unknown option {option.group('name')!r}; the options are {', '.join(sorted(OPTIONS))}"
            )
        if option.group("name") in options:
            return ShortcodeError(f"{where}: option {option.group('name')!r} is given twice")
        options[option.group("name")] = option.group("value")
    return Shortcode(number, match.group("indent"), example, options)


def lesson_lines(path: Path) -> list[tuple[int, int]]:
    """The line ranges (1-based, as shown on the page) between the lesson markers of a snippet file.

    Lines are counted as pymdownx.snippets shows the whole file: without the section marker lines.
    """
    ranges: list[tuple[int, int]] = []
    shown = 0
    start: int | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        marker = SECTION_MARKER.search(line)
        if not marker:
            shown += 1
            continue
        if marker.group("name") != LESSON:
            continue
        if marker.group("kind") == "start":
            if start is not None:
                raise ShortcodeError(f"{path.name}: a lesson starts inside another lesson")
            start = shown + 1
        else:
            if start is None:
                raise ShortcodeError(f"{path.name}: a lesson ends that never started")
            if shown >= start:
                ranges.append((start, shown))
            start = None
    if start is not None:
        raise ShortcodeError(f"{path.name}: a lesson starts and never ends")
    return ranges


def _code_block(spec: str, language: str, lessons: list[tuple[int, int]]) -> list[str]:
    options = ""
    if lessons:
        spans = " ".join(str(a) if a == b else f"{a}-{b}" for a, b in lessons)
        options = f' hl_lines="{spans}"'
    return [f"```{language}{options}", f'--8<-- "{spec}"', "```"]


def _warning(change: Any) -> list[str]:
    lines = [
        '!!! warning "Changes data"',
        "",
        f"    This example {change.what}. Try it with a trial or test account, never with one that holds "
        "real patients' records.",
    ]
    if change.archives:
        lines += ["", "    Archiving cannot be undone through the API."]
    return lines


def _sandbox_setup(example: str, scenario: Scenario, variants: int, page: str | None) -> list[str]:
    """The box that says what an example's stored output needs, with the commands that prepare it.

    Written as HTML with Material's admonition classes (md_in_html parses the Markdown inside), because
    an admonition written `!!!` can carry no attribute: `data-example` says, without guessing from the
    text, which example the commands belong to. It is left out of the search index (its words are the
    same at every example, and the index has a size budget). The link to the Sandbox page is relative
    to `page` (`docs/<path>`); without one, to a page at the top of docs/.
    """
    within = page.removeprefix("docs/") if page and page.startswith("docs/") else None
    link = posixpath.relpath(SANDBOX_PAGE, posixpath.dirname(within) or ".") if within else SANDBOX_PAGE
    # On the Sandbox page itself, the reader is already where the sandbox is explained.
    explained = "" if within == SANDBOX_PAGE else (
        f" The [Sandbox]({link}) page says how to start the sandbox and what each control does."
    )
    setup = scenario.setup()
    which = "the example below, in either language," if variants > 1 else "the example below"
    # The commands leave the sandbox, and for a key the shell, in a state that the other examples on
    # the site do not expect.
    back = "the sandbox's `/reset` control"
    if scenario.key != "admin":
        back += " and the `export CLINIKO_API_KEY` line it printed"
    return [
        f'<div class="admonition example {SETUP_CLASS}" data-example="{escape(example)}" data-search-exclude markdown>',
        f'<p class="admonition-title">{SETUP_TITLE}</p>',
        "",
        f"This output needs {setup.condition}. With the sandbox running, run these commands in the shell "
        "where you exported its variables:",
        "",
        "```bash",
        *setup.commands.splitlines(),
        "```",
        "",
        f"Then run {which} in that same shell. Afterwards, {back} put everything back as the other "
        f"examples expect it.{explained}",
        "",
        "</div>",
    ]


def render(code: Shortcode, snippets: Path, page: str | None = None) -> list[str]:
    """The Markdown a shortcode stands for, indented as the shortcode is.

    `page` is the page being built, as `docs/<path>`, for the link in the box of a prepared example.
    """
    base = snippets / code.example
    present = [variant for variant in VARIANTS if base.with_suffix(variant.suffix).is_file()]
    if not present:
        expected = " or ".join(f"snippets/{code.example}{variant.suffix}" for variant in VARIANTS)
        raise ShortcodeError(f"line {code.line}: unknown example {code.example!r}: there is no {expected}")
    for name in code.options:
        label = name.removesuffix("-note")
        if not any(variant.label.lower() == label for variant in present):
            raise ShortcodeError(
                f"line {code.line}: option {name!r}, but {code.example} has no {label} variant "
                f"(no snippets/{code.example}{next(v.suffix for v in VARIANTS if v.label.lower() == label)})"
            )
    try:
        scenario = Scenario.for_example(base.with_suffix(present[0].suffix))
    except ScenarioError as error:
        raise ShortcodeError(f"line {code.line}: {error}") from None
    lines: list[str] = []
    if scenario.changes is not None:
        lines += [*_warning(scenario.changes), ""]
    if scenario.prepared:
        lines += [*_sandbox_setup(code.example, scenario, len(present), page), ""]
    tabbed = len(present) > 1
    for variant in present:
        path = base.with_suffix(variant.suffix)
        output = path.with_name(path.name + ".out")
        if not output.is_file():
            raise ShortcodeError(
                f"line {code.line}: snippets/{code.example}{variant.suffix} has no stored output "
                f"{output.name}; run `make update-outputs`"
            )
        try:
            lessons = lesson_lines(path)
        except ShortcodeError as error:
            raise ShortcodeError(f"line {code.line}: {error}") from None
        body = _code_block(f"{code.example}{variant.suffix}", variant.fence_language, lessons)
        note = code.options.get(f"{variant.label.lower()}-note")
        if note:
            body += ["", note]
        body += ["", "Output:", "", *_code_block(f"{code.example}{variant.suffix}.out", "text", [])]
        if tabbed:
            if variant is not present[0]:
                lines.append("")
            lines += [f'=== "{variant.label}"', "", *[f"    {line}" if line else "" for line in body]]
        else:
            lines += body
    return [f"{code.indent}{line}" if line else "" for line in lines]


def expand(markdown: str, snippets: Path, page: str | None = None) -> tuple[str, list[str]]:
    """The page with every shortcode replaced by its Markdown, and the problems found (line: what).

    `page`, the page as `docs/<path>`, makes the links the expansion writes relative to it; without it
    they are written for a page at the top of docs/.
    """
    lines = markdown.splitlines()
    problems: list[str] = []
    replacements: dict[int, list[str]] = {}
    for found in shortcodes(markdown):
        if isinstance(found, ShortcodeError):
            problems.append(str(found))
            continue
        try:
            replacements[found.line] = render(found, snippets, page)
        except ShortcodeError as error:
            problems.append(str(error))
    out: list[str] = []
    for number, line in enumerate(lines, start=1):
        out.extend(replacements.get(number, [line]))
    text = "\n".join(out)
    if markdown.endswith("\n"):
        text += "\n"
    return text, problems


def snippets_folder(config: Any) -> Path:
    """The folder pymdownx.snippets includes from (its first `base_path`), as an absolute path.

    For a hook that expands the shortcodes itself from MkDocs' configuration.
    """
    settings = config["mdx_configs"].get("pymdownx.snippets", {})
    base = settings.get("base_path", ["."])
    first = base[0] if isinstance(base, list) else base
    return (Path(config["config_file_path"]).parent / first).resolve()


class ShortcodesFailed(RuntimeError):
    """A page has shortcodes that cannot be expanded; raised so that Zensical stops the build."""


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


def _in_zensical() -> bool:
    return "zensical" in sys.modules


class ShortcodePreprocessor(Preprocessor):
    """Replaces each shortcode line with its Markdown, before pymdownx.snippets reads the includes."""

    def __init__(self, md: Markdown, snippets: Path) -> None:
        super().__init__(md)
        self.snippets = snippets

    def run(self, lines: list[str]) -> list[str]:
        page = page_name(self.md)
        text, problems = expand("\n".join(lines), self.snippets, page if page.startswith("docs/") else None)
        if problems:
            for problem in problems:
                log.error(f"{page}, {problem}")
            if _in_zensical():
                # Zensical does not count Python log records as warnings, even with --strict; an
                # exception is what stops its build (with the messages above in its output).
                raise ShortcodesFailed("\n".join(f"{page}, {problem}" for problem in problems))
        return text.split("\n")


class ExamplesExtension(Extension):
    """The `<!-- md:example -->` shortcode as a Python-Markdown extension."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "base_path": [
                str(ROOT / "snippets"),
                "The folder the examples are read from (as pymdownx.snippets' first base_path)",
            ],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        snippets = Path(self.getConfig("base_path")).resolve()
        # Above pymdownx.snippets (32), which reads the includes the expansion writes, and above
        # whitespace normalisation (30) and superfences' fence handling (25).
        md.preprocessors.register(ShortcodePreprocessor(md, snippets), "md_example_shortcode", 35)


def makeExtension(**kwargs: Any) -> ExamplesExtension:  # noqa: N802 - Python-Markdown's name
    """The entry point Python-Markdown calls when mkdocs.yml lists `hooks.examples`."""
    return ExamplesExtension(**kwargs)
