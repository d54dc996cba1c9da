"""The mock conforms to the OpenAPI description, proven by Schemathesis over real HTTPS.

Schemathesis reads `docs/openapi.yaml` and sends the session's mock requests it makes up: valid ones
(each must be accepted, and its response must match the description) and invalid ones (each must be
refused with a 4xx), among them requests with query parameters and body fields the description does not
have. Every response is checked: its status is one the operation documents, its `Content-Type`, body
and headers are the ones described, and a request without the key gets `401`. The responses are checked
against the strict copy of the description (`openapi_description.strict_description`), which allows no
field it does not list: the published file lets responses gain fields, and the sandbox must still send
exactly the documented ones. The random cases run twice: from the deterministic seed, with the fixed
probes of the coverage phase and the description's examples, and then from a second seed of our own.
The stateful test follows the description's `links`: it creates a patient, then reads, changes,
archives and unarchives it.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis

from cliniko_sandbox import MockCliniko
from cliniko_sandbox.contract import RATE_LIMIT
from cliniko_sandbox.control import Controls
from cliniko_sandbox.seed import ACCOUNT_A, ADMIN_KEY_A
from openapi_description import load_description, resolve, strict_description

# Slow (left out of `make check`): Schemathesis generates requests for every operation.
pytestmark = pytest.mark.slow

_DESCRIPTION = load_description()
_AGENT_SCHEMA = resolve(_DESCRIPTION, _DESCRIPTION["components"]["parameters"]["UserAgent"])["schema"]
#: The description's own rule for `User-Agent`, and its own example of a valid one.
USER_AGENT = re.compile(_AGENT_SCHEMA["pattern"])
VALID_USER_AGENT = _AGENT_SCHEMA["examples"][0]

#: Fuzzing cases per operation and mode; test_every_operation_conforms says why 15.
CASES_PER_OPERATION = 15
#: The second run's seed, and its fuzzing cases per operation and mode: random cases only, drawn from
#: another seed than the first run's, without repeating the first run's fixed probes and examples
#: (test_every_operation_conforms_with_a_second_seed says why).
SECOND_SEED = 20260115
SECOND_SEED_CASES = 10
#: Scenarios of the stateful test, and the most steps in each: enough for create, read, change, archive
#: and unarchive to follow each other in several orders. Hypothesis draws part of its data from the constants
#: of every local module imported (its "local constants"), so the scenarios it explores change whenever
#: a module is added to the suite: at 10, importing one more module left runs that never changed a
#: patient they had created; at 20, each order is reached with room to spare (about 2 s more). Three more
#: statuses on every operation (414, 501, 505) changed the draws again: at 6 steps no run unarchived a
#: patient it had archived; 7 and 8 both reach every operation, in the same time.
STATEFUL_SCENARIOS = 20
STATEFUL_STEPS = 7
#: The statuses that refuse a request that breaks the description: Schemathesis's own list, and `412`
#: for the changes that take `If-Match` and `If-Unmodified-Since`.
REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428", "429", "5xx"]


def _config(mock: MockCliniko, seed: int | None = None) -> schemathesis.Config:
    """The first run's settings; with a `seed`, the second run's: that seed, fuzzing only, fewer cases."""
    settings: dict[str, Any] = (
        {
            "base-url": mock.base_url,
            # Real TLS: the mock's certificate is checked against the session's own CA.
            "tls-verify": str(mock.ca_file),
            "auth": {"basic": {"username": ADMIN_KEY_A, "password": ""}},
            "generation": {
                "mode": "all",
                "max-examples": CASES_PER_OPERATION,
                # The same cases on every run: a failure here can be replayed, and the suite's time is steady.
                "deterministic": True,
                # Invalid cases may carry query parameters and body fields the description does not
                # have: the API refuses both (400 and 422).
                "allow-extra-parameters": True,
            },
            # The stateful test follows the description's own links only. Schemathesis would add links
            # it infers (from every response that holds a patient to every operation on
            # /patients/{id}): three times as many steps to choose from, which left the chain create ->
            # archive -> unarchive to chance. For the same reason the description links archiving to
            # unarchiving only, not to the list of archived patients as well.
            "phases": {"stateful": {"inference": {"algorithms": []}}},
            "operations": [
                {
                    # The lists of archived and deleted patients take the parameters of `GET /patients`
                    # and run the same paging and filter code, which gets the full count there; here a few
                    # cases check their own responses (and the coverage phase their bounds and methods).
                    # Each of their HEADs is its GET without the body. The full count would cost about
                    # 4 s of the suite's time budget and find nothing the GET /patients cases do not.
                    "include-operation-id": ["listArchivedPatients", "listDeletedPatients"],
                    "generation": {"max-examples": 5},
                },
                {
                    "include-operation-id": ["headArchivedPatients", "headDeletedPatients"],
                    "generation": {"max-examples": 3},
                    "phases": {"coverage": {"enabled": False}},
                },
                {
                    # An archived patient can't be changed: a valid body then gets `409`. That depends on
                    # the record's state, which no schema of a request can express, so this check accepts
                    # 409 here; the body must still be the documented error body
                    # (response_schema_conformance stays on).
                    # Likewise `412`: whether an `If-Match` or `If-Unmodified-Since` holds depends on the
                    # record's current ETag and time. The preconditions are checked before the body's
                    # fields (app.py's order of checks), so an invalid body sent with a failing
                    # precondition is refused with 412, which is still a refusal.
                    "include-operation-id": ["updatePatient", "patchPatient"],
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "412", "429", "5xx"]
                        },
                        "negative_data_rejection": {"expected-statuses": REFUSALS},
                    },
                },
                {
                    "include-operation-id": ["archivePatient", "unarchivePatient"],
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "412", "429", "5xx"]
                        },
                        "negative_data_rejection": {"expected-statuses": REFUSALS},
                    },
                },
            ],
        }
    )
    if seed is not None:
        settings["seed"] = seed
        settings["generation"]["max-examples"] = SECOND_SEED_CASES
        settings["phases"].update(examples={"enabled": False}, coverage={"enabled": False})
    return schemathesis.Config.from_dict(settings)


@pytest.fixture
def contract(described: schemathesis.BaseSchema, mock: MockCliniko) -> schemathesis.BaseSchema:
    """The description, aimed at the session's mock in a fresh state (the `mock` fixture resets it)."""
    return described


