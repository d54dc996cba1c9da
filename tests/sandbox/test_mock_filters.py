"""Filtering and ordering the patient list: `q`, `q[]`, `sort` and `order`.

Each operator of each field type, the date and string wildcards, several filters at once, each form of
`sort`, the order kept across pages by links that repeat the query, and each refusal with its message.
The expected lists are worked out here from the seed (`initial_dataset()`), in plain Python that shares
nothing with the sandbox's own filter code. The last tests check that the description's patterns for
`q`, `q[]` and `sort` allow exactly the filters the sandbox accepts.

One keep-alive connection serves the whole module: a TLS handshake costs more than most requests.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from api_requests import error_message, send
from cliniko_sandbox import MockCliniko, filters
from cliniko_sandbox.contract import PER_PAGE_MAX
from cliniko_sandbox.seed import ACCOUNT_A, initial_dataset
from cliniko_sandbox.state import Patient
from exchange_contract import check_exchanges, checker_for
from openapi_description import load_description, resolve

#: Account A's active patients in the seed, oldest first (the default order: `created_at`, then `id`).
ACTIVE = sorted(
    (p for p in initial_dataset().patients.values() if p.account_id == ACCOUNT_A and p.archived_at is None),
    key=lambda p: (p.created_at, int(p.id)),
)
#: Patients picked from the middle of the list, whose values make the boundaries of the comparisons.
MIDDLE = ACTIVE[len(ACTIVE) // 2]
OTHER = ACTIVE[len(ACTIVE) // 3]


def _utc(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _born(p: Patient) -> date:
    return date.fromisoformat(p.date_of_birth)


@pytest.fixture(scope="module")
def session(mock_server: MockCliniko) -> Iterator[requests.Session]:
    with requests.Session() as one:
        yield one


def _get(mock, session, params=None, target: str = "/patients") -> requests.Response:
    return send(mock, "GET", target, params=params, session=session)


def _all_pages(mock, session, params) -> tuple[list[str], list[dict]]:
    """Every ID of the list, following `links.next` from the first page; and each page's body."""
    first = _get(mock, session, params)
    assert first.status_code == 200, first.text
    bodies = [first.json()]
    while "next" in bodies[-1]["links"]:
        assert len(bodies) < 30, "the links never end"
        bodies.append(_get(mock, session, target=bodies[-1]["links"]["next"]).json())
    return [record["id"] for body in bodies for record in body["patients"]], bodies


def _ids(patients) -> list[str]:
    return [p.id for p in patients]


# Filters: each operator of each type -----------------------------------------------------------

_MAY = re.compile(r"^\d{4}-05-\d\d$")

