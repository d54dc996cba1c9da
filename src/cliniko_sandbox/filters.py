"""Filtering and ordering of a list: the `q`, `q[]`, `sort` and `order` query parameters.

A list route hands `select_patients` the patients it would show and the request's query; it gets back
the ones the filters select, in the order asked for, before it cuts out a page. Counting and paging
after this step is what makes `total_entries` and the `next`/`previous` links describe the filtered list.

The syntax is Cliniko's (its API README, "Filtering Results" and ordering):

* A filter is `FIELD:OPERATORVALUE`, such as `first_name:=Ada` or `updated_at:>2026-01-01T00:00:00Z`.
  `q` carries one, `q[]` carries one each time it is repeated; they may be mixed, and every filter given
  applies (they combine with AND).
* The operators depend on the field's type. Dates (`YYYY-MM-DD`): `=`, `>=`, `>`, `<=`, `<`, and `*` in
  place of any digit (`****-05-**`: born in May). Date-times (UTC, `YYYY-MM-DDTHH:MM:SSZ`): `>=`, `>`,
  `<=`, `<`. Whole numbers: `=` (also a list, `id:=1,2,3`), `!=`, `>=`, `>`, `<=`, `<`. Strings: `=`,
  `!=`, `~` (contains) and `~~` (a pattern in which `%` stands for any run of characters; in a URL the
  `%` itself is written `%25`). The operator is read longest first, so `>=` is never `>` followed by `=`.
* A field outside the list gets `400` with Cliniko's own words, "This column is not searchable."; a
  wrong operator, a value that does not parse or an empty filter gets `400` naming the filter and the
  reason.
* `sort=a,b:desc` orders by each field in turn, each ascending unless it says `:desc`. Without `sort`,
  a list is in ascending `created_at` order.

Where Cliniko's documents say nothing, the rules below are this guide's own:

* Strings compare without regard to case (`first_name:=ada` finds "Ada"), in every operator and in
  sorting. In `~~`, only `%` is special; `_` is an ordinary character, and there is no way to match a
  literal `%`.
* `q` given more than once applies each value, as `q[]` does.
* A `*` wildcard works with `=` only: "before `****-05-**`" means nothing. A value with a wildcard must
  still have the shape of a date (a month the given digits allow, such as `1*` but not `2*`, and likewise
  a day); one that no real date has, such as `****-02-3*` or `0000-**-**`, matches nothing. A value
  without wildcards must be a real calendar date (not `2026-02-31`, nor in the year 0000), or the filter
  is refused; so must the date of a date-time.
* A date-time filter compares whole seconds, the times the API shows.
* A value must not be empty (`first_name:=` is refused), and a number has at most 20 digits.
* A field that has no value (`null`) matches no filter on that field, `!=` included (as in SQL).
  Sorting puts it after every value in ascending order, and first in descending order.
* `id` is always the last key of the order, so that records that tie on every key asked for keep the
  same order on every page. It is ascending, unless `order=desc` turns it.
* `order=desc`, Cliniko's older and deprecated form, gives the direction of every key that names none:
  without `sort`, it reverses the whole default order (newest first, `id` descending); with `sort`, it
  turns the fields written without `:asc` or `:desc`, and the final `id`. `order=asc` changes nothing.
* `sort` or `order` given more than once: the last one counts, as for `page`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from cliniko_sandbox.errors import ApiError
from cliniko_sandbox.state import Patient

__all__ = [
    "FILTERABLE",
    "SORTABLE",
    "QueryError",
    "carried_parameters",
    "select_patients",
]

#: The query parameters this module reads; a list's `self`, `next` and `previous` links repeat them.
PARAMETERS = ("q", "q[]", "sort", "order")

#: Each filterable patient field and its type.
FILTERABLE = {
    "created_at": "date-time",
    "updated_at": "date-time",
    "date_of_birth": "date",
    "email": "string",
    "first_name": "string",
    "last_name": "string",
    "id": "integer",
    # Cliniko keeps here the ID a patient had in the system a practice moved from. Patients in the
    # sandbox have no such field, and adding one would change every patient the API returns (and every
    # example's output) for a value that would always be null. So the filter is accepted, as Cliniko
    # lists the field as searchable, and, like any filter on a null field, it matches no patient.
    "old_reference_id": "string",
}
#: The operators of each type, as Cliniko lists them.
OPERATORS = {
    "date": ("=", ">=", ">", "<=", "<"),
    "date-time": (">=", ">", "<=", "<"),
    "integer": ("=", "!=", ">=", ">", "<=", "<"),
    "string": ("=", "!=", "~", "~~"),
}
#: Every operator, longest first: `>=` must be found before `>`, `~~` before `~`.
_LONGEST_FIRST = (">=", "<=", "!=", "~~", "=", ">", "<", "~")
#: The fields `sort` takes.
SORTABLE = ("created_at", "updated_at", "date_of_birth", "email", "first_name", "last_name", "id")

_NOT_SEARCHABLE = "This column is not searchable."
# The shapes of the values, as the OpenAPI description's patterns write them: four digits of a year, a
# month from 01 to 12, a day from 01 to 31. Whether that day exists (there is no 31 February, and no year
# 0000) is left to the calendar (`_is_real_date`): a pattern could rule out the year 0000 too, but at the
# price of four alternatives in each of its three dates, which makes generating values from it (as the
# conformance test does) markedly slower.
_DATE = re.compile("[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")
# The same with `*` in any digit position: the digits that are given must still fit a month and a day.
_DATE_WILDCARD = re.compile(r"[0-9*]{4}-(0[1-9]|1[0-2]|[01*]\*|\*[0-9])-(0[1-9]|[12][0-9]|3[01]|[0-3*]\*|\*[0-9])")
_DATE_TIME = re.compile(f"{_DATE.pattern}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z")
_NUMBER = re.compile(r"[0-9]{1,20}")
_VALUE_RULES = {
    "date": "a date written YYYY-MM-DD, with * for any digit when the operator is =",
    "date-time": "a UTC time written YYYY-MM-DDTHH:MM:SSZ",
    "integer": "a whole number of at most 20 digits (with =, also a comma-separated list of them)",
}


class QueryError(ApiError):
    """A filter or an order the API cannot apply: `400`, with a message that names it and says why."""

    def __init__(self, message: str) -> None:
        super().__init__(400, message)


# The query ---------------------------------------------------------------------------------------


def _pairs(query: Any) -> list[tuple[str, str]]:
    """The query as (name, value) pairs in the order sent; Starlette's `QueryParams` or pairs."""
    if hasattr(query, "multi_items"):
        return list(query.multi_items())
    return [(str(name), str(value)) for name, value in query]


