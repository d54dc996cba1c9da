"""What the copy button of a `>>>` example copies: its code alone, which runs (`hooks/console_copy.py`).

The browser tests press the buttons on the built client page (`browser/test_copy.py`); these convert
sessions written here, with the Markdown extensions the site uses, and run what the copy would give.
"""

from __future__ import annotations

import code
import html
import logging
import re
import textwrap

import markdown
import pytest

SESSION = textwrap.dedent('''\
    >>> total = 0
    >>> for n in [1, 2, 3]:
    ...     total += n
    >>> total
    6
    >>> def double(x):
    ...     return 2 * x
    ...
    >>> double(total)
    12
    >>> try:
    ...     double(None) + 1
    ... except TypeError as error:
    ...     print("refused")
    refused
    >>> marks = "<a & 'b'> >>> ..."
    >>> int("x")
    Traceback (most recent call last):
        ...
    ValueError: invalid literal for int() with base 10: 'x'
    >>> outcome = (total,
    ...            double(total))
''')
#: The code of SESSION as it should be copied: written out by hand.
EXPECTED = '''\
total = 0
for n in [1, 2, 3]:
    total += n

total
def double(x):
    return 2 * x

double(total)
try:
    double(None) + 1
except TypeError as error:
    print("refused")

marks = "<a & 'b'> >>> ..."
int("x")
outcome = (total,
           double(total))'''
COPY = re.compile(r'<div class="language-pycon highlight" data-copy="([^"]*)">')


def render(text: str) -> str:
    """A page's Markdown as the site converts it, with the extensions a code block goes through."""
    return markdown.markdown(
        text,
        extensions=["pymdownx.superfences", "pymdownx.highlight", "hooks.console_copy"],
        extension_configs={"pymdownx.highlight": {"pygments_lang_class": True}},
    )


def copies(page: str) -> list[str]:
    return [html.unescape(value) for value in COPY.findall(page)]


def test_a_session_copies_as_its_code_without_prompts_or_output() -> None:
    assert copies(render(f"```pycon\n{SESSION}```\n")) == [EXPECTED]


def test_the_copy_runs_as_a_file_and_pasted_into_the_interpreter() -> None:
    copied = copies(render(f"```pycon\n{SESSION}```\n"))[0]
    without_error = copied.replace('int("x")\n', "")
    as_file: dict[str, object] = {}
    exec(compile(without_error, "<copy>", "exec"), as_file)  # noqa: S102 - the test's own session
    assert as_file["outcome"] == (6, 12)

    written: list[str] = []
    console = code.InteractiveConsole(locals={})
    console.write = written.append  # type: ignore[method-assign]
    for line in [*without_error.split("\n"), ""]:
        console.push(line)
    assert not written, "".join(written)
    assert console.locals["outcome"] == (6, 12)
    assert console.locals["marks"] == "<a & 'b'> >>> ..."


def test_other_code_blocks_are_left_alone() -> None:
    page = render("```python\n>>> not_a_session = 1\n```\n\n```pycon\nno prompt here\n```\n")
    assert "data-copy" not in page


def test_a_session_doctest_cannot_read_is_an_error_and_copies_as_shown(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="mkdocs.extensions.console_copy"):
        page = render("```pycon\n>>> if True:\n...print('no space after the prompt')\n```\n")
    assert "data-copy" not in page
    assert [record.getMessage() for record in caplog.records] == [
        "the '>>>' example that starts '>>> if True:' cannot be read as a console session: "
        "line 2 of the docstring for this example lacks blank after ...: \"...print('no space after the prompt')\""
    ]
