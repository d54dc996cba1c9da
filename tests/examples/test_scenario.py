"""Scenario files: every field checked with a message naming file and field, none misplaced, applied to the mock.

Also the commands a page shows to prepare a scenario in a sandbox started by hand (`Scenario.setup`):
read back as the sandbox would take them, they must leave it as `apply` leaves the tests' sandbox.
`test_sandbox_reproduce.py` runs them for real, from the built pages.

Also the flag that warns readers: every example that sends POST, PUT or PATCH says in its scenario what
it changes, and the page shows that as a warning (`hooks/examples.py`).
"""

from __future__ import annotations

import json
import re
import shlex
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import example_runner
from cliniko_sandbox import seed
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
    assert "create_patients.py, create_patients.mjs or create_patients.sh" in problems[0]


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
#: JavaScript: a method given as a string (`method: "POST"`, `call("PUT", ...)`).
JAVASCRIPT_WRITE = re.compile(r"""["'`](?:POST|PUT|PATCH)["'`]""")
SHELL_WRITE = re.compile(
    r"""(?:--request|-X)[ \t=]*["']?(?:POST|PUT|PATCH)\b|--data(?:-[a-z]+)?\b|--json\b|--form\b|--upload-file\b"""
    r"""|(?<![\w-])(?:POST|PUT|PATCH)(?![\w-])"""
)


def sends_post_put_or_patch(path: Path) -> bool:
    """Whether the code of an example file (comments left out) sends POST, PUT or PATCH."""
    comment = "//" if path.suffix == ".mjs" else "#"
    code = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith(comment))
    pattern = {".py": PYTHON_WRITE, ".mjs": JAVASCRIPT_WRITE}.get(path.suffix, SHELL_WRITE)
    return bool(pattern.search(code))


#: The folder of the Sandbox page's examples. They send POST to the sandbox's control port, which holds
#: no one's records: they need CLINIKO_MOCK_CONTROL_URL, and never fall back to the live API's address
#: (test_sandbox_examples_cannot_reach_the_live_api), so they carry no "changes" warning.
SANDBOX_EXAMPLES = "sandbox"


def unflagged_writers(examples: list[example_runner.Example]) -> list[str]:
    """The examples that send POST, PUT or PATCH but whose scenario has no `changes`."""
    return [
        f"{example.path.parent.name}/{example.path.name}: sends POST, PUT or PATCH; add \"changes\" to {example.scenario_path.name}"
        for example in examples
        if example.path.parent.name != SANDBOX_EXAMPLES
        and sends_post_put_or_patch(example.path)
        and example.scenario().changes is None
    ]


def test_sandbox_examples_cannot_reach_the_live_api() -> None:
    sandbox = [example for example in example_runner.discover() if example.path.parent.name == SANDBOX_EXAMPLES]
    assert sandbox, f"no examples under snippets/{SANDBOX_EXAMPLES}/"
    for example in sandbox:
        code = example.path.read_text(encoding="utf-8")
        assert "CLINIKO_MOCK_CONTROL_URL" in code, f"{example} does not need the sandbox's control URL"
        assert "api.cliniko.com" not in code, f"{example} falls back to the live API's address"


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
        ("a.mjs", 'await fetch(url, { method: "POST", body: JSON.stringify({}) });\n', True),
        ("a.mjs", "const send = (method) => fetch(url, { method });\nawait send('PUT');\n", True),
        ("a.mjs", '// fetch(url, { method: "PATCH" }) in a comment\nawait fetch(url);\n', False),
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


# ---- What a prepared scenario shows on its page --------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "prepared"),
    [
        (Scenario(), False),
        (Scenario(changes=DataChange("creates a patient")), False),
        (Scenario(key="admin", jump_clock_on_rate_limit=False), False),
        (Scenario(key="practitioner"), True),
        (Scenario(key="unknown", changes=DataChange("creates a patient")), True),
        (Scenario(clock=datetime(2026, 1, 15, 9, 30, 15, tzinfo=UTC)), True),
        (Scenario(remaining=0), True),
        (Scenario(jump_clock_on_rate_limit=True), True),
        (Scenario(fail_next=2), True),
    ],
    ids=["default", "changes-alone", "admin-and-no-jump", "key", "key-with-changes", "clock", "remaining", "jump", "fail"],
)
def test_a_scenario_is_prepared_when_it_sets_more_than_what_it_changes(scenario: Scenario, prepared: bool) -> None:
    assert scenario.prepared is prepared


