"""The examples' exchanges are checked against the description, and the check can fail.

`tests/examples/test_snippets.py` checks every example's exchanges (rules in `example_runner`'s docstring). These
tests show that the check catches each kind of break: a response the mock gets wrong, a status the
description does not list, a request that breaks the description yet succeeds, and an error response
outside any operation that lacks what every error carries.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

import example_runner
import test_snippets
from example_runner import SNIPPETS, Example
from exchange_contract import ContractChecker, checker_for, run_checked, statuses_up_to
from cliniko_sandbox import app as mock_app
from cliniko_sandbox.exchanges import BODY_LIMIT, Exchange, ExchangeLog, Recorder
from api_requests import send
from openapi_description import load_description, strict_description


def _run(name: str, mock, controls, description: dict[str, Any] | None = None) -> list[str]:
    example = Example(SNIPPETS / name)
    checker = checker_for(mock.base_url) if description is None else ContractChecker(description, mock.base_url)
    _, problems = run_checked(example, mock, example_runner.prepare(example, controls), checker)
    return problems


def test_a_response_the_mock_gets_wrong_fails_the_example(mock, controls, request, monkeypatch) -> None:
    """The real test of an example fails, naming the operation, the status and the rule, when the mock
    sends a field the description does not have (changed here for this test only)."""
    real_user_json = mock_app.user_json
    monkeypatch.setattr(mock_app, "user_json", lambda *args, **kwargs: {**real_user_json(*args, **kwargs), "nickname": "P"})
    example = Example(SNIPPETS / "user" / "get_user.py")
    with pytest.raises(AssertionError) as failure:
        test_snippets.test_example_prints_its_stored_output(example, mock, controls, request)
    message = str(failure.value)
    assert "break docs/openapi.yaml" in message
    assert "getUser (GET /user) -> 200" in message
    assert "'nickname' was unexpected" in message


def test_an_added_field_fails_the_strict_check_but_passes_the_published_description(mock, monkeypatch) -> None:
    """The published description lets a response gain fields; the suite's strict copy does not, so the
    mock must still send exactly the documented ones."""
    real_patient_json = mock_app.patient_json
    monkeypatch.setattr(mock_app, "patient_json", lambda *args, **kwargs: {**real_patient_json(*args, **kwargs), "nickname": "P"})
    mock.exchanges.clear()
    for path in ("/patients/1240000000000000001", "/patients/archived?per_page=1"):
        assert send(mock, "GET", path).status_code == 200
    exchanges = mock.exchanges.snapshot()

    published = ContractChecker(load_description(), mock.base_url, strict=False)
    assert [published.problems(exchange) for exchange in exchanges] == [[], []]
    strict = checker_for(mock.base_url)
    for exchange in exchanges:
        problems = strict.problems(exchange)
        assert len(problems) == 1 and "'nickname' was unexpected" in problems[0], problems
    # Both the plain patient (additionalProperties) and the archived one, made with allOf
    # (unevaluatedProperties), are closed.
    assert "getPatient" in strict.problems(exchanges[0])[0] and "listArchivedPatients" in strict.problems(exchanges[1])[0]


def test_the_strict_copy_leaves_request_bodies_and_the_published_file_alone() -> None:
    published = load_description()
    strict = strict_description(published)
    schemas, closed = published["components"]["schemas"], strict["components"]["schemas"]
    assert "additionalProperties" not in schemas["Patient"] and closed["Patient"]["additionalProperties"] is False
    assert closed["ArchivedPatient"]["unevaluatedProperties"] is False
    assert all("additionalProperties" not in part for part in closed["ArchivedPatient"]["allOf"])
    assert closed["ValidationError"]["properties"]["errors"]["additionalProperties"] == {"type": "string"}
    assert closed["NewPatient"] == schemas["NewPatient"] and closed["PatientChanges"] == schemas["PatientChanges"]
    assert load_description() == published


def test_a_status_the_description_does_not_list_fails(mock, controls) -> None:
    description = load_description()
    del description["paths"]["/patients"]["post"]["responses"]["422"]
    problems = _run("patients/create_patient_invalid.sh", mock, controls, description)
    assert problems and all("createPatient (POST /patients) -> 422" in problem for problem in problems), problems
    assert "Unknown response http status: 422" in problems[0]


def test_a_request_that_breaks_the_description_but_succeeds_fails(mock, controls) -> None:
    """With a description whose `per_page` is at most 1, the example's `per_page=2` must be refused."""
    description = load_description()
    description["components"]["parameters"]["PerPage"]["schema"].update(maximum=1, default=1)
    problems = _run("pagination/list_one_page.py", mock, controls, description)
    assert len(problems) == 1, problems
    assert "listPatients (GET /patients) -> 200" in problems[0]
    assert "per_page" in problems[0] and "maximum of 1" in problems[0] and "not 200" in problems[0]


