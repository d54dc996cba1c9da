"""The single-file Python client (snippets/cliniko_client.py) against the mock API over HTTPS."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

import cliniko_client
from cliniko_client import (
    AuthenticationError,
    BadRequestError,
    Cliniko,
    ClinikoError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from cliniko_sandbox.contract import PER_PAGE_DEFAULT, PER_PAGE_MAX, RATE_LIMIT, shown
from cliniko_sandbox.seed import ACCOUNT_A, ADMIN_KEY_A, BOOKKEEPER_KEY_A

USER_AGENT = "Client tests (docs@example.com)"
PATIENT = "patients/1240000000000000001"


class Recorder:
    """A session that trusts the mock's CA and records every request it sends and every status."""

    def __init__(self, ca_file: str) -> None:
        self.session = requests.Session()
        self.session.verify = ca_file
        self.sent: list[requests.PreparedRequest] = []
        self.statuses: list[int] = []
        # Headers and bodies only: a kept Response would keep its connection open.
        self.received: list[tuple[requests.structures.CaseInsensitiveDict[str], bytes]] = []
        self.session.hooks["response"].append(self._record)

    def _record(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        self.sent.append(response.request)
        self.statuses.append(response.status_code)
        self.received.append((response.headers, response.content))


@pytest.fixture
def recorder(mock) -> Iterator[Recorder]:
    recorder = Recorder(str(mock.ca_file))
    yield recorder
    recorder.session.close()


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds the client slept before each retry, recorded instead of slept.

    The sandbox asks for one second, and moves its clock on by itself after a `429` (or needs no wait
    after a `503`), so the retry gets the same answer either way; recording the wait checks its length
    exactly, where timing a real sleep could only check a lower bound, and keeps the suite from idling.
    """
    asked: list[float] = []
    monkeypatch.setattr(cliniko_client.time, "sleep", asked.append)
    return asked


def client_for(mock, recorder: Recorder, api_key: str = ADMIN_KEY_A, **options: object) -> Cliniko:
    return Cliniko(api_key, USER_AGENT, base_url=mock.base_url, session=recorder.session, **options)


class NoNetwork(requests.Session):
    """A session that fails the test if anything is sent, for arguments the client must refuse first."""

    def request(self, *args: object, **kwargs: object) -> requests.Response:  # type: ignore[override]
        raise AssertionError(f"the client sent a request it should have refused: {args}")


def offline_client() -> Cliniko:
    return Cliniko(ADMIN_KEY_A, USER_AGENT, session=NoNetwork())


# Pagination -----------------------------------------------------------------------------------


def test_paginate_yields_every_active_patient_once_by_following_next_links(mock, recorder) -> None:
    client = client_for(mock, recorder)

    patients = list(client.paginate("patients", "patients"))

    ids = [p["id"] for p in patients]
    assert len(ids) == 110
    assert len(set(ids)) == 110
    assert all(p["archived_at"] is None for p in patients)
    last_page = -(-110 // PER_PAGE_DEFAULT)
    assert [r.url for r in recorder.sent] == [
        f"{mock.base_url}/patients",
        *(f"{mock.base_url}/patients?page={page}" for page in range(2, last_page + 1)),
    ]


def test_pages_carry_the_chosen_per_page_to_the_last_page(mock, recorder) -> None:
    client = client_for(mock, recorder)

    sizes = [len(page["patients"]) for page in client.pages("patients", {"per_page": 40})]

    assert sizes == [40, 40, 30]
    assert recorder.sent[-1].url == f"{mock.base_url}/patients?page=3&per_page=40"


def test_paginate_yields_a_record_seen_on_two_pages_once(mock, recorder, monkeypatch) -> None:
    """A record that slides onto the next page while the list is read must not be counted twice."""
    client = client_for(mock, recorder)
    pages = {
        "patients": {"patients": [{"id": "1"}, {"id": "2"}], "links": {"next": "page-2"}},
        "page-2": {"patients": [{"id": "2"}, {"id": "3"}], "links": {}},
    }
    monkeypatch.setattr(client, "get", lambda path, params=None: pages[path])

    assert [p["id"] for p in client.paginate("patients", "patients")] == ["1", "2", "3"]


@pytest.mark.parametrize("path", ["patients", "patients/archived", "patients/deleted"])
def test_paginate_finds_the_records_of_each_list_without_being_told_their_key(mock, recorder, path) -> None:
    """All three lists hold their records under `patients`: the first segment of the path, the default."""
    client = client_for(mock, recorder)
    served = [record for page in client.pages(path) for record in page["patients"]]

    assert served
    assert list(client.paginate(path)) == served
    assert list(client.paginate(path, "patients")) == served
    assert list(client.paginate(f"{mock.base_url}/{path}?per_page=40")) == served


def test_paginate_reads_the_key_it_is_given_and_defaults_to_the_first_segment(mock, recorder, monkeypatch) -> None:
    client = client_for(mock, recorder)
    pages = {"things/recent": {"things": [{"id": "1"}], "items": [{"id": "2"}], "links": {}}}
    monkeypatch.setattr(client, "get", lambda path, params=None: pages[path])

    assert [p["id"] for p in client.paginate("things/recent")] == ["1"]
    assert [p["id"] for p in client.paginate("things/recent", "items")] == ["2"]
    with pytest.raises(KeyError, match="no list under 'records'"):
        list(client.paginate("things/recent", "records"))


def test_paginate_refuses_query_parameters_given_in_place_of_the_key() -> None:
    with pytest.raises(TypeError, match="params="):
        list(offline_client().paginate("patients", {"per_page": 100}))  # type: ignore[arg-type]


def query_of(request: requests.PreparedRequest) -> list[tuple[str, str]]:
    assert request.url is not None
    return parse_qsl(urlsplit(request.url).query)


# Filters and order ----------------------------------------------------------------------------


def test_q_is_sent_as_repeated_q_brackets_with_sort_and_carried_to_every_page(mock, recorder) -> None:
    client = client_for(mock, recorder)
    changed = "updated_at:>2025-10-01T00:00:00Z"

    patients = list(
        client.paginate(
            "patients", "patients", {"per_page": 5, "q[]": changed}, q=["last_name:!=Nobody"], sort="updated_at:desc"
        )
    )

    filters = [("q[]", changed), ("q[]", "last_name:!=Nobody"), ("sort", "updated_at:desc")]
    assert [query_of(request) for request in recorder.sent] == [
        [("per_page", "5"), *filters],
        [("page", "2"), ("per_page", "5"), *filters],
    ]
    updated = [patient["updated_at"] for patient in patients]
    assert len(updated) == 8
    assert updated == sorted(updated, reverse=True)
    assert min(updated) > "2025-10-01T00:00:00Z"


def test_one_filter_in_q_is_sent_as_q_brackets_too(mock, recorder) -> None:
    client = client_for(mock, recorder)

    page = client.get("patients", q="email:=william.kaur1@example.com")

    assert query_of(recorder.sent[0]) == [("q[]", "email:=william.kaur1@example.com")]
    assert [patient["id"] for patient in page["patients"]] == ["1240000000000000001"]


@pytest.mark.parametrize(
    ("arguments", "error_class", "problem"),
    [
        ({"q": 5}, TypeError, "q must be a filter string"),
        ({"q": ["last_name:=Kaur", None]}, TypeError, "each filter in q must be a string"),
        ({"q": "Kaur"}, ValueError, "FIELD:OPERATORVALUE"),
        ({"q": [""]}, ValueError, "FIELD:OPERATORVALUE"),
        ({"sort": ["last_name"]}, TypeError, "sort must be a string"),
        ({"sort": " "}, ValueError, "sort is empty"),
        ({"sort": "email", "params": {"sort": "id"}}, ValueError, "sort is given twice"),
    ],
    ids=["q not a string", "filter not a string", "no colon", "empty filter", "sort a list", "empty sort", "two sorts"],
)
def test_bad_filters_and_orders_are_refused_before_sending(arguments, error_class, problem) -> None:
    client = offline_client()

    with pytest.raises(error_class, match=problem):
        client.get("patients", **arguments)
    with pytest.raises(error_class, match=problem):
        next(client.pages("patients", **arguments))


# Rate limiting --------------------------------------------------------------------------------


def test_waits_for_retry_after_on_429_then_succeeds(mock, controls, recorder, waits) -> None:
    controls.set_time(datetime(2026, 1, 15, 9, 30, 59, tzinfo=UTC))
    controls.set_remaining(ACCOUNT_A, 0)
    controls.jump_clock_on_rate_limit(True)
    client = client_for(mock, recorder)

    user = client.get("user")

    assert user["first_name"] == "Priya"
    assert recorder.statuses == [429, 200]
    assert waits == [1.0]  # Retry-After was 1 second


def test_raises_rate_limit_error_once_retries_are_spent(mock, controls, recorder, waits) -> None:
    controls.set_time(datetime(2026, 1, 15, 9, 30, 59, tzinfo=UTC))
    controls.set_remaining(ACCOUNT_A, 0)
    client = client_for(mock, recorder, max_retries=1)

    with pytest.raises(RateLimitError) as raised:
        client.get("user")

    assert recorder.statuses == [429, 429]
    assert waits == [1.0]
    assert raised.value.status == 429
    assert raised.value.retry_after == 1
    assert f"{RATE_LIMIT} requests per {shown('rate_limit_period')}" in raised.value.body["message"]


def test_does_not_wait_when_retry_after_exceeds_the_cap(mock, controls, recorder) -> None:
    controls.set_time(datetime(2026, 1, 15, 9, 30, 15, tzinfo=UTC))
    controls.set_remaining(ACCOUNT_A, 0)
    client = client_for(mock, recorder, max_wait=5)

    started = time.monotonic()
    with pytest.raises(RateLimitError) as raised:
        client.get("user")

    assert time.monotonic() - started < 1
    assert recorder.statuses == [429]
    assert raised.value.retry_after == 45


# Server errors --------------------------------------------------------------------------------


def test_retries_a_get_after_a_503(mock, controls, recorder, waits) -> None:
    controls.fail_next(1)
    client = client_for(mock, recorder)

    assert client.get("user")["id"] == "1230000000000000001"
    assert recorder.statuses == [503, 200]
    assert waits == [1.0]  # the 503's Retry-After


def test_does_not_retry_a_503_early_when_retry_after_exceeds_the_cap(mock, controls, recorder, waits) -> None:
    controls.fail_next(1)
    client = client_for(mock, recorder, max_wait=0.5)

    with pytest.raises(ServerError) as raised:
        client.get("user")

    assert recorder.statuses == [503]
    assert waits == []
    assert raised.value.status == 503


def test_retries_an_update_with_put_after_a_503(mock, controls, recorder, waits) -> None:
    controls.fail_next(1)
    client = client_for(mock, recorder)

    assert client.put(PATIENT, json={"title": "Dr"})["title"] == "Dr"
    assert [request.method for request in recorder.sent] == ["PUT", "PUT"]
    assert recorder.statuses == [503, 200]
    assert waits == [1.0]


def test_put_changes_only_the_fields_sent_and_patch_is_the_same_update(mock, recorder) -> None:
    client = client_for(mock, recorder)

    before = client.get(PATIENT)
    put = client.put(PATIENT, json={"title": "Dr"})
    patched = client.patch(PATIENT, json={"first_name": "Will"})

    assert [request.method for request in recorder.sent] == ["GET", "PUT", "PATCH"]
    assert {name: value for name, value in put.items() if name not in {"title", "updated_at"}} == {
        name: value for name, value in before.items() if name not in {"title", "updated_at"}
    }
    assert (patched["title"], patched["first_name"], patched["last_name"]) == ("Dr", "Will", before["last_name"])


def test_does_not_retry_a_create_after_a_503(mock, controls, recorder) -> None:
    controls.fail_next(1)
    client = client_for(mock, recorder)

    with pytest.raises(ServerError) as raised:
        client.post("patients", json={"first_name": "Ana", "last_name": "Rossi"})

    assert recorder.statuses == [503]
    assert raised.value.status == 503
    assert client.get("patients", {"per_page": 1})["total_entries"] == 110


# Caching --------------------------------------------------------------------------------------


def test_a_304_is_answered_from_the_cache(mock, recorder) -> None:
    client = client_for(mock, recorder)

    first = client.get(PATIENT)
    second = client.get(PATIENT)

    assert recorder.statuses == [200, 304]
    assert "If-None-Match" not in recorder.sent[0].headers
    assert recorder.sent[1].headers["If-None-Match"] == recorder.received[0][0]["ETag"]
    assert recorder.received[1][1] == b""
    assert second == first
    assert second["first_name"] == "William"


def test_a_cached_answer_is_not_changed_by_the_caller(mock, recorder) -> None:
    client = client_for(mock, recorder)

    client.get(PATIENT)["first_name"] = "changed by the caller"

    assert client.get(PATIENT)["first_name"] == "William"
    assert recorder.statuses == [200, 304]


def test_the_cache_gets_the_new_version_after_an_update(mock, recorder) -> None:
    client = client_for(mock, recorder)

    client.get(PATIENT)
    client.put(PATIENT, json={"title": "Dr"})
    after = client.get(PATIENT)

    assert recorder.statuses == [200, 200, 200]
    assert recorder.sent[2].headers["If-None-Match"] == recorder.received[0][0]["ETag"]
    assert after["title"] == "Dr"


def test_cache_size_zero_sends_no_conditional_requests(mock, recorder) -> None:
    client = client_for(mock, recorder, cache_size=0)

    client.get(PATIENT)
    client.get(PATIENT)

    assert recorder.statuses == [200, 200]
    assert all("If-None-Match" not in r.headers for r in recorder.sent)


def test_etag_gives_the_tag_of_the_last_read_copy_by_path_or_url(mock, recorder) -> None:
    client = client_for(mock, recorder)

    assert client.etag(PATIENT) is None
    patient = client.get(PATIENT)
    client.get(PATIENT)  # a 304 keeps the tag

    assert recorder.statuses == [200, 304]
    assert client.etag(PATIENT) == recorder.received[0][0]["ETag"]
    assert client.etag(patient["links"]["self"]) == client.etag(PATIENT)
    assert recorder.sent[1].headers["If-None-Match"] == client.etag(PATIENT)


def test_etag_is_none_without_a_cache(mock, recorder) -> None:
    client = client_for(mock, recorder, cache_size=0)

    client.get(PATIENT)

    assert client.etag(PATIENT) is None


# Preconditions --------------------------------------------------------------------------------


def test_a_stale_if_match_gets_412_and_is_not_retried(mock, recorder) -> None:
    client = client_for(mock, recorder, max_retries=3)
    client.get(PATIENT)
    tag = client.etag(PATIENT)
    assert tag is not None

    assert client.put(PATIENT, json={"first_name": "Will"}, if_match=tag)["first_name"] == "Will"
    with pytest.raises(PreconditionFailedError) as raised:
        client.patch(PATIENT, json={"first_name": "Bill"}, if_match=tag)

    assert [request.method for request in recorder.sent] == ["GET", "PUT", "PATCH"]
    assert recorder.statuses == [200, 200, 412]
    assert recorder.sent[1].headers["If-Match"] == recorder.sent[2].headers["If-Match"] == tag
    error = raised.value
    assert isinstance(error, ClinikoError)
    assert error.status == 412
    assert error.message == error.body["message"]
    assert error.message.startswith("Precondition Failed")
    assert client.get(PATIENT)["first_name"] == "Will"


def test_if_unmodified_since_is_sent_as_an_http_date_in_gmt(mock, recorder) -> None:
    client = client_for(mock, recorder)
    sydney_evening = datetime(2026, 1, 15, 20, 30, 0, 750000, tzinfo=timezone(timedelta(hours=11)))

    assert client.put(PATIENT, json={"title": "Dr"}, if_unmodified_since=sydney_evening)["title"] == "Dr"
    # The update above happened at the mock's time, after this one.
    with pytest.raises(PreconditionFailedError):
        client.put(PATIENT, json={"title": "Mx"}, if_unmodified_since="Wed, 14 Jan 2026 00:00:00 GMT")

    assert recorder.statuses == [200, 412]
    assert recorder.sent[0].headers["If-Unmodified-Since"] == "Thu, 15 Jan 2026 09:30:00 GMT"
    assert recorder.sent[1].headers["If-Unmodified-Since"] == "Wed, 14 Jan 2026 00:00:00 GMT"


def test_archive_and_unarchive_send_preconditions_too(mock, recorder) -> None:
    client = client_for(mock, recorder)
    client.get(PATIENT)
    tag = client.etag(PATIENT)

    assert client.post(f"{PATIENT}/archive", if_match=tag) is None
    with pytest.raises(PreconditionFailedError):
        client.post(f"{PATIENT}/unarchive", if_match=tag)  # archiving changed the patient
    assert client.post(f"{PATIENT}/unarchive", if_match="*") is None

    assert recorder.statuses == [200, 204, 412, 204]
    assert client.get(PATIENT)["archived_at"] is None


@pytest.mark.parametrize(
    ("preconditions", "error_class", "problem"),
    [
        ({"if_unmodified_since": datetime(2026, 1, 15, 9, 30)}, ValueError, "timezone-aware"),
        ({"if_unmodified_since": "2026-01-15T09:30:00Z"}, ValueError, "HTTP date"),
        ({"if_unmodified_since": date(2026, 1, 15)}, TypeError, "datetime or a string"),
        ({"if_match": "3f9a"}, ValueError, "quotes included"),
        ({"if_match": 123}, TypeError, "if_match must be a string"),
    ],
    ids=["naive datetime", "ISO string", "date", "unquoted tag", "number"],
)
def test_bad_preconditions_are_refused_before_sending(preconditions, error_class, problem) -> None:
    client = offline_client()

    for send in (client.put, client.patch, client.post):
        with pytest.raises(error_class, match=problem):
            send(PATIENT, json={"title": "Dr"}, **preconditions)


# Errors ---------------------------------------------------------------------------------------


def test_a_422_raises_validation_error_with_the_field_errors(mock, recorder) -> None:
    client = client_for(mock, recorder)

    with pytest.raises(ValidationError) as raised:
        client.post("patients", json={"first_name": "", "date_of_birth": "15/01/1990"})

    error = raised.value
    assert error.status == 422
    assert error.message == "Validation Failed"
    assert error.errors == {
        "first_name": "can't be blank",
        "last_name": "can't be blank",
        "date_of_birth": "must be a date written as YYYY-MM-DD",
    }
    assert error.body == {"message": "Validation Failed", "errors": error.errors}


@pytest.mark.parametrize(
    ("api_key", "call", "error_class", "status"),
    [
        ("not-a-real-key", lambda c: c.get("user"), AuthenticationError, 401),
        (BOOKKEEPER_KEY_A, lambda c: c.post("patients", json={"first_name": "A", "last_name": "B"}),
         PermissionDeniedError, 403),
        (ADMIN_KEY_A, lambda c: c.get("patients/1"), NotFoundError, 404),
        (ADMIN_KEY_A, lambda c: c.get("patients", {"per_page": PER_PAGE_MAX + 1}), BadRequestError, 400),
    ],
    ids=["401", "403", "404", "400"],
)
def test_error_classes_carry_status_message_and_body(mock, recorder, api_key, call, error_class, status) -> None:
    client = client_for(mock, recorder, api_key=api_key)

    with pytest.raises(error_class) as raised:
        call(client)

    error = raised.value
    assert isinstance(error, ClinikoError)
    assert error.status == status
    assert isinstance(error.body, dict)
    assert error.message == error.body["message"]
    assert error.headers["Content-Type"].startswith("application/json")
    assert str(error).startswith(f"{status} ")


def test_errors_and_log_lines_carry_the_request_id_the_api_sent(mock, recorder, caplog) -> None:
    client = client_for(mock, recorder)
    caplog.set_level("DEBUG", logger="cliniko_client")

    client.get("user")
    with pytest.raises(NotFoundError) as raised:
        client.get("patients/1")

    sent_ids = [headers["X-Request-Id"] for headers, _ in recorder.received]
    assert len(set(sent_ids)) == 2
    assert raised.value.request_id == sent_ids[1]
    assert str(raised.value) == f"404 {raised.value.message} (request ID {sent_ids[1]})"
    lines = [record.getMessage() for record in caplog.records if record.name == "cliniko_client"]
    assert [line.endswith(f"(request ID {request_id})") for line, request_id in zip(lines, sent_ids, strict=True)] == [
        True, True
    ]


def test_an_error_without_a_request_id_says_nothing_of_one() -> None:
    error = ServerError(502, "Bad Gateway", "<html>proxy</html>", requests.structures.CaseInsensitiveDict())

    assert error.request_id is None and str(error) == "502 Bad Gateway"


def test_a_401_error_carries_the_authentication_challenge(mock, recorder) -> None:
    client = client_for(mock, recorder, api_key="not-a-real-key")

    with pytest.raises(AuthenticationError) as raised:
        client.get("user")

    assert raised.value.headers["WWW-Authenticate"].startswith("Basic ")


def test_an_archive_answers_none_for_204(mock, recorder) -> None:
    client = client_for(mock, recorder)

    assert client.post(f"{PATIENT}/archive") is None
    assert recorder.statuses == [204]


# Requests and arguments -----------------------------------------------------------------------


def test_every_request_sends_the_key_user_agent_accept_and_a_timeout(mock, recorder, monkeypatch) -> None:
    timeouts: list[object] = []
    original = recorder.session.request

    def spy(*args: object, **kwargs: object) -> requests.Response:
        timeouts.append(kwargs.get("timeout"))
        return original(*args, **kwargs)

    monkeypatch.setattr(recorder.session, "request", spy)
    client = client_for(mock, recorder, timeout=7.5)
    client.get("user")

    sent = recorder.sent[0]
    assert sent.headers["User-Agent"] == USER_AGENT
    assert sent.headers["Accept"] == "application/json"
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(f"{ADMIN_KEY_A}:".encode()).decode()
    assert timeouts == [7.5]


@pytest.mark.parametrize("elsewhere", ["https://example.com/v1/user", "{base}-evil.example.com/user"])
def test_refuses_to_send_the_key_to_a_url_outside_the_base_url(mock, recorder, elsewhere: str) -> None:
    client = client_for(mock, recorder)

    with pytest.raises(ValueError, match="refusing to send the API key"):
        client.get(elsewhere.format(base=mock.base_url))
    assert recorder.sent == []


def test_the_sessions_ca_bundle_wins_over_requests_ca_bundle(mock, recorder, monkeypatch) -> None:
    """requests would otherwise let the environment variable replace the session's own CA bundle."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", requests.certs.where())  # public CAs only, not the mock's
    client = client_for(mock, recorder)

    assert client.get("user")["first_name"] == "Priya"


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"api_key": "", "user_agent": USER_AGENT}, "api_key"),
        ({"api_key": "k", "user_agent": "python-requests/2.32"}, "contact e-mail"),
        ({"api_key": "k", "user_agent": USER_AGENT, "base_url": "http://api.cliniko.com/v1"}, "https://"),
        ({"api_key": "k", "user_agent": USER_AGENT, "timeout": 0}, "timeout"),
        ({"api_key": "k", "user_agent": USER_AGENT, "max_retries": -1}, "max_retries"),
    ],
    ids=["empty key", "agent without e-mail", "plain http", "zero timeout", "negative retries"],
)
def test_bad_arguments_get_a_clear_error(arguments: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Cliniko(**arguments)  # type: ignore[arg-type]