#: (filter, which seed patients it selects). Strings compare without regard to case.
FILTERS = {
    # Dates.
    f"date_of_birth:={MIDDLE.date_of_birth}": lambda p: p.date_of_birth == MIDDLE.date_of_birth,
    f"date_of_birth:>={MIDDLE.date_of_birth}": lambda p: _born(p) >= _born(MIDDLE),
    f"date_of_birth:>{MIDDLE.date_of_birth}": lambda p: _born(p) > _born(MIDDLE),
    f"date_of_birth:<={MIDDLE.date_of_birth}": lambda p: _born(p) <= _born(MIDDLE),
    f"date_of_birth:<{MIDDLE.date_of_birth}": lambda p: _born(p) < _born(MIDDLE),
    # `*` stands for any digit, with `=` only.
    "date_of_birth:=****-05-**": lambda p: _born(p).month == 5,
    # A wildcard that no real date fits is not refused: it matches nothing.
    "date_of_birth:=****-02-3*": lambda p: False,
    "date_of_birth:=0000-**-**": lambda p: False,
    "date_of_birth:=19*0-**-1*": lambda p: _born(p).year in range(1900, 2000) and _born(p).year % 10 == 0
    and 10 <= _born(p).day <= 19,
    # Date-times.
    f"created_at:>={_utc(MIDDLE.created_at)}": lambda p: p.created_at >= MIDDLE.created_at,
    f"created_at:>{_utc(MIDDLE.created_at)}": lambda p: p.created_at > MIDDLE.created_at,
    f"created_at:<={_utc(MIDDLE.created_at)}": lambda p: p.created_at <= MIDDLE.created_at,
    f"created_at:<{_utc(MIDDLE.created_at)}": lambda p: p.created_at < MIDDLE.created_at,
    f"updated_at:>{_utc(MIDDLE.updated_at)}": lambda p: p.updated_at > MIDDLE.updated_at,
    # Whole numbers.
    f"id:={MIDDLE.id}": lambda p: p.id == MIDDLE.id,
    f"id:={MIDDLE.id},{OTHER.id},1": lambda p: p.id in (MIDDLE.id, OTHER.id),
    f"id:!={MIDDLE.id}": lambda p: p.id != MIDDLE.id,
    f"id:>={MIDDLE.id}": lambda p: int(p.id) >= int(MIDDLE.id),
    f"id:>{MIDDLE.id}": lambda p: int(p.id) > int(MIDDLE.id),
    f"id:<={MIDDLE.id}": lambda p: int(p.id) <= int(MIDDLE.id),
    f"id:<{MIDDLE.id}": lambda p: int(p.id) < int(MIDDLE.id),
    # Strings.
    f"email:={MIDDLE.email.upper()}": lambda p: p.email == MIDDLE.email,
    f"first_name:={MIDDLE.first_name.lower()}": lambda p: p.first_name == MIDDLE.first_name,
    f"last_name:!={MIDDLE.last_name}": lambda p: p.last_name != MIDDLE.last_name,
    "first_name:~LI": lambda p: "li" in p.first_name.lower(),
    "last_name:~a": lambda p: "a" in p.last_name.lower(),
    # `%` is any run of characters, none included; the value must match as a whole.
    "first_name:~~o%": lambda p: p.first_name.lower().startswith("o"),
    "last_name:~~%n": lambda p: p.last_name.lower().endswith("n"),
    "email:~~%.smith%@example.com": lambda p: ".smith" in p.email.split("@")[0],
    "first_name:~~liam": lambda p: p.first_name.lower() == "liam",
    # `_` is an ordinary character, not SQL's "any one character".
    "first_name:~~_%": lambda p: p.first_name.startswith("_"),
    # No patient has an old reference ID (a null matches no filter, `!=` included).
    "old_reference_id:=x": lambda p: False,
    "old_reference_id:!=x": lambda p: False,
}


@pytest.mark.parametrize("text", FILTERS)
def test_each_operator_selects_what_the_seed_says(mock, session, text):
    expected = _ids(p for p in ACTIVE if FILTERS[text](p))

    ids, bodies = _all_pages(mock, session, {"q": text, "per_page": PER_PAGE_MAX})

    assert ids == expected
    assert {body["total_entries"] for body in bodies} == {len(expected)}


def test_the_cases_above_are_not_trivial():
    """Each filter of the table above selects some patients and leaves out others (the null cases aside)."""
    for text, selects in FILTERS.items():
        chosen = sum(1 for p in ACTIVE if selects(p))
        if text.startswith(("old_reference_id", "first_name:~~_", "date_of_birth:=****-02-3*", "date_of_birth:=0000")):
            assert chosen == 0
        else:
            assert 0 < chosen < len(ACTIVE), text


def test_a_percent_sign_sent_as_25_is_the_wildcard(mock, session):
    # Written into the URL by hand, as a reader does with curl: `%` itself must be sent as `%25`.
    response = _get(mock, session, target=f"/patients?q=first_name:~~ol%25&per_page={PER_PAGE_MAX}")

    assert response.status_code == 200, response.text
    assert [r["id"] for r in response.json()["patients"]] == _ids(
        p for p in ACTIVE if p.first_name.lower().startswith("ol")
    )


def test_several_filters_all_apply_from_q_and_q_brackets(mock, session):
    since = _utc(OTHER.created_at)
    pairs = [("q[]", f"created_at:>={since}"), ("q[]", "first_name:~o"), ("q", "date_of_birth:<1990-01-01")]
    pairs.append(("per_page", str(PER_PAGE_MAX)))
    expected = _ids(
        p for p in ACTIVE if p.created_at >= OTHER.created_at and "o" in p.first_name.lower() and _born(p).year < 1990
    )

    response = _get(mock, session, pairs)

    assert response.status_code == 200, response.text
    assert [r["id"] for r in response.json()["patients"]] == expected
    assert 0 < len(expected) < len([p for p in ACTIVE if p.created_at >= OTHER.created_at])


