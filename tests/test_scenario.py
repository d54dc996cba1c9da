"""Scenario files: every field checked with a message naming file and field, none misplaced, applied to the mock.

Also the flag that warns readers: every example that sends POST, PUT or PATCH says in its scenario what
it changes, and the page shows that as a warning (`hooks/examples.py`).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

import example_runner
from mock_cliniko import seed
from cliniko_docs.scenario import KEYS, DataChange, Scenario, ScenarioError, account_of, misplaced_scenarios

SNIPPETS = example_runner.SNIPPETS


def test_every_scenario_file_under_snippets_is_valid() -> None:
    problems = []
    for path in sorted(SNIPPETS.rglob("*.scenario.json")):
        try:
            Scenario.read(path)
        except ScenarioError as error:
            problems.append(str(error))
    assert not problems, "\n".join(problems)


def test_every_scenario_file_under_snippets_has_an_example_beside_it() -> None:
    assert misplaced_scenarios(SNIPPETS) == []


def test_a_misnamed_scenario_file_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "patients"
    folder.mkdir()
    (folder / "create_patient.py").write_text("print('hi')\n", encoding="utf-8")
    (folder / "create_patient.scenario.json").write_text("{}", encoding="utf-8")
    (folder / "create_patients.scenario.json").write_text('{"key": "bookkeeper"}', encoding="utf-8")
    problems = misplaced_scenarios(tmp_path)
    assert len(problems) == 1, problems
    assert "create_patients.scenario.json: no example beside it" in problems[0]
    assert "create_patients.py or create_patients.sh" in problems[0]


# Each invalid scenario, and what its message must say besides the file's name.
INVALID = [
    ("[]", ["expected a JSON object"]),
    ('{"key": "admin",}', ["not valid JSON"]),
    ('{"keys": "admin"}', ["unknown field 'keys'", "key, clock, remaining"]),
    ('{"key": "owner"}', ["field 'key'", "expected one of 'admin', 'practitioner'", "'owner'"]),
    ('{"key": 1}', ["field 'key'", "expected one of", "got 1"]),
    ('{"clock": "yesterday"}', ["field 'clock'", "ISO 8601", "'yesterday'"]),
    ('{"clock": "2026-01-15T09:30:59"}', ["field 'clock'", "end it with Z"]),
    ('{"clock": 1768469459}', ["field 'clock'", "ISO 8601", "1768469459"]),
    ('{"remaining": -1}', ["field 'remaining'", "whole number of at least 0", "-1"]),
    ('{"remaining": "4"}', ["field 'remaining'", "whole number", "'4'"]),
    ('{"remaining": true}', ["field 'remaining'", "whole number", "True"]),
    ('{"remaining": 3, "key": "unknown"}', ["field 'remaining'", "a key that belongs to an account", "'unknown'"]),
    ('{"jump_clock_on_rate_limit": "yes"}', ["field 'jump_clock_on_rate_limit'", "true or false", "'yes'"]),
    ('{"fail_next": 0}', ["field 'fail_next'", "at least 1", "0"]),
    ('{"fail_next": 1.5}', ["field 'fail_next'", "whole number", "1.5"]),
    ('{"changes": true}', ["field 'changes'", 'expected an object such as {"what"']),
    ('{"changes": {}}', ["field 'changes'", "'what' is required"]),
    ('{"changes": {"what": "creates a patient."}}', ["field 'changes'", "without a final full stop"]),
    ('{"changes": {"what": "archives", "archive": true}}', ["field 'changes'", "unknown field 'archive'"]),
    ('{"changes": {"what": "archives", "archives": "yes"}}', ["field 'changes' 'archives'", "true or false"]),
]


@pytest.mark.parametrize(("text", "expected"), INVALID, ids=[text for text, _ in INVALID])
def test_an_invalid_scenario_names_the_file_the_field_and_what_was_expected(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = tmp_path / "some_example.scenario.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as raised:
        Scenario.read(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: "), message
    for part in expected:
        assert part in message, f"{part!r} is not in the message: {message}"


def test_a_valid_scenario_is_read_with_every_field(tmp_path: Path) -> None:
    path = tmp_path / "x.scenario.json"
    path.write_text(
        json.dumps({
            "key": "account_b",
            "clock": "2026-01-15T09:30:59Z",
            "remaining": 2,
            "jump_clock_on_rate_limit": True,
            "fail_next": 1,
            "changes": {"what": "archives a patient", "archives": True},
        }),
        encoding="utf-8",
    )
    assert Scenario.read(path) == Scenario(
        key="account_b",
        clock=datetime(2026, 1, 15, 9, 30, 59, tzinfo=UTC),
        remaining=2,
        jump_clock_on_rate_limit=True,
        fail_next=1,
        changes=DataChange("archives a patient", archives=True),
    )


def test_an_example_without_a_scenario_file_gets_the_default(tmp_path: Path) -> None:
    assert Scenario.for_example(tmp_path / "get_user.py") == Scenario()
    assert Scenario().api_key == seed.ADMIN_KEY_A


def test_the_account_of_a_key_comes_from_the_seed_users() -> None:
    users = seed.initial_dataset().users.values()
    for name, key in KEYS.items():
        owners = {user.account_id for user in users if user.api_key == key}
        assert account_of(key) == (owners.pop() if owners else None), name
    assert account_of(KEYS["account_b"]) == seed.ACCOUNT_B
    assert account_of(KEYS["unknown"]) is None


def test_a_scenario_is_applied_to_the_mock(controls) -> None:  # noqa: ANN001 - conftest's fixture
    instant = datetime(2026, 1, 15, 9, 30, 15, tzinfo=UTC)
    scenario = Scenario(key="account_b", clock=instant, remaining=3, fail_next=1)
    assert scenario.apply(controls) == seed.ADMIN_KEY_B
    assert controls.now() == instant
    assert controls.remaining(seed.ACCOUNT_B) == 3
    assert controls.remaining(seed.ACCOUNT_A) > 3


# ---- Examples that change data carry the flag ----------------------------------------------------

#: Python: a call of `.post(`, `.put(` or `.patch(`, or a method name as a string ("POST").
PYTHON_WRITE = re.compile(r"""\.(?:post|put|patch)\s*\(|["'](?:POST|PUT|PATCH)["']""")
#: curl: a method given with --request/-X, a body option (curl sends a body with POST unless told
#: otherwise), or the method as a word of its own, as when a shell function takes it. The examples
#: write curl's long options, so the short `-d` (which `cut -d` also has) is not looked for.
SHELL_WRITE = re.compile(
    r"""(?:--request|-X)[ \t=]*["']?(?:POST|PUT|PATCH)\b|--data(?:-[a-z]+)?\b|--json\b|--form\b|--upload-file\b"""
    r"""|(?<![\w-])(?:POST|PUT|PATCH)(?![\w-])"""
)


def sends_post_put_or_patch(path: Path) -> bool:
    """Whether the code of an example file (comments left out) sends POST, PUT or PATCH."""
    code = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#"))
    return bool((PYTHON_WRITE if path.suffix == ".py" else SHELL_WRITE).search(code))


def unflagged_writers(examples: list[example_runner.Example]) -> list[str]:
    """The examples that send POST, PUT or PATCH but whose scenario has no `changes`."""
    return [
        f"{example.path.parent.name}/{example.path.name}: sends POST, PUT or PATCH; add \"changes\" to {example.scenario_path.name}"
        for example in examples
        if sends_post_put_or_patch(example.path) and example.scenario().changes is None
    ]


def test_every_example_that_sends_post_put_or_patch_carries_the_changes_flag() -> None:
    examples = example_runner.discover()
    assert any(sends_post_put_or_patch(example.path) for example in examples), "the detection finds no writer"
    assert unflagged_writers(examples) == []


@pytest.mark.parametrize(
    ("name", "code", "writes"),
    [
        ("a.py", 'requests.post(f"{BASE_URL}/patients", json={})\n', True),
        ("a.py", 'session.patch(url, json={"title": "Dr"})\n', True),
        ("a.py", 'call("PUT", url, json={})\n', True),
        ("a.py", '# requests.post(url) in a comment\nrequests.get(url)\n', False),
        ("a.sh", 'curl --request PATCH --data \'{"email": "a@b.example"}\' "$url"\n', True),
        ("a.sh", "curl --header 'Content-Type: application/json' --data '{}' \"$url\"\n", True),
        ("a.sh", 'call POST "$base_url/patients/1/archive"\n', True),
        ("a.sh", "etag=$(grep -i '^etag:' \"$h\" | cut -d ' ' -f 2)\ncurl --silent \"$url\"\n", False),
    ],
)
def test_the_detection_of_writing_examples(tmp_path: Path, name: str, code: str, writes: bool) -> None:
    path = tmp_path / name
    path.write_text(code, encoding="utf-8")
    assert sends_post_put_or_patch(path) is writes


def test_an_example_that_sends_post_without_the_flag_is_reported(tmp_path: Path) -> None:
    example = tmp_path / "create_patient.py"
    example.write_text('requests.post(f"{BASE_URL}/patients", json={"first_name": "Jo"})\n', encoding="utf-8")
    (tmp_path / "create_patient.scenario.json").write_text('{"key": "admin"}', encoding="utf-8")
    found = unflagged_writers([example_runner.Example(example)])
    assert len(found) == 1 and 'add "changes" to create_patient.scenario.json' in found[0], found
