"""The reference tables of the resource pages come from `docs/openapi.yaml`, and only from it.

* Every operation of the description is placed on a resource page with `<!-- md:openapi -->`.
* No hand-written table on a resource page is keyed by a field, parameter, status or header that a
  rendered table of the same page lists, so nothing is described in two places.
* The built pages show what the description says: each operation's statuses, and the limits of its
  parameters and fields.
* The renderer (`hooks/openapi_reference.py`) reports a bad shortcode, and turns the description's links
  to the guide into links between pages.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

from openapi_description import load_description, operations
from project import DOCS, ROOT

RESOURCE_PAGES = sorted((DOCS / "resources").glob("*.md"))
sys.path.append(str(ROOT / "hooks"))

import openapi_reference as reference  # noqa: E402

FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")


def _tables(markdown: str) -> list[list[list[str]]]:
    """Every Markdown table outside fenced code: a list of rows (header row first), each a list of cells."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    fence = ""
    for line in [*markdown.splitlines(), ""]:
        opening = FENCE.match(line)
        if opening:
            fence = "" if fence and line.strip().startswith(fence) else (fence or opening.group(1))
        if not fence and line.lstrip().startswith("|"):
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
            if not all(set(cell) <= set("-: ") for cell in cells):
                current.append(cells)
            continue
        if current:
            tables.append(current)
            current = []
    return tables


def _key(cell: str) -> str:
    """What a table's first cell names: its first code span (`per_page`, `404`), else its text."""
    code = re.search(r"`([^`]+)`", cell)
    return (code.group(1) if code else cell).strip().lower()


def _keys(tables: list[list[list[str]]]) -> set[str]:
    return {_key(row[0]) for table in tables for row in table[1:] if row and row[0].strip()}


def duplicated_names(page_markdown: str, page: str) -> set[str]:
    """Names that a hand-written table of the page and a table rendered from the description both list."""
    rendered, problems = reference.expand(page_markdown, load_description(), page)
    assert not problems, problems
    hand_written = _keys(_tables(page_markdown))
    # The rendered tables are those the expansion added: every table of the expanded page that is not
    # one of the hand-written ones.
    hand_rows = {tuple(row) for table in _tables(page_markdown) for row in table}
    added = [table for table in _tables(rendered) if not {tuple(row) for row in table} <= hand_rows]
    from_description = _keys(added)
    return hand_written & from_description


@pytest.mark.parametrize("path", RESOURCE_PAGES, ids=lambda path: path.name)
def test_no_hand_written_table_repeats_the_description(path: Path) -> None:
    page = path.relative_to(DOCS).as_posix()
    duplicates = duplicated_names(path.read_text(encoding="utf-8"), page)
    assert not duplicates, (
        f"docs/{page} describes {', '.join(sorted(duplicates))} in a hand-written table and in a table rendered "
        "from docs/openapi.yaml; remove the hand-written row and say it in the description"
    )


def test_the_duplicate_check_finds_a_hand_written_status_table() -> None:
    """A page that writes its own status table next to the rendered one is caught."""
    page = "<!-- md:openapi getPatient -->\n\n| Status | When |\n| --- | --- |\n| `404` | no such patient |\n"
    assert duplicated_names(page, "resources/patients.md") == {"404"}
    fields = "<!-- md:openapi-schema Patient -->\n\n| Field | Meaning |\n| --- | --- |\n| `email` | an address |\n"
    assert duplicated_names(fields, "resources/patients.md") == {"email"}


def _placed_operations() -> dict[str, str]:
    placed: dict[str, str] = {}
    for path in RESOURCE_PAGES:
        for code in reference.shortcodes(path.read_text(encoding="utf-8")):
            assert not isinstance(code, Exception), f"{path.name}: {code}"
            if code.kind == "":
                placed.update({operation_id: path.name for operation_id in code.names})
    return placed