def test_the_lessons_that_send_wrong_requests_pass_and_are_checked(mock, controls) -> None:
    """The status-code lesson breaks the description on purpose; its refusals conform, and are checked:
    with the 415 left out of the description, its form-encoded request is reported."""
    assert _run("errors/status_codes.py", mock, controls) == []
    description = load_description()
    del description["paths"]["/patients"]["post"]["responses"]["415"]
    controls.reset()
    problems = _run("errors/status_codes.py", mock, controls, description)
    assert any("createPatient (POST /patients) -> 415" in problem for problem in problems), problems


# The rules, on recorded exchanges changed by hand ---------------------------------------------------


def _exchange(mock, method: str, path: str, status: int, headers: dict[str, str], body: bytes = b"", *, key: bool = True) -> Exchange:
    sent = [("user-agent", "Practice Sync (dev@example.com)"), ("accept", "application/json")]
    if key:
        sent.append(("authorization", "Basic a2V5Og=="))
    return Exchange(
        method=method, path=path, query="", request_headers=sent, status=status,
        response_headers=[(name.lower(), value) for name, value in headers.items()], response_body=body, complete=True,
    )


ERROR_HEADERS = {
    "Date": "Thu, 15 Jan 2026 09:30:00 GMT",
    "X-Request-Id": "00000000-0000-8000-8000-000000000001",
    "Cache-Control": "no-store",
    "Content-Type": "application/json; charset=utf-8",
}
ERROR_BODY = b'{"message": "Not found: there is no such path in the API."}'


def test_a_missing_key_may_be_refused_but_never_answered(mock_server) -> None:
    checker = checker_for(mock_server.base_url)
    refused = _exchange(
        mock_server, "GET", "/v1/user", 401, {**ERROR_HEADERS, "WWW-Authenticate": 'Basic realm="Cliniko API"'},
        b'{"message": "No key"}', key=False,
    )
    assert checker.problems(refused) == []
    answered = _exchange(mock_server, "GET", "/v1/user", 406, ERROR_HEADERS, b'{"message": "x"}', key=False)
    problems = checker.problems(answered)
    assert len(problems) == 1 and "authentication" in problems[0] and "not 406" in problems[0], problems


def test_an_unknown_path_gets_a_complete_404(mock_server) -> None:
    checker = checker_for(mock_server.base_url)
    assert checker.problems(_exchange(mock_server, "GET", "/v1/patient", 404, ERROR_HEADERS, ERROR_BODY)) == []
    no_cache_control = {name: value for name, value in ERROR_HEADERS.items() if name != "Cache-Control"}
    problems = checker.problems(_exchange(mock_server, "GET", "/v1/patient", 404, no_cache_control, ERROR_BODY))
    assert problems == ["GET /v1/patient (no operation) -> 404: the response lacks the header Cache-Control"]
    problems = checker.problems(_exchange(mock_server, "GET", "/v1/patient", 200, ERROR_HEADERS, ERROR_BODY))
    assert len(problems) == 1 and "must be 404" in problems[0], problems


def test_a_response_without_its_request_id_fails(mock_server) -> None:
    checker = checker_for(mock_server.base_url)
    without = {name: value for name, value in ERROR_HEADERS.items() if name != "X-Request-Id"}
    for path in ("/v1/patients/1", "/v1/patient"):
        assert checker.problems(_exchange(mock_server, "GET", path, 404, ERROR_HEADERS, ERROR_BODY)) == []
        problems = checker.problems(_exchange(mock_server, "GET", path, 404, without, ERROR_BODY))
        assert len(problems) == 1 and "X-Request-Id" in problems[0], problems


