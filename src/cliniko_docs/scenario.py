"""What an example needs from the mock, and what it changes: its `<stem>.scenario.json`, read and checked.

A scenario file sits beside an example and serves its Python, JavaScript and curl variants alike. Every field is
optional; an example without a file runs with the defaults of `Scenario`, a freshly reset mock. The
fields and what each does, for contributors: https://cliniko.github.io/cliniko-api/contributing/#scenarios

`Scenario.read` checks every field (`_FIELDS` maps each to its check) and names the file, the field and
what was expected when one is wrong; an unknown field is an error, not silently ignored. The site build
reads `changes` from here too (`hooks/examples.py`), so the warning on the page and the test that every
writing example carries it (`tests/examples/test_scenario.py`) look at the same flag.

A scenario that prepares a condition (`Scenario.prepared`: another key, the clock, the quota, the clock's
jump or a failure) also says how a reader gets that condition in a sandbox started by hand
(`Scenario.setup`): the page shows those commands above the example, and
`tests/examples/test_sandbox_reproduce.py` runs them, as the page shows them, before the example.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from cliniko_sandbox import seed

SUFFIX = ".scenario.json"
#: The example files a scenario can belong to: `<stem>.py`, `<stem>.mjs` and `<stem>.sh` beside it.
EXAMPLE_SUFFIXES = (".py", ".mjs", ".sh")

#: The keys a scenario may ask for, by name. The account each belongs to is read from the seed data.
KEYS = {
    "admin": seed.ADMIN_KEY_A,
    "practitioner": seed.PRACTITIONER_KEY_A,
    "bookkeeper": seed.BOOKKEEPER_KEY_A,
    "account_b": seed.ADMIN_KEY_B,
    # Shaped like a real key, with a shard, but no user of the seed has it.
    "unknown": "MS0xMjEwMDAwMDAwMDAwMDAwMDAx-bm90LWEtcmVhbC1rZXk-au1",
}


#: The months, named in English whatever the locale of the build (strftime's %B follows the locale).
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)

#: How a control call is written for a reader: quiet when it works, loud (and a non-zero exit) when the
#: sandbox refuses it or cannot be reached.
CONTROL_CALL = 'curl -fsS -o /dev/null -X POST "$CLINIKO_MOCK_CONTROL_URL{path}"'


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file, the field and what was expected."""


def account_of(api_key: str) -> str | None:
    """The account whose user holds `api_key` in the seed data, or None if no user holds it."""
    for user in seed.initial_dataset().users.values():
        if user.api_key == api_key:
            return user.account_id
    return None


@dataclass(frozen=True)
class DataChange:
    """What an example changes in the account it runs against, said in a warning above it on the page."""

    #: Completes "This example ...", e.g. "creates a patient".
    what: str
    #: The example archives a record, which cannot be undone through the API.
    archives: bool = False


@dataclass(frozen=True)
class Setup:
    """How to put a sandbox started by hand (`cliniko-sandbox`) in a scenario's state, for the page."""

    #: Shell commands, one a line: a reset, the control calls, and the key to use when it is not the
    #: exported one. Run in the shell that has the sandbox's `export` lines, before the example.
    commands: str
    #: The condition in plain words, to follow "This output needs ...", e.g. "the sandbox's clock at
    #: 09:30:15 UTC on 15 January 2026, and no requests left this minute for the demo practice".
    condition: str