def test_q_given_twice_applies_both(mock, session):
    pairs = [("q", "first_name:~o"), ("q", "last_name:~a"), ("per_page", PER_PAGE_MAX)]
    expected = _ids(p for p in ACTIVE if "o" in p.first_name.lower() and "a" in p.last_name.lower())

    assert [r["id"] for r in _get(mock, session, pairs).json()["patients"]] == expected


def test_a_field_without_a_value_matches_no_filter_and_sorts_last(mock, session):
    created = send(mock, "POST", "/patients", json={"first_name": "Nova", "last_name": "Bare"}, session=session)
    assert created.status_code == 201
    new_id = created.json()["id"]

    not_email = _get(mock, session, {"q": "email:!=nobody@example.com", "per_page": PER_PAGE_MAX}).json()
    some = [("q", "last_name:~r"), ("per_page", PER_PAGE_MAX)]
    by_birth = _get(mock, session, [*some, ("sort", "date_of_birth")]).json()
    by_birth_desc = _get(mock, session, [*some, ("sort", "date_of_birth:desc")]).json()

    assert new_id not in [r["id"] for r in not_email["patients"]]
    assert not_email["total_entries"] == len(ACTIVE)
    assert by_birth["patients"][-1]["id"] == new_id
    assert by_birth_desc["patients"][0]["id"] == new_id


# Ordering ---------------------------------------------------------------------------------------


def _sorted(keys: list[tuple[str, bool]]) -> list[str]:
    """The IDs of ACTIVE in the order of `keys` ((field, descending)), written as a comparison."""

    def value(p: Patient, field: str):
        got = int(p.id) if field == "id" else getattr(p, field)
        return got.lower() if isinstance(got, str) else got

    def compare(a: Patient, b: Patient) -> int:
        for field, descending in keys:
            left, right = value(a, field), value(b, field)
            if left != right:
                return (1 if left > right else -1) * (-1 if descending else 1)
        return 0

    return _ids(sorted(ACTIVE, key=functools.cmp_to_key(compare)))


#: (query, the order's keys, the `id` tiebreak included).
ORDERS = {
    "default": ([], [("created_at", False), ("id", False)]),
    "sort=last_name": ([("sort", "last_name")], [("last_name", False), ("id", False)]),
    "sort=last_name,first_name:desc": (
        [("sort", "last_name,first_name:desc")],
        [("last_name", False), ("first_name", True), ("id", False)],
    ),
    "sort=updated_at:desc": ([("sort", "updated_at:desc")], [("updated_at", True), ("id", False)]),
    "sort=first_name:asc,date_of_birth:desc": (
        [("sort", "first_name:asc,date_of_birth:desc")],
        [("first_name", False), ("date_of_birth", True), ("id", False)],
    ),
    "sort=email,id:desc": ([("sort", "email,id:desc")], [("email", False), ("id", True)]),
    "order=desc": ([("order", "desc")], [("created_at", True), ("id", True)]),
    "sort=last_name&order=desc": ([("sort", "last_name"), ("order", "desc")], [("last_name", True), ("id", True)]),
    # `order=desc` turns each field that names no direction, and the final `id`.
    "sort=last_name:asc&order=desc": (
        [("sort", "last_name:asc"), ("order", "desc")],
        [("last_name", False), ("id", True)],
    ),
    "sort=first_name,last_name:asc&order=desc": (
        [("sort", "first_name,last_name:asc"), ("order", "desc")],
        [("first_name", True), ("last_name", False), ("id", True)],
    ),
}


@pytest.mark.parametrize("name", ORDERS)
def test_each_sort_form_gives_the_order_it_names(mock, session, name):
    pairs, keys = ORDERS[name]

    ids, bodies = _all_pages(mock, session, [*pairs, ("per_page", PER_PAGE_MAX)])

    assert ids == _sorted(keys)
    assert {body["total_entries"] for body in bodies} == {len(ACTIVE)}


def test_the_sorts_above_differ_and_their_ties_need_the_id():
    orders = [tuple(_sorted(keys)) for _, keys in ORDERS.values()]
    assert len(set(orders)) == len(orders)
    # Last names repeat in the seed, so `sort=last_name` decides nothing between them: the id does.
    assert len({p.last_name for p in ACTIVE}) < len(ACTIVE)


def test_the_order_does_not_depend_on_the_order_the_patients_are_handed_over():
    """`select_patients` is also called by other list routes, whose patients may come in any order:
    the `id` tiebreak, not the order handed in, decides between ties."""
    for pairs, keys in ORDERS.values():
        chosen = filters.select_patients(list(reversed(ACTIVE)), pairs)
        assert [p.id for p in chosen] == _sorted(keys), pairs