def test_a_scenario_that_prepares_nothing_has_no_setup() -> None:
    with pytest.raises(ValueError, match="prepares nothing"):
        Scenario(changes=DataChange("creates a patient")).setup()


CALL = 'curl -fsS -o /dev/null -X POST "$CLINIKO_MOCK_CONTROL_URL{}"'


def test_the_setup_of_the_over_the_limit_example_is_the_reset_and_its_control_calls() -> None:
    setup = Scenario.read(SNIPPETS / "rate-limiting" / "over_the_limit.scenario.json").setup()
    assert setup.commands.splitlines() == [
        CALL.format("/reset"),
        CALL.format("/time?at=2026-01-15T09:30:15Z"),
        CALL.format(f"/remaining?account={seed.ACCOUNT_A}&remaining=0"),
        # Said, although it is the tests' default: a sandbox started by hand has the jump on after a reset.
        CALL.format("/jump-on-rate-limit?enabled=false"),
    ]
    assert setup.condition == (
        "the sandbox's clock at 09:30:15 UTC on 15 January 2026, and no requests left this minute for the demo practice"
    )


def test_the_setup_of_every_field_in_the_order_apply_uses() -> None:
    scenario = Scenario(
        key="account_b",
        clock=datetime(2026, 1, 15, 20, 30, 59, 250000, tzinfo=timezone(timedelta(hours=10))),
        remaining=1,
        jump_clock_on_rate_limit=True,
        fail_next=3,
    )
    setup = scenario.setup()
    assert setup.commands.splitlines() == [
        CALL.format("/reset"),
        CALL.format("/time?at=2026-01-15T10:30:59.250000Z"),
        CALL.format(f"/remaining?account={seed.ACCOUNT_B}&remaining=1"),
        CALL.format("/jump-on-rate-limit?enabled=true"),
        CALL.format("/fail-next?count=3"),
        f"export CLINIKO_API_KEY='{seed.ADMIN_KEY_B}'  # the administrator of Northgate Chiropractic",
    ]
    assert setup.condition == (
        "the sandbox's clock at 10:30:59.25 UTC on 15 January 2026, "
        "one request left this minute for the other practice, Northgate Chiropractic, "
        "the clock set to jump to the next minute after a 429, as if the client waited, "
        "the next 3 requests failing with 503 Service Unavailable, "
        "and the API key of the administrator of the other practice, Northgate Chiropractic"
    )


@pytest.mark.parametrize(
    ("scenario", "commands", "condition"),
    [
        (
            Scenario(key="bookkeeper"),
            [f"export CLINIKO_API_KEY='{seed.BOOKKEEPER_KEY_A}'  # the bookkeeper of Harbourside Physiotherapy"],
            "the API key of the bookkeeper of the demo practice",
        ),
        (
            Scenario(key="unknown"),
            [f"export CLINIKO_API_KEY='{KEYS['unknown']}'  # shaped like a real key, but no user has it"],
            "an API key that no user of the sandbox has",
        ),
        (
            Scenario(fail_next=1),
            [CALL.format("/fail-next?count=1")],
            "the next request failing with 503 Service Unavailable",
        ),
        (
            Scenario(jump_clock_on_rate_limit=True),
            [CALL.format("/jump-on-rate-limit?enabled=true")],
            "the clock set to jump to the next minute after a 429, as if the client waited",
        ),
        (
            Scenario(remaining=4),
            [
                CALL.format(f"/remaining?account={seed.ACCOUNT_A}&remaining=4"),
                CALL.format("/jump-on-rate-limit?enabled=false"),
            ],
            "4 requests left this minute for the demo practice",
        ),
        (
            Scenario(clock=datetime(2026, 3, 1, 0, 0, tzinfo=UTC)),
            [CALL.format("/time?at=2026-03-01T00:00:00Z")],
            "the sandbox's clock at 00:00:00 UTC on 1 March 2026",
        ),
    ],
    ids=["bookkeeper", "unknown-key", "one-failure", "jump-alone", "remaining-alone", "clock-alone"],
)
def test_the_setup_of_each_field_alone(scenario: Scenario, commands: list[str], condition: str) -> None:
    """After the reset, only what the field asks; the jump is said only with a quota or when it is asked for."""
    setup = scenario.setup()
    assert setup.commands.splitlines() == [CALL.format("/reset"), *commands]
    assert setup.condition == condition


