"""The contributing page is the one guide for contributors, and nothing in it is explained a second time.

* Instructions that belong to one page (GUIDE_ONLY: the scenario fields and the rules of a pasted curl
  example on the contributing page; the hand-started sandbox's exports, its reset and its standing clock
  on the Sandbox page, where readers find them) are on that page and in no other Markdown file of the
  repository and no module docstring. Each is recognised by a phrase that only an explanation of it
  would use; a docstring that needs the subject links to the page instead.
* CONTRIBUTING.md links to the page, at its published address and at its source, and has a "Decisions"
  section. Every link to a section of the page, wherever it is written, names a heading the page has.
* The reader's short feedback page and the contributors' guide each have their place in the navigation.
* The README shows exactly two commands, `make serve` and `make test`, each in a fenced block of its own,
  links to the page, and names every tool that `.ci/run` installs for the tests.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml
from markdown.extensions.toc import slugify

from docs_site import site_url
from hooks import shortcodes
from project import DOCS, ROOT

PAGE = DOCS / "contributing.md"
PAGE_NAME = "docs/contributing.md"
PAGE_URL = site_url() + "contributing/"

SANDBOX_PAGE_NAME = "docs/sandbox.md"
#: What only one page explains, each recognised by phrases an explanation of it would use.
GUIDE_ONLY: dict[str, str] = {
    "the exports of the hand-started sandbox": r"\|\s*`CLINIKO_MOCK_CONTROL_URL`\s*\|",
    "resetting the hand-started sandbox": r"`POST /reset`",
    "the standing clock of the hand-started sandbox": r"\bnever locks you out\b|\bstands still\W*at 2026",
    "the scenario fields": r"\bjump_clock_on_rate_limit\b|\"fail_next\"|`fail_next`",
    "the rules of a pasted curl example": r"set -o pipefail|\btrap \.\.\. EXIT\b",
}
#: The page that explains each subject of GUIDE_ONLY, where it is not the contributing page.
EXPLAINED_ON: dict[str, str] = {
    "the exports of the hand-started sandbox": SANDBOX_PAGE_NAME,
    "resetting the hand-started sandbox": SANDBOX_PAGE_NAME,
    "the standing clock of the hand-started sandbox": SANDBOX_PAGE_NAME,
}

FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.MULTILINE | re.DOTALL)
#: A heading, without its closing hashes or its attribute list (`{ data-search-exclude }`).
README_COMMANDS = ["make serve", "make test"]


def prose_sources(root: Path = ROOT) -> dict[str, str]:
    """The text a contributor reads as explanation: every Markdown file, and every module's docstring."""
    sources: dict[str, str] = {}
    for path in sorted([*root.glob("*.md"), *(root / "docs").rglob("*.md")]):
        sources[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
    for folder in ("tests", "hooks", "snippets", "src"):
        for path in sorted((root / folder).rglob("*.py")):
            docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
            if docstring:
                sources[path.relative_to(root).as_posix()] = docstring
    return sources


def explained_twice(sources: dict[str, str]) -> list[str]:
    """Where a subject of GUIDE_ONLY is explained outside the page, or is missing from the page."""
    problems = []
    for subject, pattern in GUIDE_ONLY.items():
        page = EXPLAINED_ON.get(subject, PAGE_NAME)
        if not re.search(pattern, sources.get(page, "")):
            problems.append(f"{page} no longer explains {subject} (no match for {pattern!r})")
        for name, text in sources.items():
            if name != page and re.search(pattern, text):
                problems.append(f"{name} explains {subject}, which only {page} explains: link to it")
    return problems


def page_anchors(markdown: str) -> set[str]:
    """The ids of the page's headings, as the toc extension makes them (fenced code left out)."""
    anchors = set()
    for heading in shortcodes.headings(markdown):
        given = re.search(r"(?:^|\s)#([\w-]+)", heading.attributes)  # an id of its own, `{ #name }`
        anchors.add(given.group(1) if given else slugify(heading.title, "-"))
    return anchors


def broken_section_links(sources: dict[str, str], anchors: set[str]) -> list[str]:
    """Links to a section of the published page whose fragment is no heading of the page."""
    link = re.compile(re.escape(PAGE_URL) + r"#(?P<fragment>[\w-]+)")
    return [
        f"{name} links to #{match['fragment']}, which is no heading of {PAGE_NAME}"
        for name, text in sources.items()
        for match in link.finditer(text)
        if match["fragment"] not in anchors
    ]


def contributing_file_problems(text: str) -> list[str]:
    """What CONTRIBUTING.md lacks: the links to the guide, and the section for the project's decisions."""
    problems = []
    if f"<{PAGE_URL}>" not in text and f"]({PAGE_URL})" not in text:
        problems.append(f"CONTRIBUTING.md does not link to the published guide, {PAGE_URL}")
    if f"]({PAGE_NAME})" not in text:
        problems.append(f"CONTRIBUTING.md does not link to the guide's source, {PAGE_NAME}")
    if not re.search(r"^## Decisions[ \t]*$", text, re.MULTILINE):
        problems.append("CONTRIBUTING.md has no '## Decisions' section")
    return problems


def ci_tools(ci_script: str) -> list[str]:
    """The tools `.ci/run` installs when the machine lacks them (`need_apt+=(name)`)."""
    return sorted(set(re.findall(r"need_apt\+=\((\w+)\)", ci_script)))


def readme_problems(text: str, tools: list[str]) -> list[str]:
    """What the README gets wrong: anything but the two commands, no link to the guide, a tool not named."""
    problems = []
    blocks = [match["body"].strip() for match in FENCE.finditer(text)]
    if blocks != README_COMMANDS:
        problems.append(f"README.md shows the fenced blocks {blocks}, not exactly {README_COMMANDS}, one each")
    if PAGE_URL not in text:
        problems.append(f"README.md does not link to the contributing guide, {PAGE_URL}")
    for tool in tools:
        if not re.search(rf"\b{re.escape(tool)}\b", text, re.IGNORECASE):
            problems.append(f"README.md does not say that the tests need {tool}, which .ci/run installs")
    return problems


def test_nothing_the_guide_explains_is_explained_elsewhere() -> None:
    problems = explained_twice(prose_sources())
    assert not problems, "\n".join(problems)


def test_links_to_sections_of_the_guide_lead_to_its_headings() -> None:
    problems = broken_section_links(prose_sources(), page_anchors(PAGE.read_text(encoding="utf-8")))
    assert not problems, "\n".join(problems)


def test_contributing_file_links_to_the_guide_and_keeps_the_decisions() -> None:
    problems = contributing_file_problems((ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


def test_readme_shows_exactly_two_commands() -> None:
    tools = ci_tools((ROOT / ".ci" / "run").read_text(encoding="utf-8"))
    assert "chromium" in tools, f".ci/run no longer reads as expected: it installs {tools}"
    problems = readme_problems((ROOT / "README.md").read_text(encoding="utf-8"), tools)
    assert not problems, "\n".join(problems)


# The checks above can fail: each is fed a sample with the fault it looks for.

@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("README.md", "| `CLINIKO_MOCK_CONTROL_URL` | where the controls are |\n", "exports of the hand-started"),
        ("src/cliniko_sandbox/cli.py", "`POST /reset` puts everything back", "resetting the hand-started sandbox"),
        ("CONTRIBUTING.md", "Its clock stands still at 2026-01-15 09:30.", "standing clock"),
        ("src/cliniko_docs/scenario.py", '{"key": "admin", "fail_next": 1}', "the scenario fields"),
        ("docs/index.md", "Never use set -o pipefail at the top.", "a pasted curl example"),
    ],
)
def test_an_explanation_outside_the_guide_is_reported(name: str, text: str, expected: str) -> None:
    sources = {**prose_sources(), name: text}
    problems = explained_twice(sources)
    assert any(problem.startswith(name) and expected in problem for problem in problems), problems


def test_a_guide_that_drops_a_subject_is_reported() -> None:
    sources = prose_sources()
    page = re.sub(GUIDE_ONLY["the standing clock of the hand-started sandbox"], "(dropped)", sources[SANDBOX_PAGE_NAME])
    sources[SANDBOX_PAGE_NAME] = page
    assert any("no longer explains the standing clock" in problem for problem in explained_twice(sources))


def test_a_link_to_a_missing_section_is_reported() -> None:
    sources = {"tests/x.py": f"See {PAGE_URL}#run-the-mock and {PAGE_URL}#scenarios."}
    anchors = page_anchors(PAGE.read_text(encoding="utf-8"))
    assert broken_section_links(sources, anchors) == [
        f"tests/x.py links to #run-the-mock, which is no heading of {PAGE_NAME}"
    ]


def test_page_anchors_follow_the_toc_ids() -> None:
    assert page_anchors("# Title\n\n## Label the guide's own rules\n\n```md\n## Not a heading\n```\n") == {
        "title",
        "label-the-guides-own-rules",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# Contributing\n\nSee docs/contributing.md.\n\n## Decisions\n", "does not link to the published guide"),
        (f"# Contributing\n\n<{PAGE_URL}>\n\n## Decisions\n", "does not link to the guide's source"),
        (f"# C\n\n<{PAGE_URL}>, [source]({PAGE_NAME})\n\n## Why we did it\n", "no '## Decisions' section"),
    ],
)
def test_a_contributing_file_without_the_links_or_decisions_is_reported(text: str, expected: str) -> None:
    assert any(expected in problem for problem in contributing_file_problems(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"```sh\nmake serve\n```\n\n```sh\nmake test\n```\n\n```sh\nmake mock\n```\n\n{PAGE_URL} curl jq chromium make",
            "not exactly",
        ),
        (f"```sh\nmake serve\nmake test\n```\n\n{PAGE_URL} curl jq chromium make", "not exactly"),
        ("```sh\nmake serve\n```\n\n```sh\nmake test\n```\n\ncurl jq chromium make", "does not link"),
        (f"```sh\nmake serve\n```\n\n```sh\nmake test\n```\n\n{PAGE_URL} curl chromium make", "need jq"),
    ],
    ids=["a-third-command", "two-commands-in-one-block", "no-link", "a-tool-unnamed"],
)
def test_a_readme_that_breaks_the_rule_is_reported(text: str, expected: str) -> None:
    assert any(expected in problem for problem in readme_problems(text, ["chromium", "curl", "jq", "make"]))


