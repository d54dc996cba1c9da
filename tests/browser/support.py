"""What a page shows of a snippet: the code blocks of a page's Markdown that include one, and their text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from example_runner import shown_text
from project import SNIPPETS


def snippet(relative: str) -> str:
    """The text of a file under snippets/."""
    return (SNIPPETS / relative).read_text(encoding="utf-8")


# Snippet includes, as pymdownx.snippets reads them: `--8<-- "path"` or `--8<-- "path:section"`.
INCLUDE = re.compile(r'^\s*-{1,}8<-{1,}\s+"(?P<spec>[^"]+)"\s*$')
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})")


@dataclass(frozen=True)
class IncludedExample:
    """A code block of a page that consists of one snippet include, and the text it shows."""

    spec: str
    text: str


def included_examples(markdown: str) -> list[IncludedExample]:
    """Every fenced code block of a page whose whole content is one snippet include."""
    examples = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        fence = opening.group("fence")
        body = []
        index += 1
        while index < len(lines):
            closing = FENCE.match(lines[index])
            if closing and closing.group("fence")[0] == fence[0] and len(closing.group("fence")) >= len(fence):
                if lines[index].strip() == closing.group("fence"):
                    break
            body.append(lines[index])
            index += 1
        index += 1
        content = [line for line in body if line.strip()]
        if len(content) == 1:
            include = INCLUDE.match(content[0])
            if include:
                text = shown_text(include.group("spec"))
                if text is not None:
                    examples.append(IncludedExample(include.group("spec"), text))
    return examples