def test_pages_keep_one_order_and_their_links_repeat_the_query(mock, session):
    query = [("q[]", "first_name:~a"), ("q", f"created_at:>{_utc(ACTIVE[5].created_at)}"), ("sort", "last_name")]
    selected = {p.id for p in ACTIVE if "a" in p.first_name.lower() and p.created_at > ACTIVE[5].created_at}
    expected = [i for i in _sorted([("last_name", False), ("id", False)]) if i in selected]

    ids, bodies = _all_pages(mock, session, [*query, ("per_page", 6)])

    assert ids == expected and len(bodies) > 3
    assert {body["total_entries"] for body in bodies} == {len(expected)}
    for number, body in enumerate(bodies, start=1):
        for name, link in body["links"].items():
            page = {"self": number, "next": number + 1, "previous": number - 1}[name]
            assert link.startswith(f"{mock.base_url}/patients?")
            assert parse_qsl(urlsplit(link).query) == [("page", str(page)), ("per_page", "6"), *query], link
    # `previous` leads back to the same records.
    back = _get(mock, session, target=bodies[2]["links"]["previous"]).json()
    assert back["patients"] == bodies[1]["patients"]


# Refusals -------------------------------------------------------------------------------------

#: (query, words the 400's message must hold): the filter or sort it names, and the reason.
REFUSALS = {
    "unknown field": ([("q", "title:=Dr")], ['"title:=Dr"', "This column is not searchable."]),
    "unknown field in q[]": (
        [("q[]", "first_name:=Ada"), ("q[]", "archived_at:>2026-01-01T00:00:00Z")],
        ['"archived_at:>2026-01-01T00:00:00Z"', "This column is not searchable."],
    ),
    "string with >": ([("q", "first_name:>A")], ['"first_name:>A"', ">", "= != ~ ~~"]),
    "date-time with =": ([("q", "created_at:=2026-01-15T09:30:00Z")], ['"created_at:=2026', ">= > <="]),
    "integer with ~": ([("q", "id:~1")], ['"id:~1"', "= != >= > <= <"]),
    "date with ~~": ([("q", "date_of_birth:~~19%")], ['"date_of_birth:~~19%"', "= >= > <= <"]),
    "no operator": ([("q", "first_name:Ada")], ['"first_name:Ada"', "no operator"]),
    "no colon": ([("q", "first_name")], ['"first_name"', "FIELD:OPERATORVALUE"]),
    "empty q": ([("q", "")], ["q filter is empty"]),
    "empty q[]": ([("q[]", "")], ["q[] filter is empty"]),
    "no value": ([("q", "last_name:=")], ['"last_name:="', "no value"]),
    "not a date": ([("q", "date_of_birth:=1990-13-01")], ['"date_of_birth:=1990-13-01"', "YYYY-MM-DD"]),
    "a date that does not exist": ([("q", "date_of_birth:<2026-02-31")], ['"date_of_birth:<2026-02-31"', "not exist"]),
    "a wildcard with <": ([("q", "date_of_birth:<****-05-**")], ['"date_of_birth:<****-05-**"', "with = only"]),
    "a date-time without Z": ([("q", "updated_at:>2026-01-15T09:30:00+10:00")], ["+10:00", "YYYY-MM-DDTHH:MM:SSZ"]),
    "a date for a date-time": ([("q", "updated_at:>2026-01-15")], ['"updated_at:>2026-01-15"', "YYYY-MM-DDTHH:MM:SSZ"]),
    "year 0": ([("q", "created_at:>0000-12-31T00:00:00Z")], ['"created_at:>0000-12-31T00:00:00Z"', "does not exist"]),
    "not a number": ([("q", "id:=abc")], ['"id:=abc"', "whole number"]),
    "a list with !=": ([("q", "id:!=1,2")], ['"id:!=1,2"', "whole number"]),
    "an empty list item": ([("q", "id:=1,,2")], ['"id:=1,,2"', "whole number"]),
    "21 digits": ([("q", "id:>" + "1" * 21)], ["whole number of at most 20 digits"]),
    "unknown sort field": ([("sort", "last_name,title")], ['"last_name,title"', '"title"', "sorted by created_at"]),
    "unknown first sort field": ([("sort", "title:desc")], ['"title:desc"', '"title"']),
    "unknown direction": ([("sort", "last_name:down")], ['"last_name:down"', "asc or desc"]),
    "empty sort": ([("sort", "")], ['sort ""', "sorted by"]),
    "unknown order": ([("order", "up")], ['"up"', "asc or desc"]),
}


