"""The numbers of the contract (`cliniko_sandbox.contract`) are stated alike wherever a file that cannot
import them states them; each failure names the file and the place.

* `docs/openapi.yaml` and `docs/sandbox-control.yaml`: every bound a schema sets (`maximum`, a number's
  `default`, `maxLength`, `maxItems`, `maxProperties`) is either a contract number, named in `BOUNDS` by
  where it stands, or one the contract does not hold, named in `NOT_CONTRACT` with the reason. A new
  bound must be put in one of the two. Every sentence of a description, a summary or an example's
  message that states a contract number in a form `_statements` knows ("1 MiB", "500 requests", "at
  most 20 problems", "per minute"...) states the contract's. The pattern the sandbox's control takes
  for an account's quota allows exactly the numbers from 0 to the rate limit.
* `snippets/`: every `per_page` an example sends is one the API serves (from 1 to `PER_PAGE_MAX`), or a
  value past it in an example that shows it refused (`REFUSED_PER_PAGE`). The examples that read whole
  lists ask for 100 at a time; the pages say how large a page may be with the shortcode, so raising the
  maximum leaves both true.

The sandbox and the tests import the numbers, and a page shows one with the `<!-- md:contract NAME -->`
shortcode rather than writing it out, so none of them is checked here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

import pytest

from cliniko_sandbox.contract import (
    FIELD_LIMITS,
    MAX_BODY_BYTES,
    MAX_HEAD_BYTES,
    MAX_LISTED_ERRORS,
    MAX_USER_AGENT_LENGTH,
    NAME_SHOWN,
    PAGE_MAX,
    PER_PAGE_DEFAULT,
    PER_PAGE_MAX,
    RATE_LIMIT,
    RATE_LIMIT_WINDOW_SECONDS,
    period_in_words,
)
from openapi_description import load_description
from project import DOCS, SNIPPETS

DESCRIPTIONS = ("openapi.yaml", "sandbox-control.yaml")
#: The keys whose number is a bound; `minimum` and `minLength` are 0 or 1 everywhere, never the contract's.
BOUND_KEYS = ("maximum", "exclusiveMaximum", "default", "maxLength", "maxItems", "maxProperties")
#: Where a description states a contract number as a bound (a JSON pointer; `*` stands for any text), and
#: what it must equal: the name shown in a failure and the value, one pair for each number it stands for.
BOUNDS: dict[str, tuple[tuple[str, int], ...]] = {
    "#/components/parameters/PerPage/schema/maximum": (("PER_PAGE_MAX", PER_PAGE_MAX),),
    "#/components/parameters/PerPage/schema/default": (("PER_PAGE_DEFAULT", PER_PAGE_DEFAULT),),
    "#/components/parameters/Page/schema/maximum": (("PAGE_MAX", PAGE_MAX),),
    "#/components/parameters/UserAgent/schema/maxLength": (
        ("MAX_USER_AGENT_LENGTH", MAX_USER_AGENT_LENGTH),
    ),
    "#/components/schemas/*PatientList/properties/patients/maxItems": (("PER_PAGE_MAX", PER_PAGE_MAX),),
    **{
        f"#/components/schemas/Patient/properties/{name}/maxLength": ((f"FIELD_LIMITS[{name!r}]", FIELD_LIMITS[name]),)
        for name in FIELD_LIMITS
    },
    "#/components/schemas/Title/maxLength": (("FIELD_LIMITS['title']", FIELD_LIMITS["title"]),),
    "#/components/schemas/Name/maxLength": (
        ("FIELD_LIMITS['first_name']", FIELD_LIMITS["first_name"]),
        ("FIELD_LIMITS['last_name']", FIELD_LIMITS["last_name"]),
    ),
    "#/components/schemas/DateOfBirth/anyOf/*/maxLength": (
        ("FIELD_LIMITS['date_of_birth']", FIELD_LIMITS["date_of_birth"]),
    ),
    "#/components/schemas/Email/anyOf/*/maxLength": (("FIELD_LIMITS['email']", FIELD_LIMITS["email"]),),
    "#/components/schemas/ValidationError/properties/errors/maxProperties": (
        ("MAX_LISTED_ERRORS", MAX_LISTED_ERRORS),
    ),
    "#/components/schemas/AccountQuota/properties/remaining/maximum": (("RATE_LIMIT", RATE_LIMIT),),
}
#: The bounds that are not numbers of the contract, and why.
NOT_CONTRACT: dict[str, str] = {
    "#/components/parameters/Page/schema/default": "a list starts at its first page",
    "#/components/schemas/Id/maxLength": "an ID is a 64-bit integer, which has at most 20 digits",
    "#/components/headers/RequestId/schema/maxLength": "the room a client keeps for a request ID; it refuses nothing",
    "#/paths/~1*/post/parameters/*/schema/maxLength": "how much of a control's parameter the sandbox reads",
    "#/components/schemas/Status/properties/failing_next/maximum": "the sandbox's own cap on prepared faults",
}
#: The examples that send a `per_page` past the maximum, to show the `400` it gets.
REFUSED_PER_PAGE = frozenset({"errors/status_codes.py", "errors/status_codes.sh", "client/handle_errors.py"})
#: A `per_page` given a number, as a URL, a shell word, a Python dictionary or pair, or a keyword writes it.
PER_PAGE_VALUE = re.compile(r"""\bper_page["']?\s*[=:,]\s*["']?(\d+)""")


def _load(name: str) -> dict[str, Any]:
    return load_description(DOCS / name)


def _pointer(path: tuple[str, ...]) -> str:
    return "#/" + "/".join(step.replace("~", "~0").replace("/", "~1") for step in path)


def _walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every value of the document, each with its path (the keys and indexes that lead to it)."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, str(index)))


def _bounds(document: dict[str, Any]) -> Iterator[tuple[str, int]]:
    for path, value in _walk(document):
        if not path or path[-1] not in BOUND_KEYS or "examples" in path or "example" in path:
            continue  # an example's value is data, whatever its keys are called
        if isinstance(value, int) and not isinstance(value, bool):
            yield _pointer(path), value


def _texts(document: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], str, dict[str, Any]]]:
    """Each sentence a reader reads, with its path and the object that holds it: descriptions, summaries,
    and the messages (and field errors) of the examples."""
    parents = {path: node for path, node in _walk(document) if isinstance(node, dict)}
    for path, value in _walk(document):
        if not isinstance(value, str) or not path:
            continue
        if path[-1] in ("description", "summary", "message") or (len(path) > 1 and path[-2] == "errors"):
            for sentence in re.split(r"(?<=[.;])\s+", value):
                yield path, sentence, parents[path[:-1]]


