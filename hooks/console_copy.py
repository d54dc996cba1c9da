"""`>>>` examples copy as code: without their prompts and without their output.

The client's reference (mkdocstrings) shows each docstring's examples as a Python console session,
highlighted as `pycon`: a `>>> ` or `... ` prompt before each line of code, and what the code printed
after it. Pasted as shown, such a session runs nowhere. Material's copy button copies the text of the
code, unless an element around it carries `data-copy`: then it copies that attribute's value instead.
So this extension gives every `pycon` block a `data-copy` with its code alone, as the standard
library's doctest parser reads the session (the parser that also runs these examples as tests): each
example's source in order, its prompts gone and the indentation after `... ` kept, its output left out.
After a statement that the interactive interpreter would still wait on (a `with`, `for` or `try`
block, which it ends at an empty line; `codeop` says which), an empty line follows, so that the copy
runs pasted into a file and into the interpreter alike.

A session that doctest cannot read is an error that fails the strict build, and its block copies as
shown. Python-Markdown extension (listed in mkdocs.yml as `hooks.console_copy`), not an MkDocs hook,
so that Zensical, which runs no hooks, gets it too. Its postprocessor runs last, on the page's
finished HTML, which by then holds the reference that mkdocstrings rendered.
"""

from __future__ import annotations

import codeop
import doctest
import html
import logging
import re
import warnings
from typing import Any

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor

# Under "mkdocs.", so that MkDocs counts each error and --strict fails the build.
log = logging.getLogger("mkdocs.extensions.console_copy")

#: The opening tag of a block highlighted as a console session (pymdownx.highlight with
#: `pygments_lang_class`), and its content up to the end of its code.
CONSOLE_BLOCK = re.compile(
    r'(?P<tag><div class="(?:[^"]* )?language-pycon(?: [^"]*)?"[^>]*)>(?P<content>.*?</code>)', re.DOTALL
)
CODE = re.compile(r"<code[^>]*>(?P<code>.*)</code>", re.DOTALL)
TAG = re.compile(r"<[^>]*>")
PARSER = doctest.DocTestParser()


def _awaits_more(source: str) -> bool:
    """Whether the interactive interpreter, given `source`, would wait for an empty line to run it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an odd escape in a string is not this module's business
            return codeop.compile_command(source, "<copy>", "single") is None
    except (SyntaxError, ValueError, OverflowError):
        return False


def console_code(session: str) -> str | None:
    """The code of a console session without prompts and output; None if it holds no `>>>` example.

    Raises ValueError (doctest's own message) for a session that doctest cannot read.
    """
    pieces: list[str] = []
    for example in PARSER.get_examples(session, "this example"):
        source = example.source.rstrip("\n")
        pieces.append(source)
        if _awaits_more(source):
            pieces.append("")
    return "\n".join(pieces).rstrip("\n") if pieces else None


def with_console_copies(page: str) -> str:
    """The page's HTML with `data-copy` on every console block that has examples and none yet."""

    def add(block: re.Match[str]) -> str:
        code = CODE.search(block.group("content"))
        if code is None or "data-copy=" in block.group("tag"):
            return block.group(0)
        session = html.unescape(TAG.sub("", code.group("code")))
        try:
            copy = console_code(session)
        except ValueError as error:
            first = session.strip().splitlines()[0] if session.strip() else ""
            log.error(f"the '>>>' example that starts {first!r} cannot be read as a console session: {error}")
            return block.group(0)
        if copy is None:
            return block.group(0)
        return f'{block.group("tag")} data-copy="{html.escape(copy)}">{block.group("content")}'

    return CONSOLE_BLOCK.sub(add, page)


class ConsoleCopyPostprocessor(Postprocessor):
    def run(self, text: str) -> str:
        return with_console_copies(text) if "language-pycon" in text else text


class ConsoleCopyExtension(Extension):
    """`data-copy` for `>>>` examples as a Python-Markdown extension."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        # Below every built-in postprocessor (the lowest, unescaping, is 10): the stashed HTML of the
        # code blocks and of mkdocstrings' reference is back in the page by then.
        md.postprocessors.register(ConsoleCopyPostprocessor(md), "console_copy", 5)


def makeExtension(**kwargs: Any) -> ConsoleCopyExtension:  # noqa: N802 - Python-Markdown's name
    """The entry point Python-Markdown calls when mkdocs.yml lists `hooks.console_copy`."""
    return ConsoleCopyExtension(**kwargs)
