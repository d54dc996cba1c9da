"""The home page's "Before the first call" box names what the examples really need.

* Python: the version it names is the lowest the project supports (`requires-python`), which the
  examples need (`datetime.fromisoformat` reads a trailing `Z` from 3.11 on, and the Python client
  requires 3.11).
* Node.js: the version it names is the one the example runner requires (`example_runner.NODE_MINIMUM`),
  and the JavaScript examples import nothing but Node.js's own `node:` modules, so that they need no
  package (and no `package.json`) to run; the one exception, the generated client, is named (`PACKAGES`).
* curl: the version it names is the one `--fail-with-body` needs, and the examples use that flag.
* jq: every page that shows a curl example using jq is linked from the box's jq item, and says so in
  the example's curl tab (`curl-note`); every page the jq item links shows one.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from pathlib import Path

import pytest

import example_runner
from curl_flags import CURL_FLAGS, CURL_MINIMUM
from example_runner import packages_imported

from project import ROOT, SNIPPETS
DOCS = ROOT / "docs"
HOME = DOCS / "index.md"
BOX_TITLE = '!!! info "Before the first call"'

SHORTCODE = re.compile(r"<!--\s*md:example\s+(?P<example>[^\s\"=]+)(?P<options>[^>]*)-->")
CURL_NOTE = re.compile(r'curl-note="(?P<note>[^"]*)"')
LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<target>[^)\s#]*)(?:#[^)\s]*)?\)")
#: jq run as a command: at the start of a line or after a pipe, `$(`, `(` or `;`, outside comments.
JQ_COMMAND = re.compile(r"(?:^|[|(;]|\$\()\s*jq\b", re.MULTILINE)


def box(home: str) -> str:
    """The text of the "Before the first call" box: its title line and the indented lines under it."""
    lines = home.splitlines()
    start = lines.index(BOX_TITLE)
    body = []
    for line in lines[start + 1 :]:
        if line and not line.startswith("    "):
            break
        body.append(line)
    return "\n".join(body)


def box_item(box_text: str, starts_with: str) -> str:
    """The list item of the box whose text starts with `starts_with` (after `- `), with its continuation."""
    items = re.split(r"\n    - ", "\n" + box_text.strip("\n"))
    found = [item for item in items if item.lstrip("- ").startswith(starts_with)]
    assert len(found) == 1, f"the box has {len(found)} items starting with {starts_with!r}"
    return found[0]


def code_of(shell: str) -> str:
    """A shell file without its comment lines and trailing comments."""
    return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in shell.splitlines())


def uses_jq(shell: str) -> bool:
    return bool(JQ_COMMAND.search(code_of(shell)))


def pages_showing_jq(pages: dict[str, str], snippet_text) -> dict[str, list[str]]:
    """For each page (path relative to docs/ -> Markdown), the shortcodes of curl examples that run jq."""
    found: dict[str, list[str]] = {}
    for page, markdown in pages.items():
        for line in markdown.splitlines():
            match = SHORTCODE.search(line)
            if not match:
                continue
            shell = snippet_text(f"{match['example']}.sh")
            if shell is not None and uses_jq(shell):
                found.setdefault(page, []).append(line)
    return found


def jq_problems(home: str, pages: dict[str, str], snippet_text) -> list[str]:
    """What the box and the pages fail to say about jq."""
    problems = []
    showing = pages_showing_jq(pages, snippet_text)
    item = box_item(box(home), "**[jq]")
    linked = {posixpath.normpath(match["target"]) for match in LINK.finditer(item)} - {"."}
    linked = {target for target in linked if target.endswith(".md")}
    for page, lines in sorted(showing.items()):
        if page not in linked:
            problems.append(f"{page} shows a curl example that runs jq, and the box's jq item does not link it")
        for line in lines:
            note = CURL_NOTE.search(line)
            if not note or "jq" not in note["note"]:
                problems.append(f"{page}: {line.strip()} runs jq in curl, and its curl-note does not say so")
    for page in sorted(linked - set(showing)):
        problems.append(f"the box's jq item links {page}, which shows no curl example that runs jq")
    return problems


def _read_snippet(relative: str) -> str | None:
    path = SNIPPETS / relative
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _pages() -> dict[str, str]:
    return {path.relative_to(DOCS).as_posix(): path.read_text(encoding="utf-8") for path in DOCS.rglob("*.md")}


def test_the_python_version_is_the_projects_lowest() -> None:
    required = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    lowest = re.fullmatch(r">=\s*(\d+\.\d+)", required)
    assert lowest, f"requires-python is {required!r}, not a plain lower bound"
    item = box_item(box(HOME.read_text(encoding="utf-8")), "**Python")
    assert f"**Python {lowest[1]} or newer**" in item, item


#: The one JavaScript example that imports a package: the OpenAPI page's generated client, whose lesson
#: is the client made from the description (the page says so, and how to install it).
PACKAGES = {"openapi/generated_client.mjs": ["openapi-fetch"]}


def test_the_node_version_is_the_runners_and_the_examples_need_no_package() -> None:
    item = box_item(box(HOME.read_text(encoding="utf-8")), "**Node.js")
    assert f"**Node.js {example_runner.NODE_MINIMUM} or newer**" in item, item
    examples = sorted(SNIPPETS.rglob("*.mjs"))
    assert examples, "no JavaScript example: the box can leave Node.js out"
    imported = {path.relative_to(SNIPPETS).as_posix(): packages_imported(path.read_text(encoding="utf-8")) for path in examples}
    assert {name: found for name, found in imported.items() if found} == PACKAGES
    assert not list(SNIPPETS.rglob("package.json")), "the JavaScript examples must run without a package.json"


@pytest.mark.parametrize(
    ("code", "found"),
    [
        ('import { setTimeout as sleep } from "node:timers/promises";\n', []),
        ("import fetch from 'node-fetch';\n", ["node-fetch"]),
        ('import "dotenv/config";\n', ["dotenv/config"]),
        ('const { request } = await import("undici");\n', ["undici"]),
        ('const axios = require("axios");\n', ["axios"]),
        ('// import fetch from "node-fetch" would need a package\n', []),
        ('/** @type {import("openapi-fetch").Client<import("./cliniko-api").paths>} */\n', []),
    ],
)
def test_a_package_import_is_found(code: str, found: list[str]) -> None:
    assert packages_imported(code) == found


def test_the_curl_version_is_the_one_fail_with_body_needs() -> None:
    """The box names the minimum that the flag check of the examples (CURL_MINIMUM) holds them to."""
    major, minor, patch = CURL_MINIMUM
    stated = f"{major}.{minor}" if patch == 0 else f"{major}.{minor}.{patch}"
    item = box_item(box(HOME.read_text(encoding="utf-8")), "**curl")
    assert f"**curl {stated} or newer**, for `--fail-with-body`" in item, item
    assert CURL_FLAGS["--fail-with-body"] == CURL_MINIMUM, "the box says the minimum is --fail-with-body's"
    users = [path for path in SNIPPETS.rglob("*.sh") if "--fail-with-body" in code_of(path.read_text())]
    assert users, "no example uses --fail-with-body: the box can ask for an older curl"


def test_every_page_with_a_jq_example_is_named_in_the_box_and_in_its_tab() -> None:
    problems = jq_problems(HOME.read_text(encoding="utf-8"), _pages(), _read_snippet)
    assert not problems, "\n".join(problems)


HOME_SAMPLE = f"""# Home

