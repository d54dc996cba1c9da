"""The sandbox's control API is strict, answers every request with JSON and `Date`, and obeys its description.

A sandbox with a control port runs in this process (the same `MockCliniko` that `cliniko-sandbox`
starts; `test_mock_hand_start.py` drives the started command itself). Each test checks:

* what the control does: the state it reports (`GET /status`, and the body of every `POST`) and what the
  API then answers;
* what it refuses: a malformed or out-of-range number, an unknown account or key, a parameter it does not
  take or one given twice, a path it does not serve (`404`) and a method it does not take (`405`), each
  with a JSON `message`, and nothing changed;
* that every response obeys `docs/sandbox-control.yaml`, checked with openapi-core (and, for the `404` and
  `405` of paths and methods the description does not have, against its error body by hand), and that
  Schemathesis finds nothing when it fuzzes the control port against the same file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec

from api_requests import USER_AGENT
from cliniko_sandbox import MockCliniko
from cliniko_sandbox.contract import RATE_LIMIT as LIMIT
from cliniko_sandbox.control import MAX_FAULTS
from cliniko_sandbox.seed import ACCOUNT_A, ACCOUNT_B, ADMIN_KEY_B, BOOKKEEPER_KEY_A
from openapi_description import load_description
from project import DOCS

# Slow (left out of `make check`): Schemathesis on the control API.
pytestmark = pytest.mark.slow

CONTROL_DESCRIPTION = DOCS / "sandbox-control.yaml"
#: A date as RFC 9110 writes it (IMF-fixdate).
HTTP_DATE = r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockCliniko]:
    with MockCliniko(control_port=0, workdir=tmp_path_factory.mktemp("control")) as started:
        yield started


@pytest.fixture(scope="module")
def described(sandbox: MockCliniko) -> OpenAPI:
    description = load_description(CONTROL_DESCRIPTION)
    description["servers"] = [{"url": sandbox.control_url}]
    return OpenAPI.from_dict(description)


@pytest.fixture
def control(sandbox: MockCliniko, described: OpenAPI) -> Iterator[Any]:
    """`control(method, path, **params)`: one request to the control port, checked against the description."""
    sandbox.controls.reset()
    error_body = load_description(CONTROL_DESCRIPTION)["components"]["schemas"]["Message"]

    with requests.Session() as session:
        session.verify = str(sandbox.ca_file)

        def send(method: str, path: str, params: Any = None) -> requests.Response:
            # `verify` on each request: requests lets REQUESTS_CA_BUNDLE override a session's own.
            response = session.request(
                method, f"{sandbox.control_url}{path}", params=params, timeout=10, verify=str(sandbox.ca_file)
            )
            assert response.headers["Content-Type"] == "application/json"
            assert response.headers["Cache-Control"] == "no-store"
            assert re.match(HTTP_DATE, response.headers.get("Date", "")), response.headers
            if response.status_code == 405 or "no control at" in response.text:
                # Paths and methods the description does not have: only the error body is described.
                OAS31Validator(error_body).validate(response.json())
            else:
                described.validate_response(RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response))
            return response

        yield send


def _status(control: Any) -> dict[str, Any]:
    response = control("GET", "/status")
    assert response.status_code == 200
    return response.json()


def _remaining(status: dict[str, Any], account: str) -> int:
    return next(entry["remaining"] for entry in status["accounts"] if entry["id"] == account)


# The description -----------------------------------------------------------------------------------------


def test_the_description_is_valid_openapi_3_1():
    validate_spec(load_description(CONTROL_DESCRIPTION))


def test_the_description_is_published_beside_the_apis(built_site: Path):
    assert (built_site / "sandbox-control.yaml").read_bytes() == CONTROL_DESCRIPTION.read_bytes()


def test_the_description_has_every_control_the_sandbox_serves(sandbox: MockCliniko):
    from cliniko_sandbox.control import control_app

    served = {
        (method, route.path)
        for route in control_app(sandbox.controls).routes
        for method in route.methods - {"HEAD"}
    }
    described = {
        (method.upper(), path)
        for path, item in load_description(CONTROL_DESCRIPTION)["paths"].items()
        for method in item
    }
    assert served == described


# What each control does ----------------------------------------------------------------------------------


def test_status_reports_the_clock_the_switches_and_every_accounts_quota(control):
    status = _status(control)

    assert status["now"] == "2026-01-15T09:30:00Z"
    assert status["jump_clock_on_rate_limit"] is False  # this sandbox's rule; cliniko-sandbox's is on
    assert status["failing_next"] == 0
    assert {(entry["id"], entry["remaining"]) for entry in status["accounts"]} == {(ACCOUNT_A, LIMIT), (ACCOUNT_B, LIMIT)}


def test_each_control_changes_what_it_says_and_reports_it(control):
    assert control("POST", "/advance", {"seconds": "30"}).json()["now"] == "2026-01-15T09:30:30Z"
    assert control("POST", "/advance", {"seconds": "1.5"}).json()["now"] == "2026-01-15T09:30:31Z"
    assert control("POST", "/time", {"at": "2026-01-15T09:30:59Z"}).json()["now"] == "2026-01-15T09:30:59Z"
    assert _remaining(control("POST", "/remaining", {"account": ACCOUNT_A, "remaining": "3"}).json(), ACCOUNT_A) == 3
    assert _remaining(control("POST", "/remaining", {"key": ADMIN_KEY_B, "remaining": "0"}).json(), ACCOUNT_B) == 0
    assert control("POST", "/jump-on-rate-limit", {"enabled": "true"}).json()["jump_clock_on_rate_limit"] is True
    assert control("POST", "/fail-next", {"count": "2"}).json()["failing_next"] == 2

    reset = control("POST", "/reset").json()

    assert reset == {
        "now": "2026-01-15T09:30:00Z",
        "jump_clock_on_rate_limit": False,
        "failing_next": 0,
        "accounts": reset["accounts"],
    }
    assert {entry["remaining"] for entry in reset["accounts"]} == {LIMIT}


def test_a_key_names_the_account_of_its_user(control, sandbox: MockCliniko):
    control("POST", "/remaining", {"key": BOOKKEEPER_KEY_A, "remaining": "7"})

    assert sandbox.controls.remaining(ACCOUNT_A) == 7
    assert sandbox.controls.remaining(ACCOUNT_B) == LIMIT


def test_the_date_of_a_control_is_the_sandboxs_clock(control):
    response = control("POST", "/time", {"at": "2030-06-01T12:00:00Z"})

    assert response.headers["Date"] == "Sat, 01 Jun 2030 12:00:00 GMT"


def test_failing_next_counts_down_as_the_api_fails(control, sandbox: MockCliniko):
    control("POST", "/fail-next", {"count": "1"})
    answered = requests.get(
        f"{sandbox.base_url}/user",
        auth=(BOOKKEEPER_KEY_A, ""),
        headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        verify=str(sandbox.ca_file),
        timeout=10,
    )

    assert answered.status_code == 503
    assert _status(control)["failing_next"] == 0


# What each control refuses -------------------------------------------------------------------------------

BAD_INPUT = [
    ("/advance", {}, "missing parameter 'seconds'"),
    ("/advance", {"seconds": "1_000"}, "'1_000'"),
    ("/advance", {"seconds": " 5 "}, "' 5 '"),
    ("/advance", {"seconds": "+5"}, "'+5'"),
    ("/advance", {"seconds": "-5"}, "'-5'"),
    ("/advance", {"seconds": "1e3"}, "'1e3'"),
    ("/advance", {"seconds": "5."}, "'5.'"),
    ("/advance", {"seconds": "soon"}, "'soon'"),
    ("/advance", {"seconds": "1e300"}, "'1e300'"),
    ("/advance", {"seconds": "inf"}, "'inf'"),
    ("/advance", {"seconds": "nan"}, "'nan'"),
    ("/advance", {"seconds": "٣"}, "digits"),
    ("/advance", {"seconds": "9" * 400}, "digits"),
    ("/advance", {"seconds": "999999999"}, "ten years"),
    ("/advance", [("seconds", "1"), ("seconds", "2")], "more than once"),
    ("/advance", {"seconds": "1", "secs": "1"}, "unknown parameter 'secs'"),
    ("/time", {"at": "yesterday"}, "ISO 8601"),
    ("/time", {"at": "2026-01-15"}, "ISO 8601"),
    ("/time", {"at": "2026-01-15T09:30:00"}, "end it with Z"),
    ("/time", {"at": " 2026-01-15T09:30:00Z"}, "ISO 8601"),
    ("/time", {"at": "9999-12-31T23:59:30Z"}, "between"),
    ("/time", {"at": "1969-12-31T23:59:59Z"}, "between"),
    ("/time", {"at": "2026-01-15T09:30:00Z" + "0" * 40}, "ISO 8601"),
    ("/remaining", {"account": ACCOUNT_A}, "missing parameter 'remaining'"),
    ("/remaining", {"remaining": "5"}, "exactly one of account=ID or key=API_KEY"),
    ("/remaining", {"account": ACCOUNT_A, "key": BOOKKEEPER_KEY_A, "remaining": "5"}, "exactly one"),
    ("/remaining", {"account": ACCOUNT_A, "remaining": "many"}, "'many'"),
    ("/remaining", {"account": ACCOUNT_A, "remaining": "1_000"}, "'1_000'"),
    ("/remaining", {"account": ACCOUNT_A, "remaining": " 5 "}, "' 5 '"),
    ("/remaining", {"account": ACCOUNT_A, "remaining": str(LIMIT + 1)}, f"from 0 to {LIMIT}"),
    ("/remaining", {"account": ACCOUNT_A, "remaining": "9" * 5000}, f"from 0 to {LIMIT}"),
    ("/jump-on-rate-limit", {"enabled": "maybe"}, "true or false"),
    ("/jump-on-rate-limit", {"enabled": "TRUE"}, "true or false"),
    ("/fail-next", {"count": "1" * 40}, f"from 0 to {MAX_FAULTS}"),
    ("/fail-next", {"count": "1001"}, f"from 0 to {MAX_FAULTS}"),
    ("/fail-next", {"count": "-1"}, "'-1'"),
    ("/reset", {"now": "1"}, "takes no parameters"),
]


@pytest.mark.parametrize(("path", "params", "said"), BAD_INPUT, ids=[f"{p}-{i}" for i, (p, _, _) in enumerate(BAD_INPUT)])
def test_bad_input_gets_400_with_a_message_and_changes_nothing(control, path, params, said):
    control("POST", "/remaining", {"account": ACCOUNT_A, "remaining": "9"})
    before = _status(control)

    response = control("POST", path, params)

    assert response.status_code == 400
    assert said in response.json()["message"]
    assert _status(control) == before


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"account": "1", "remaining": "5"}, "no account '1'"),
        ({"account": "1210000000000000003", "remaining": "5"}, "no account"),
        ({"key": "MS0xMjEwMDAwMDAwMDAwMDAwMDAx-bm90LWEtcmVhbC1rZXk-au1", "remaining": "5"}, "no user"),
    ],
    ids=["account-1", "account-like-a-real-one", "unknown-key"],
)
def test_an_unknown_account_or_key_gets_404(control, params, said):
    before = _status(control)

    response = control("POST", "/remaining", params)

    assert response.status_code == 404
    assert said in response.json()["message"]
    assert _status(control) == before


def test_an_unknown_path_gets_404_naming_the_controls(control):
    response = control("POST", "/rest")

    assert response.status_code == 404
    assert "no control at /rest" in response.json()["message"]
    assert "/reset" in response.json()["message"]


@pytest.mark.parametrize(("method", "path", "allowed"), [("GET", "/reset", "POST"), ("POST", "/status", "GET"), ("DELETE", "/fail-next", "POST")])
def test_a_wrong_method_gets_405_with_allow(control, method, path, allowed):
    response = control(method, path)

    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    assert f"takes {allowed}, not {method}" in response.json()["message"]


# Fuzzed against the description ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzzed(sandbox: MockCliniko) -> schemathesis.BaseSchema:
    config = schemathesis.Config.from_dict(
        {
            "base-url": sandbox.control_url,
            "tls-verify": str(sandbox.ca_file),
            "generation": {
                "mode": "all",
                "max-examples": 10,
                "deterministic": True,
                # The controls refuse a parameter they do not take: Schemathesis may send such ones.
                "allow-extra-parameters": False,
            },
            "operations": [
                {
                    # A well-formed account ID or key that the sandbox does not have gets 404, and a valid
                    # `at` or `seconds` can still take the clock out of its range, which gets 400.
                    "include-operation-id": ["setRemaining", "setClock", "advanceClock"],
                    "checks": {"positive_data_acceptance": {"expected-statuses": ["200", "400", "404"]}},
                }
            ],
        }
    )
    return schemathesis.openapi.from_path(CONTROL_DESCRIPTION, config=config)


fuzz = schemathesis.pytest.from_fixture("fuzzed")


@fuzz.parametrize()
def test_every_control_conforms_when_fuzzed(case: schemathesis.Case, sandbox: MockCliniko) -> None:
    """Valid and invalid cases for each control, with all of Schemathesis's checks: valid ones succeed (or
    name an unknown account, or a clock out of range), invalid ones are refused with 4xx, and every
    response matches the description."""
    sandbox.controls.reset()
    with requests.Session() as session:
        session.verify = str(sandbox.ca_file)
        case.call_and_validate(session=session, verify=str(sandbox.ca_file))
