"""Each page links only the stylesheets it uses.

mkdocstrings adds its stylesheet to every page of the site, but only a page that shows part of the
Python client's reference (an element of class `doc`) uses it. On every other page the link costs a
reader's first visit one more request and about 1.7 KB, for rules that match nothing.

Material writes the links of `extra_css` straight into its base template, in no block or partial that
an override could replace, so the link is taken out of the rendered page here. What a template can do,
such as naming Material's search dialog, is done by a template under `overrides/` instead.
"""

from __future__ import annotations

import re
from typing import Any

#: The `<link>` mkdocstrings adds to the head of every page: relative on a page, absolute on the 404 page.
MKDOCSTRINGS_STYLESHEET = re.compile(r'\s*<link rel="stylesheet" href="[^"]*assets/_mkdocstrings\.css">')
#: What mkdocstrings renders: every object of the reference is in an element of class "doc".
REFERENCE = re.compile(r'class="doc[ "]')


def without_unused_stylesheets(html: str) -> str:
    """The page's HTML, without mkdocstrings' stylesheet when the page shows none of the reference."""
    if REFERENCE.search(html):
        return html
    return MKDOCSTRINGS_STYLESHEET.sub("", html, count=1)


def on_post_page(output: str, **kwargs: Any) -> str:
    return without_unused_stylesheets(output)


def on_post_template(output_content: str, template_name: str, **kwargs: Any) -> str:
    """The 404 page, which MkDocs renders as a template of its own rather than as a page."""
    if not template_name.endswith(".html"):
        return output_content  # sitemap.xml
    return without_unused_stylesheets(output_content)
