"""The reference tables of the resource pages come from `docs/openapi.yaml`, and only from it.

* Every operation of the description is placed on a resource page with `<!-- md:openapi -->`.
* No hand-written table on a resource page is keyed by a field, parameter, status or header that a
  rendered table of the same page lists, so nothing is described in two places.
* The built pages show what the description says: each operation's statuses, and the limits of its
  parameters and fields.
* Each status, in its table and in the description's own text, names only the causes that can apply to
  its operation (no query ranges for a request that takes no query parameters, no body for a `GET`), and
  every cause that does.
* The renderer (`hooks/openapi_reference.py`, through the shortcodes' dispatcher `hooks/shortcodes.py`)
  reports a bad shortcode, and turns the description's links to the guide into links between pages.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cliniko_sandbox.contract import FIELD_LIMITS
from hooks import openapi_reference as reference
from hooks import shortcodes
from openapi_description import load_description, operations, resolve
from project import DOCS

RESOURCE_PAGES = sorted((DOCS / "resources").glob("*.md"))


def expand(markdown: str, description: dict[str, Any], page: str) -> tuple[str, list[str]]:
    """A page (its path under docs/) with its shortcodes expanded from `description`, and the problems."""
    return shortcodes.expand(markdown, shortcodes.Context(page=page, openapi=description))


def _tables(markdown: str) -> list[list[list[str]]]:
    """Every Markdown table outside fenced code: a list of rows (header row first), each a list of cells."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in shortcodes.lines(markdown + "\n"):  # an empty line at the end closes the last table
        if not line.code and line.text.lstrip().startswith("|"):
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.text.strip().strip("|"))]
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
    rendered, problems = expand(page_markdown, load_description(), page)
    assert not problems, problems
    # The hand-written tables as a reader reads them, with their contract numbers in place.
    own, problems = shortcodes.expand(page_markdown, shortcodes.Context(page=page), inline_only=True)
    assert not problems, problems
    hand_written = _keys(_tables(own))
    # The rendered tables are those the expansion added: every table of the expanded page that is not
    # one of the hand-written ones.
    hand_rows = {tuple(row) for table in _tables(own) for row in table}
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
        for code in shortcodes.find(path.read_text(encoding="utf-8")):
            assert not isinstance(code, Exception), f"{path.name}: {code}"
            if code.name == "openapi":
                placed.update({operation_id: path.name for operation_id in code.arguments.split()})
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
    assert first_name[0] == "first_name (required)" and f"at most {FIELD_LIMITS['first_name']} characters" in first_name[1]


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
        ("<!-- md:openapi-table getPatient -->", "line 1: unknown shortcode 'md:openapi-table'"),
        ("<!-- md:openapi get-patient -->", "line 1: malformed shortcode"),
    ],
)
def test_a_bad_shortcode_is_reported(line: str, problem: str) -> None:
    _, problems = expand(line + "\n", load_description(), "resources/patients.md")
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_a_shortcode_in_fenced_code_is_left_alone() -> None:
    page = "```markdown\n<!-- md:openapi getPatient -->\n```\n"
    assert expand(page, load_description(), "contributing.md") == (page, [])


# Each status row names only the causes that can apply to its operation ---------------------------------

#: The methods whose body the API reads, as JSON, whether or not the description gives them one (an
#: archive takes no body, but one sent must still be JSON). A `GET`'s or a `HEAD`'s body is never read.
BODY_METHODS = frozenset({"post", "put", "patch"})


@dataclass(frozen=True)
class Request:
    """What a request to one operation can carry, read from the operation in the description."""

    method: str
    #: The names of its query parameters.
    query: frozenset[str]
    #: Whether one of its query parameters has a range (`minimum`, `maximum`).
    ranged_query: bool
    #: The names of its header parameters, in lower case.
    headers: frozenset[str]
    #: Whether its path names a record (a path parameter).
    names_a_record: bool
    #: Whether the description gives it a request body with a schema, whose values are checked.
    checked_body: bool

    @classmethod
    def of(cls, description: dict[str, Any], path: str, method: str, operation: dict[str, Any]) -> Request:
        item = description["paths"][path]
        parameters = [resolve(description, p) for p in [*item.get("parameters", []), *operation.get("parameters", [])]]
        where = {kind: [p for p in parameters if p["in"] == kind] for kind in ("query", "header", "path")}
        body = resolve(description, operation.get("requestBody", {}))
        return cls(
            method=method.lower(),
            query=frozenset(p["name"] for p in where["query"]),
            ranged_query=any({"minimum", "maximum"} & set(p.get("schema", {})) for p in where["query"]),
            headers=frozenset(p["name"].lower() for p in where["header"]),
            names_a_record=bool(where["path"]),
            checked_body=any(media.get("schema") for media in body.get("content", {}).values()),
        )

    @property
    def reads_body(self) -> bool:
        return self.method in BODY_METHODS


