"""What llms.txt's Markdown pages leave out of the HTML they are made from (mkdocs-llmstxt's `preprocess`).

A code annotation marker (`# (1)!`) is in the HTML, but a reader never sees it: Material shows a
numbered bubble in its place, and the copy button leaves it out. The Markdown leaves it out too, so
that each code block there is the example file exactly as the tests run it.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString

ANNOTATION_MARKER = re.compile(r"^#[ \t]*\(\d+\)![ \t]*$")


def preprocess(soup: BeautifulSoup, output: str) -> None:  # noqa: ARG001 - the plugin passes the path
    """Drop every annotation marker, and the spaces before it, from the page's code blocks."""
    for code in soup.select("pre code"):
        for comment in code.find_all("span", class_="c1"):
            if not ANNOTATION_MARKER.match(comment.get_text()):
                continue
            before = comment.previous_sibling
            if isinstance(before, NavigableString) and before.strip(" \t") == "":
                before.extract()
            comment.decompose()