def carried_parameters(query: Any) -> list[tuple[str, str]]:
    """The filter and order parameters of a query, in the order sent, for a list's links to repeat."""
    return [(name, value) for name, value in _pairs(query) if name in PARAMETERS]


def select_patients(patients: Iterable[Patient], query: Any) -> list[Patient]:
    """The patients the query's filters select, in the order it asks for.

    Args:
        patients: the patients the list would show without filters, in any order.
        query: Starlette's `QueryParams`, or a list of (name, value) pairs.

    Raises:
        QueryError: (`400`) a filter, `sort` or `order` that cannot be applied.
    """
    pairs = _pairs(query)
    tests = [_parse_filter(name, value) for name, value in pairs if name in ("q", "q[]")]
    sort = [value for name, value in pairs if name == "sort"]
    order = [value for name, value in pairs if name == "order"]
    keys = _parse_order(sort[-1] if sort else None, order[-1] if order else None)
    chosen = [patient for patient in patients if all(test(patient) for test in tests)]
    return _ordered(chosen, keys)


# Filters -----------------------------------------------------------------------------------------


def _parse_filter(name: str, text: str) -> Callable[[Patient], bool]:
    """The test a filter stands for, or a `QueryError` saying what is wrong with it."""
    if not text:
        raise QueryError(f"A {name} filter is empty: write it as FIELD:OPERATORVALUE, such as first_name:=Ada.")
    field, colon, rest = text.partition(":")
    if not colon:
        raise QueryError(f'The filter "{text}" is not written FIELD:OPERATORVALUE, such as first_name:=Ada.')
    kind = FILTERABLE.get(field)
    if kind is None:
        raise QueryError(
            f'The filter "{text}" can\'t be used: patients can\'t be filtered by "{field}". {_NOT_SEARCHABLE}'
        )
    allowed = OPERATORS[kind]
    operator = next((candidate for candidate in _LONGEST_FIRST if rest.startswith(candidate)), None)
    if operator is None or operator not in allowed:
        problem = "has no operator" if operator is None else f"uses {operator}, which {field} does not take"
        operators = " ".join(allowed)
        raise QueryError(f'The filter "{text}" {problem}: {field} is a {kind}, whose operators are {operators}.')
    value = rest[len(operator) :]
    if not value:
        raise QueryError(f'The filter "{text}" has no value after {operator}.')
    get = _FIELDS[field]
    if kind == "string":
        return _string_test(get, operator, value)
    if kind == "integer":
        return _integer_test(text, get, operator, value)
    if kind == "date":
        return _date_test(text, get, operator, value)
    return _date_time_test(text, get, operator, value)


def _bad_value(text: str, kind: str) -> QueryError:
    return QueryError(f'The filter "{text}" has a value that is not {_VALUE_RULES[kind]}.')


def _no_such_day(text: str) -> QueryError:
    return QueryError(f'The filter "{text}" names a day that does not exist.')


def _compare(operator: str) -> Callable[[Any, Any], bool]:
    return {
        "=": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
        ">=": lambda a, b: a >= b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        "<": lambda a, b: a < b,
    }[operator]


