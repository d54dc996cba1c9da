"""The copy button copies an example exactly as its file under snippets/ has it, and only that.

No prompt, no output, no annotation marker, and not the "report a problem" link that sits under
each code block. A `>>>` session of the client's reference copies as its code alone, which runs pasted
into a file or into the interactive interpreter.
"""

from __future__ import annotations

import code
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from browser.page_walk import Visit, Walker, copy_every_block, each_page
from page_examples import included_examples, snippet
from docs_site import Site, page_sources, site_url
from project import ROOT


ISSUES = "https://github.com/cliniko/cliniko-api/issues/new"


def copy_block(page: object, block: object) -> str:
    """Press the copy button of a code block, as a reader would, and read the clipboard."""
    page.evaluate("() => navigator.clipboard.writeText('nothing was copied')")
    block.hover()
    block.locator("button[data-clipboard-target]").click()
    return page.evaluate("() => navigator.clipboard.readText()")


def test_copy_buttons_copy_the_quickstart_example_and_its_output_exactly(visit: Visit, site: Site) -> None:
    visit.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.origin)
    page = visit.page
    page.goto(site.base)
    tabs = page.locator(".tabbed-set").filter(has=page.locator("label", has_text="curl")).first
    expected = {
        "Python": ("quickstart/get_user.py", "quickstart/get_user.py.out"),
        "JavaScript": ("quickstart/get_user.mjs", "quickstart/get_user.mjs.out"),
        "curl": ("quickstart/get_user.sh", "quickstart/get_user.sh.out"),
    }
    for label, (code_file, output_file) in expected.items():
        tabs.locator(".tabbed-labels > label", has_text=label).click()
        panel = tabs.locator(".tabbed-block:visible")
        code, output = panel.locator("div.highlight").all()[:2]
        assert copy_block(page, code) == snippet(code_file).rstrip()
        assert copy_block(page, output) == snippet(output_file).rstrip()


def test_the_copy_walk_tells_a_button_that_copies_nothing_from_one_that_copies_the_same_text(
    visit: Visit, site: Site
) -> None:
    """Two copies of a page's first code block follow it: the first copies what the block copies, the
    second's button is dead. The walk reads the clipboard once per block unless it holds what the last
    block copied; then it copies again over a marker, and so reports the dead button by that marker."""
    visit.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.origin)
    page = visit.page
    page.goto(site.url("resources/patients/"))
    page.evaluate(
        """() => {
        const codes = Array.from(document.querySelectorAll("article pre > code"));
        const block = codes[0].closest("div.highlight");
        const same = block.cloneNode(true), dead = block.cloneNode(true);
        dead.querySelector("button[data-clipboard-target]").addEventListener("click", event => event.stopImmediatePropagation(), true);
        block.after(same, dead);
    }"""
    )
    original, same, dead = (copy["text"] for copy in copy_every_block(page)[:3])
    assert original and same == original
    assert dead == "\u0000nothing was copied"


def test_the_guide_includes_examples_from_snippets() -> None:
    """The per-page check below reads the includes with `included_examples`; it must find them."""
    texts = [(ROOT / source).read_text(encoding="utf-8") for source in page_sources().values()]
    found = [example for text in texts for example in included_examples(text)]
    assert len(found) > 10, [example.spec for example in found]


@pytest.mark.parametrize("path", each_page())
def test_every_example_included_on_the_page_is_copied_exactly(walker: Walker, site: Site, path: str) -> None:
    record = walker.record(path)
    source = ROOT / page_sources()[path]
    copied = [copy["text"] for copy in record.copies]
    problems = [
        f"no copy button copies exactly {example.spec}"
        for example in included_examples(source.read_text(encoding="utf-8"))
        if example.text.rstrip() not in copied
    ]
    assert not problems, "\n".join(problems)


#: The prompts of a console session: of a first line, and of a line that continues it.
PROMPTS = (">>>", "...")


