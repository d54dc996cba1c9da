"""The site shows only tested code, and every tested example is shown.

* Every code block in the built HTML is the text of a file under `snippets/` (an example, a named
  section of one, its stored output, or the client library), so no untested code reaches a reader. The
  one exception is the box of commands that prepares a sandbox for an example (`div.sandbox-setup`,
  written by `hooks/examples.py`): its block must be exactly what the example's scenario generates,
  and `test_sandbox_reproduce.py` tests it by running it, as the page shows it, before the example.
* Every example and every stored output under `snippets/` appears as a code block on some page.
* No page writes the markup of an example by hand: each is placed with `<!-- md:example -->`.
* Lines marked as an example's lesson are highlighted on the page, and an example that changes data has
  the warning above it.
* Every status in the errors table, and every header named on the caching and rate-limiting pages,
  appears in the stored output of some example, which the example tests compare with what it printed.
"""

from __future__ import annotations

import doctest
import html
import importlib
import re
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest

import example_runner
from project import DOCS, ROOT
from page_examples import hand_written_includes, placed_examples
from cliniko_docs.scenario import Scenario

SNIPPETS = example_runner.SNIPPETS


#: The class of the box of commands that prepares a sandbox for an example; `data-example` names it.
SETUP_CLASS = "sandbox-setup"


class _PreBlocks(HTMLParser):
    """Collects the text of every `<pre>` element (a rendered code block).

    Those inside a box of sandbox commands (`div.sandbox-setup[data-example]`) go to `setup_blocks`,
    with the example the box names, instead of `blocks`.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.setup_blocks: list[tuple[str, str]] = []
        self._depth = 0
        self._skip = 0
        self._text: list[str] = []
        self._divs = 0
        self._setup: tuple[str, int] | None = None  # the example of the open box, and its div's depth

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div":
            self._divs += 1
            values = dict(attrs)
            if SETUP_CLASS in (values.get("class") or "").split() and values.get("data-example"):
                assert self._setup is None, "a box of sandbox commands inside another"
                self._setup = (values["data-example"] or "", self._divs)
        if tag == "pre":
            self._depth += 1
        classes = (dict(attrs).get("class") or "").split()
        if self._depth and tag in {"span", "a"} and ("linenos" in classes or "linenodiv" in classes):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "div":
            if self._setup is not None and self._setup[1] == self._divs:
                self._setup = None
            self._divs -= 1
        if tag == "pre" and self._depth:
            self._depth -= 1
            if not self._depth:
                if self._setup is None:
                    self.blocks.append("".join(self._text))
                else:
                    self.setup_blocks.append((self._setup[0], "".join(self._text)))
                self._text = []

    def handle_data(self, data: str) -> None:
        if self._depth:
            self._text.append(data)


def _normalise(text: str) -> str:
    lines = [line.rstrip() for line in html.unescape(text).replace("\r\n", "\n").split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _shown_texts(path: Path) -> list[str]:
    """What a page can show of a file: the whole file, and each of its named sections."""
    relative = path.relative_to(SNIPPETS).as_posix()
    specs = [relative] + [f"{relative}:{name}" for name in example_runner.section_names(path)]
    return [_normalise(example_runner.shown_text(spec) or "") for spec in specs]


def _snippet_files() -> list[Path]:
    return sorted(
        p
        for p in SNIPPETS.rglob("*")
        if p.is_file() and p.suffix in {*example_runner.EXAMPLE_SUFFIXES, ".out"} and "__pycache__" not in p.parts
    )


def _parsed_pages(site: Path) -> dict[str, _PreBlocks]:
    parsed = {}
    for page in sorted(site.rglob("*.html")):
        parser = _PreBlocks()
        parser.feed(page.read_text(encoding="utf-8"))
        parsed[page.relative_to(site).as_posix()] = parser
    return parsed


def _code_blocks(site: Path) -> dict[str, list[str]]:
    """Each page's code blocks, less those in a box of sandbox commands (`_setup_blocks`)."""
    blocks: dict[str, list[str]] = {}
    for page, parser in _parsed_pages(site).items():
        found = [_normalise(b) for b in parser.blocks]
        found = [b for b in found if b and not b.replace("\n", "").isdigit()]
        if found:
            blocks[page] = found
    return blocks


def _setup_blocks(site: Path) -> list[tuple[str, str, str]]:
    """Every code block in a box of sandbox commands: (page, the example the box names, its text)."""
    return [
        (page, example, _normalise(text))
        for page, parser in _parsed_pages(site).items()
        for example, text in parser.setup_blocks
    ]


def _generated_setup(example: str) -> str | None:
    """The commands the scenario of an example (`folder/name`) generates, or None if it prepares nothing."""
    variants = [path for path in sorted(SNIPPETS.glob(f"{example}.*")) if path.suffix in example_runner.EXAMPLE_SUFFIXES]
    if not variants or not Scenario.for_example(variants[0]).prepared:
        return None
    return _normalise(Scenario.for_example(variants[0]).setup().commands)