{BOX_TITLE}

    - **Python 3.11 or newer**.
    - **[jq](https://jqlang.org/)**, for one example: on [Pagination](pagination.md#every-page).

Text after the box.
"""


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        (
            {"base-url.md": '<!-- md:example base-url/links curl-note="Uses jq." -->\n'},
            "base-url.md shows a curl example that runs jq, and the box's jq item does not link it",
        ),
        ({"pagination.md": "<!-- md:example pagination/all -->\n"}, "its curl-note does not say so"),
        ({"pagination.md": "<!-- md:example pagination/plain -->\n"}, "links pagination.md, which shows no"),
    ],
)
def test_a_missing_jq_mention_is_reported(pages: dict[str, str], expected: str) -> None:
    snippets = {
        "base-url/links.sh": 'url=$(curl -s "$u" | jq -r .links.self)\n',
        "pagination/all.sh": "(\n  jq '.patients | length' <<<\"$body\"\n)\n",
        "pagination/plain.sh": "# jq is not used here\ncurl -s \"$u\"\n",
    }
    problems = jq_problems(HOME_SAMPLE, pages, snippets.get)
    assert any(expected in problem for problem in problems), problems


def test_jq_in_a_comment_is_not_a_use() -> None:
    assert not uses_jq("# Needs jq, some day\ncurl -s \"$u\"\n")
    assert uses_jq('x=$(jq -r .a <<<"$b")\n')