@dataclass(frozen=True)
class Scenario:
    """The state an example runs in, and what it changes. The defaults are a freshly reset mock."""

    key: str = "admin"
    clock: datetime | None = None
    remaining: int | None = None
    jump_clock_on_rate_limit: bool = False
    fail_next: int = 0
    changes: DataChange | None = None

    @property
    def api_key(self) -> str:
        return KEYS[self.key]

    @classmethod
    def for_example(cls, example: Path) -> Scenario:
        """The scenario of the example file `example` (`x.py` or `x.sh` reads `x.scenario.json`)."""
        path = scenario_path(example)
        return cls.read(path) if path.exists() else cls()

    @classmethod
    def read(cls, path: Path) -> Scenario:
        """Read and check a scenario file; raise ScenarioError naming the file and field at the first fault."""
        where = _shown(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise ScenarioError(f"{where}: cannot be read ({error})") from None
        except ValueError as error:
            raise ScenarioError(f"{where}: not valid JSON ({error})") from None
        return cls.from_dict(data, where)

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Scenario:
        """Check the decoded JSON of a scenario file; `where` names the file in every message."""
        if not isinstance(data, dict):
            raise ScenarioError(f"{where}: expected a JSON object with the fields {', '.join(_FIELDS)}")
        for name in data:
            if name not in _FIELDS:
                raise ScenarioError(
                    f"{where}: unknown field {name!r}; a scenario may have only {', '.join(_FIELDS)}"
                )
        values = {name: _FIELDS[name](data[name], f"{where}: field {name!r}") for name in data}
        scenario = cls(**values)
        if scenario.remaining is not None and account_of(scenario.api_key) is None:
            raise ScenarioError(
                f"{where}: field 'remaining': expected a key that belongs to an account "
                f"({', '.join(name for name, key in KEYS.items() if account_of(key))}), "
                f"but 'key' is {scenario.key!r}"
            )
        return scenario

    @property
    def prepared(self) -> bool:
        """Whether the example's output depends on a condition the sandbox is put in before it runs.

        Another key than the administrator's, a clock, a quota, the clock's jump or a failure is such a
        condition. `changes` is not: it says what the example does, not what it needs.
        """
        return (
            self.key != "admin"
            or self.clock is not None
            or self.remaining is not None
            or self.jump_clock_on_rate_limit
            or self.fail_next > 0
        )

    def setup(self) -> Setup:
        """The commands that put a sandbox started by hand in this scenario's state, and what they prepare.

        The control calls come in the order `apply` makes them, after a reset. After a reset, a sandbox
        started by hand moves its clock on to the next minute at a `429`, and the tests' sandbox does not,
        so whenever the quota is set the commands say which way that switch must be. Raises ValueError
        for a scenario that prepares nothing (`prepared`), which the page shows no commands for.
        """
        if not self.prepared:
            raise ValueError("this scenario prepares nothing: a reset sandbox is its state")
        commands = [_control("/reset")]
        condition = []
        if self.clock is not None:
            commands.append(_control("/time", at=_instant(self.clock)))
            condition.append(f"the sandbox's clock at {_said_instant(self.clock)}")
        if self.remaining is not None:
            account = account_of(self.api_key)
            assert account is not None, "from_dict checks that the key belongs to an account"
            commands.append(_control("/remaining", account=account, remaining=str(self.remaining)))
            left = _said_count(self.remaining, "request")
            condition.append(f"{left} left this minute for {_practice(account)}")
        if self.remaining is not None or self.jump_clock_on_rate_limit:
            enabled = "true" if self.jump_clock_on_rate_limit else "false"
            commands.append(_control("/jump-on-rate-limit", enabled=enabled))
        if self.jump_clock_on_rate_limit:
            condition.append("the clock set to jump to the next minute after a 429, as if the client waited")
        if self.fail_next:
            commands.append(_control("/fail-next", count=str(self.fail_next)))
            failing = _said_count(self.fail_next, "request", bare_one=True)
            condition.append(f"the next {failing} failing with 503 Service Unavailable")
        if self.key != "admin":
            assert "'" not in self.api_key, "a key is written between single quotes"
            holder = _holder(self.api_key)
            if holder is None:
                commands.append(
                    f"export CLINIKO_API_KEY='{self.api_key}'  # shaped like a real key, but no user has it"
                )
                condition.append("an API key that no user of the sandbox has")
            else:
                role, account = holder
                commands.append(
                    f"export CLINIKO_API_KEY='{self.api_key}'  # the {role} of {_account_name(account)}"
                )
                condition.append(f"the API key of the {role} of {_practice(account)}")
        return Setup("\n".join(commands), _joined(condition))

    def apply(self, controls: Any) -> str:
        """Set a freshly reset mock's `controls` to this scenario; return the API key the example uses."""
        if self.clock is not None:
            controls.set_time(self.clock)
        if self.remaining is not None:
            account = account_of(self.api_key)
            assert account is not None, "from_dict checks that the key belongs to an account"
            controls.set_remaining(account, self.remaining)
        if self.jump_clock_on_rate_limit:
            controls.jump_clock_on_rate_limit(True)
        if self.fail_next:
            controls.fail_next(self.fail_next)
        return self.api_key


def _control(path: str, **query: str) -> str:
    """A control call as the page writes it, its query's values URL-encoded (a colon reads well as it is)."""
    if query:
        path += "?" + urlencode(query, quote_via=quote, safe=":")
    return CONTROL_CALL.format(path=path)


def _instant(instant: datetime) -> str:
    """An instant as the `/time` control takes it: ISO 8601 in UTC, with Z."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _said_instant(instant: datetime) -> str:
    """An instant in words, in UTC: "09:30:15 UTC on 15 January 2026"."""
    utc = instant.astimezone(UTC)
    time = utc.strftime("%H:%M:%S") + (f".{utc.microsecond:06d}".rstrip("0") if utc.microsecond else "")
    return f"{time} UTC on {utc.day} {_MONTHS[utc.month - 1]} {utc.year}"


def _said_count(count: int, noun: str, *, bare_one: bool = False) -> str:
    """A count in words: "no requests", "one request", "4 requests"; with `bare_one`, one is the noun
    alone, as in "the next request"."""
    if count == 0:
        return f"no {noun}s"
    if count == 1:
        return noun if bare_one else f"one {noun}"
    return f"{count} {noun}s"


def _account_name(account_id: str) -> str:
    """The name of a practice (an account) of the seed data: "Harbourside Physiotherapy"."""
    return seed.initial_dataset().accounts[account_id].name


def _practice(account_id: str) -> str:
    """A practice as the page's prose names it: the one the exported key belongs to is "the demo practice"."""
    if account_id == seed.ACCOUNT_A:
        return "the demo practice"
    return f"the other practice, {_account_name(account_id)}"


def _holder(api_key: str) -> tuple[str, str] | None:
    """The role of the user of the seed data who has `api_key`, and their account; None if no user has it."""
    for user in seed.initial_dataset().users.values():
        if user.api_key == api_key:
            return user.role, user.account_id
    return None


def _joined(parts: list[str]) -> str:
    """Parts as a list in prose: "a", "a, and b", "a, b, and c". A part may hold an "and" of its own, so
    the comma before the last one keeps the list readable."""
    if len(parts) < 2:
        return "".join(parts)
    return ", ".join(parts[:-1]) + ", and " + parts[-1]


def scenario_path(example: Path) -> Path:
    """Where the scenario of an example file lives: beside it, `<stem>.scenario.json`."""
    return example.with_name(example.stem + SUFFIX)


def one_of(names: list[str]) -> str:
    """Names written as alternatives in a message: `a.py, a.mjs or a.sh`."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def misplaced_scenarios(snippets: Path) -> list[str]:
    """Scenario files under `snippets` with no example beside them: a misnamed file would be ignored."""
    problems = []
    for path in sorted(snippets.rglob("*" + SUFFIX)):
        stem = path.name[: -len(SUFFIX)]
        if not any(path.with_name(stem + suffix).is_file() for suffix in EXAMPLE_SUFFIXES):
            expected = one_of([stem + suffix for suffix in EXAMPLE_SUFFIXES])
            problems.append(f"{_shown(path)}: no example beside it (expected {expected} in the same folder)")
    return problems


def _shown(path: Path) -> str:
    """A path as a message shows it: relative to the current folder (the repository's root, where the
    build and the tests run) when it is inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _key(value: Any, where: str) -> str:
    if not isinstance(value, str) or value not in KEYS:
        raise ScenarioError(f"{where}: expected one of {', '.join(map(repr, KEYS))}, got {value!r}")
    return value


def _clock(value: Any, where: str) -> datetime:
    expected = 'expected an ISO 8601 instant with its time zone, such as "2026-01-15T09:30:59Z"'
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: {expected}, got {value!r}")
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ScenarioError(f"{where}: {expected}, got {value!r}") from None
    if instant.tzinfo is None:
        raise ScenarioError(f"{where}: {expected} (end it with Z), got {value!r}")
    return instant


def _count(least: int) -> Callable[[Any, str], int]:
    def check(value: Any, where: str) -> int:
        # bool is an int in Python, but `true` is not a count.
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ScenarioError(f"{where}: expected a whole number of at least {least}, got {value!r}")
        return value

    return check


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ScenarioError(f"{where}: expected true or false, got {value!r}")
    return value


def _changes(value: Any, where: str) -> DataChange:
    shape = 'expected an object such as {"what": "creates a patient"}, with "archives": true for an archive'
    if not isinstance(value, dict):
        raise ScenarioError(f"{where}: {shape}, got {value!r}")
    unknown = [name for name in value if name not in {"what", "archives"}]
    if unknown:
        raise ScenarioError(f"{where}: unknown field {unknown[0]!r} in it; {shape}")
    what = value.get("what")
    if not isinstance(what, str) or not what.strip() or what != what.strip() or what.endswith("."):
        raise ScenarioError(
            f"{where}: 'what' is required: a short text that completes \"This example ...\", "
            f"without a final full stop, such as \"creates a patient\"; got {what!r}"
        )
    return DataChange(what, _flag(value.get("archives", False), f"{where} 'archives'"))


#: Every field a scenario may have, and how its value is checked.
_FIELDS: dict[str, Callable[[Any, str], Any]] = {
    "key": _key,
    "clock": _clock,
    "remaining": _count(0),
    "jump_clock_on_rate_limit": _flag,
    "fail_next": _count(1),
    "changes": _changes,
}
