"""The OpenAPI description (`docs/openapi.yaml`) read as plain data, once for each content of the file.

The one loader of the description: the build's hooks (the reference tables of `hooks/openapi_reference.py`
and `openapi.json` of `hooks/openapi_json.py`) and the tests (`tests/support/openapi_description.py`) all read it
here, so that they parse it the same way. A file is parsed again only when its content changes: a page
that places several tables, a test module that loads it at import and `mkdocs serve` after an edit all
get what the file holds now, parsed once.

* `load(path)` - the description, shared between its callers: never change it, copy it first
  (`copy.deepcopy`). A file that cannot be read, is not YAML, or holds no OpenAPI description is a
  `DescriptionError` whose message names the file and says what is wrong, in one line.
* `resolve(description, node)` - a node with its local `$ref`s followed to what they name.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

#: libyaml's loader where PyYAML was built with it: the same safe loading, ten times faster than PyYAML's own.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: The HTTP methods an OpenAPI path item may describe, in the order the specification lists them.
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class DescriptionError(ValueError):
    """The description cannot be read or used; the message names the file or the reference, and the problem."""


def load(path: Path) -> dict[str, Any]:
    """The OpenAPI description at `path`, parsed once for each content of the file; shared, so never change it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise DescriptionError(f"cannot read the OpenAPI description {path}: {reason}") from None
    try:
        return _parsed(text)
    except yaml.YAMLError as error:
        raise DescriptionError(f"{path} is not valid YAML: {_yaml_problem(error)}") from None
    except DescriptionError as error:
        raise DescriptionError(f"{path} {error}") from None


@functools.lru_cache(maxsize=8)
def _parsed(text: str) -> dict[str, Any]:
    """The description a file's content holds; the content is the key, so an edited file is read afresh."""
    description = yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    if not isinstance(description, dict):
        raise DescriptionError(f"holds a YAML {type(description).__name__}, not an OpenAPI description (a mapping)")
    if not isinstance(description.get("openapi"), str):
        raise DescriptionError("is not an OpenAPI description: it has no `openapi` field naming its version")
    return description


def _yaml_problem(error: yaml.YAMLError) -> str:
    """PyYAML's error in one line: what is wrong, and where."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"{error.problem} (line {mark.line + 1}, column {mark.column + 1})"
    return " ".join(str(error).split())


def resolve(description: dict[str, Any], node: Any) -> Any:
    """`node`, or what its local `$ref` (`#/components/...`) names, followed until a node without one."""
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
            raise DescriptionError(f"cannot follow {ref!r}: only local references that lead to no loop are followed")
        seen.add(ref)
        node = description
        for part in ref[2:].split("/"):
            key = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or key not in node:
                raise DescriptionError(f"{ref!r} names nothing in the description")
            node = node[key]
    return node


def operations(description: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """Every operation as (method, path, path item, operation object), in the order the description lists them."""
    for path, item in (description.get("paths") or {}).items():
        for method in METHODS:
            if method in item:
                yield method, path, item, item[method]
