"""Every section that states a rule of this guide's own says so, with one label that links to "About this guide".

Cliniko's README leaves some rules open ("Todo", "None yet"), and this guide defines them: the roles and
what each may do, the order in which a request is checked, the 1 MiB body limit and the 16 KiB limit on
the headers, fixed rate-limit windows, the limits on patient fields, the responses to ambiguous requests
(two `Authorization` headers, a header that holds one value sent twice, a body framed two ways, a
content-encoded body) and to plain HTTP, the most problems a `422` lists, `409` for a change to an
archived patient, `400` for a query parameter a request does not take, fields added to responses within
a version, and that a deprecated feature keeps working until a new version. A reader must be able to
tell them from Cliniko's own rules, so a section of a page (the text under one heading, down to the next
heading) that states one of them carries the label

    [Guide's own rule](index.md#about-this-guide)

(with the path that leads from its page to the home page). The label is a plain Markdown link so that it
reads on GitHub too; the site's stylesheet draws every link to that section as a small label, so no
other link may point there.

The rules are recognised by a few phrases each (RULE_PHRASES). A new way of stating one of them needs a
phrase here; a phrase that matches a section that does not state the rule needs rewording, in the page or
here.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from hooks import shortcodes
from project import ROOT
DOCS = ROOT / "docs"
ABOUT_PAGE = "index.md"
ABOUT_ANCHOR = "about-this-guide"
LABEL = "Guide's own rule"

#: Each rule of the guide's own, and the phrases that state it. A section matches a rule when it
#: contains every pattern of one of the rule's phrase groups.
RULE_PHRASES: dict[str, list[tuple[str, ...]]] = {
    "the 1 MiB body limit": [(r"\b1 MiB\b",)],
    "the order of checks": [
        (r"checks?, in this order",),
        (r"\bis checked before\b",),
        (r"\bchecks the [^.]{1,40} before\b",),
        (r"\bfirst problem the API finds\b",),
    ],
    "the roles and what each may do": [(r"\bbookkeepers?\b",), (r"\breceptionists?\b",)],
    "fixed rate-limit windows": [(r"\bfixed\b[^.]{0,40}\bwindows?\b",), (r"\bwindows? (?:is|are) fixed\b",)],
    "the limits on patient fields": [(r"\bat most \d+ characters\b",), (r"\bmaximum is \d+\b",)],
    "the 400 response to plain HTTP": [(r"\bplain HTTP\b", r"`400\b")],
    "the 16 KiB limit on the headers": [(r"\b16 KiB\b",)],
    "the 415 response to a content-encoded body": [(r"`Content-Encoding`", r"`415\b")],
    "the 400 response to two Authorization headers": [(r"\btwo `Authorization` headers\b", r"`400\b")],
    "the 400 response to a body framed two ways": [
        (r"`Content-Length`[^.]{0,40}`Transfer-Encoding`", r"`400\b"),
    ],
    "the 400 response to a header that holds one value sent twice": [(r"\bholds one value\b", r"`400\b")],
    "the most problems a 422 lists": [(r"`errors_not_listed`",)],
    "If-Match and If-Unmodified-Since on changes, with 412": [(r"`If-Match`", r"`412\b"), (r"`if_match`", r"`412`")],
    "how filters compare text and empty fields": [(r"\bwithout regard to case\b",)],
    "which day is today for a date of birth": [(r'"today" is\b',)],
    "409 for a change to an archived patient": [(r"`409\b", r"\barchived\b")],
    "400 for a query parameter a request does not take": [
        (r"\bquery parameter (?:it|the request|a request) does not take\b",),
        (r"\bquery parameter the API does not know\b",),
    ],
    "fields added to responses within a version": [(r"\bfields may be added to responses\b",)],
    "a deprecated feature keeps working until a new version": [(r"\bdeprecated\b", r"\buntil a new version\b")],
}

LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")


@dataclass(frozen=True)
class Section:
    """The text under one heading of a page, down to the next heading."""

    page: str
    heading: str
    text: str


def sections(page: str, markdown: str) -> list[Section]:
    """Cut a page into sections at its headings; fenced code is left out, and so are its `#` lines.

    The text is the page's as a reader reads it: a contract's number written as a shortcode
    (`<!-- md:contract max_body -->`) is its text ("1 MiB"), as the build writes it.
    """
    found: list[Section] = []
    heading, lines = "(top of the page)", []
    text, problems = shortcodes.expand(markdown, inline_only=True)
    assert not problems, f"{page}: {problems}"
    for line in shortcodes.lines(text):
        if line.code:
            continue
        match = shortcodes.HEADING.match(line.text)
        if match:
            found.append(Section(page, heading, "\n".join(lines)))
            heading, lines = match.group("title"), []
        else:
            lines.append(line.text)
    found.append(Section(page, heading, "\n".join(lines)))
    return found


def rules_stated(text: str) -> list[str]:
    """The guide's own rules that a piece of text states, by RULE_PHRASES."""
    return [
        rule
        for rule, groups in RULE_PHRASES.items()
        if any(all(re.search(pattern, text, re.IGNORECASE) for pattern in group) for group in groups)
    ]


def about_target(page: str) -> str:
    """The link target that leads from `page` (relative to docs/) to the About section."""
    if page == ABOUT_PAGE:
        return f"#{ABOUT_ANCHOR}"
    relative = posixpath.relpath(ABOUT_PAGE, posixpath.dirname(page) or ".")
    return f"{relative}#{ABOUT_ANCHOR}"


