"""The `<!-- md:example ... -->` shortcode: one line in a page places a tested example.

A page writes, on a line of its own (indented as much as the text around it):

    <!-- md:example pagination/list_one_page -->

and the build puts in its place what every page used to write by hand: a content tab for each variant
that exists under `snippets/` ("Python" for `list_one_page.py`, "JavaScript" for `list_one_page.mjs`,
"curl" for `list_one_page.sh`), each with the code, "Output:" and the stored output
(`list_one_page.py.out`). An example with only one variant is shown without tabs. Options, written
`name="value"` after the example:

* `python-note`, `javascript-note`, `curl-note`: a sentence of Markdown shown in that variant's tab,
  between the code and its output (say there what that variant alone needs, such as jq).

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
`hooks/shortcodes.py` finds it in a page (never inside fenced code), calls `shortcode` here with what
follows `md:example`, and indents the Markdown it returns as the shortcode is indented; it runs as a
Python-Markdown extension, so that MkDocs and Zensical both expand it. A shortcode that names no example,
has an unknown option or cannot be read is an `ExampleError`, which that module reports with the page
and the line, and which fails the strict build.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

# The scenario files are read by one type, shared with the test runner.
from cliniko_docs.scenario import Scenario, ScenarioError, one_of


@dataclass(frozen=True)
class Variant:
    """One language an example may be written in."""

    label: str
    suffix: str
    fence_language: str


#: In the order of the tabs. Material links tabs by their label, so a reader who picks one language
#: sees it in every example of the site.
VARIANTS = (
    Variant("Python", ".py", "python"),
    Variant("JavaScript", ".mjs", "javascript"),
    Variant("curl", ".sh", "bash"),
)
OPTIONS = {f"{variant.label.lower()}-note" for variant in VARIANTS}

#: What follows `md:example`: the example, then its options, each `name="value"`.
ARGUMENTS = re.compile(r"(?P<example>[^\s\"=]+)(?P<options>(?:\s+[a-z][a-z-]*=\"[^\"]*\")*)")
USAGE = '<!-- md:example <folder>/<name> [option="value" ...] --> on a line of its own'
OPTION = re.compile(r"(?P<name>[a-z][a-z-]*)=\"(?P<value>[^\"]*)\"")
EXAMPLE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*(?:/[a-z0-9][a-z0-9_-]*)+")
#: The class that marks the box of commands that prepares an example's condition (`_sandbox_setup`).
SETUP_CLASS = "sandbox-setup"
#: The box's title.
SETUP_TITLE = "To see this output in the sandbox"
#: The page that explains the sandbox, as a path under docs/.
SANDBOX_PAGE = "sandbox.md"
#: A named-section marker as pymdownx.snippets reads it; a whole-file include drops the line.
SECTION_MARKER = re.compile(r"(?<!;)-+8<-+[ \t]+\[[ \t]*(?P<kind>start|end)[ \t]*:[ \t]*(?P<name>[a-z][-_0-9a-z]*)[ \t]*\]")
LESSON = "lesson"


class ExampleError(ValueError):
    """A shortcode that cannot be expanded; the message says what is wrong with it."""


@dataclass(frozen=True)
class Placement:
    """What one `<!-- md:example -->` of a page asks for: the example, and its options."""

    example: str
    options: dict[str, str]


def read(arguments: str) -> Placement:
    """What follows `md:example` in a shortcode, read and checked; an ExampleError says what is wrong."""
    match = ARGUMENTS.fullmatch(arguments.strip())
    if not match:
        raise ExampleError(f"malformed shortcode 'md:example {arguments.strip()}'; write {USAGE}")
    example = match.group("example")
    if not EXAMPLE_NAME.fullmatch(example) or Path(example).suffix:
        raise ExampleError(
            f"{example!r} is not an example's name; write its folder under snippets/ and its "
            "file name without the extension, such as pagination/list_one_page"
        )
    options: dict[str, str] = {}
    for option in OPTION.finditer(match.group("options")):
        if option.group("name") not in OPTIONS:
            raise ExampleError(
                f"unknown option {option.group('name')!r}; the options are {', '.join(sorted(OPTIONS))}"
            )
        if option.group("name") in options:
            raise ExampleError(f"option {option.group('name')!r} is given twice")
        options[option.group("name")] = option.group("value")
    return Placement(example, options)


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
                raise ExampleError(f"{path.name}: a lesson starts inside another lesson")
            start = shown + 1
        else:
            if start is None:
                raise ExampleError(f"{path.name}: a lesson ends that never started")
            if shown >= start:
                ranges.append((start, shown))
            start = None
    if start is not None:
        raise ExampleError(f"{path.name}: a lesson starts and never ends")
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
    to `page` (its path under docs/); without one, to a page at the top of docs/.
    """
    link = posixpath.relpath(SANDBOX_PAGE, posixpath.dirname(page) or ".") if page else SANDBOX_PAGE
    # On the Sandbox page itself, the reader is already where the sandbox is explained.
    explained = "" if page == SANDBOX_PAGE else (
        f" The [Sandbox]({link}) page says how to start the sandbox and what each control does."
    )
    setup = scenario.setup()
    which = {1: "the example below", 2: "the example below, in either language,"}.get(
        variants, "the example below, in any of its languages,"
    )
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


