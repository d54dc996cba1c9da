"""The `<!-- md:openapi ... -->` shortcodes: reference tables rendered from `docs/openapi.yaml` at build time.

A page writes, on a line of its own:

    <!-- md:openapi getPatient -->
    <!-- md:openapi updatePatient patchPatient -->
    <!-- md:openapi-schema Patient -->
    <!-- md:openapi-index Patients -->

* `md:openapi <operationId> [<operationId> ...]`: for the first operation, its parameters, its request
  body's fields (type, whether required, limits), its statuses with when each is sent, and its response
  headers. Each further operation (an alias such as `PATCH`, or the `HEAD` of a `GET`) gets one sentence
  when the description gives it the same request and responses (a `HEAD` without the body), and its own
  tables otherwise.
* `md:openapi-schema <Schema>`: the fields of a record (`components/schemas`), nested objects flattened
  as `links.self`.
* `md:openapi-index <tag>`: one row per operation of the tag: method and path, summary, success status.

Everything shown comes from the description, so a page cannot disagree with it. Links the description
makes to the guide (`https://cliniko.github.io/cliniko-api/...`) become links between the site's pages,
which the strict build checks. Regular-expression patterns are not shown: each field or parameter with one
says in its description what it accepts.

The rendering is pure: a shortcode's arguments and the description in, Markdown lines out (the three
`*_shortcode` functions at the end). `hooks/shortcodes.py` finds the shortcodes in a page and calls them,
as a Python-Markdown extension rather than an MkDocs hook, so that Zensical renders the tables too; the
description comes from the loader the tests read it with too (`cliniko_docs.description`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cliniko_docs import description as loader
from cliniko_docs.description import resolve

#: The site the description links to; its links are rewritten as links between pages.
GUIDE_URL = "https://cliniko.github.io/cliniko-api/"
#: What a shortcode of this module names: an operationId, a schema or a tag.
NAME = re.compile(r"[A-Za-z0-9_]+")
USAGE = (
    "write <!-- md:openapi <operationId> [<operationId> ...] -->, <!-- md:openapi-schema <Schema> --> "
    "or <!-- md:openapi-index <tag> --> on a line of its own"
)
GUIDE_LINK = re.compile(r"\(?" + re.escape(GUIDE_URL) + r"(?P<path>[^\s)#]*)(?:#(?P<fragment>[^\s)]*))?\)?")


class ReferenceError(ValueError):
    """A shortcode that cannot be rendered; the message says what is wrong (`hooks/shortcodes.py` adds the line)."""


# Reading the description ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    item: dict[str, Any]
    operation: dict[str, Any]

    @property
    def id(self) -> str:
        return self.operation["operationId"]

    @property
    def title(self) -> str:
        return f"{self.method.upper()} {self.path}"


def operations(description: dict[str, Any]) -> Iterator[Operation]:
    """Every operation, in the order the description lists them."""
    for method, path, item, operation in loader.operations(description):
        yield Operation(method, path, item, operation)


def find_operation(description: dict[str, Any], operation_id: str) -> Operation:
    for operation in operations(description):
        if operation.id == operation_id:
            return operation
    known = ", ".join(operation.id for operation in operations(description))
    raise ReferenceError(f"the description has no operation {operation_id!r} (it has {known})")


# Text ----------------------------------------------------------------------------------------------


def _page_title(path: str) -> str:
    last = path.strip("/").split("/")[-1] if path.strip("/") else "home"
    return last.replace("-", " ").capitalize()


def _page_source(path: str) -> str:
    """The Markdown file of a guide URL's path: `errors/` is `errors.md`, the root `index.md`."""
    path = path.strip("/")
    return f"{path}.md" if path else "index.md"


def guide_target(path: str, fragment: str | None, page: str) -> str:
    """The link from `page` (a path under docs/) to the guide page at `path`, as the site's Markdown writes it."""
    source = _page_source(path)
    target = "" if source == page else posixpath.relpath(source, posixpath.dirname(page) or ".")
    return target + (f"#{fragment}" if fragment else "") or "#"


def prose(text: str | None, page: str) -> str:
    """A description as one line of Markdown for a table cell, its guide links made relative to `page`."""
    if not text:
        return ""

    def link(match: re.Match[str]) -> str:
        path, fragment = match.group("path"), match.group("fragment")
        here = _page_source(path) == page
        label = fragment.replace("-", " ").capitalize() if here and fragment else _page_title(path)
        rendered = f"[{label}]({guide_target(path, fragment, page)})"
        wrapped = match.group(0).startswith("(") and match.group(0).endswith(")")
        return f"(see {rendered})" if wrapped else rendered

    one_line = " ".join(str(text).split())
    return GUIDE_LINK.sub(link, one_line).replace("|", "\\|")


