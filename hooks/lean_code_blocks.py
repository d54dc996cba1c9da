"""Code blocks that cost the browser and the search index less.

Most of each page's elements sit in its code blocks, so this MkDocs hook trims them after Markdown has
rendered the page:

- Pygments wraps each run of whitespace in `<span class="w">` and each string prefix (the `f` of an
  f-string) in `<span class="sa">`, which no style colours, and each plain name and constant keyword
  (`True`, `None`) in `<span class="n">` or `"kc"`, which Material colours with the code's own text
  colour (`--md-code-hl-name-color` is `--md-code-fg-color` in both schemes, and `extra.css` leaves it
  so). These spans go and their text stays.
- Neighbouring tokens drawn in the same colour become one span: the pieces of a string and its
  `{interpolations}`, or a bracket next to an operator. `COLOUR_GROUPS` lists which classes share a
  colour: Material's stylesheet maps each class of a group to the same variable, except the muted group,
  whose three variables have one value in each scheme (the tests check both). Comments never merge:
  Material finds a code annotation by the class of its comment span.
- Each of the two steps leaves the pages looking the same with about a tenth fewer elements on those
  with the most code. Each element costs the browser work every time Material's scripts make it
  recompute the page's styles.
- Each block gets `data-search-exclude`, which Material's search plugin honours: the index keeps the
  prose, where the names a reader types (headers, fields, statuses) appear in inline code, and leaves out
  the examples, which made up most of its size.
- A page whose front matter sets `search: {lead_only: true}` (the contributors' guide) is indexed by each
  section's heading and its first paragraph only: a contributor's search finds the section, and every
  reader's download of the index stays small.

Plain regular expressions over the rendered HTML: Pygments writes these tags in one fixed form, and
parsing each page into a tree would cost more build time than the rest of this hook saves.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from mkdocs.plugins import CombinedEvent, event_priority

#: The opening tag of a highlighted block (pymdownx.highlight), or of the labels of a set of content
#: tabs ("Python", "curl": the same words at every example).
BLOCK_START = re.compile(r'<div class="(?:[^"]* )?(?:highlight|tabbed-labels)(?: [^"]*)?"(?![^>]*data-search-exclude)')
#: A token drawn in the code's own text colour: Pygments' classes "w" (whitespace) and "sa" (a string's
#: prefix), which no stylesheet colours, and "n" (a plain name) and "kc" (True, None), which Material
#: colours with `--md-code-hl-name-color`, the text colour.
PLAIN_TOKEN = re.compile(r'<span class="(?:w|n|sa|kc)">([^<]*)</span>')
#: Pygments' classes that Material draws in one colour, by the variable (`--md-code-hl-<name>-color`)
#: that gives it. "muted" stands for the three variables of `MUTED_VARIABLES`, which Material and
#: extra.css set to one value in each scheme.
COLOUR_GROUPS = {
    "muted": ("o", "ow", "p", "na", "nv", "vc", "vg", "vi"),
    "string": ("cpf", "l", "s", "s1", "s2", "sb", "sc", "si", "ss"),
    "special": ("cp", "se", "sh", "sr", "sx"),
    "number": ("il", "m", "mb", "mf", "mh", "mi", "mo"),
    "keyword": ("k", "kd", "kn", "kp", "kr", "kt", "nd", "ni", "nl", "nt"),
    "constant": ("bp", "nb", "no"),
    "function": ("nc", "ne", "nf", "nn"),
}
#: The muted group's variables: operators, punctuation, and variables (`$API_KEY`, attribute names).
MUTED_VARIABLES = ("operator", "punctuation", "variable")
_GROUP_OF = {name: group for group, names in COLOUR_GROUPS.items() for name in names}
#: Two or more token spans in a row, each with one class and text only.
TOKEN_RUN = re.compile(r'(?:<span class="[a-z0-9]+">[^<]*</span>){2,}')
TOKEN = re.compile(r'<span class="([a-z0-9]+)">([^<]*)</span>')


def _merge_same_colour(run: re.Match[str]) -> str:
    """A run of token spans, each stretch of one colour group made one span with its first class."""
    merged: list[list[str]] = []
    last_group = None
    for token in TOKEN.finditer(run.group(0)):
        name, text = token.groups()
        group = _GROUP_OF.get(name)
        if group is not None and group == last_group:
            merged[-1][1] += text
        else:
            merged.append([name, text])
        last_group = group
    return "".join(f'<span class="{name}">{text}</span>' for name, text in merged)


def lighten(html: str) -> str:
    """The page's HTML with its code blocks trimmed as the module describes."""
    html = TOKEN_RUN.sub(_merge_same_colour, PLAIN_TOKEN.sub(r"\1", html))
    return BLOCK_START.sub(lambda match: match.group(0) + " data-search-exclude", html)