def _with_value(get: Callable[[Patient], Any], test: Callable[[Any], bool]) -> Callable[[Patient], bool]:
    """A test that a patient without a value (null) never passes."""

    def passes(patient: Patient) -> bool:
        value = get(patient)
        return value is not None and test(value)

    return passes


def _string_test(get: Callable[[Patient], Any], operator: str, value: str) -> Callable[[Patient], bool]:
    wanted = value.casefold()
    if operator == "~":
        return _with_value(get, lambda have: wanted in have.casefold())
    if operator == "~~":
        pattern = re.compile(".*".join(re.escape(part) for part in wanted.split("%")), re.DOTALL)
        return _with_value(get, lambda have: pattern.fullmatch(have.casefold()) is not None)
    compare = _compare(operator)
    return _with_value(get, lambda have: compare(have.casefold(), wanted))


def _integer_test(text: str, get: Callable[[Patient], Any], operator: str, value: str) -> Callable[[Patient], bool]:
    items = value.split(",") if operator == "=" else [value]
    if not all(_NUMBER.fullmatch(item) for item in items):
        raise _bad_value(text, "integer")
    numbers = [int(item) for item in items]
    if operator == "=":
        chosen = set(numbers)
        return _with_value(get, lambda have: have in chosen)
    compare, number = _compare(operator), numbers[0]
    return _with_value(get, lambda have: compare(have, number))


def _date_test(text: str, get: Callable[[Patient], Any], operator: str, value: str) -> Callable[[Patient], bool]:
    if "*" in value:
        if operator != "=":
            raise QueryError(f'The filter "{text}" can\'t be used: a date with * works with = only.')
        if not _DATE_WILDCARD.fullmatch(value):
            raise _bad_value(text, "date")
        # Character by character against the date as the API writes it, YYYY-MM-DD.
        return _with_value(get, lambda have: all(w in ("*", h) for w, h in zip(value, have, strict=True)))
    if not _DATE.fullmatch(value):
        raise _bad_value(text, "date")
    if not _is_real_date(value):
        raise _no_such_day(text)
    compare = _compare(operator)
    # Dates written YYYY-MM-DD sort as text in the order of the calendar.
    return _with_value(get, lambda have: compare(have, value))


def _is_real_date(value: str) -> bool:
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return False
    return True


def _date_time_test(text: str, get: Callable[[Patient], Any], operator: str, value: str) -> Callable[[Patient], bool]:
    if not _DATE_TIME.fullmatch(value):
        raise _bad_value(text, "date-time")
    try:
        moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise _no_such_day(text) from None
    compare = _compare(operator)
    return _with_value(get, lambda have: compare(have, moment))


def _seconds(moment: datetime) -> datetime:
    """A time as the API shows it: whole seconds."""
    return moment.replace(microsecond=0)


#: How to read each field of a patient, in the type its filters and sorting compare.
_FIELDS: dict[str, Callable[[Patient], Any]] = {
    "created_at": lambda p: _seconds(p.created_at),
    "updated_at": lambda p: _seconds(p.updated_at),
    "date_of_birth": lambda p: p.date_of_birth,
    "email": lambda p: p.email,
    "first_name": lambda p: p.first_name,
    "last_name": lambda p: p.last_name,
    "id": lambda p: int(p.id),
    "old_reference_id": lambda p: None,  # see FILTERABLE
}


# Order -------------------------------------------------------------------------------------------


def _parse_order(sort: str | None, order: str | None) -> list[tuple[str, bool]]:
    """The keys of the order as (field, descending), ending with `id`."""
    if order is not None and order not in ("asc", "desc"):
        raise QueryError(f'The order "{order}" can\'t be used: order is asc or desc.')
    default_descending = order == "desc"
    if sort is None:
        return [("created_at", default_descending), ("id", default_descending)]
    keys = []
    for item in sort.split(","):
        field, colon, direction = item.partition(":")
        if field not in SORTABLE:
            raise QueryError(
                f'The sort "{sort}" can\'t be used: patients can\'t be sorted by "{field}"; '
                f"they can be sorted by {', '.join(SORTABLE)}."
            )
        if colon and direction not in ("asc", "desc"):
            raise QueryError(f'The sort "{sort}" can\'t be used: the direction after {field}: is asc or desc.')
        keys.append((field, direction == "desc" if colon else default_descending))
    return [*keys, ("id", default_descending)]


def _ordered(patients: list[Patient], keys: list[tuple[str, bool]]) -> list[Patient]:
    """The patients sorted by each key in turn; Python's sort is stable, so the last key goes first."""
    ordered = list(patients)
    for field, descending in reversed(keys):
        get = _FIELDS[field]
        ordered.sort(key=lambda patient, get=get: _sort_key(get(patient)), reverse=descending)
    return ordered


def _sort_key(value: Any) -> tuple[bool, Any]:
    """Nulls after every value (first, once reversed); strings without regard to case."""
    if value is None:
        return (True, "")
    return (False, value.casefold() if isinstance(value, str) else value)