@pytest.fixture
def contract_second_seed(described_second_seed: schemathesis.BaseSchema, mock: MockCliniko) -> schemathesis.BaseSchema:
    """The second run's description, aimed at the session's mock in a fresh state."""
    return described_second_seed


@pytest.fixture(scope="module")
def described(mock_server: MockCliniko) -> schemathesis.BaseSchema:
    """The description loaded by Schemathesis once (loading checks it, which takes seconds), with the
    session mock's base URL and the demo administrator's key."""
    return _described(mock_server, _config(mock_server))


@pytest.fixture(scope="module")
def described_second_seed(mock_server: MockCliniko) -> schemathesis.BaseSchema:
    return _described(mock_server, _config(mock_server, seed=SECOND_SEED))


def _described(mock_server: MockCliniko, config: schemathesis.Config) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_dict(strict_description(load_description()), config=config)
    today = mock_server.clock.now().date()

    @schema.hook
    def map_body(context: schemathesis.HookContext, body: Any) -> Any:
        # "Not after today" is a rule about the clock, which a schema cannot state: a generated valid
        # date of birth after the mock's today is moved back into the past (negative cases are left as
        # they are, since they are meant to be refused anyway).
        if isinstance(body, dict) and isinstance(body.get("date_of_birth"), str):
            body["date_of_birth"] = _not_after(body["date_of_birth"], today)
        return body

    @schema.hook
    def map_query(context: schemathesis.HookContext, query: Any) -> Any:
        # A date in a filter must exist: `date_of_birth:=2026-02-31` and `created_at:>0000-01-01T00:00:00Z`
        # have the shape the pattern allows but name no day, and the API refuses them with `400`. Which
        # days each month has (and which years are leap years) is more than a pattern should spell out,
        # and leaving out the year 0000 would make it much slower to generate from (filters.py says
        # why), so a filter the pattern allows has such a date moved to a real one; anything else is
        # left as generated.
        if isinstance(query, dict):
            for name in ("q", "q[]"):
                value = query.get(name)
                if isinstance(value, str):
                    query[name] = _real_dates(value)
                elif isinstance(value, list):
                    query[name] = [_real_dates(item) if isinstance(item, str) else item for item in value]
        return query

    return schema


