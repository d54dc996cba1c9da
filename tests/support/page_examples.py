"""What a page shows of the files under `snippets/`, read from its Markdown source.

A page places an example with the `<!-- md:example -->` shortcode, which the site build expands
(`hooks/shortcodes.py`, with `hooks/examples.py`); this module expands it the same way, by calling that
module, and then reads the snippet includes (`--8<-- "path"`) in the page's fenced code blocks, as
pymdownx.snippets will.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from example_runner import LIBRARIES, SNIPPETS, shown_text
from hooks import examples, shortcodes

# Snippet includes, as pymdownx.snippets reads them: `--8<-- "path"` or `--8<-- "path:section"`.
INCLUDE = re.compile(r'^\s*-{1,}8<-{1,}\s+"(?P<spec>[^"]+)"\s*$')


def snippet(relative: str) -> str:
    """The text of a file under snippets/."""
    return (SNIPPETS / relative).read_text(encoding="utf-8")


def expanded(markdown: str) -> str:
    """A page's Markdown with its shortcodes expanded, as the build does; a bad one raises."""
    text, problems = shortcodes.expand(markdown, shortcodes.Context(snippets=SNIPPETS))
    if problems:
        raise ValueError("the page's shortcodes cannot be expanded:\n" + "\n".join(problems))
    return text


@dataclass(frozen=True)
class IncludedExample:
    """A code block of a page that consists of one snippet include, and the text it shows."""

    spec: str
    text: str


def _fenced_blocks(markdown: str) -> list[list[str]]:
    """The lines inside each fenced code block."""
    blocks: list[list[str]] = []
    for line in shortcodes.lines(markdown):
        if line.fence == "open":
            blocks.append([])
        elif line.code and not line.fence:
            blocks[-1].append(line.text)
    return blocks


def included_examples(markdown: str) -> list[IncludedExample]:
    """Every fenced code block of a page (shortcodes expanded) whose whole content is one snippet include."""
    examples = []
    for body in _fenced_blocks(expanded(markdown)):
        content = [line for line in body if line.strip()]
        if len(content) == 1:
            include = INCLUDE.match(content[0])
            if include:
                text = shown_text(include.group("spec"))
                if text is not None:
                    examples.append(IncludedExample(include.group("spec"), text))
    return examples


def hand_written_includes(markdown: str) -> list[str]:
    """Includes of an example or its output that a page writes by hand, instead of with the shortcode.

    The rule: a page's own Markdown (shortcodes not expanded) may include, with `--8<--`, only a library
    module that examples import (`example_runner.LIBRARIES`, such as the whole client on its page);
    every example file and stored output is placed by `<!-- md:example -->`. Returned as
    "line N: spec".
    """
    found = []
    for number, line in enumerate(markdown.splitlines(), start=1):
        include = INCLUDE.match(line)
        if include and include.group("spec").partition(":")[0] not in LIBRARIES:
            found.append(f"line {number}: {include.group('spec')}")
    return found


def placed_examples(markdown: str) -> list[str]:
    """The examples a page places with the shortcode (`folder/name`), in order; a bad shortcode raises."""
    names = []
    for found in shortcodes.find(markdown):
        if isinstance(found, Exception):
            raise ValueError(f"a bad shortcode: {found}")
        if found.name == "example":
            names.append(examples.read(found.arguments).example)
    return names
