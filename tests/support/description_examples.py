"""The examples of `docs/openapi.yaml`, each one what an example of the guide really sent or received.

Every example object of the description is under `components/examples`, in one block between two marker
comments (`START_MARKER`, `END_MARKER`) that this module writes as a whole; operations, parameters,
request bodies and shared responses name them with `$ref: "#/components/examples/<Name>"`. Each example
says which example of the guide recorded it, in `x-recorded-by` (its path under `snippets/`, such as
`patients/get_patient.py`), and its `value` is what that example sent or received at one of the places
that use it: a request or response body as JSON, or the value of a path or query parameter, with the
mock's address written as the real API's (`example_runner.normalise`).

- `run_problems`: while `tests/examples/test_snippets.py` runs an example (and records its exchanges), every
  description example that names it must equal what one exchange of the run sent or received at one of
  the example's places (`places`): the same operation (any operation that uses it, when a shared
  component holds it), the same status for a response, and the same value. No example costs a run of
  its own.
- `update_file`: with `--update-outputs` (`make update-outputs`), each example that names the example
  just run takes its value from the run: the value at its places that is most like the stored one
  (unchanged when one equals it). Its `description`, which links the page that shows the example, is
  written anew too. So a new example is added by hand with a name, a summary, `x-recorded-by` and a
  rough value, referenced where it belongs, and `make update-outputs` fills it in.
- `missing_examples`: what every operation must have (its path and query parameters, its JSON request
  body, and each response with a JSON body), apart from what no example of the guide sends or provokes.
- `schema_problems`: each example must fit the schema of every place that uses it.
"""

from __future__ import annotations

import difflib
import json
import re
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import markdown
import yaml
from filelock import FileLock

from cliniko_sandbox.exchanges import Exchange
from example_runner import discover, normalise
from hooks import shortcodes
from hooks.examples import read as read_example_shortcode
from openapi_description import DESCRIPTION_PATH, load_description, operations, resolve
from project import DOCS

#: libyaml's safe loader when PyYAML has it (several times faster than PyYAML's own), else PyYAML's.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: The extension field that names the example of the guide that recorded a description example.
RECORDED_BY = "x-recorded-by"
#: The first and last lines of the block this module writes; everything between them is rewritten.
START_MARKER = "  # >>> Recorded examples. Written by `make update-outputs`: see tests/support/description_examples.py."
END_MARKER = "  # <<< End of the recorded examples."
#: What the block says of itself, under its first marker.
BLOCK_NOTE = (
    "  # Each value is what the example named in x-recorded-by sent or received when the tests last ran\n"
    "  # it; the tests fail when it no longer is. Edit the names, the summaries and x-recorded-by here;\n"
    "  # the values and the descriptions are written from the runs, and comments here are not kept.\n"
)
#: The keys of an example, in the order they are written.
KEYS = ("summary", "description", RECORDED_BY, "value")
GUIDE_URL = "https://cliniko.github.io/cliniko-api/"
JSON = "application/json"

#: Statuses with no recorded example: `431`, a request line and headers over their limit, which the server
#: answers before there is a request to record unless the whole head has arrived; `501`, a transfer
#: coding other than chunked, and `505`, an HTTP version other than 1.1 and 1.0, which no example sends.
UNRECORDED_STATUSES = frozenset({"431", "501", "505"})
#: Query parameters no example of the guide sends: `q`, one filter (the examples send theirs as `q[]`).
#: A deprecated parameter (`order`) needs no example either.
UNRECORDED_PARAMETERS = frozenset({("query", "q")})


class ExamplesError(ValueError):
    """The description's examples cannot be read or written; the message says what is wrong."""


# Where the description uses each example ---------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """One place of one operation where an example stands: its request body, a response, or a parameter."""

    operation_id: str
    method: str
    path: str
    kind: str  # "request", "response" or "parameter"
    status: str = ""  # a response's status
    parameter: tuple[str, str] = ("", "")  # a parameter's (in, name)

    def __str__(self) -> str:
        where = {"request": "request body", "response": f"response {self.status}"}.get(
            self.kind, f"{self.parameter[0]} parameter {self.parameter[1]}"
        )
        return f"{self.operation_id} ({self.method} {self.path}), {where}"