class _IgnoreTags(yaml.SafeLoader):
    """Reads mkdocs.yml without running its `!ENV` tags."""


_IgnoreTags.add_multi_constructor("", lambda loader, suffix, node: None)

#: The most lines the reader-facing feedback page may grow to: it is read by someone with a problem.
FEEDBACK_PAGE_MOST_LINES = 60


def test_readers_get_a_short_feedback_page_and_contributors_a_section_of_their_own() -> None:
    """Feedback is a short page among the reader's pages; the contributors' guide is a section of the
    navigation of its own, after every page a reader needs, and each page links to the other."""
    nav = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_IgnoreTags)["nav"]
    top = [next(iter(entry.values())) for entry in nav]
    assert "feedback.md" in top, "the feedback page is not in the navigation"
    *readers, last = top
    assert last == [{"Contributing to this guide": "contributing.md"}], (
        f"the contributors' guide is not the navigation's last section, alone: {last!r}"
    )
    assert "contributing.md" not in yaml.safe_dump(readers), "the contributors' guide is still among the reader's pages"
    feedback = (DOCS / "feedback.md").read_text(encoding="utf-8")
    assert len(feedback.splitlines()) <= FEEDBACK_PAGE_MOST_LINES, "the feedback page has grown past a short read"
    assert "(contributing.md)" in feedback, "the feedback page does not link to the contributors' guide"
    assert "(feedback.md)" in PAGE.read_text(encoding="utf-8"), "the contributors' guide does not link to the feedback page"