def on_page_content(html: str, **kwargs: Any) -> str:
    return lighten(html)


#: A block kept out of the search index, with its content: a highlighted block or a set of tab labels,
#: neither of which holds a `<div>` of its own.
EXCLUDED_BLOCK = re.compile(r"(<div [^>]*data-search-exclude[^>]*>).*?(</div>)", re.DOTALL)
#: The heading of an object of the mkdocstrings reference (the client's classes and methods).
REFERENCE_HEADING = re.compile(r'(<h[1-6] [^>]*class="doc doc-heading")')
#: What Material's search plugin removes from the page once it has read it.
SEARCH_ATTRIBUTE = re.compile(r'\s?data-search-\w+="[^"]+"')
#: A heading that starts a section of the search index, as Python-Markdown writes it (with an id).
SECTION_HEADING = re.compile(r"<h[1-6] id=")
#: The first paragraph of a section, right after its heading and the headerlink inside it.
LEAD = re.compile(r"\s*</h[1-6]>\s*<p>.*?</p>", re.DOTALL)
#: Marks an element for the search plugin only; `_restore_the_code_blocks` puts the page back.
SEARCH_ONLY_WRAPPER = '<div data-search-exclude="">{}</div>'
_full_content: dict[str, str] = {}


@event_priority(100)
def _show_search_the_prose_only(context: Any, page: Any, **kwargs: Any) -> Any:
    """Before the search plugin reads the page: empty the blocks it would leave out anyway, and leave out
    the sections of the mkdocstrings reference.

    Material's parser handles every tag of every code block only to drop it, which was the largest part
    of the search plugin's time; the index it makes is the same. The reference repeats, one docstring
    per section, what the prose of its page says: the names a reader types (`paginate`,
    `RateLimitError`) are in that prose, and its docstrings were a tenth of the index.
    """
    _full_content[page.file.src_uri] = page.content
    content = EXCLUDED_BLOCK.sub(r"\1\2", page.content)
    content = REFERENCE_HEADING.sub(r"\1 data-search-exclude", content)
    if (page.meta.get("search") or {}).get("lead_only"):
        content = leads_only(content)
    page.content = content
    return context


def leads_only(content: str) -> str:
    """The page with each section past its heading's first paragraph wrapped in an excluded element.

    A section starts at a heading; the part before the first heading (the page's own title) is kept.
    A section whose heading is followed by something other than a paragraph keeps its heading only.
    """
    starts = [match.start() for match in SECTION_HEADING.finditer(content)]
    if not starts:
        return content
    pieces = [content[: starts[0]]]
    for start, end in zip(starts, starts[1:] + [len(content)]):
        section = content[start:end]
        closing_tag = section.find("</h")
        lead = LEAD.match(section, closing_tag)
        keep = lead.end() if lead else section.find(">", closing_tag) + 1
        rest = section[keep:]
        pieces.append(section[:keep] + (SEARCH_ONLY_WRAPPER.format(rest) if rest.strip() else rest))
    return "".join(pieces)


@event_priority(-100)
def _restore_the_code_blocks(context: Any, page: Any, **kwargs: Any) -> Any:
    """After the search plugin: the page's full content again, without the attributes meant for search."""
    full = _full_content.pop(page.file.src_uri, None)
    if full is not None:
        page.content = SEARCH_ATTRIBUTE.sub("", full)
    return context


on_page_context = CombinedEvent(_show_search_the_prose_only, _restore_the_code_blocks)


#: The markup Material keeps in a search entry's text. Material shows the text as a short plain excerpt
#: under each result, so the tags cost every page's download and change little that a reader sees.
BLOCK_TAG = re.compile(r"</?(?:p|ul|ol|li)>")
INLINE_TAG = re.compile(r"</?[a-z][a-z0-9]*>")
WHITESPACE_RUN = re.compile(r"\s+")


def compact_search_index(path: Path) -> None:
    """Rewrite Material's search index with each entry's text as plain text, in as few characters as it needs."""
    index = json.loads(path.read_text(encoding="utf-8"))
    for entry in index.get("docs", []):
        text = INLINE_TAG.sub("", BLOCK_TAG.sub(" ", entry.get("text", "")))
        entry["text"] = WHITESPACE_RUN.sub(" ", text).strip()
    path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def on_post_build(config: Any, **kwargs: Any) -> None:
    path = Path(config["site_dir"]) / "search" / "search_index.json"
    if path.is_file():
        compact_search_index(path)