class _RecordingControls:
    """Controls that keep the calls made to them and the state they would leave, starting from a reset."""

    def __init__(self, jump_after_reset: bool) -> None:
        self.calls: list[str] = []
        self.state: dict[str, object] = {"jump": jump_after_reset, "remaining": {}, "fail_next": 0, "time": None}

    def set_time(self, instant: datetime) -> None:
        self.calls.append("time")
        self.state["time"] = instant.astimezone(UTC)

    def set_remaining(self, account_id: str, remaining: int) -> None:
        self.calls.append("remaining")
        self.state["remaining"] = {account_id: remaining}

    def jump_clock_on_rate_limit(self, enabled: bool = True) -> None:
        self.calls.append("jump")
        self.state["jump"] = enabled

    def fail_next(self, count: int = 1) -> None:
        self.calls.append("fail_next")
        self.state["fail_next"] = count


def _run_setup(commands: str) -> tuple[_RecordingControls, str]:
    """Read the commands as the sandbox would take them: each control call's path and decoded query."""
    controls = _RecordingControls(jump_after_reset=True)  # a sandbox started by hand
    api_key = seed.ADMIN_KEY_A  # what it exports
    lines = commands.splitlines()
    assert lines[0] == CALL.format("/reset"), "the commands must start from a reset sandbox"
    for line in lines[1:]:
        if line.startswith("export CLINIKO_API_KEY="):
            api_key = shlex.split(line, comments=True)[1].partition("=")[2]
            continue
        call = re.fullmatch(re.escape(CALL).replace(r"\{\}", "(?P<url>[^\"]*)"), line)
        assert call, f"neither a control call nor the key: {line!r}"
        url = urlsplit(call.group("url"))
        query = {name: values[0] for name, values in parse_qs(url.query, strict_parsing=True).items()}
        if url.path == "/time":
            controls.set_time(datetime.fromisoformat(query["at"].replace("Z", "+00:00")))
        elif url.path == "/remaining":
            controls.set_remaining(query["account"], int(query["remaining"]))
        elif url.path == "/jump-on-rate-limit":
            assert query["enabled"] in {"true", "false"}
            controls.jump_clock_on_rate_limit(query["enabled"] == "true")
        elif url.path == "/fail-next":
            controls.fail_next(int(query["count"]))
        else:
            pytest.fail(f"an unknown control: {url.path}")
    return controls, api_key


def _prepared_scenarios() -> list[tuple[str, Scenario]]:
    found = [(path.name, Scenario.read(path)) for path in sorted(SNIPPETS.rglob("*.scenario.json"))]
    return [(name, scenario) for name, scenario in found if scenario.prepared]


@pytest.mark.parametrize(
    "scenario",
    [scenario for _, scenario in _prepared_scenarios()]
    + [
        Scenario(
            key="practitioner", clock=datetime(2026, 1, 15, 9, 30, 59, 500000, tzinfo=UTC), remaining=7, fail_next=2
        )
    ],
    ids=[name for name, _ in _prepared_scenarios()] + ["every-field"],
)
def test_the_setup_leaves_a_sandbox_started_by_hand_as_apply_leaves_the_tests_one(scenario: Scenario) -> None:
    """The same calls in the same order, the same state after them, the same key.

    The clock's jump too, whenever the scenario sets the quota or the jump: without a quota set, the jump
    could matter only after a whole window's quota of requests, which no example makes, so the commands leave
    it as the sandbox started by hand has it.
    """
    by_hand, api_key = _run_setup(scenario.setup().commands)
    in_tests = _RecordingControls(jump_after_reset=False)  # the tests' sandbox
    assert scenario.apply(in_tests) == api_key
    if scenario.remaining is None and not scenario.jump_clock_on_rate_limit:
        assert by_hand.state.pop("jump") is True and in_tests.state.pop("jump") is False
    assert by_hand.state == in_tests.state
    # Apply leaves the jump as a reset left it; the commands must say it, since the resets differ.
    assert [call for call in by_hand.calls if call != "jump" or scenario.jump_clock_on_rate_limit] == in_tests.calls


def test_the_setup_of_the_examples_under_snippets_is_checked_at_all() -> None:
    assert len(_prepared_scenarios()) >= 5
