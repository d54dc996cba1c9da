"""The one loader of the OpenAPI description (`cliniko_docs.description`), which the build and the tests share.

It parses a file once for each content the file has: the same content is not parsed twice, and a changed
file is never answered from the cache. What cannot be used is one line that names the file (or the
reference) and the problem, in the loader and in the hook that publishes `openapi.json`.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from cliniko_docs import description as loader
from cliniko_docs import postman
from cliniko_docs.description import DescriptionError
from hooks import openapi_json
from openapi_description import DESCRIPTION_PATH, load_description

SMALL = 'openapi: 3.1.0\ninfo: {title: T, version: "1"}\npaths: {}\n'


def test_the_same_content_is_parsed_once_and_a_changed_file_again(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(SMALL, encoding="utf-8")
    second.write_text(SMALL, encoding="utf-8")
    parsed = loader.load(first)
    assert loader.load(first) is parsed and loader.load(second) is parsed
    first.write_text(SMALL.replace("title: T", "title: Changed"), encoding="utf-8")
    assert loader.load(first)["info"]["title"] == "Changed"
    assert loader.load(second) is parsed


def test_the_tests_get_a_copy_of_what_the_build_reads() -> None:
    copy = load_description()
    assert copy == loader.load(DESCRIPTION_PATH) and copy is not loader.load(DESCRIPTION_PATH)
    copy["paths"].clear()
    assert loader.load(DESCRIPTION_PATH)["paths"], "changing a test's copy changed the shared description"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "cannot read the OpenAPI description {path}: No such file or directory"),
        ("openapi: 3.1.0\npaths: [\n", "{path} is not valid YAML: "),
        ("- openapi\n", "{path} holds a YAML list, not an OpenAPI description (a mapping)"),
        ("swagger: '2.0'\npaths: {}\n", "{path} is not an OpenAPI description: it has no `openapi` field naming its version"),
    ],
)
def test_a_file_that_cannot_be_used_is_one_line_naming_it(tmp_path: Path, content: str | None, problem: str) -> None:
    path = tmp_path / "openapi.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(DescriptionError) as raised:
        loader.load(path)
    message = str(raised.value)
    assert message.startswith(problem.format(path=path)) and "\n" not in message, message


def test_bad_yaml_is_placed_by_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "openapi.yaml"
    path.write_text("openapi: 3.1.0\ninfo:\n  title: [unclosed\n", encoding="utf-8")
    with pytest.raises(DescriptionError, match=r"is not valid YAML: .*\(line 4, column 1\)$"):
        loader.load(path)


def test_references_are_followed_to_what_they_name() -> None:
    description = {
        "components": {
            "schemas": {"A": {"$ref": "#/components/schemas/B"}, "B": {"type": "string"}, "a/b": {"type": "integer"}},
            "loop": {"$ref": "#/components/loop"},
        }
    }
    assert loader.resolve(description, {"$ref": "#/components/schemas/A"}) == {"type": "string"}
    assert loader.resolve(description, {"$ref": "#/components/schemas/a~1b"}) == {"type": "integer"}
    assert loader.resolve(description, {"type": "object"}) == {"type": "object"}
    for ref, problem in [
        ("#/components/loop", "only local references that lead to no loop"),
        ("other.yaml#/components/schemas/A", "only local references"),
        ("#/components/schemas/C", "'#/components/schemas/C' names nothing in the description"),
    ]:
        with pytest.raises(DescriptionError, match=problem):
            loader.resolve(description, {"$ref": ref})


def test_the_json_hook_stops_the_build_with_the_loaders_message(tmp_path: Path) -> None:
    (tmp_path / "openapi.yaml").write_text("- not a description\n", encoding="utf-8")
    with pytest.raises(PluginError) as raised:
        openapi_json.on_files([], SimpleNamespace(docs_dir=str(tmp_path)))
    assert str(raised.value) == f"{tmp_path / 'openapi.yaml'} holds a YAML list, not an OpenAPI description (a mapping)"


def test_the_postman_export_reads_the_description_through_the_loader(tmp_path: Path) -> None:
    """`make postman` says what is wrong with a bad description in the loader's one line, and takes the base
    URL from the description the loader parsed."""
    broken = tmp_path / "openapi.yaml"
    broken.write_text("openapi: 3.1.0\npaths: [\n", encoding="utf-8")
    with pytest.raises(postman.PostmanError) as raised:
        postman.first_server(broken)
    assert str(raised.value).startswith(f"{broken} is not valid YAML: ") and "\n" not in str(raised.value)
    assert postman.first_server(DESCRIPTION_PATH) == loader.load(DESCRIPTION_PATH)["servers"][0]["url"]
