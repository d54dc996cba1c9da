"""Home's "Cliniko's live service today" table, and the pages that lead to it.

This guide documents the API as Cliniko's API README describes it. Cliniko's live service has moved on
in a few places, and the table on the home page says where, row by row, naming the source of each side.
The pages that state those rules each link to their row. These checks read the Markdown only (the row
ids are rendered with Python-Markdown's own `attr_list`, as the site does), so they cost almost nothing.
"""

from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser

import markdown
import pytest
from project import DOCS

HOME = "index.md"
SECTION = "### Cliniko's live service today"

#: The sources a row may name, as the home page names them.
SOURCES = (
    "Cliniko's API README",
    "Cliniko's GitHub README",
    "Cliniko's current API portal",
    "This guide's own rule",
)

#: Each page that states a rule where the live service differs, and the rows it must link to.
RULE_PAGES = {
    "rate-limiting.md": ["live-rate-limit"],
    "base-url.md": ["live-base-url"],
    "resources/patients.md": ["live-update", "live-delete"],
    "caching.md": ["live-caching"],
    "data-responses.md": ["live-ids"],
}

#: Names of Cliniko's current portal. No clause that names it may credit it with `PUT`.
PORTAL = re.compile(
    r"current (?:API )?portal|later (?:public )?(?:API )?documentation|docs\.api\.cliniko\.com",
    re.IGNORECASE,
)
CLAUSE_END = re.compile(r"[.;|]\s|\n\s*\n|\|")
LINK = re.compile(r"\[[^\]]+\]\((?P<target>[^)\s]+)\)")


def home_section(text: str) -> str:
    """The text of the live-service section of Home, down to the next heading of its level or above."""
    assert SECTION in text, f"{HOME} has no heading {SECTION!r}"
    rest = text.split(SECTION, 1)[1]
    return re.split(r"^#{1,3} ", rest, maxsplit=1, flags=re.MULTILINE)[0]


def table_rows(section: str) -> tuple[list[str], list[list[str]]]:
    """The header and the body rows of the section's table, each as a list of cells."""
    lines = [
        line.strip() for line in section.splitlines() if line.strip().startswith("|")
    ]
    assert len(lines) >= 3, "the live-service section has no table"
    cells = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines]
    return cells[0], cells[2:]


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        value = dict(attrs).get("id")
        if value:
            self.ids.add(value)


def rendered_ids(section: str) -> set[str]:
    """The ids the section's Markdown gives its HTML, with the extensions the site uses for them."""
    parser = _Ids()
    parser.feed(markdown.markdown(section, extensions=["tables", "attr_list"]))
    return parser.ids


def row_problems(header: list[str], rows: list[list[str]]) -> list[str]:
    """A row without its own id, or one whose Sources cell names none of SOURCES."""
    problems = []
    sources = header.index("Sources")
    for row in rows:
        if not re.search(r"\{#live-[a-z-]+\}", row[0]):
            problems.append(f"row {row[0]!r} has no {{#live-...}} id")
        if len(row) != len(header):
            problems.append(f"row {row[0]!r} has {len(row)} cells, not {len(header)}")
        elif not any(name.lower() in row[sources].lower() for name in SOURCES):
            problems.append(f"row {row[0]!r} names no source: {row[sources]!r}")
    return problems


def blocks(text: str) -> list[str]:
    """A page's paragraphs and list items, each without its list marker."""
    parts = re.split(r"\n\s*\n|\n(?=\s*(?:\d+\.|[-*])\s)", text)
    return [re.sub(r"^\s*(?:\d+\.|[-*])\s+", "", part) for part in parts]


def portal_credits_put(text: str) -> list[str]:
    """Where a page credits Cliniko's current portal with `PUT`.

    That is a clause that names the portal and `PUT` together, or a paragraph or list item that opens by
    naming the portal (as the home page's list of sources does) and names `PUT` anywhere after.
    """
    found = []
    for block in blocks(text):
        clauses = CLAUSE_END.split(block)
        if PORTAL.search(clauses[0]) and "`PUT" in block:
            found.append(" ".join(block.split()))
            continue
        found += [
            " ".join(clause.split())
            for clause in clauses
            if PORTAL.search(clause) and "`PUT" in clause
        ]
    return found


