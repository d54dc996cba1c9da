"""The OpenAPI description of the API (`docs/openapi.yaml`), as every test that needs it reads it.

One module, so that the tests that validate the description, fuzz the mock against it and check the
examples' exchanges all read the same file in the same way: through the loader the site's build reads it
with too (`cliniko_docs.description`), which parses the file once for each content it has.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cliniko_docs import description as loader
from cliniko_docs.description import resolve  # noqa: F401 - the tests import it from here

from project import ROOT

DESCRIPTION_PATH = ROOT / "docs" / "openapi.yaml"


def load_description(path: Path = DESCRIPTION_PATH) -> dict[str, Any]:
    """The description as plain data; a fresh copy each time, so a caller may change it freely."""
    return copy.deepcopy(loader.load(path))


def served_from(base_url: str, description: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of the description whose only server is `base_url` (the mock's, in the tests)."""
    described = copy.deepcopy(description) if description is not None else load_description()
    described["servers"] = [{"url": base_url.rstrip("/")}]
    return described


def strict_description(description: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of the description that allows no field a response schema does not list.

    The published description leaves its response schemas open, since a field may be added to a response
    within a version ("Within a version" on the Versions and changes page). The tests check the sandbox
    against this strict copy instead, so that it still sends exactly the documented fields.

    Every object schema reached from a response's content gets `additionalProperties: false`, unless it
    already says what other fields may hold (`additionalProperties` as a schema, such as the field errors
    of a `422`). A schema that composes others with `allOf` (`ArchivedPatient`) gets
    `unevaluatedProperties: false` instead (JSON Schema 2020-12, which OpenAPI 3.1 uses): each part is
    then left open at its top, as a part that closed itself would refuse the fields the other parts add.
    A part given by `$ref` is replaced by an open copy of what it names, since the schema it names may
    be closed where it is used on its own. Request bodies are not reached, and stay as they are.

    Args:
        description: the description to copy; the project's own (`load_description`) when None.
    """
    original = description if description is not None else load_description()
    strict = copy.deepcopy(original)
    closed: set[int] = set()

    def visit(schema: Any, *, close: bool = True) -> None:
        if not isinstance(schema, dict) or id(schema) in closed:
            return
        if close:
            closed.add(id(schema))
        if "$ref" in schema:
            visit(resolve(strict, {"$ref": schema["$ref"]}))
        parts = schema.get("allOf")
        if isinstance(parts, list):
            for index, part in enumerate(parts):
                if isinstance(part, dict) and "$ref" in part:
                    part = parts[index] = copy.deepcopy(resolve(original, part))
                visit(part, close=False)
            if close:
                schema.setdefault("unevaluatedProperties", False)
        elif close and (schema.get("type") == "object" or "properties" in schema):
            if "unevaluatedProperties" not in schema:
                schema.setdefault("additionalProperties", False)
        for key in ("oneOf", "anyOf", "prefixItems"):
            for option in schema.get(key, []) or []:
                visit(option)
        for child in (schema.get("properties") or {}).values():
            visit(child)
        for key in ("items", "additionalProperties"):
            visit(schema.get(key))

    for _, _, operation in operations(strict):
        for response in (operation.get("responses") or {}).values():
            for media in (resolve(strict, response).get("content") or {}).values():
                visit(media.get("schema"))
    return strict


def operations(description: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every operation as (METHOD, path, operation object), in the order the description lists them."""
    for method, path, _, operation in loader.operations(description):
        yield method.upper(), path, operation