def test_a_405_lists_the_methods_the_description_gives(mock_server) -> None:
    checker = checker_for(mock_server.base_url)
    path = "/v1/patients/1240000000000000001"
    right = _exchange(mock_server, "DELETE", path, 405, {**ERROR_HEADERS, "Allow": "GET, HEAD, PATCH, PUT"}, ERROR_BODY)
    assert checker.problems(right) == []
    wrong = _exchange(mock_server, "DELETE", path, 405, {**ERROR_HEADERS, "Allow": "GET, PUT"}, ERROR_BODY)
    problems = checker.problems(wrong)
    assert len(problems) == 1 and "GET, HEAD, PATCH, PUT" in problems[0], problems


def test_a_query_parameter_the_operation_does_not_document_must_be_refused(mock_server) -> None:
    checker = checker_for(mock_server.base_url)
    body = b'{"id": "1230000000000000001"}'
    answered = _exchange(mock_server, "GET", "/v1/user", 200, ERROR_HEADERS, body)
    answered.query = "fields=all&=x"
    problems = [problem for problem in checker.problems(answered) if "does not document" in problem]
    assert len(problems) == 1 and "'fields', ''" in problems[0] and "not 200" in problems[0], problems
    refused = _exchange(mock_server, "GET", "/v1/user", 400, ERROR_HEADERS, ERROR_BODY)
    refused.query = "fields=all"
    assert checker.problems(refused) == []
    listed = _exchange(mock_server, "GET", "/v1/patients", 400, ERROR_HEADERS, ERROR_BODY)
    listed.query = "page=2&q%5B%5D=id:%3E1&sort=id"
    assert checker.undocumented_query_names(listed) == []


def test_a_response_to_head_with_a_body_fails(mock_server) -> None:
    checker = checker_for(mock_server.base_url)
    head = _exchange(mock_server, "HEAD", "/v1/patients/1", 404, ERROR_HEADERS)
    assert checker.problems(head) == []
    head.response_body = ERROR_BODY
    problems = checker.problems(head)
    assert len(problems) == 1 and "headPatient" in problems[0] and "no body" in problems[0], problems
    unknown = _exchange(mock_server, "HEAD", "/v1/nothing", 404, ERROR_HEADERS)
    assert checker.problems(unknown) == []
    unknown.response_body = ERROR_BODY
    assert any("must have no body" in problem for problem in checker.problems(unknown))


def test_a_broken_rule_allows_its_status_and_those_of_earlier_checks_only() -> None:
    assert statuses_up_to("the User-Agent rule") == {503, 413, 400}
    assert statuses_up_to("authentication") == {503, 413, 400, 401}
    assert 422 in statuses_up_to("the body's fields") and 422 not in statuses_up_to("the body's media type")
    with pytest.raises(ValueError, match="no check"):
        statuses_up_to("the moon's phase")


# The log ---------------------------------------------------------------------------------------------


def test_the_log_is_bounded_and_says_what_it_dropped() -> None:
    log = ExchangeLog(capacity=2)
    for number in range(3):
        log.add(Exchange(method="GET", path=f"/v1/{number}", query="", request_headers=[]))
    assert [exchange.path for exchange in log] == ["/v1/1", "/v1/2"] and log.dropped == 1
    log.clear()
    assert len(log) == 0 and log.dropped == 0


def test_the_recorder_passes_everything_through_and_cuts_long_bodies_short() -> None:
    sent: list[dict[str, Any]] = []

    async def application(scope, receive, send) -> None:
        request = await receive()
        await send({"type": "http.response.start", "status": 201, "headers": [(b"Content-Type", b"application/json")]})
        await send({"type": "http.response.body", "body": request["body"][:10]})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"x" * (BODY_LIMIT + 5), "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    log = ExchangeLog()
    scope = {"type": "http", "method": "POST", "path": "/v1/patients", "query_string": b"a=1", "headers": [(b"Accept", b"*/*")]}
    # In a thread of its own: a browser test earlier in this process may have left Playwright's event loop
    # running in the main thread, where asyncio.run() refuses to start another.
    worker = threading.Thread(target=asyncio.run, args=(Recorder(application, log)(scope, receive, send),))
    worker.start()
    worker.join(timeout=10)
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
    (exchange,) = log.snapshot()
    assert (exchange.method, exchange.path, exchange.query, exchange.status) == ("POST", "/v1/patients", "a=1", 201)
    assert exchange.request_header("accept") == "*/*" and exchange.response_header("content-type") == "application/json"
    assert len(exchange.request_body) == BODY_LIMIT and exchange.request_body_truncated
    assert exchange.response_body == b"x" * 10 and exchange.complete