def _max_lengths(schema: Any) -> set[int]:
    """The `maxLength` values a schema sets, at any depth of it (its `anyOf` included)."""
    return {value for path, value in _walk(schema) if path and path[-1] == "maxLength" and isinstance(value, int)}


def _size(number: str, unit: str) -> int:
    return int(number.replace(",", "")) * {"KiB": 1024, "MiB": 1024 * 1024, "bytes": 1}[unit]


def _statements(path: tuple[str, ...], sentence: str, holder: dict[str, Any]) -> Iterator[tuple[str, int, str, int]]:
    """Each contract number the sentence states: the words, the number they state, and the name and
    value of the contract number they must state."""
    for match in re.finditer(r"\b(\d[\d,]*) ?(KiB|MiB|bytes)\b", sentence):
        stated = _size(match[1], match[2])
        if re.search(r"\bbody\b", sentence, re.IGNORECASE):
            yield match[0], stated, "MAX_BODY_BYTES", MAX_BODY_BYTES
        elif re.search(r"\b(?:headers?|request line)\b", sentence, re.IGNORECASE):
            yield match[0], stated, "MAX_HEAD_BYTES", MAX_HEAD_BYTES
        else:
            yield match[0], stated, "(a size, but of the body or of the head? say which)", -1
    for match in re.finditer(r"\b(\d[\d,]*) requests\b", sentence):
        yield match[0], int(match[1].replace(",", "")), "RATE_LIMIT", RATE_LIMIT
    for match in re.finditer(r"\bleft\b[^.]*\bfrom 0 to (\d+)", sentence):  # the quota the sandbox's control leaves
        yield match[0], int(match[1]), "RATE_LIMIT", RATE_LIMIT
    for match in re.finditer(r"\bper_page parameter must be a whole number from 1 to (\d+)", sentence):
        yield match[0], int(match[1]), "PER_PAGE_MAX", PER_PAGE_MAX
    for match in re.finditer(r"\bat most (\d+) problems\b", sentence, re.IGNORECASE):
        yield match[0], int(match[1]), "MAX_LISTED_ERRORS", MAX_LISTED_ERRORS
    characters = r"\b(?:(first)|at most|its|maximum is) (\d[\d,]*) characters\b"
    for match in re.finditer(characters, sentence, re.IGNORECASE):
        stated = int(match[2].replace(",", ""))
        if match[1]:
            yield match[0], stated, "NAME_SHOWN", NAME_SHOWN
        elif path[-1] in FIELD_LIMITS:  # a field's error in an example's `errors`
            yield match[0], stated, f"FIELD_LIMITS[{path[-1]!r}]", FIELD_LIMITS[path[-1]]
        else:  # a schema's description: the limit the schema sets, which BOUNDS ties to the contract
            limits = _max_lengths(holder)
            if len(limits) == 1:
                yield match[0], stated, "the maxLength of the schema it describes", limits.pop()
            else:
                yield match[0], stated, f"(a length, but the schema it describes sets {sorted(limits)})", -1
    if re.search(r"\bminute\b", sentence) and period_in_words(RATE_LIMIT_WINDOW_SECONDS) != "minute":
        yield "minute", 60, "RATE_LIMIT_WINDOW_SECONDS", RATE_LIMIT_WINDOW_SECONDS


