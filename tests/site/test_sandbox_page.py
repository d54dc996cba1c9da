"""The Sandbox page says what the sandbox holds and does, as the sandbox's own code has it.

* Every key, user, role and account of the seed data is on the page, with the patient counts the seed
  makes; the defaults it names are the command's.
* Every control the sandbox serves has an example placed on the page, in Python, JavaScript and curl, and the
  examples call it (they run, and their output is compared, in `test_snippets.py`).
* The page is in the navigation right after Home, and in the search index.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from cliniko_sandbox import cli, seed, transport
from cliniko_sandbox.contract import MAX_BODY_BYTES, size_in_words
from cliniko_sandbox.control import Controls, control_app
from page_examples import placed_examples
from project import DOCS, MKDOCS_YML, SNIPPETS

PAGE = DOCS / "sandbox.md"


def _page() -> str:
    return PAGE.read_text(encoding="utf-8")


def _table_rows(markdown: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in markdown.splitlines()
        if line.startswith("|") and not re.match(r"^\|[\s|:-]+\|$", line.strip())
    ]


def test_every_key_of_the_seed_is_on_the_page_with_its_user_and_role() -> None:
    rows = {row[0].strip("`"): row for row in _table_rows(_page()) if row[0].startswith("`MS0")}
    data = seed.initial_dataset()

    assert set(rows) == {user.api_key for user in data.users.values()}
    for user in data.users.values():
        whose = rows[user.api_key][1]
        assert f"{user.first_name} {user.last_name}" in whose, whose
        assert user.role in whose, whose
        assert data.accounts[user.account_id].name in whose or "demo practice" in whose, whose


def test_every_account_is_on_the_page_with_its_id_and_patients() -> None:
    data = seed.initial_dataset()
    rows = {row[1].strip("`"): row for row in _table_rows(_page()) if len(row) == 4 and row[1].startswith("`121")}

    assert set(rows) == set(data.accounts)
    for account in data.accounts.values():
        patients = [patient for patient in data.patients.values() if patient.account_id == account.id]
        archived = [patient for patient in patients if patient.archived_at is not None]
        deleted = [patient for patient in data.deleted_patients.values() if patient.account_id == account.id]
        row = rows[account.id]
        assert row[0].startswith(account.name), row
        if archived or deleted:
            said = f"{len(patients) - len(archived)} active, {len(archived)} archived and {len(deleted)} deleted"
            assert row[3] == said, row
        else:
            assert row[3] == str(len(patients)), row


def test_the_defaults_the_page_names_are_the_commands() -> None:
    page = _page()

    assert f"the API's port (default {cli.DEFAULT_PORT})" in page
    assert f"`{cli.DEFAULT_DIR}/` in the current folder" in page
    assert f"https://127.0.0.1:{cli.DEFAULT_PORT}/v1" in page
    assert f"https://127.0.0.1:{cli.DEFAULT_PORT + 1}" in page


def test_every_control_has_an_example_on_the_page_in_every_language(mock) -> None:
    controls: Controls = mock.controls
    paths = {route.path for route in control_app(controls).routes}
    placed = [name for name in placed_examples(_page()) if name.startswith("sandbox/")]
    texts = {
        name: {suffix: (SNIPPETS / f"{name}{suffix}").read_text(encoding="utf-8") for suffix in (".py", ".mjs", ".sh")}
        for name in placed
    }

    for path in paths:
        python = [name for name, text in texts.items() if re.search(rf"['\"/]{re.escape(path.lstrip('/'))}\b", text[".py"])]
        javascript = [name for name, text in texts.items() if re.search(rf"['\"`/]{re.escape(path.lstrip('/'))}\b", text[".mjs"])]
        curl = [name for name, text in texts.items() if f"{path}" in text[".sh"]]
        assert python, f"no Python example on the Sandbox page calls {path}"
        assert javascript, f"no JavaScript example on the Sandbox page calls {path}"
        assert curl, f"no curl example on the Sandbox page calls {path}"


def test_the_page_follows_home_in_the_navigation_and_is_searchable(built_site: Path) -> None:
    # mkdocs.yml holds tags that plain YAML rejects (!ENV); the nav is plain, so read it alone.
    text = MKDOCS_YML.read_text(encoding="utf-8")
    nav = yaml.safe_load(text[text.index("\nnav:") : text.index("\nmarkdown_extensions:")])["nav"]
    assert nav[:2] == [{"Home": "index.md"}, {"Sandbox": "sandbox.md"}]

    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    locations = {entry["location"] for entry in index["docs"]}
    assert "sandbox/" in locations
    assert any(location.startswith("sandbox/#the-controls") for location in locations)


#: Each row of the page's table of waits, by the words it starts with, and the time limit it states.
WAITS = {
    "the first byte of a new connection": "handshake",
    "a whole request line and headers": "header",
    "the next request on a kept-alive connection": "idle",
    "a whole request body": "body",
    "a turn to send a body": "idle",
    "your client to read what the sandbox sends": "write",
}


def _seconds(limit: float) -> str:
    return f"{limit:g} s"


def test_the_limits_the_page_states_are_the_transports() -> None:
    """The table of waits and "How much it holds" state the numbers `cliniko_sandbox.transport` uses."""
    text = PAGE.read_text(encoding="utf-8")
    rows = {cells[0]: cells[1] for cells in (
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in text.split("## How long it waits", 1)[1].split("\n## ", 1)[0].splitlines()
        if line.startswith("| ") and not line.startswith("| Wait") and not line.startswith("| ---")
    )}
    defaults = transport.Timeouts()
    stated = {start: next((limit for wait, limit in rows.items() if wait.startswith(start)), None) for start in WAITS}
    assert None not in stated.values(), f"rows missing from the table of waits: {[s for s, v in stated.items() if v is None]}"
    assert set(rows) == {wait for wait in rows if any(wait.startswith(start) for start in WAITS)}, (
        f"a row of the table of waits that this test does not know: {sorted(rows)}"
    )
    for start, field in WAITS.items():
        assert stated[start].startswith(_seconds(getattr(defaults, field))), (start, stated[start], field)
    pool = transport.BODY_POOL_BODIES * MAX_BODY_BYTES
    holds = text.split("## How much it holds", 1)[1].split("\n## ", 1)[0]
    turn = next(wait for wait in rows if wait.startswith("a turn to send a body"))
    for number in (size_in_words(transport.BODY_BYTES_FREE), size_in_words(pool)):
        assert number in turn and number in holds, (number, turn, holds)
    assert f"at most {transport.MAX_CONNECTIONS:,} connections" in holds
