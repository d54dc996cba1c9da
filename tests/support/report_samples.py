"""Pieces of HTML as the build writes them around examples, and how to read the report links in a page:
shared by the site layer's tests of the links and the browser layer's check of what the copy button copies."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

ADDRESS = "https://example.test/guide/"
LINK = re.compile(r'<p class="example-report" data-search-exclude><a href="([^"]*)"[^>]*aria-label="([^"]*)"')


def links(html: str) -> list[tuple[str, str, str]]:
    """(title, body, accessible name) of each link, in order."""
    found = []
    for address, label in LINK.findall(html):
        query = parse_qs(urlsplit(address.replace("&amp;", "&")).query)
        found.append((query["title"][0], query["body"][0], label))
    return found


def block(code: str, filename: str | None = None) -> str:
    title = f'<span class="filename">{filename}</span>' if filename else ""
    return f'<div class="language-python highlight">{title}<pre><span></span><code>{code}</code></pre></div>'


def tabs(*panels: str) -> str:
    """A set of content tabs, "Python" then "curl", as pymdownx.tabbed writes it, holding `panels`."""
    labels = "".join(f'<label for="t{index}">{label}</label>' for index, label in enumerate(["Python", "curl"][: len(panels)]))
    blocks = "".join(f'<div class="tabbed-block">\n{panel}\n</div>' for panel in panels)
    return f'<div class="tabbed-set tabbed-alternate"><div class="tabbed-labels">{labels}</div><div class="tabbed-content">{blocks}</div></div>\n'


def with_output(code: str, output: str) -> str:
    """A block and its output, as the example shortcode lays them out."""
    return block(code) + "\n<p>Output:</p>\n" + block(output)


SETUP = (
    '<div class="admonition example sandbox-setup" data-example="rate-limiting/over_the_limit">\n'
    '<p class="admonition-title">To see this output in the sandbox</p>\n' + block("curl -X POST ...") + "\n<p>Then run it.</p>\n</div>\n"
)
#: Three examples as the shortcode places them (two in two languages, the second with sandbox commands;
#: the third in Python alone), a plain block, and a block whose paragraph before it only mentions output.
EXAMPLES = (
    '<h1 id="limits">Limits</h1>\n<h2 id="spent">Spent</h2>\n'
    + tabs(with_output("one()", "1"), with_output("curl one", "1"))
    + SETUP
    + tabs(with_output("two()", "2"), with_output("curl two", "2"))
    + with_output("three()", "3")
    + block("plain()")
    + "\n<p>Output: none.</p>\n" + block("four()")
)