@dataclass(frozen=True)
class Cause:
    """One reason the API gives a status, how a row names it, and which requests it can apply to."""

    status: str
    name: str
    mention: str
    applies: Callable[[Request], bool]


#: The causes a row may name, each with the requests that can meet it (as the mock answers them).
CAUSES = [
    Cause("400", "a query parameter the operation does not take", r"\bdoes not take\b", lambda r: bool(r.query)),
    Cause("400", "any query parameter, where none is taken", r"\btakes none\b", lambda r: not r.query),
    Cause("400", "a query parameter out of range", r"\bout of range\b", lambda r: r.ranged_query),
    Cause("400", "a filter that can't be applied", r"\bfilters?\b", lambda r: "q[]" in r.query),
    Cause("400", "a sort that can't be applied", r"\bsort\b", lambda r: "sort" in r.query),
    Cause("400", "an order that can't be applied", r"`order`", lambda r: "order" in r.query),
    Cause("400", "a body that is not JSON", r"\bnot valid JSON\b", lambda r: r.reads_body),
    Cause("413", "a body larger than the limit", r"\bbody is larger\b", lambda r: r.reads_body),
    Cause("415", "a body's media type or coding", r"Content-Type|Content-Encoding", lambda r: r.reads_body),
    Cause("422", "a body whose values are not acceptable", r"\bvalues are not acceptable\b", lambda r: r.checked_body),
    Cause("403", "a change the key's role may not make", r"\bmay not make this change\b", lambda r: r.method not in {"get", "head"}),
    Cause("404", "a record ID that names no record", r"\bthis ID\b", lambda r: r.names_a_record),
    Cause("409", "a change to a record whose state forbids it", r"\bcan't be changed\b", lambda r: r.checked_body and r.names_a_record),
    Cause("412", "a precondition that fails", r"If-Match|If-Unmodified-Since", lambda r: bool({"if-match", "if-unmodified-since"} & r.headers)),
    Cause("304", "a kept copy that is still current", r"\bcopy you kept\b", lambda r: bool({"if-none-match", "if-modified-since"} & r.headers)),
]


def _status_texts(description: dict[str, Any], operation_id: str, page: str) -> list[tuple[str, str, str]]:
    """`(where, status, text)` for each status of an operation: the row its table shows, and the
    description's own text of the response (what Postman and generated clients show)."""
    rendered, problems = expand(f"<!-- md:openapi {operation_id} -->\n", description, page)
    assert not problems, problems
    tables = [table for table in _tables(rendered) if table[0] == ["Status", "When"]]
    assert len(tables) == 1, f"{operation_id}: {len(tables)} status tables rendered"
    texts = [("the table", _key(row[0]), row[1]) for row in tables[0][1:]]
    operation = reference.find_operation(description, operation_id).operation
    for status, response in operation["responses"].items():
        texts.append(("the description", status, " ".join(resolve(description, response)["description"].split())))
    return texts


def cause_problems(description: dict[str, Any]) -> list[str]:
    """Each status text that names a cause its operation cannot meet, or leaves out one it can, in words."""
    placed = _placed_operations()
    problems = []
    for method, path, operation in operations(description):
        request = Request.of(description, path, method, operation)
        operation_id = operation["operationId"]
        page = f"resources/{placed.get(operation_id, 'patients.md')}"
        for where, status, text in _status_texts(description, operation_id, page):
            for cause in CAUSES:
                named = re.search(cause.mention, text) is not None
                if named and not cause.applies(request):
                    problems.append(f"{method} {path}, {status} in {where}: names {cause.name}, which cannot apply")
                if not named and cause.applies(request) and cause.status == status:
                    problems.append(f"{method} {path}, {status} in {where}: leaves out {cause.name}")
    return problems


def test_each_status_names_only_the_causes_that_apply_to_its_operation() -> None:
    problems = cause_problems(load_description())
    assert not problems, "\n".join(problems)


def test_a_cause_that_cannot_apply_is_reported() -> None:
    """A shared `400` that speaks of query ranges and bodies, under `GET /user`, is caught; so is a row
    of `GET /patients` that leaves the ranges out."""
    description = load_description()
    user = description["paths"]["/user"]["get"]["responses"]
    user["400"] = {**resolve(description, user["400"]), "description": "The `User-Agent` names no contact e-mail, "
                   "the URL has a query parameter (this operation takes none), `per_page` is out of range, or the "
                   "body is not valid JSON."}
    patients = description["paths"]["/patients"]["get"]["responses"]
    patients["400"] = {**resolve(description, patients["400"]), "description": "A query parameter the operation "
                       "does not take, a filter, `sort` or `order` that can't be applied."}
    problems = cause_problems(description)
    assert "GET /user, 400 in the table: names a query parameter out of range, which cannot apply" in problems
    assert "GET /user, 400 in the description: names a body that is not JSON, which cannot apply" in problems
    assert "GET /patients, 400 in the table: leaves out a query parameter out of range" in problems
    assert len(problems) == 6, problems