def _code(value: Any) -> str:
    return f"`{value}`"


def schema_type(description: dict[str, Any], schema: Any) -> str:
    """A schema's type in words: `string or null`, `date (YYYY-MM-DD)`, `list of Patient`."""
    name = schema["$ref"].rsplit("/", 1)[-1] if isinstance(schema, dict) and "$ref" in schema else None
    schema = resolve(description, schema)
    if not isinstance(schema, dict):
        return ""
    if "const" in schema:
        return f"always {_code(schema['const'])}"
    if "title" in schema:
        return str(schema["title"])
    for combiner in ("anyOf", "oneOf"):
        if combiner in schema:
            kinds = [schema_type(description, option) for option in schema[combiner]]
            return _join_or(list(dict.fromkeys(kinds)))
    kinds = schema.get("type", "object" if "properties" in schema else "")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    words = []
    for kind in kinds:
        if kind == "string":
            fmt = schema.get("format")
            if fmt == "date":
                words.append("date (`YYYY-MM-DD`)")
            elif fmt == "date-time":
                words.append("time (ISO 8601, UTC)")
            elif fmt == "uri":
                words.append("URL")
            else:
                words.append("string")
        elif kind == "array":
            items = schema.get("items", {})
            item_name = items["$ref"].rsplit("/", 1)[-1] if "$ref" in items else schema_type(description, items)
            words.append(f"list of {item_name}")
        elif kind == "object" and name and name not in {"SelfLinks"}:
            words.append("object")
        elif kind:
            words.append(str(kind))
    return _join_or(words)


def _join_or(words: list[str]) -> str:
    words = [word for word in words if word]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def limits(description: dict[str, Any], schema: Any) -> list[str]:
    """The bounds a schema sets, in words: `at most 100 characters`, `from 1 to 100`, `default 50`."""
    schema = resolve(description, schema)
    if not isinstance(schema, dict):
        return []
    found: list[str] = []
    for combiner in ("anyOf", "oneOf"):
        for option in schema.get(combiner, []):
            found += limits(description, option)
    low, high = schema.get("minLength"), schema.get("maxLength")
    if low and high:
        found.append(f"{low} to {high} characters")
    elif high is not None:
        found.append(f"at most {high} characters")
    elif low:
        found.append(f"at least {low} character{'s' if low > 1 else ''}")
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        found.append(f"from {low} to {high}")
    elif low is not None:
        found.append(f"at least {low}")
    elif high is not None:
        found.append(f"at most {high}")
    if "maxItems" in schema:
        found.append(f"at most {schema['maxItems']} items")
    if "default" in schema:
        found.append(f"default {_code(schema['default'])}")
    return list(dict.fromkeys(found))


def _type_and_limits(description: dict[str, Any], schema: Any) -> str:
    kind = schema_type(description, schema)
    bounds = limits(description, schema)
    return "; ".join(part for part in (kind, ", ".join(bounds)) if part)


def _meaning(description: dict[str, Any], node: dict[str, Any], page: str) -> str:
    """A property's own description, else that of the schema it refers to."""
    text = node.get("description") or resolve(description, node).get("description")
    return prose(text, page)


def _table(header: list[str], rows: list[list[str]], *, indexed: bool = True) -> list[str]:
    """A Markdown table in a `reference-table` block (the stylesheet keeps first-column names whole).

    With `indexed=False` the block is also kept out of the search index (Material's
    `data-search-exclude`): every operation lists the statuses and headers that every request can get,
    so those tables would fill the index with the same rows many times over and outrank the guide
    pages that explain each status and header, where a search for "429" or "ETag" should lead.
    """
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    exclude = "" if indexed else " data-search-exclude"
    return [f'<div class="reference-table"{exclude} markdown>', "", *lines, "", "</div>"]


# Tables ----------------------------------------------------------------------------------------------