def _docstring_examples() -> list[str]:
    """The `>>>` examples in the docstrings of the modules under snippets/, as the reference shows them:
    each run of lines between blank lines, from its first `>>>` line on, dedented.

    `test_client_doctests.py` runs them.
    """
    blocks = []
    for library in sorted(example_runner.LIBRARIES):
        module = importlib.import_module(library.removesuffix(".py"))
        for test in doctest.DocTestFinder().find(module):
            for paragraph in re.split(r"\n[ \t]*\n", test.docstring or ""):
                lines = paragraph.split("\n")
                # A section's first block follows its heading (`Examples:`) with no blank line.
                start = next((i for i, line in enumerate(lines) if line.lstrip().startswith(">>>")), None)
                if start is not None:
                    blocks.append(_normalise(textwrap.dedent("\n".join(lines[start:]))))
    return blocks


def test_every_code_block_on_the_site_comes_from_a_tested_snippet(built_site: Path) -> None:
    """A box of sandbox commands is let through only if its block is exactly what its example's scenario
    generates: that text is proven by `test_sandbox_reproduce.py`, which runs it from the built page."""
    sources = [text for path in _snippet_files() for text in _shown_texts(path)] + _docstring_examples()
    untested = [
        f"{page}: {block[:80]!r}"
        for page, page_blocks in _code_blocks(built_site).items()
        for block in page_blocks
        if not any(block == source or block in source for source in sources)
    ]
    untested += [
        f"{page}: {block[:80]!r} (in the box of sandbox commands of {example}, which its scenario does not generate)"
        for page, example, block in _setup_blocks(built_site)
        if block != _generated_setup(example)
    ]
    assert not untested, "code blocks that no tested file under snippets/ contains:\n" + "\n".join(untested)


def test_a_box_of_sandbox_commands_is_let_through_only_with_its_generated_commands() -> None:
    parser = _PreBlocks()
    parser.feed(
        '<div class="admonition example sandbox-setup" data-example="rate-limiting/over_the_limit">'
        '<div class="highlight"><pre><code>curl -X POST "$CLINIKO_MOCK_CONTROL_URL/reset"</code></pre></div></div>'
        '<div class="highlight"><pre><code>print(1)</code></pre></div>'
        '<div class="admonition example sandbox-setup"><pre><code>no example named</code></pre></div>'
    )
    assert parser.setup_blocks == [("rate-limiting/over_the_limit", 'curl -X POST "$CLINIKO_MOCK_CONTROL_URL/reset"')]
    assert parser.blocks == ["print(1)", "no example named"]
    generated = _generated_setup("rate-limiting/over_the_limit")
    assert generated is not None and generated.startswith('curl -fsS -o /dev/null -X POST "$CLINIKO_MOCK_CONTROL_URL/reset"\n')
    assert _generated_setup("pagination/list_one_page") is None


def test_every_snippet_and_stored_output_is_shown_on_some_page(built_site: Path) -> None:
    """A library module (the client) is shown by its reference, not whole: the next test checks that."""
    shown = [block for page_blocks in _code_blocks(built_site).values() for block in page_blocks]
    unshown = [
        path.relative_to(SNIPPETS).as_posix()
        for path in _snippet_files()
        if path.relative_to(SNIPPETS).as_posix() not in example_runner.LIBRARIES
        and not any(text and text in shown for text in _shown_texts(path))
    ]
    assert not unshown, "files under snippets/ that no page shows:\n" + "\n".join(unshown)


def test_every_docstring_example_of_a_library_is_shown_in_its_reference(built_site: Path) -> None:
    """The reference on the client page shows each `>>>` example that test_client_doctests.py runs."""
    examples = _docstring_examples()
    assert len(examples) >= 3, "too few docstring examples for the check to mean anything"
    shown = [block for page_blocks in _code_blocks(built_site).values() for block in page_blocks]
    unshown = [example[:80] for example in examples if example not in shown]
    assert not unshown, "docstring examples that no page shows:\n" + "\n".join(unshown)


def _pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def _built_page(site: Path, source: Path) -> Path:
    relative = source.relative_to(DOCS).with_suffix("")
    folder = relative.parent if relative.name == "index" else relative
    return site / folder / "index.html"


@pytest.mark.parametrize("page", _pages(), ids=lambda page: page.relative_to(DOCS).as_posix())
def test_no_page_writes_the_markup_of_an_example_by_hand(page: Path) -> None:
    found = hand_written_includes(page.read_text(encoding="utf-8"))
    assert not found, (
        f"{page.relative_to(ROOT)} includes examples or outputs by hand; place each example with one line, "
        "<!-- md:example <folder>/<name> -->:\n" + "\n".join(found)
    )


