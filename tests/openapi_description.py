"""The OpenAPI description of the API (`docs/openapi.yaml`), loaded once for every test that needs it.

One module, so that the tests that validate the description, fuzz the mock against it and check the
examples' exchanges all read the same file in the same way.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from project import ROOT
DESCRIPTION_PATH = ROOT / "docs" / "openapi.yaml"
#: The HTTP methods an OpenAPI path item may describe, in the order the specification lists them.
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@cache
def _parsed(path: Path) -> dict[str, Any]:
    description = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(description, dict):
        raise ValueError(f"{path} does not hold a YAML mapping")
    return description


def load_description(path: Path = DESCRIPTION_PATH) -> dict[str, Any]:
    """The description as plain data; a fresh copy each time, so a caller may change it freely."""
    return copy.deepcopy(_parsed(path))


def served_from(base_url: str, description: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of the description whose only server is `base_url` (the mock's, in the tests)."""
    described = copy.deepcopy(description) if description is not None else load_description()
    described["servers"] = [{"url": base_url.rstrip("/")}]
    return described


def operations(description: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every operation as (METHOD, path, operation object), in the order the description lists them."""
    for path, item in description.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def resolve(description: dict[str, Any], node: Any) -> Any:
    """Follow a local `$ref` (`#/components/...`) until the object it names; other nodes as they are."""
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            raise ValueError(f"cannot resolve {ref!r}: only local, non-circular references are used here")
        seen.add(ref)
        node = description
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node