def parameter_rows(description: dict[str, Any], operation: Operation, page: str) -> list[list[str]]:
    """`[name (where, required), type and limits, meaning]` for each parameter: the path's, then the operation's.

    Whether a value is required goes with its name rather than in a column of its own, so that a table
    keeps three columns and stays readable on a phone.
    """
    rows = []
    for raw in [*operation.item.get("parameters", []), *operation.operation.get("parameters", [])]:
        parameter = resolve(description, raw)
        where = f"{parameter['in']}, required" if parameter.get("required") else parameter["in"]
        rows.append([
            f"{_code(parameter['name'])} ({where})",
            _type_and_limits(description, parameter.get("schema", {})),
            prose(parameter.get("description"), page),
        ])
    return rows


def field_rows(
    description: dict[str, Any], schema: Any, page: str, *, required_column: bool, prefix: str = "", note: str = ""
) -> list[list[str]]:
    """One row per property of an object schema; a nested object is flattened (`links.self`), and what the
    description says of the object as a whole (`note`) is added to each of its fields' meanings."""
    schema = resolve(description, schema)
    required = set(schema.get("required", []))
    rows = []
    for name, node in schema.get("properties", {}).items():
        target = resolve(description, node)
        nested = target.get("type") == "object" and "properties" in target
        if nested:
            rows += field_rows(
                description, node, page, required_column=required_column, prefix=f"{prefix}{name}.",
                note=prose(node.get("description"), page),
            )
            continue
        row = [_code(prefix + name) + (" (required)" if required_column and name in required else "")]
        meaning = " ".join(part for part in (_meaning(description, node, page), note) if part)
        row += [_type_and_limits(description, node), meaning]
        rows.append(row)
    return rows


def _responses(description: dict[str, Any], operation: Operation) -> list[tuple[str, dict[str, Any]]]:
    return [(status, resolve(description, response)) for status, response in operation.operation.get("responses", {}).items()]


def status_rows(description: dict[str, Any], operation: Operation, page: str) -> list[list[str]]:
    return [[_code(status), prose(response.get("description"), page)] for status, response in _responses(description, operation)]


def header_rows(description: dict[str, Any], operation: Operation, page: str) -> list[list[str]]:
    """`[header, statuses, value and meaning]`, one row per header and meaning, statuses grouped."""
    grouped: dict[tuple[str, str, str], list[str]] = {}
    statuses = [status for status, _ in _responses(description, operation)]
    for status, response in _responses(description, operation):
        for name, raw in response.get("headers", {}).items():
            header = resolve(description, raw)
            schema = resolve(description, header.get("schema", {}))
            value = f"always {_code(schema['const'])}: " if "const" in schema else ""
            key = (name, value, prose(header.get("description"), page))
            grouped.setdefault(key, []).append(status)
    rows = []
    for (name, value, meaning), with_statuses in grouped.items():
        sent = "every status" if with_statuses == statuses else ", ".join(_code(status) for status in with_statuses)
        rows.append([_code(name), sent, value + meaning])
    return rows


def _same_request(description: dict[str, Any], first: Operation, other: Operation) -> bool:
    def request(operation: Operation) -> Any:
        parameters = [resolve(description, p) for p in [*operation.item.get("parameters", []), *operation.operation.get("parameters", [])]]
        return parameters, resolve(description, operation.operation.get("requestBody", {}))

    return request(first) == request(other)


def _same_responses(description: dict[str, Any], first: Operation, other: Operation, *, without_body: bool) -> bool:
    def shape(operation: Operation) -> dict[str, Any]:
        return {
            status: (sorted(response.get("headers", {})), None if without_body else response.get("content"))
            for status, response in _responses(description, operation)
        }

    return shape(first) == shape(other)


def render_operation(description: dict[str, Any], operation: Operation, page: str) -> list[str]:
    """The tables of one operation, each after a bold label (no headings: the page's own stay the outline)."""
    lines: list[str] = []
    parameters = parameter_rows(description, operation, page)
    if parameters:
        lines += [f"**Parameters of `{operation.title}`**", "", *_table(["Parameter", "Type and limits", "Meaning"], parameters), ""]
    body = operation.operation.get("requestBody")
    if body:
        body = resolve(description, body)
        media, content = next(iter(body.get("content", {}).items()))
        needed = "required" if body.get("required") else "optional"
        intro = f"**Request body of `{operation.title}`**: `{media}`, {needed}; a field marked (required) must be sent."
        if not resolve(description, content.get("schema", {})).get("required"):
            intro = f"**Request body of `{operation.title}`**: `{media}`, {needed}; every field is optional."
        said = prose(body.get("description") or resolve(description, content.get("schema", {})).get("description"), page)
        lines += [f"{intro} {said}".rstrip(), ""]
        lines += [*_table(["Field", "Type and limits", "Meaning"], field_rows(description, content["schema"], page, required_column=True)), ""]
    lines += [f"**Statuses of `{operation.title}`**", "", *_table(["Status", "When"], status_rows(description, operation, page), indexed=False), ""]
    headers = header_rows(description, operation, page)
    if headers:
        lines += [f"**Response headers of `{operation.title}`**", "", *_table(["Header", "Sent with", "Value and meaning"], headers, indexed=False), ""]
    return lines