@pytest.mark.parametrize("name", DESCRIPTIONS)
def test_every_bound_of_the_description_is_the_contracts_or_said_not_to_be(name: str) -> None:
    wrong = []
    for pointer, value in _bounds(_load(name)):
        rule = next((pattern for pattern in BOUNDS if fnmatchcase(pointer, pattern)), None)
        if rule is not None:
            wrong += [
                f"{name} {pointer} is {value}, but {number} in contract.py is {expected}"
                for number, expected in BOUNDS[rule]
                if value != expected
            ]
        elif not any(fnmatchcase(pointer, pattern) for pattern in NOT_CONTRACT):
            wrong.append(
                f"{name} {pointer} is {value}: name the contract number it states in BOUNDS, or say in "
                "NOT_CONTRACT why it is none (tests/test_contract_numbers.py)"
            )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", DESCRIPTIONS)
def test_every_sentence_of_the_description_states_the_contracts_numbers(name: str) -> None:
    wrong, found = [], 0
    for path, sentence, holder in _texts(_load(name)):
        for words, stated, number, expected in _statements(path, sentence, holder):
            found += 1
            if stated != expected:
                wrong.append(
                    f"{name} {_pointer(path)}: {words!r} states {stated}, but {number} is {expected}: {sentence!r}"
                )
    assert found, f"{name}: no sentence states a contract number, so the patterns here no longer read it"
    assert not wrong, "\n".join(wrong)


def test_the_controls_quota_pattern_takes_exactly_0_to_the_rate_limit() -> None:
    parameters = _load("sandbox-control.yaml")["paths"]["/remaining"]["post"]["parameters"]
    pattern = re.compile(next(p for p in parameters if p["name"] == "remaining")["schema"]["pattern"])

    taken = [number for number in range(10 * RATE_LIMIT) if pattern.fullmatch(str(number))]

    assert taken == list(range(RATE_LIMIT + 1)), (
        f"sandbox-control.yaml: the pattern of /remaining's `remaining` takes {taken[0]} to {taken[-1]} "
        f"({len(taken)} numbers), but RATE_LIMIT in contract.py is {RATE_LIMIT}"
    )


def _per_page_values() -> Iterator[tuple[str, int, int]]:
    """Each number given to `per_page` in an example or the client: the file, the line, the number."""
    for path in sorted([*SNIPPETS.rglob("*.py"), *SNIPPETS.rglob("*.sh")]):
        for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in PER_PAGE_VALUE.finditer(line):
                yield path.relative_to(SNIPPETS).as_posix(), line_number, int(match[1])


def test_every_per_page_in_an_example_is_served_or_shown_refused() -> None:
    wrong, refused_in = [], set()
    for name, line, value in _per_page_values():
        if value > PER_PAGE_MAX:
            refused_in.add(name)
            if name not in REFUSED_PER_PAGE:
                wrong.append(
                    f"snippets/{name}:{line}: per_page={value} is past PER_PAGE_MAX ({PER_PAGE_MAX}), "
                    "so the API refuses it; an example that shows the refusal belongs in REFUSED_PER_PAGE"
                )
        elif value < 1:
            wrong.append(f"snippets/{name}:{line}: per_page={value} is below 1, which the API refuses")
    assert not wrong, "\n".join(wrong)
    assert refused_in == REFUSED_PER_PAGE, (
        f"REFUSED_PER_PAGE names {sorted(REFUSED_PER_PAGE - refused_in)}, which send no per_page past {PER_PAGE_MAX}"
    )