def label_problems(section: Section) -> list[str]:
    """What is wrong with the labels of one section: a missing label, or one that leads elsewhere."""
    problems = []
    links = [(match["text"], match["target"]) for match in LINK.finditer(section.text)]
    labels = [target for text, target in links if text == LABEL]
    where = f"{section.page}, section {section.heading!r}"
    for text, target in links:
        if text == LABEL and target != about_target(section.page):
            problems.append(f"{where}: the label links to {target!r}, not {about_target(section.page)!r}")
        if text != LABEL and target.endswith(f"#{ABOUT_ANCHOR}"):
            problems.append(
                f"{where}: the link {text!r} points at the About section, which the site draws as the "
                "guide-rule label; link somewhere else, or use the label"
            )
    stated = rules_stated(section.text)
    if stated and not labels:
        problems.append(f"{where}: states {', '.join(stated)} but has no [{LABEL}]({about_target(section.page)})")
    return problems


def pages() -> list[str]:
    return sorted(
        path.relative_to(DOCS).as_posix()
        for path in DOCS.rglob("*.md")
        # The contributing page talks about the site itself, not about the API's rules.
        if path.relative_to(DOCS).as_posix() != "contributing.md"
    )


@pytest.mark.parametrize("page", pages())
def test_every_section_with_a_rule_of_the_guide_carries_the_label(page: str) -> None:
    problems = [
        problem
        for section in sections(page, (DOCS / page).read_text(encoding="utf-8"))
        for problem in label_problems(section)
    ]
    assert not problems, "\n".join(problems)


def test_the_label_is_used_where_the_rules_are() -> None:
    """The phrases find the sections they were written for: a phrase list that matches nothing is stale."""
    matched = {
        rule
        for page in pages()
        for section in sections(page, (DOCS / page).read_text(encoding="utf-8"))
        for rule in rules_stated(section.text)
    }
    assert matched == set(RULE_PHRASES), f"no page states {sorted(set(RULE_PHRASES) - matched)}"


@pytest.mark.parametrize(
    ("page", "markdown", "expected"),
    [
        ("errors.md", "## Limits\n\nA body may hold 1 MiB.\n", "states the 1 MiB body limit but has no"),
        # As a contract's number, the limit reads as the page shows it.
        ("errors.md", "## Limits\n\nA body may hold <!-- md:contract max_body -->.\n", "states the 1 MiB body limit"),
        ("rate-limiting.md", "## Rule\n\nWindows are fixed.\n", "states fixed rate-limit windows"),
        ("security.md", "## HTTPS\n\nPlain HTTP gets `400`.\n", "states the 400 response to plain HTTP"),
        ("making-requests.md", "## Size\n\nHeaders over 16 KiB get `431`.\n", "states the 16 KiB limit"),
        ("errors.md", "## Body\n\nThe rest are counted in `errors_not_listed`.\n", "states the most problems a 422"),
        (
            "making-requests.md",
            "## Twice\n\nA header that holds one value, sent twice, gets `400`.\n",
            "states the 400 response to a header that holds one value sent twice",
        ),
        (
            "authentication.md",
            "## Keys\n\nA request with two `Authorization` headers gets `400`.\n",
            "states the 400 response to two Authorization headers",
        ),
        ("resources/patients.md", "# P\n\nA bookkeeper may read.\n", "states the roles and what each may do"),
        (
            "resources/patients.md",
            "## Errors\n\nSee [Guide's own rule](index.md#about-this-guide). The role is checked before.\n",
            "links to 'index.md#about-this-guide', not '../index.md#about-this-guide'",
        ),
        ("pagination.md", "## Read\n\nSee [the About section](index.md#about-this-guide).\n", "points at the About"),
        ("errors.md", "## Conflict\n\nAn archived patient gets `409`.\n", "states 409 for a change to an archived patient"),
        (
            "pagination.md",
            "## Names\n\nA query parameter the request does not take gets `400`.\n",
            "states 400 for a query parameter a request does not take",
        ),
        ("versions.md", "## V1\n\nFields may be added to responses.\n", "states fields added to responses within a version"),
        (
            "versions.md",
            "## Old\n\nA deprecated parameter works until a new version.\n",
            "states a deprecated feature keeps working until a new version",
        ),
    ],
)
def test_a_missing_or_wrong_label_is_reported(page: str, markdown: str, expected: str) -> None:
    problems = [problem for section in sections(page, markdown) for problem in label_problems(section)]
    assert any(expected in problem for problem in problems), problems


def test_a_rule_inside_fenced_code_needs_no_label() -> None:
    markdown = "## Example\n\n```text\nbody over 1 MiB\n```\n"
    assert [problem for section in sections("errors.md", markdown) for problem in label_problems(section)] == []


class _Anchors(HTMLParser):
    """The ids of a built page, and the text of each link to the About section."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.label_texts: list[str] = []
        self._in_label = False
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        href = values.get("href") or ""
        classes = (values.get("class") or "").split()
        in_content = "headerlink" not in classes and "md-nav__link" not in classes
        if tag == "a" and href.endswith(f"#{ABOUT_ANCHOR}") and in_content:
            self._in_label, self._text = True, []

    def handle_data(self, data: str) -> None:
        if self._in_label:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._in_label:
            self.label_texts.append("".join(self._text).strip())
            self._in_label = False


def _parse(path: Path) -> _Anchors:
    parser = _Anchors()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_the_built_site_has_the_about_section_and_the_labels(built_site: Path) -> None:
    home = _parse(built_site / "index.html")
    assert ABOUT_ANCHOR in home.ids, "the home page has no 'About this guide' section"
    for page in pages():
        source = (DOCS / page).read_text(encoding="utf-8")
        expected = source.count(f"[{LABEL}](")
        built = built_site / (
            "index.html" if page == ABOUT_PAGE else page.removesuffix(".md") + "/index.html"
        )
        texts = _parse(built).label_texts
        # Links to the About section in the page's content are the labels, and nothing else.
        assert texts == [LABEL] * expected, f"{page}: links to the About section read {texts}"