class _Paste(code.InteractiveConsole):
    """The interactive interpreter, fed a copy line by line as a paste would, compiling without running."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[str] = []

    def runcode(self, compiled: object) -> None:
        pass

    def write(self, data: str) -> None:
        self.errors.append(data.strip())


def console_copy_problems(shown: str, copied: str | None) -> list[str]:
    """What is wrong with the copy of a `>>>` session: it must hold the code alone, and run pasted."""
    if copied is None:
        return ["no copy button"]
    # Each line of code as shown after its prompt ("... " and its indentation; a bare "..." is empty).
    code_lines = [line[4:] for line in shown.splitlines() if line.split(" ", 1)[0] in PROMPTS]
    lines = copied.split("\n")
    problems = []
    if [line for line in lines if line.strip()] != [line for line in code_lines if line.strip()]:
        problems.append(f"the copy is not the code alone (prompts, output, or indentation lost): {copied!r}")
    for number, line in enumerate(lines[1:], start=1):
        # An empty line only where the interpreter needs one: after the last line of a block.
        if not line.strip() and not lines[number - 1][:1].isspace():
            problems.append(f"an empty line after {lines[number - 1]!r}, where the session shows output")
    try:
        compile(copied, "<copy>", "exec")
    except SyntaxError as error:
        problems.append(f"the copy does not compile as a file: {error}")
    paste = _Paste()
    for line in [*lines, ""]:
        paste.push(line)
    if paste.errors:
        problems.append(f"pasted into the interpreter: {' '.join(paste.errors)}")
    return problems


@pytest.mark.parametrize("path", each_page())
def test_every_console_example_copies_as_code_that_runs(walker: Walker, site: Site, path: str) -> None:
    record = walker.record(path)
    sessions = [(number, copy) for number, copy in enumerate(record.copies, start=1) if copy["shown"] is not None]
    if "language-pycon" in site.html(record.address):
        assert sessions, "the page shows `>>>` examples, but the visit found no block with prompts"
    problems = [
        f"code block {number}: {problem}"
        for number, copy in sessions
        for problem in console_copy_problems(copy["shown"], copy["text"])
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", each_page())
def test_every_code_block_on_the_page_offers_a_report_link_outside_the_code(
    walker: Walker, site: Site, path: str
) -> None:
    record = walker.record(path)
    if "<pre" in site.html(record.address):
        assert record.copies, "the page has code blocks, but the visit found none"
    published = site_url() + path
    problems = []
    example = 0  # the number of the example of the block before
    for number, copy in enumerate(record.copies, start=1):
        where = f"code block {number}"
        if copy["report"] is None or copy["reportInsideCode"]:
            problems.append(f"{where}: no report link right after the block, outside the code")
            continue
        if copy["text"] is not None and "Report a problem" in copy["text"]:
            problems.append(f"{where}: the copy includes the report link")
        link = urlsplit(copy["report"])
        query = parse_qs(link.query)
        if f"{link.scheme}://{link.netloc}{link.path}" != ISSUES:
            problems.append(f"{where}: the report link opens {copy['report']}")
            continue
        title, body = query.get("title", [""])[0], query.get("body", [""])[0]
        named = re.search(r"\(example (\d+)\b", title)
        if named is None or f"Page: {published}" not in body or f"Example: {named.group(1)} on" not in body:
            problems.append(f"{where}: the issue does not name the page and the example: {title!r}")
        # Examples are counted, not blocks: a block belongs to the example before it or starts the next.
        elif int(named.group(1)) - example not in (0, 1):
            problems.append(f"{where}: example {named.group(1)} follows example {example}")
        else:
            example = int(named.group(1))
        if copy["tab"] and f"Tab: {copy['tab']}" not in body:
            problems.append(f"{where}: the issue does not name the {copy['tab']} tab")
        # Once the reader is on the link, the issue also quotes the code's first lines.
        focused = parse_qs(urlsplit(copy["reportOnFocus"]).query).get("body", [""])[0]
        first_line = (copy["text"] or "").strip().splitlines()[:1]
        if "The example starts:\n\n````\n" not in focused or not all(line in focused for line in first_line):
            problems.append(f"{where}: on focus, the issue does not quote the code: {focused!r}")
    assert not problems, "\n".join(problems)