_FILTER = re.compile(resolve(_DESCRIPTION, _DESCRIPTION["components"]["schemas"]["Filter"])["pattern"])
_DATE_IN_FILTER = re.compile(r"(?<![0-9*])([0-9]{4})-([0-9]{2})-([0-9]{2})(?![0-9*])")


def _real_dates(text: str) -> str:
    """A filter the description allows, with each date that does not exist moved to one that does."""
    if not _FILTER.search(text) or text.startswith(("first_name:", "last_name:", "email:", "old_reference_id:")):
        return text

    def real(match: re.Match[str]) -> str:
        year, month, day = (int(part) for part in match.groups())
        year = year or 2000  # there is no year 0; 2000 is a leap year, so 29 February stays
        day = min(day, calendar.monthrange(year, month)[1])
        return f"{year:04d}-{month:02d}-{day:02d}"

    return _DATE_IN_FILTER.sub(real, text)


def _not_after(value: str, today: date) -> str:
    try:
        born = date.fromisoformat(value.strip())
    except ValueError:
        return value
    # 1992 was a leap year, so 29 February stays a real date.
    return value if born <= today else value.replace(value.strip(), born.replace(year=1992).isoformat())


def _refill_quota(controls: Controls) -> None:
    """Hundreds of requests in one frozen minute would spend the account's quota: refill it before each
    one, so that a `429` never stands in for the response under test (test_openapi_description.py
    provokes `429` on purpose, and checks it against the description)."""
    controls.set_remaining(ACCOUNT_A, RATE_LIMIT)


@pytest.fixture(scope="module")
def connection(mock_server: MockCliniko) -> Iterator[requests.Session]:
    """One keep-alive HTTPS connection for all the cases, verified against the mock's CA.

    A TLS handshake costs more than most of the requests themselves.
    """
    with requests.Session() as session:
        session.verify = str(mock_server.ca_file)
        # No default headers of requests' own (its User-Agent names no contact e-mail): each case
        # sends exactly the headers Schemathesis chose.
        session.headers.clear()
        yield session


schema = schemathesis.pytest.from_fixture("contract")
second_seed = schemathesis.pytest.from_fixture("contract_second_seed")


@schema.parametrize()
def test_every_operation_conforms(case: schemathesis.Case, controls: Controls, connection: requests.Session) -> None:
    """Every operation, with valid and invalid data: all checks on, zero failures.

    The count: 15 fuzzing cases per operation and mode (valid, invalid), on top of the coverage phase's
    fixed probes (boundary values, wrong types, missing parameters, undocumented methods: about 440
    requests) and the description's examples; about 700 requests in all, and about 10 s of CPU here (the
    mock shares the process). What this run found (the mock accepting a JSON `null` as an update body,
    which the description refuses; unknown query parameters, which the API ignores; probes that the
    `User-Agent` check answers before the key check) came from those fixed probes, which run whatever
    the count; at 25 random cases nothing more was found, and the CPU time grew by a quarter.
    """
    _refill_quota(controls)
    _keep_user_agent_valid_unless_under_test(case)
    case.call_and_validate(session=connection)