def link_problems(
    page: str, text: str, rows: list[str], home_ids: set[str]
) -> list[str]:
    """The rows a page does not link to, and its links to rows that Home does not have."""
    home = posixpath.relpath(HOME, posixpath.dirname(page) or ".")
    targets = {match["target"] for match in LINK.finditer(text)}
    problems = [
        f"{page} does not link to {home}#{row}"
        for row in rows
        if f"{home}#{row}" not in targets
    ]
    for target in targets:
        path, _, fragment = target.partition("#")
        if path == home and fragment.startswith("live-") and fragment not in home_ids:
            problems.append(
                f"{page} links to {target}, an id that {HOME} does not have"
            )
    return problems


@pytest.fixture(scope="module")
def home() -> str:
    return home_section((DOCS / HOME).read_text(encoding="utf-8"))


def test_every_row_has_an_id_and_names_its_source(home: str) -> None:
    header, rows = table_rows(home)
    assert not row_problems(header, rows), "\n".join(row_problems(header, rows))
    portal = header.index("Cliniko's current API portal")
    assert not [row[portal] for row in rows if "`PUT" in row[portal]], (
        "the portal's column credits it with `PUT`"
    )
    wanted = {row for rows in RULE_PAGES.values() for row in rows}
    assert wanted <= rendered_ids(home), (
        f"Home's table lacks the ids {sorted(wanted - rendered_ids(home))}"
    )


@pytest.mark.parametrize("page", sorted(RULE_PAGES))
def test_each_rule_page_links_to_its_row(page: str, home: str) -> None:
    problems = link_problems(
        page,
        (DOCS / page).read_text(encoding="utf-8"),
        RULE_PAGES[page],
        rendered_ids(home),
    )
    assert not problems, "\n".join(problems)


def test_the_current_portal_is_never_credited_with_put() -> None:
    found = {
        path.relative_to(DOCS).as_posix(): portal_credits_put(
            path.read_text(encoding="utf-8")
        )
        for path in DOCS.rglob("*.md")
    }
    found = {page: clauses for page, clauses in found.items() if clauses}
    assert not found, (
        f"`PUT` is Cliniko's GitHub README's, not its current portal's: {found}"
    )


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (
            lambda: row_problems(
                ["Rule", "Sources"],
                [["**Rate limit**{#live-rate-limit}", "the portal"]],
            ),
            "names no source",
        ),
        (
            lambda: row_problems(
                ["Rule", "Sources"], [["**Rate limit**", "Cliniko's API README"]]
            ),
            "has no",
        ),
        (
            lambda: portal_credits_put(
                "The current API portal lists `PUT` for updates."
            ),
            "current API portal",
        ),
        (
            lambda: portal_credits_put(
                "1. **README**\n2. **Cliniko's later public API documentation** (docs).\n"
                "   It fills in the rest: `PUT` for updates.\n3. **RFCs**"
            ),
            "`PUT` for updates",
        ),
        (
            lambda: link_problems(
                "resources/patients.md",
                "[x](index.md#live-update)",
                ["live-update"],
                {"live-update"},
            ),
            "does not link",
        ),
        (
            lambda: link_problems(
                "caching.md", "[x](index.md#live-cache)", [], {"live-caching"}
            ),
            "does not have",
        ),
    ],
)
def test_the_checks_catch_what_they_are_for(check, expected: str) -> None:
    assert any(expected in problem for problem in check()), check()


def test_a_clause_that_names_another_source_for_put_is_fine() -> None:
    text = "The examples use `PUT`, the method of Cliniko's GitHub README. Cliniko's current API portal lists `PATCH`."
    assert portal_credits_put(text) == []