def test_a_page_with_tabs_written_by_hand_is_caught() -> None:
    page = """# A page

=== "Python"

    ```python
    --8<-- "pagination/list_one_page.py"
    ```

    Output:

    ```text
    --8<-- "pagination/list_one_page.py.out"
    ```

??? example "cliniko_client.py"

    ```python
    --8<-- "cliniko_client.py"
    ```
"""
    assert hand_written_includes(page) == [
        "line 6: pagination/list_one_page.py",
        "line 12: pagination/list_one_page.py.out",
    ]


_PRE = re.compile(r"<pre[^>]*>(.*?)</pre>", re.DOTALL)
_HIGHLIGHTED = re.compile(r'<span class="hll">(.*?)\n</span>')
_TAG = re.compile(r"<[^>]+>")


def _lesson_lines(path: Path) -> list[str]:
    """The lines of a snippet between its lesson markers, as the page shows them."""
    lines, inside = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        marker = example_runner.SECTION_MARKER.search(line)
        if marker and marker.group("name") == "lesson":
            inside = marker.group("kind") == "start"
        elif inside and not marker:
            lines.append(line)
    return lines


def test_lesson_lines_are_highlighted_and_their_markers_not_shown(built_site: Path) -> None:
    checked = 0
    for source in _pages():
        page = _built_page(built_site, source).read_text(encoding="utf-8")
        blocks = {_normalise(_TAG.sub("", block)): block for block in _PRE.findall(page)}
        for name in placed_examples(source.read_text(encoding="utf-8")):
            for path in sorted(SNIPPETS.glob(f"{name}.*")):
                if path.suffix not in example_runner.EXAMPLE_SUFFIXES:
                    continue
                block = blocks.get(_normalise(example_runner.shown_text(path.relative_to(SNIPPETS).as_posix()) or ""))
                assert block is not None, f"{source.name}: no code block shows {path.name} whole"
                highlighted = [html.unescape(_TAG.sub("", line)) for line in _HIGHLIGHTED.findall(block)]
                assert highlighted == _lesson_lines(path), f"{source.name}: {path.name}"
                # The block equals the file without its markers: they are not on the page.
                assert "-8<-" not in html.unescape(_TAG.sub("", block)), f"{source.name}: {path.name}"
                checked += bool(highlighted)
    assert checked >= 2, "fewer than two examples have lesson lines; the check would be vacuous"


def test_every_example_that_changes_data_shows_the_warning_above_it(built_site: Path) -> None:
    problems = []
    for source in _pages():
        flagged = [
            name
            for name in placed_examples(source.read_text(encoding="utf-8"))
            if next(
                Scenario.for_example(path) for path in sorted(SNIPPETS.glob(f"{name}.*"))
                if path.suffix in example_runner.EXAMPLE_SUFFIXES
            ).changes
        ]
        page = _built_page(built_site, source).read_text(encoding="utf-8")
        shown = page.count('<p class="admonition-title">Changes data</p>')
        if shown != len(flagged):
            problems.append(f"{source.name}: {len(flagged)} examples change data ({flagged}), {shown} warnings")
    assert not problems, "\n".join(problems)


def _stored_outputs() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(SNIPPETS.rglob("*.out")))


def test_every_status_in_the_errors_table_appears_in_an_executed_example() -> None:
    page = (DOCS / "errors.md").read_text(encoding="utf-8")
    statuses = sorted(set(re.findall(r"^\|\s*`?(\d{3})\b", page, flags=re.MULTILINE)))
    if not statuses:
        pytest.fail("the errors page has no table of status codes")
    outputs = _stored_outputs()
    missing = [s for s in statuses if not re.search(rf"(?<![\d.:-]){s}(?![\d:])", outputs)]
    assert not missing, f"statuses in the errors table that no example's output shows: {missing}"


_HEADER_NAME = re.compile(
    r"`((?:X-[A-Za-z]+(?:-[A-Za-z]+)*)|Accept|Authorization|Cache-Control|Content-Type|Content-Length|Date|"
    r"ETag|If-None-Match|If-Modified-Since|If-Match|If-Unmodified-Since|Last-Modified|Location|"
    r"Retry-After|User-Agent|Vary|WWW-Authenticate|Age|Expires|Pragma)(?::[^`]*)?`"
)


@pytest.mark.parametrize("page", ["caching.md", "rate-limiting.md"])
def test_every_header_named_on_the_page_appears_in_an_executed_example(page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    names = sorted(set(_HEADER_NAME.findall(text)))
    if not names:
        pytest.fail(f"{page} names no HTTP header")
    outputs = _stored_outputs().lower()
    missing = [name for name in names if f"{name.lower()}:" not in outputs]
    assert not missing, f"headers named on {page} that no example's output shows: {missing}"