def _named(description: dict[str, Any], examples: Any, where: str, problems: list[str]) -> list[str]:
    """The names of the component examples an `examples` map refers to; an inline one is a problem."""
    names = []
    for key, example in (examples or {}).items():
        ref = example.get("$ref", "") if isinstance(example, dict) else ""
        if not ref.startswith("#/components/examples/"):
            problems.append(f"{where}: example {key!r} is not a $ref to #/components/examples/")
            continue
        name = ref.removeprefix("#/components/examples/")
        if name not in description.get("components", {}).get("examples", {}):
            problems.append(f"{where}: example {key!r} refers to {ref}, which does not exist")
            continue
        names.append(name)
    return names


def parameters_of(description: dict[str, Any], path: str, operation: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """An operation's parameters by (in, name): its path's, then its own, which replace a path's of the same name."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*description["paths"][path].get("parameters", []), *operation.get("parameters", [])]:
        parameter = resolve(description, raw)
        found[(parameter["in"], parameter["name"])] = parameter
    return found


def places(description: dict[str, Any], problems: list[str] | None = None) -> dict[str, list[Place]]:
    """Every component example the operations use, with the places that use it, in the description's order.

    A reference that is not to `#/components/examples/` or names no example is added to `problems`.
    """
    problems = [] if problems is None else problems
    found: dict[str, list[Place]] = defaultdict(list)
    for method, path, operation in operations(description):
        base = Place(operation["operationId"], method, path, "")
        for key, parameter in parameters_of(description, path, operation).items():
            for name in _named(description, parameter.get("examples"), f"{base}, parameter {key[1]}", problems):
                found[name].append(Place(base.operation_id, method, path, "parameter", parameter=key))
        body = resolve(description, operation.get("requestBody", {}))
        for content in body.get("content", {}).values():
            for name in _named(description, content.get("examples"), f"{base}, request body", problems):
                found[name].append(Place(base.operation_id, method, path, "request"))
        for status, raw in operation.get("responses", {}).items():
            for content in resolve(description, raw).get("content", {}).values():
                where = f"{base}, response {status}"
                for name in _named(description, content.get("examples"), where, problems):
                    found[name].append(Place(base.operation_id, method, path, "response", status=status))
    return dict(found)


# What an exchange sent and received at a place ---------------------------------------------------------

#: Stands for "no value here": the exchange is not at the place, or has no JSON there.
_NOTHING = object()


def _template_values(template: str, path: str) -> dict[str, str] | None:
    """The path parameters of a concrete path that fits a path template (`/patients/{id}`), or None."""
    wanted, given = template.strip("/").split("/"), path.strip("/").split("/")
    if len(wanted) != len(given):
        return None
    values = {}
    for part, value in zip(wanted, given):
        if part.startswith("{") and part.endswith("}"):
            values[part[1:-1]] = value
        elif part != value:
            return None
    return values


def _json(data: bytes, host: str) -> Any:
    """A body as JSON, the mock's address in it written as the real API's; `_NOTHING` if it is not JSON."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _NOTHING
    text = normalise(text, host)
    try:
        return json.loads(text)
    except ValueError:
        return _NOTHING


def _parameter_value(description: dict[str, Any], place: Place, exchange: Exchange, path_values: dict[str, str]) -> Any:
    where, name = place.parameter
    if where == "path":
        return path_values.get(name, _NOTHING)
    if where == "header":
        value = exchange.request_header(name)
        return _NOTHING if value is None else value
    if where != "query":
        return _NOTHING
    sent = [value for key, value in parse_qsl(exchange.query, keep_blank_values=True) if key == name]
    if not sent:
        return _NOTHING
    operation = description["paths"][place.path][place.method.lower()]
    parameter = parameters_of(description, place.path, operation)[place.parameter]
    schema = resolve(description, parameter.get("schema", {}))
    if schema.get("type") == "array":
        return sent
    if schema.get("type") == "integer":
        try:
            return int(sent[0])
        except ValueError:
            return sent[0]
    return sent[0]


def value_at(description: dict[str, Any], place: Place, exchange: Exchange, base_path: str, host: str) -> Any:
    """What `exchange` sent or received at `place`, as the example would hold it; `_NOTHING` if it is not there."""
    if exchange.method != place.method:
        return _NOTHING
    path_values = _template_values(place.path, exchange.path.removeprefix(base_path))
    if path_values is None:
        return _NOTHING
    if place.kind == "request":
        return _json(exchange.request_body, host) if exchange.request_body else _NOTHING
    if place.kind == "response":
        if str(exchange.status) != place.status or exchange.response_body_truncated or not exchange.response_body:
            return _NOTHING
        return _json(exchange.response_body, host)
    return _parameter_value(description, place, exchange, path_values)


def _canonical(value: Any) -> str:
    """A value as canonical JSON: equal JSON values give equal text (`true` is not `1`, key order aside)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def recorded_values(
    description: dict[str, Any], name: str, where: list[Place], exchanges: Iterable[Exchange], base_url: str
) -> list[Any]:
    """Every value the run's exchanges sent or received at the places of example `name`, in the run's order."""
    parts = urlsplit(base_url)
    base_path, host = parts.path.rstrip("/"), parts.netloc
    found = []
    for exchange in exchanges:
        for place in where:
            value = value_at(description, place, exchange, base_path, host)
            if value is not _NOTHING:
                found.append(value)
    return found


def _first_difference(stored: Any, recorded: Any, at: str = "") -> str:
    """Where two JSON values first differ, in words: `value/first_name is "Wilma" here, "William" in the run`."""
    if isinstance(stored, dict) and isinstance(recorded, dict):
        for key in [*stored, *(k for k in recorded if k not in stored)]:
            if key not in recorded:
                return f"{at}/{key} is not in the run"
            if key not in stored:
                return f"{at}/{key} of the run is missing"
            if _canonical(stored[key]) != _canonical(recorded[key]):
                return _first_difference(stored[key], recorded[key], f"{at}/{key}")
    if isinstance(stored, list) and isinstance(recorded, list) and len(stored) == len(recorded):
        for index, (left, right) in enumerate(zip(stored, recorded)):
            if _canonical(left) != _canonical(right):
                return _first_difference(left, right, f"{at}/{index}")
    return f"value{at} is {_shown(stored)} here, {_shown(recorded)} in the run"


def _shown(value: Any) -> str:
    return _short(json.dumps(value, ensure_ascii=False))


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _leaves(value: Any, at: str = "") -> set[tuple[str, str]]:
    """A JSON value as the set of its leaves, each with its path: {("/patients/0/id", '"124…"'), …}."""
    if isinstance(value, dict) and value:
        return set().union(*(_leaves(item, f"{at}/{key}") for key, item in value.items()))
    if isinstance(value, list) and value:
        return set().union(*(_leaves(item, f"{at}/{index}") for index, item in enumerate(value)))
    return {(at, _canonical(value))}


def nearest(stored: Any, candidates: list[Any]) -> Any:
    """The candidate most like `stored`: itself when one equals it, else the one that shares the largest part
    of its leaves (path and value) with it, then the one whose JSON text is most alike; the first on a tie."""
    wanted = _canonical(stored)
    for candidate in candidates:
        if _canonical(candidate) == wanted:
            return candidate
    mine = _leaves(stored)

    def likeness(candidate: Any) -> tuple[float, float]:
        theirs = _leaves(candidate)
        shared = len(mine & theirs) / len(mine | theirs)
        return shared, difflib.SequenceMatcher(None, wanted, _canonical(candidate)).ratio()

    return max(candidates, key=likeness)


# The check, during a run --------------------------------------------------------------------------------


@cache
def _catalogue() -> tuple[dict[str, Any], dict[str, Any], dict[str, list[Place]]]:
    """The project's description, its examples and their places, read once per test process."""
    description = load_description()
    return description, description.get("components", {}).get("examples", {}), places(description)


def run_problems(
    snippet: str, exchanges: list[Exchange], base_url: str, description: dict[str, Any] | None = None
) -> list[str]:
    """What is wrong with the description examples that `snippet` recorded, given the exchanges of its run.

    Each example whose `x-recorded-by` is `snippet` must equal the value of one exchange at one of its
    places. `description` defaults to the project's (read once per process).
    """
    if description is None:
        description, examples, where = _catalogue()
    else:
        examples, where = description.get("components", {}).get("examples", {}), places(description)
    found = []
    for name, example in examples.items():
        if not isinstance(example, dict) or example.get(RECORDED_BY) != snippet:
            continue
        if name not in where:
            found.append(f"example {name}: no operation uses it")
            continue
        values = recorded_values(description, name, where[name], exchanges, base_url)
        stored = example.get("value")
        if any(_canonical(value) == _canonical(stored) for value in values):
            continue
        at = "; ".join(str(place) for place in where[name][:3]) + ("; …" if len(where[name]) > 3 else "")
        if not values:
            found.append(f"example {name} says {snippet} recorded it, but no exchange of the run is at its places ({at})")
            continue
        found.append(
            f"example {name} is not what {snippet} sent or received at its places ({at}): "
            f"{_first_difference(stored, nearest(stored, values))}"
        )
    return found


# The block of docs/openapi.yaml ----------------------------------------------------------------------


class _BlockDumper(yaml.SafeDumper):
    """PyYAML's safe dumper, with the items of a list indented under their key, as the rest of the file is."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def split_block(text: str) -> tuple[str, dict[str, Any], str]:
    """The text before the block, the examples it holds (in order), and the text after it."""
    lines = text.splitlines(keepends=True)
    starts = [index for index, line in enumerate(lines) if line.rstrip("\n") == START_MARKER]
    ends = [index for index, line in enumerate(lines) if line.rstrip("\n") == END_MARKER]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise ExamplesError(
            f"the description must hold the recorded examples between one line {START_MARKER.strip()!r} and "
            f"one later line {END_MARKER.strip()!r} (found {len(starts)} and {len(ends)})"
        )
    start, end = starts[0], ends[0]
    try:
        parsed = yaml.load("".join(lines[start + 1 : end]), Loader=_LOADER) or {}  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        raise ExamplesError(f"the recorded examples are not valid YAML: {error}") from None
    if not isinstance(parsed, dict) or set(parsed) != {"examples"} or not isinstance(parsed["examples"], dict):
        raise ExamplesError("the block of recorded examples must hold one mapping, `examples:`, and nothing else")
    return "".join(lines[: start + 1]), parsed["examples"], "".join(lines[end:])


def render_block(examples: dict[str, Any]) -> str:
    """The lines between the markers: the note, then `examples:` with each example's keys in `KEYS` order."""
    ordered = {}
    for name, example in examples.items():
        ordered[name] = {key: example[key] for key in KEYS if key in example}
        ordered[name].update({key: value for key, value in example.items() if key not in KEYS})
    dumped = yaml.dump(
        {"examples": ordered}, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100, indent=2,
        default_flow_style=False,
    )
    return BLOCK_NOTE + "".join(f"  {line}" if line.strip() else line for line in dumped.splitlines(keepends=True))


# Where an example of the guide is shown ------------------------------------------------------------------



@dataclass(frozen=True)
class Shown:
    """Where a page shows an example: the page's title, the section's heading and the section's URL."""

    page_title: str
    heading: str
    url: str


def _page_url(page: Path) -> str:
    relative = page.relative_to(DOCS).with_suffix("").as_posix()
    return GUIDE_URL if relative == "index" else f"{GUIDE_URL}{relative.removesuffix('/index')}/"


@cache
def shown_at() -> dict[str, Shown]:
    """Every example placed on a page (`folder/name`, without suffix), with where it is shown."""
    found: dict[str, Shown] = {}
    for page in sorted(DOCS.rglob("*.md")):
        headings: list[tuple[int, str]] = []  # (level, Markdown of the heading)
        anchors_for: list[int] = []  # for each example on the page: the index of its section's heading
        names: list[str] = []
        # The page's text as the site shows it (a contract's number in a heading), its examples still shortcodes.
        text, _ = shortcodes.expand(page.read_text(encoding="utf-8"), inline_only=True)
        for line in shortcodes.lines(text):
            if line.code:
                continue
            heading = shortcodes.HEADING.match(line.text)
            if heading:
                attributes = f" {{{heading['attributes']}}}" if heading["attributes"] else ""
                headings.append((len(heading["marks"]), heading["title"] + attributes))
            for code in shortcodes.shortcodes_in(line):
                if isinstance(code, shortcodes.Shortcode) and code.name == "example":
                    names.append(read_example_shortcode(code.arguments).example)
                    anchors_for.append(len(headings) - 1)
        if not names:
            continue
        # The ids the site gives the headings: the toc extension, as mkdocs.yml configures it, over the
        # headings in their order (so that a repeated heading gets `_1`, as on the site).
        html = markdown.markdown("\n\n".join("#" * level + " " + text for level, text in headings),
                                 extensions=["toc", "attr_list"])
        ids = re.findall(r'<h[1-6] id="([^"]+)"', html)
        titles = [unescape(re.sub(r"<[^>]+>", "", title)) for title in re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", html)]
        url = _page_url(page)
        page_title = titles[0] if headings and headings[0][0] == 1 else page.stem
        for name, index in zip(names, anchors_for):
            if index <= 0 or headings[index][0] == 1:
                found.setdefault(name, Shown(page_title, page_title, url))
            else:
                found.setdefault(name, Shown(page_title, titles[index], f"{url}#{ids[index]}"))
    return found


def recorded_by_text(snippet: str) -> str:
    """The `description` of an example that `snippet` recorded: the page and section that show it."""
    shown = shown_at().get(snippet.rsplit(".", 1)[0])
    if shown is None:
        raise ExamplesError(f"{snippet} is shown on no page (no `<!-- md:example -->` names it), so it cannot record an example")
    section = "" if shown.heading == shown.page_title else f'under "{shown.heading}" '
    # The URL in brackets: a full stop after it would read as part of it.
    return f'Recorded from a run of the example `{snippet}`, shown {section}on the page "{shown.page_title}" ({shown.url}).'


# Rewriting the examples from a run --------------------------------------------------------------------


def _lock() -> FileLock:
    """One lock for every test process that rewrites the description at once (pytest-xdist)."""
    return FileLock(str(Path(tempfile.gettempdir()) / "cliniko-api-openapi-examples.lock"))


def updated(
    description: dict[str, Any], examples: dict[str, Any], snippet: str, exchanges: list[Exchange], base_url: str
) -> list[str]:
    """Give each example that `snippet` recorded its value from the run and its description; return the problems.

    `examples` (the block's, in order) is changed in place; an example with no value in the run keeps
    its own, and is reported.
    """
    where = places(description)
    problems = []
    for name, example in examples.items():
        if not isinstance(example, dict) or example.get(RECORDED_BY) != snippet:
            continue
        values = recorded_values(description, name, where.get(name, []), exchanges, base_url)
        if not values:
            problems.append(f"example {name}: no exchange of {snippet}'s run is at its places, so it keeps its value")
            continue
        example["value"] = nearest(example.get("value"), values)
        example["description"] = recorded_by_text(snippet)
    return problems


def update_file(snippet: str, exchanges: list[Exchange], base_url: str, path: Path = DESCRIPTION_PATH) -> list[str]:
    """Rewrite, in the description at `path`, the examples `snippet` recorded, from its run's exchanges.

    Only the block between the markers is rewritten, and only when it changes; the rest of the file is
    left as it is. Safe to call from several test processes at once. Returns the problems found.
    """
    with _lock():
        text = path.read_text(encoding="utf-8")
        before, examples, after = split_block(text)
        try:
            description = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
        except yaml.YAMLError as error:
            raise ExamplesError(f"{path.name} is not valid YAML: {error}") from None
        problems = updated(description, examples, snippet, exchanges, base_url)
        new_text = before + render_block(examples) + after
        if new_text != text:
            path.write_text(new_text, encoding="utf-8")
    return problems


# Whether each example fits where it is used ---------------------------------------------------------


def schema_at(description: dict[str, Any], place: Place) -> Any:
    """The schema the value of an example must fit at `place`: the body's, the response's or the parameter's."""
    operation = description["paths"][place.path][place.method.lower()]
    if place.kind == "parameter":
        return parameters_of(description, place.path, operation)[place.parameter].get("schema", {})
    if place.kind == "request":
        holder = resolve(description, operation["requestBody"])
    else:
        holder = resolve(description, operation["responses"][place.status])
    return holder["content"][JSON].get("schema", {})


def schema_problems(description: dict[str, Any]) -> list[str]:
    """Each example whose value does not fit the schema of a place that uses it, in words.

    Linters report the same (Spectral's `oas3-valid-media-example`, Redocly's
    `no-invalid-media-type-examples`), so a request sent wrong on purpose, to show a `422`, can't be an
    example of a request body: its response is the example of the `422`.
    """
    from openapi_schema_validator import OAS31Validator

    components = description.get("components", {})
    found = []
    for name, where in places(description).items():
        value = components["examples"][name].get("value")
        for place in where:
            # The schema within the description, so that its `#/components/...` references resolve.
            schema = {"components": components, "allOf": [schema_at(description, place)]}
            validator = OAS31Validator(schema, format_checker=OAS31Validator.FORMAT_CHECKER)
            for error in validator.iter_errors(value):
                at = "/".join(str(step) for step in error.absolute_path)
                found.append(f"example {name}, at {place}: {('value/' + at) if at else 'value'}: {error.message}")
                break
    return found


# What every operation must have ----------------------------------------------------------------------


def _has_examples(content: dict[str, Any]) -> bool:
    return bool(content.get("examples") or "example" in content)


def missing_examples(description: dict[str, Any]) -> list[str]:
    """Each place of each operation that needs an example and has none, in words.

    Needed: every path and query parameter (a deprecated one aside), the JSON request body, and every
    response with a JSON body; apart from `UNRECORDED_STATUSES` and `UNRECORDED_PARAMETERS`.
    """
    found = []
    for method, path, operation in operations(description):
        where = f"{operation['operationId']} ({method} {path})"
        for (kind, name), parameter in parameters_of(description, path, operation).items():
            needed = kind in {"path", "query"} and not parameter.get("deprecated") and (kind, name) not in UNRECORDED_PARAMETERS
            if needed and not _has_examples(parameter):
                found.append(f"{where}: the {kind} parameter {name} has no example")
        body = resolve(description, operation.get("requestBody", {}))
        if JSON in body.get("content", {}) and not _has_examples(body["content"][JSON]):
            found.append(f"{where}: the request body has no example")
        for status, raw in operation.get("responses", {}).items():
            content = resolve(description, raw).get("content", {})
            if JSON in content and status not in UNRECORDED_STATUSES and not _has_examples(content[JSON]):
                found.append(f"{where}: the response {status} has no example")
    return found


def known_snippets() -> set[str]:
    """The examples of the guide, as `x-recorded-by` names them (`patients/get_patient.py`)."""
    return {example.name for example in discover()}