@pytest.mark.parametrize("name", REFUSALS)
def test_each_refusal_is_a_400_that_names_the_filter_and_the_reason(mock, session, name):
    pairs, words = REFUSALS[name]

    response = _get(mock, session, pairs)

    assert response.status_code == 400, response.text
    message = error_message(response)
    for word in words:
        assert word in message, (word, message)


def test_filtered_lists_and_refusals_conform_to_the_description(mock, session):
    mock.exchanges.clear()
    _get(mock, session, [("q", "first_name:~~o%"), ("q[]", "id:>1"), ("sort", "last_name:desc"), ("per_page", 3)])
    _get(mock, session, [("q", "title:=Dr")])
    _get(mock, session, [("sort", "title")])

    assert check_exchanges(mock.exchanges.snapshot(), checker_for(mock.base_url)) == []


# The description allows what the sandbox accepts -------------------------------------------------

_DESCRIPTION = load_description()
_PARAMETERS = _DESCRIPTION["components"]["parameters"]
FILTER_PATTERN = re.compile(resolve(_DESCRIPTION, _DESCRIPTION["components"]["schemas"]["Filter"])["pattern"])
SORT_PATTERN = re.compile(resolve(_DESCRIPTION, _PARAMETERS["Sort"])["schema"]["pattern"])
#: Refused for a reason the pattern does not state: the date has the shape of one, but no such day exists.
SHAPED_BUT_NOT_A_DAY = {"a date that does not exist", "year 0"}


def test_the_description_allows_each_accepted_filter_and_sort():
    for text in [*FILTERS, "first_name:~~ol%"]:
        assert FILTER_PATTERN.search(text), text
    for pairs, _ in ORDERS.values():
        for name, value in pairs:
            if name == "sort":
                assert SORT_PATTERN.search(value), value
            else:
                assert value in resolve(_DESCRIPTION, _PARAMETERS["Order"])["schema"]["enum"]


def test_the_description_refuses_each_refused_filter_and_sort():
    for name, (pairs, _) in REFUSALS.items():
        for parameter, value in pairs:
            if parameter == "sort":
                assert not SORT_PATTERN.search(value), value
            elif parameter == "order":
                assert value not in resolve(_DESCRIPTION, _PARAMETERS["Order"])["schema"]["enum"]
            elif value != "first_name:=Ada":  # the one good filter beside a bad one
                assert bool(FILTER_PATTERN.search(value)) == (name in SHAPED_BUT_NOT_A_DAY), value


def test_the_filter_parameters_are_the_ones_the_guide_names():
    assert {name: _PARAMETERS[name]["name"] for name in ("Filters", "Sort", "Order")} == {
        "Filters": "q[]", "Sort": "sort", "Order": "order"
    }
    assert (_PARAMETERS["Filters"]["style"], _PARAMETERS["Filters"]["explode"]) == ("form", True)
    assert _PARAMETERS["Order"]["deprecated"] is True
    # A deprecated parameter with a default would be sent by generated clients on every call.
    assert "default" not in _PARAMETERS["Order"]["schema"]
    for path in ("/patients", "/patients/archived", "/patients/deleted"):
        listed = {p["$ref"].rsplit("/", 1)[-1] for p in _DESCRIPTION["paths"][path]["get"]["parameters"]}
        assert {"Filters", "Sort", "Order"} <= listed, path


def test_the_single_filter_form_is_read_though_the_description_names_only_q_brackets(mock_server, session):
    """`q=FILTER` is Cliniko's older form; the description names only `q[]`, since generated clients
    cannot tell the two apart, and says in its text that `q` is read too. The sandbox reads both."""
    assert "`q=FILTER`" in " ".join(_PARAMETERS["Filters"]["description"].split())
    single = _get(mock_server, session, [("q", "first_name:~a")])
    brackets = _get(mock_server, session, [("q[]", "first_name:~a")])
    everyone = _get(mock_server, session)
    assert single.status_code == brackets.status_code == 200, single.text
    assert single.json()["patients"] == brackets.json()["patients"] != []
    assert single.json()["total_entries"] < everyone.json()["total_entries"]