def render(placement: Placement, snippets: Path, page: str | None = None) -> list[str]:
    """The Markdown a shortcode stands for, not indented: `hooks/shortcodes.py` indents it as the shortcode is.

    `snippets` is the folder the examples are read from; `page`, the page's path under docs/, makes the
    link in the box of a prepared example relative to it (without one, it is written for a page at the
    top of docs/).
    """
    base = snippets / placement.example
    present = [variant for variant in VARIANTS if base.with_suffix(variant.suffix).is_file()]
    if not present:
        expected = one_of([f"snippets/{placement.example}{variant.suffix}" for variant in VARIANTS])
        raise ExampleError(f"unknown example {placement.example!r}: there is no {expected}")
    for name in placement.options:
        label = name.removesuffix("-note")
        if not any(variant.label.lower() == label for variant in present):
            raise ExampleError(
                f"option {name!r}, but {placement.example} has no {label} variant "
                f"(no snippets/{placement.example}{next(v.suffix for v in VARIANTS if v.label.lower() == label)})"
            )
    try:
        scenario = Scenario.for_example(base.with_suffix(present[0].suffix))
    except ScenarioError as error:
        raise ExampleError(str(error)) from None
    lines: list[str] = []
    if scenario.changes is not None:
        lines += [*_warning(scenario.changes), ""]
    if scenario.prepared:
        lines += [*_sandbox_setup(placement.example, scenario, len(present), page), ""]
    tabbed = len(present) > 1
    for variant in present:
        path = base.with_suffix(variant.suffix)
        output = path.with_name(path.name + ".out")
        if not output.is_file():
            raise ExampleError(
                f"snippets/{placement.example}{variant.suffix} has no stored output "
                f"{output.name}; run `make update-outputs`"
            )
        body = _code_block(f"{placement.example}{variant.suffix}", variant.fence_language, lesson_lines(path))
        note = placement.options.get(f"{variant.label.lower()}-note")
        if note:
            body += ["", note]
        body += ["", "Output:", "", *_code_block(f"{placement.example}{variant.suffix}.out", "text", [])]
        if tabbed:
            if variant is not present[0]:
                lines.append("")
            lines += [f'=== "{variant.label}"', "", *[f"    {line}" if line else "" for line in body]]
        else:
            lines += body
    return lines


def shortcode(arguments: str, snippets: Path, page: str | None = None) -> list[str]:
    """`<!-- md:example ... -->`: the Markdown for what follows `md:example` (see `read` and `render`)."""
    return render(read(arguments), snippets, page)