def render_operations(description: dict[str, Any], operation_ids: list[str], page: str) -> list[str]:
    first = find_operation(description, operation_ids[0])
    lines = render_operation(description, first, page)
    for other_id in operation_ids[1:]:
        other = find_operation(description, other_id)
        head = other.method == "head" and first.method == "get"
        if _same_request(description, first, other) and _same_responses(description, first, other, without_body=head):
            if head:
                lines += [f"`{other.title}` takes the same parameters and gives the same statuses and headers, without a body.", ""]
            else:
                lines += [f"`{other.title}` takes the same request and gives the same responses.", ""]
        else:
            lines += render_operation(description, other, page)
    return lines


def render_schema(description: dict[str, Any], name: str, page: str) -> list[str]:
    schemas = description.get("components", {}).get("schemas", {})
    if name not in schemas:
        raise ReferenceError(f"the description has no schema {name!r} (it has {', '.join(schemas)})")
    rows = field_rows(description, schemas[name], page, required_column=False)
    return [*_table(["Field", "Type", "Meaning"], rows), ""]


def render_index(description: dict[str, Any], tag: str, page: str) -> list[str]:
    rows = []
    for operation in operations(description):
        if tag not in operation.operation.get("tags", []) or operation.method == "head":
            continue
        success = next((status for status in operation.operation.get("responses", {}) if status.startswith("2")), "")
        summary = prose(operation.operation.get("summary"), page)
        docs = operation.operation.get("externalDocs", {}).get("url", "")
        if docs.startswith(GUIDE_URL):
            path, _, fragment = docs.removeprefix(GUIDE_URL).partition("#")
            summary = f"[{summary}]({guide_target(path, fragment or None, page)})"
        rows.append([_code(operation.title), summary, _code(success)])
    if not rows:
        raise ReferenceError(f"the description has no operation tagged {tag!r}")
    return [*_table(["Request", "Does", "Success"], rows), ""]


# Shortcodes ------------------------------------------------------------------------------------------


def _names(kind: str, args: str, *, single: bool) -> list[str]:
    """The names a shortcode's arguments give; a ReferenceError when there are none, or not one where one is due."""
    names = args.split()
    if not names or not all(NAME.fullmatch(name) for name in names):
        raise ReferenceError(f"malformed shortcode 'md:{kind} {args}'; {USAGE}")
    if single and len(names) != 1:
        raise ReferenceError(f"md:{kind} takes one name, not {len(names)}")
    return names


def _rendered(render: Callable[[], list[str]]) -> list[str]:
    """What `render` returns; a part of the description it cannot use becomes a ReferenceError."""
    try:
        return render()
    except (KeyError, TypeError, StopIteration) as error:
        raise ReferenceError(f"the description cannot be rendered here ({type(error).__name__}: {error})") from None


def operations_shortcode(args: str, description: dict[str, Any], page: str) -> list[str]:
    """`<!-- md:openapi <operationId> [...] -->`: the first operation's tables, and a sentence or tables for each other.

    `page` is the page's path under docs/, which the description's links to the guide are made relative to.
    """
    names = _names("openapi", args, single=False)
    return _rendered(lambda: render_operations(description, names, page))


def schema_shortcode(args: str, description: dict[str, Any], page: str) -> list[str]:
    """`<!-- md:openapi-schema <Schema> -->`: the fields of a schema of `components/schemas`."""
    name = _names("openapi-schema", args, single=True)[0]
    return _rendered(lambda: render_schema(description, name, page))


def index_shortcode(args: str, description: dict[str, Any], page: str) -> list[str]:
    """`<!-- md:openapi-index <tag> -->`: one row for each operation with the tag."""
    tag = _names("openapi-index", args, single=True)[0]
    return _rendered(lambda: render_index(description, tag, page))