@second_seed.parametrize()
def test_every_operation_conforms_with_a_second_seed(
    case: schemathesis.Case, controls: Controls, connection: requests.Session
) -> None:
    """The random cases again, drawn from another seed: every check on, zero failures.

    The first run is deterministic, so it sends the same cases every time; this one widens what the
    suite covers with cases the first never makes. It leaves out what would only repeat the first run:
    the coverage phase's fixed probes and the description's examples, which are the same whatever the
    seed. 10 cases per operation and mode, against the first run's 15, keep it at about a third of the
    first run's time.
    """
    _refill_quota(controls)
    case.call_and_validate(session=connection)


def _keep_user_agent_valid_unless_under_test(case: schemathesis.Case) -> None:
    """Give a coverage probe of something else a valid `User-Agent`.

    Schemathesis's coverage phase builds some probes (a missing `Authorization`, an undocumented method,
    a wrong `Content-Type`) on top of the last invalid `User-Agent` it tried, such as `0`. The API checks
    `User-Agent` before the key and the method, so such a probe would only show the `400` for the agent
    again, and the check for the missing key, which expects `401`, would fail for the wrong reason.
    Probes of `User-Agent` itself keep their value.
    """
    data = case.meta.phase.data if case.meta is not None else None
    probed = getattr(data, "parameter", None)
    if case.meta is None or case.meta.phase.name.value != "coverage" or (probed or "").lower() == "user-agent":
        return
    headers = case.headers or {}
    agent = headers.get("User-Agent")
    if agent is not None and not USER_AGENT.search(agent):
        headers["User-Agent"] = VALID_USER_AGENT


def _let_preconditions_hold(case: schemathesis.Case) -> None:
    """Make the `If-Match` and `If-Unmodified-Since` Schemathesis made up hold, in the stateful test.

    A made-up tag or date almost never matches the patient's, so most changes would be refused with
    `412` and the run would seldom get from one link to the next. `*` and a date far ahead still send
    both headers through the check; `412` itself is checked by test_every_operation_conforms.
    """
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "if-match":
            headers[name] = "*"
        elif name.lower() == "if-unmodified-since":
            headers[name] = "Fri, 01 Jan 2100 00:00:00 GMT"


def test_stateful_links_conform(
    contract: schemathesis.BaseSchema, controls: Controls, connection: requests.Session
) -> None:
    """Create a patient, then read, change, archive and unarchive it, following the description's links.

    The test also shows that the links were followed: each of those operations succeeded on a patient
    that the same run created, and the unarchive on one that the run had archived. A `304` counts as a
    read that succeeded: the API answers it only after finding the patient, and generated reads often
    carry `If-None-Match: *` or a late `If-Modified-Since`, so whether one comes back `200` depends on
    how the run's random choices fall.
    """
    created: set[str] = set()
    archived: set[str] = set()
    reached: set[str] = set()

    class Machine(contract.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: schemathesis.Case) -> None:
            _refill_quota(controls)
            _let_preconditions_hold(case)

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"session": connection}

        def after_call(self, response: schemathesis.Response, case: schemathesis.Case) -> None:
            super().after_call(response, case)
            if case.operation.label == "POST /patients" and response.status_code == 201:
                created.add(response.json()["id"])
            patient_id = (case.path_parameters or {}).get("id")
            if patient_id not in created or not (200 <= response.status_code < 300 or response.status_code == 304):
                return
            if case.operation.label == "POST /patients/{id}/archive":
                archived.add(patient_id)
            elif case.operation.label == "POST /patients/{id}/unarchive":
                if patient_id not in archived:
                    return  # unarchiving a patient who is not archived changes nothing: it does not count
                archived.discard(patient_id)
            reached.add(case.operation.label)

    Machine.run(
        settings=hypothesis.settings(
            max_examples=STATEFUL_SCENARIOS, stateful_step_count=STATEFUL_STEPS, deadline=None, derandomize=True
        )
    )
    assert created, "the stateful run created no patient"
    assert {"GET /patients/{id}", "POST /patients/{id}/archive", "POST /patients/{id}/unarchive"} <= reached, reached
    assert reached & {"PUT /patients/{id}", "PATCH /patients/{id}"}, reached