def test_every_operation_of_the_description_is_on_a_resource_page() -> None:
    described = [operation["operationId"] for _, _, operation in operations(load_description())]
    placed = _placed_operations()
    missing = [operation_id for operation_id in described if operation_id not in placed]
    assert not missing, f"no resource page places these operations with <!-- md:openapi -->: {', '.join(missing)}"
    unknown = sorted(set(placed) - set(described))
    assert not unknown, f"resource pages place operations the description does not have: {unknown}"


# The built pages ---------------------------------------------------------------------------------------


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _table_after(page_html: str, label: str) -> list[list[str]]:
    """The rows of the first table after a bold label, as text."""
    start = page_html.index(label)
    table = page_html[start : page_html.index("</table>", start)]
    return [[_text(cell) for cell in re.findall(r"<t[dh]>(.*?)</t[dh]>", row, re.S)] for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


def test_the_built_pages_show_each_operations_statuses_from_the_description(built_site: Path) -> None:
    description = load_description()
    placed = _placed_operations()
    for method, path, operation in operations(description):
        page_html = (built_site / "resources" / Path(placed[operation["operationId"]]).stem / "index.html").read_text(encoding="utf-8")
        label = f"Statuses of <code>{method} {path}</code>"
        if label not in page_html:
            # An alias or a HEAD is one sentence after the operation it repeats; its statuses are those.
            assert f"<code>{method} {path}</code> takes the same" in page_html, f"{method} {path} is not on its page"
            continue
        shown = [row[0] for row in _table_after(page_html, label)[1:]]
        assert shown == list(operation["responses"]), f"{method} {path}: the page shows {shown}"


def test_the_built_pages_show_the_limits_of_the_description(built_site: Path) -> None:
    description = load_description()
    patients = (built_site / "resources" / "patients" / "index.html").read_text(encoding="utf-8")
    per_page = description["components"]["parameters"]["PerPage"]["schema"]
    rows = {row[0]: row for row in _table_after(patients, "Parameters of <code>GET /patients</code>")[1:]}
    assert f"from {per_page['minimum']} to {per_page['maximum']}" in rows["per_page (query)"][1]
    assert f"default {per_page['default']}" in rows["per_page (query)"][1]
    assert "User-Agent (header, required)" in rows
    fields = [row[0] for row in _table_after(patients, "Request body of <code>POST /patients</code>")[1:]]
    new_patient = description["components"]["schemas"]["NewPatient"]
    assert fields == [name + (" (required)" if name in new_patient["required"] else "") for name in new_patient["properties"]]
    first_name = _table_after(patients, "Request body of <code>POST /patients</code>")[2]
    assert first_name[0] == "first_name (required)" and "at most 100 characters" in first_name[1]


# The renderer ------------------------------------------------------------------------------------------


def test_links_to_the_guide_become_links_between_pages() -> None:
    text = "Refused (https://cliniko.github.io/cliniko-api/making-requests/#accept-json); see it | now."
    assert reference.prose(text, "resources/user.md") == (
        "Refused (see [Making requests](../making-requests.md#accept-json)); see it \\| now."
    )
    here = reference.prose("https://cliniko.github.io/cliniko-api/resources/patients/#list-patients", "resources/patients.md")
    assert here == "[List patients](#list-patients)"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("<!-- md:openapi getPatients -->", "line 1: the description has no operation 'getPatients'"),
        ("<!-- md:openapi-schema Doctor -->", "line 1: the description has no schema 'Doctor'"),
        ("<!-- md:openapi-index Invoices -->", "line 1: the description has no operation tagged 'Invoices'"),
        ("<!-- md:openapi-schema Patient User -->", "line 1: md:openapi-schema takes one name"),
        ("<!-- md:openapi getPatient", "line 1: malformed shortcode"),
        ("<!-- md:openapi-table getPatient -->", "line 1: malformed shortcode"),
    ],
)
def test_a_bad_shortcode_is_reported(line: str, problem: str) -> None:
    _, problems = reference.expand(line + "\n", load_description(), "resources/patients.md")
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_a_shortcode_in_fenced_code_is_left_alone() -> None:
    page = "```markdown\n<!-- md:openapi getPatient -->\n```\n"
    assert reference.expand(page, load_description(), "contributing.md") == (page, [])
