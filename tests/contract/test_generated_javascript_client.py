"""The JavaScript client of the OpenAPI page: the types a reader makes from the description hold the example.

The page tells a JavaScript reader to run `npm install openapi-fetch` and
`npx openapi-typescript <published openapi.json> -o cliniko-api.d.ts`, and its example
(`snippets/openapi/generated_client.mjs`) gives openapi-fetch's client those types in a JSDoc comment.
These tests do what the page says, in a folder that stands for the reader's project (its `node_modules`
are the pinned tools of `tools/node/`, which hold openapi-typescript and openapi-fetch at the versions
the page names), with `docs/openapi.yaml` in place of the published address. Then TypeScript's checker
(TypeScript 7, pinned there too) reads the example against those types: it must find nothing, and it
must find a path, a parameter or a field that the description does not have.

`tests/examples/test_snippets.py` runs the example itself against the sandbox, as every example.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from cliniko_docs import node_tools
from generated_client import published_description_url
from project import DOCS, ROOT, SNIPPETS, in_ci

PAGE = DOCS / "openapi.md"
EXAMPLE = SNIPPETS / "openapi" / "generated_client.mjs"
TYPES = "cliniko-api.d.ts"
#: The page's command that writes the types.
COMMAND = re.compile(r"`(npx openapi-typescript [^`]+)`")
#: How the checker reads the example: JavaScript checked with its JSDoc types, as an editor does, for
#: Node.js (whose own types come from @types/node), without checking the packages' own declarations.
CHECK = (
    "--noEmit", "--allowJs", "--checkJs", "--skipLibCheck", "--target", "es2022", "--module", "esnext",
    "--moduleResolution", "bundler", "--types", "node", "--useUnknownInCatchVariables", "false",
)
TIMEOUT = 120


def page_command() -> list[str]:
    """The page's openapi-typescript command, split into words; it must read the published description."""
    found = COMMAND.findall(PAGE.read_text(encoding="utf-8"))
    assert len(found) == 1, f"{PAGE.name} should give the openapi-typescript command once; found {found}"
    words = shlex.split(found[0])
    assert published_description_url() in words, f"{found[0]!r} does not read {published_description_url()}"
    assert words[-2:] == ["-o", TYPES], f"{found[0]!r} does not write {TYPES}"
    return words


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A reader's project after the page's two commands, with the example in it."""
    try:
        modules = node_tools.node_modules()
    except node_tools.NodeMissing as error:
        if in_ci():
            pytest.fail(f"{error}; .ci/run installs nodejs and npm where they are missing", pytrace=False)
        pytest.skip(str(error))
    folder = tmp_path_factory.mktemp("javascript-client")
    (folder / "node_modules").symlink_to(modules, target_is_directory=True)
    words = page_command()
    words[words.index(published_description_url())] = str(ROOT / "docs" / "openapi.yaml")
    generator = [str(modules / ".bin" / "openapi-typescript"), *words[2:]]
    made = subprocess.run(generator, cwd=folder, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert made.returncode == 0 and (folder / TYPES).is_file(), made.stderr[-2000:]
    shutil.copy(EXAMPLE, folder / EXAMPLE.name)
    return folder


def check(project: Path, file: str) -> subprocess.CompletedProcess[str]:
    checker = node_tools.node_modules() / "typescript-7" / "bin" / "tsc"
    return subprocess.run(
        [node_tools.node(), str(checker), *CHECK, file], cwd=project, capture_output=True, text=True,
        timeout=TIMEOUT, check=False,
    )


def test_the_example_holds_to_the_types_made_from_the_description(project: Path) -> None:
    checked = check(project, EXAMPLE.name)
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-1000:]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (('client.GET("/patients"', 'client.GET("/patient"'), "TS2345"),
        (("per_page: 3", "per_page: \"3\""), "TS2322"),
        (("patients.total_entries", "patients.total"), "TS2339"),
        (('params: { header: { "User-Agent": USER_AGENT } },', "params: {},"), "TS2741"),
    ],
    ids=["unknown-path", "parameter-of-the-wrong-type", "unknown-field", "missing-user-agent"],
)
def test_the_checker_finds_what_the_description_does_not_have(project: Path, change: tuple[str, str], error: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert change[0] in text, f"the example no longer has {change[0]!r}; update this test"
    changed = project / f"changed-{error}.mjs"
    changed.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    checked = check(project, changed.name)
    assert checked.returncode != 0 and error in checked.stdout, checked.stdout[-2000:]


def test_the_page_names_the_pinned_versions() -> None:
    pinned = json.loads((ROOT / "tools" / "node" / "package.json").read_text(encoding="utf-8"))["dependencies"]
    page = PAGE.read_text(encoding="utf-8")
    for name, label in (("openapi-typescript", "openapi-typescript"), ("openapi-fetch", "openapi-fetch"),
                        ("typescript-7", "TypeScript")):
        version = pinned[name].removeprefix("npm:typescript@")
        assert f"{label} {version}" in page, f"{PAGE.name} does not say {label} {version}, the pinned version"
