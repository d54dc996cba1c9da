"""What a page shows of the files under `snippets/`, read from its Markdown source.

A page places an example with the `<!-- md:example -->` shortcode, which the site build expands
(`hooks/examples.py`); this module expands it the same way, by calling that module, and then reads the
snippet includes (`--8<-- "path"`) in the page's fenced code blocks, as pymdownx.snippets will.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from example_runner import LIBRARIES, SNIPPETS, shown_text
from project import ROOT

HOOK = ROOT / "hooks" / "examples.py"

# Snippet includes, as pymdownx.snippets reads them: `--8<-- "path"` or `--8<-- "path:section"`.
INCLUDE = re.compile(r'^\s*-{1,}8<-{1,}\s+"(?P<spec>[^"]+)"\s*$')
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})")


def example_hook() -> ModuleType:
    """The build's shortcode extension, loaded from its file, so that the project's root need not be on the path."""
    name = "example_shortcode_hook"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HOOK)
        assert spec is not None and spec.loader is not None, f"cannot load {HOOK}"
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def snippet(relative: str) -> str:
    """The text of a file under snippets/."""
    return (SNIPPETS / relative).read_text(encoding="utf-8")


def expanded(markdown: str) -> str:
    """A page's Markdown with its example shortcodes expanded, as the build does; a bad one raises."""
    text, problems = example_hook().expand(markdown, SNIPPETS)
    if problems:
        raise ValueError("the page's example shortcodes cannot be expanded:\n" + "\n".join(problems))
    return text


@dataclass(frozen=True)
class IncludedExample:
    """A code block of a page that consists of one snippet include, and the text it shows."""

    spec: str
    text: str


def _fenced_blocks(lines: list[str]) -> list[list[str]]:
    """The lines inside each fenced code block."""
    blocks = []
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
        blocks.append(body)
    return blocks


def included_examples(markdown: str) -> list[IncludedExample]:
    """Every fenced code block of a page (shortcodes expanded) whose whole content is one snippet include."""
    examples = []
    for body in _fenced_blocks(expanded(markdown).splitlines()):
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
    for found in example_hook().shortcodes(markdown):
        if isinstance(found, Exception):
            raise ValueError(f"a bad example shortcode: {found}")
        names.append(found.example)
    return names
