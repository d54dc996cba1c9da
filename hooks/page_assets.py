"""Each page links only the stylesheets it uses, and Material's search dialog has a name.

mkdocstrings adds its stylesheet to every page of the site, but only a page that shows part of the
Python client's reference (an element of class `doc`) uses it. On every other page the link costs a
reader's first visit one more request and about 1.7 KB, for rules that match nothing.

Material's template leaves its search dialog (`role="dialog"`) without an accessible name, so a screen
reader announces an unnamed dialog, and axe-core reports it. The name is written into the page here,
rather than by a script at load.
"""

from __future__ import annotations

import re
from typing import Any

#: The `<link>` mkdocstrings adds to the head of every page: relative on a page, absolute on the 404 page.
MKDOCSTRINGS_STYLESHEET = re.compile(r'\s*<link rel="stylesheet" href="[^"]*assets/_mkdocstrings\.css">')
#: What mkdocstrings renders: every object of the reference is in an element of class "doc".
REFERENCE = re.compile(r'class="doc[ "]')


#: Material's search dialog, as its template writes it.
SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
NAMED_SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog" aria-label="Search">'


def without_unused_stylesheets(html: str) -> str:
    """The page's HTML, without mkdocstrings' stylesheet when the page shows none of the reference."""
    if REFERENCE.search(html):
        return html
    return MKDOCSTRINGS_STYLESHEET.sub("", html, count=1)


def with_named_search_dialog(html: str) -> str:
    """The page's HTML, with a name on the search dialog; an error if the template changed."""
    if SEARCH_DIALOG not in html:
        raise ValueError(
            f"hooks/page_assets.py: no {SEARCH_DIALOG} in a page; Material's search template changed, "
            "so update SEARCH_DIALOG to name the dialog again"
        )
    return html.replace(SEARCH_DIALOG, NAMED_SEARCH_DIALOG, 1)


def on_post_page(output: str, **kwargs: Any) -> str:
    return with_named_search_dialog(without_unused_stylesheets(output))


def on_post_template(output_content: str, template_name: str, **kwargs: Any) -> str:
    """The 404 page, which MkDocs renders as a template of its own rather than as a page."""
    if not template_name.endswith(".html"):
        return output_content  # sitemap.xml
    return with_named_search_dialog(without_unused_stylesheets(output_content))
