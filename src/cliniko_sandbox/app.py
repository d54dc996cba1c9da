"""The mock API as an ASGI application: the request pipeline and the routes under `/v1`.

Every request passes the same checks in the same order, so that the answer to a request with several
problems is predictable and documented:

1. the body is read, and refused with `413` past `contract.MAX_BODY_BYTES`; a request whose body
   never arrives in full is dropped without a response, and nothing is stored; (a server fault
   prepared by the test controls answers `503` here, before anything else);
2. `User-Agent` must name a contact e-mail (`400`; two `User-Agent` headers are `400` too);
3. Basic authentication with the API key (`401`; two `Authorization` headers are `400`);
4. the account's rate limit (`429`); from here on the request counts toward it;
5. the route: unknown path `404`, known path with another method `405`; a path is split at its slashes
   before `%2F` and the other escapes are decoded, so an encoded slash is part of a segment, never a
   separator, and a segment holding one names no route (`404`);
6. `Accept` must allow JSON (`406`);
7. a body (of a `POST`, `PUT` or `PATCH`) must be `application/json`, not content-encoded (`415`), sent
   with one `Content-Type` header, and valid JSON that names no member twice in one object (`400`);
8. the query parameters: each must be one the operation takes, with a name (`400`); then a list's
   `page`, `per_page`, filters and order must be valid (`400`);
9. the user's role must allow the change (`403`);
10. the record must exist in the caller's account (`404`);
11. a change's preconditions, `If-Match` or else `If-Unmodified-Since` (`412`);
12. the body must be valid (`422`);
13. the record's state must allow the change: an archived patient can't be changed (`409`);
14. a read's conditional headers, `If-None-Match` or else `If-Modified-Since` (`304`), and finally success.

A query parameter the operation does not take is refused rather than ignored (this guide's own rule), so
that a misspelt `per_pag=100` or filter name is reported instead of silently giving the default page.

A response to `HEAD` never has a body, whatever its status: it carries the headers the `GET` would, its
`Content-Length` included.

Every response carries `X-Request-Id`, the ID a reader quotes to support; the sandbox's IDs are counted
from its last reset (`request_ids`), so that an example prints the same ones on every run.

The preconditions come where RFC 9110 (section 13.2.1) puts them: after every check that would refuse the
request anyway, and just before the body's content is acted on. So a stale `If-Match` on a request that
also has invalid fields gets `412`: the client must read the record again before anything else matters.

Safe concurrent changes are this guide's own rule: a change to a patient (`PUT`/`PATCH`, archive,
unarchive) honours `If-Match` (strong comparison with the ETag `GET /patients/{id}` sends; `*` matches
any patient that exists) and `If-Unmodified-Since` (ignored when `If-Match` is sent, or when it is not a
valid HTTP date). When the patient has changed since, the answer is `412` and nothing changes. A change
sent without either header is made as before. Reads and creates ignore both headers.

A header sent on several lines is read as one line with the values joined by commas (RFC 9110, 5.3);
`request_rules` says which headers may be sent only once.

The clock is read once, when the request arrives: every time in the response (`Date`, a record's
`updated_at`, the rate-limit window) is that instant, even when a `429` moves the clock for the next one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from starlette.datastructures import URL, Headers, QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from cliniko_sandbox import caching, contract, filters, request_rules, validation
from cliniko_sandbox.auth import authenticate
from cliniko_sandbox.clock import Clock
from cliniko_sandbox.errors import JSON_TYPE, ApiError, dump_json
from cliniko_sandbox.rate_limit import RateLimiter
from cliniko_sandbox.representations import deleted_patient_json, list_json, patient_json, patient_url, user_json
from cliniko_sandbox.request_ids import RequestIds
from cliniko_sandbox.state import Patient, Store, User
from cliniko_sandbox.switches import Switches

logger = logging.getLogger("cliniko_sandbox")

#: The methods whose body is read, as JSON, before the query and the record are looked at.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
#: From this many bytes, a JSON body is decoded in a thread, so that other clients are answered meanwhile.
_PARSE_IN_A_THREAD_FROM = 64 * 1024
#: The query parameters of a list; every other operation takes none (`QUERY_PARAMETERS`).
LIST_PARAMETERS = ("page", "per_page", *filters.PARAMETERS)
#: How much of an oversized body is read and thrown away before the `413` is sent.
DRAIN_LIMIT = 16 * 1024 * 1024
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Call:
    """What an endpoint gets: the request, its already-read body, and the authenticated user."""

    request: Request
    body: bytes
    #: The body decoded from JSON (`request_rules.parse_json_body`) for a `POST`, `PUT` or `PATCH`; None
    #: for an empty body, and for the other methods, whose bodies are not read.
    data: Any
    user: User
    #: The instant the request arrived.
    now: datetime

    @property
    def params(self) -> dict[str, Any]:
        return self.request.path_params


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] | None = None
    #: For successful reads: the time the representation last changed, enabling caching headers.
    last_modified: datetime | None = None


Endpoint = Callable[["MockApi", Call], Awaitable[Reply]]


class _ClientGone(Exception):
    """The connection ended before the whole body arrived: the request is dropped."""


class MockApi:
    """The ASGI application.

    Args:
        store: the data.
        clock: where `Date`, timestamps and rate-limit windows come from.
        limiter: the per-account rate limiter.
        base_url: the API's own base URL (`https://host:port/v1`), used for every link.
        switches: the test-only switches (a prepared `503`, the clock's jump on `429`).
        request_ids: where each response's `X-Request-Id` comes from; shared with the transport, whose own
            error responses carry one too. A counter of its own when None.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        limiter: RateLimiter,
        base_url: str,
        switches: Switches,
        request_ids: RequestIds | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.limiter = limiter
        #: Lets one large body at a time be decoded in a thread (`_pipeline`).
        self._large_bodies: asyncio.Semaphore | None = None
        self.base_url = base_url.rstrip("/")
        self.switches = switches
        self.request_ids = request_ids if request_ids is not None else RequestIds()
        self.routes = [
            Route("/v1/user", _get_user, methods=["GET"]),
            Route("/v1/patients", _list_patients, methods=["GET"]),
            Route("/v1/patients", _create_patient, methods=["POST"]),
            # Before `/v1/patients/{patient_id}`, which would otherwise take these paths as IDs.
            Route("/v1/patients/archived", _list_archived_patients, methods=["GET"]),
            Route("/v1/patients/deleted", _list_deleted_patients, methods=["GET"]),
            Route("/v1/patients/{patient_id}", _get_patient, methods=["GET"]),
            # `PUT` is the update of Cliniko's later docs, and it changes only the fields sent; `PATCH`
            # is kept as an alias with exactly the same meaning.
            Route("/v1/patients/{patient_id}", _update_patient, methods=["PUT", "PATCH"]),
            Route("/v1/patients/{patient_id}/archive", _archive_patient, methods=["POST"]),
            Route("/v1/patients/{patient_id}/unarchive", _unarchive_patient, methods=["POST"]),
        ]

    # ASGI ------------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The transport (transport.py) sends only `http` scopes: no lifespan, no websockets.
        if scope["type"] != "http":
            return
        response = await self._respond(scope, receive)
        if response is None:
            return
        response.headers["X-Request-Id"] = self.request_ids.next()
        if scope["method"] != "HEAD":
            await response(scope, receive, send)
            return
        # The headers the `GET` would send, `Content-Length` included, and no body (RFC 9110, 9.3.2).
        await send({"type": "http.response.start", "status": response.status_code, "headers": response.raw_headers})
        await send({"type": "http.response.body", "body": b""})

    async def _respond(self, scope: Scope, receive: Receive) -> Response | None:
        now = self.clock.now()
        try:
            return await self._pipeline(scope, receive, now)
        except _ClientGone:
            return None
        except ApiError as error:
            return self.error_response(error, now)
        except Exception:
            # A bug in the mock, never an answer the API documents: the fuzz test fails on any 5xx. The
            # body is still JSON, like every other answer, and the traceback goes to the log.
            logger.exception("unexpected error in the mock API")
            failure = ApiError(500, "The mock API failed unexpectedly; this is a bug in the mock.")
            return self.error_response(failure, now)

    # The pipeline ----------------------------------------------------------------------------

    async def _pipeline(self, scope: Scope, receive: Receive, now: datetime) -> Response:
        headers = Headers(scope=scope)
        body = await _read_body(headers, receive)
        self._fail_if_a_fault_is_pending()

        request_rules.check_user_agent(request_rules.single_field(headers, "User-Agent"))
        user = authenticate(request_rules.single_authorization(headers), self.store)
        self._count_toward_rate_limit(user, now)

        route, child_scope = self._match(scope)
        scope = {**scope, **child_scope}
        request = Request(scope)
        request_rules.check_accept(request_rules.list_field(headers, "accept"))
        data = None
        if scope["method"] in BODY_METHODS:
            if len(body) > _PARSE_IN_A_THREAD_FROM:
                # Decoding a large body takes tens of milliseconds of CPU: in a thread, the event loop
                # keeps its turns (Python switches threads every few milliseconds) and other clients
                # are still answered meanwhile. One such thread at a time, or the loop's turns would
                # come as seldom as one in every few dozen.
                if self._large_bodies is None:
                    self._large_bodies = asyncio.Semaphore(1)  # made here, in the server's own loop
                async with self._large_bodies:
                    data = await asyncio.to_thread(request_rules.parse_json_body, headers, body)
            else:
                data = request_rules.parse_json_body(headers, body)
        request_rules.check_query_names(request.query_params, QUERY_PARAMETERS.get(route.endpoint, ()))
        reply = await route.endpoint(self, Call(request, body, data, user, now))
        return self._success_response(request, reply, now)

    def _fail_if_a_fault_is_pending(self) -> None:
        if not self.switches.take_fault():
            return
        raise ApiError(
            503,
            "The service is briefly unavailable. Try again shortly.",
            headers={"Retry-After": "1"},
        )

    def _count_toward_rate_limit(self, user: User, now: datetime) -> None:
        decision = self.limiter.hit(user.account_id, now.timestamp())
        if decision.allowed:
            return
        error = ApiError(
            429,
            f"Too many requests: each account may make {self.limiter.limit} requests "
            f"per {contract.period_in_words(self.limiter.window)}. "
            f"Try again in {decision.retry_after} second{'' if decision.retry_after == 1 else 's'}.",
            headers={
                "Retry-After": str(decision.retry_after),
                "X-RateLimit-Reset": str(decision.reset_at),
            },
        )
        if self.switches.clock_jumps_on_rate_limit:
            # The response still carries the instant the request arrived; the next request sees the
            # clock at the window's end, as if the client had waited.
            self.clock.jump_to(datetime.fromtimestamp(decision.reset_at, UTC))
        raise error

    def _match(self, scope: Scope) -> tuple[Route, dict[str, Any]]:
        # The first route whose path fits decides which path it is; the method then picks among that
        # path's routes. So `PUT /v1/patients/archived` gets `405` from the list's path, rather than
        # being taken as an update of a patient whose ID is "archived".
        scope = {**scope, "path": _routed_path(scope)}
        path: str | None = None
        allowed: list[str] = []
        for route in self.routes:
            match, child_scope = route.matches(scope)
            if match == Match.NONE or (path is not None and route.path != path):
                continue
            path = route.path
            if match == Match.FULL:
                return route, child_scope
            allowed.extend(sorted(route.methods or ()))
        if allowed:
            methods = ", ".join(sorted(set(allowed)))
            raise ApiError(
                405,
                f"The method {scope['method']} is not allowed on this path; use {methods}.",
                headers={"Allow": methods},
            )
        raise ApiError(404, "Not found: there is no such path in the API.")

    # Responses -------------------------------------------------------------------------------

    def error_response(self, error: ApiError, now: datetime) -> Response:
        headers = {"Date": caching.http_date(now), "Cache-Control": "no-store", **error.headers}
        return Response(dump_json(error.body()), error.status, headers, media_type=JSON_TYPE)

    def _success_response(self, request: Request, reply: Reply, now: datetime) -> Response:
        headers = {"Date": caching.http_date(now), **(reply.headers or {})}
        if reply.body is None:
            return Response(None, reply.status, headers)
        content = dump_json(reply.body)
        if reply.last_modified is not None:
            validators = caching.Validators.of(
                request.url, content, reply.last_modified, now=now, leave_out=self.base_url.encode()
            )
            headers.update(validators.headers())
            if validators.not_modified_for(request.headers):
                return Response(None, 304, headers)
        return Response(content, reply.status, headers, media_type=JSON_TYPE)


def _routed_path(scope: Scope) -> str:
    """The path routes are matched against: the raw path split at its slashes, then each segment decoded.

    `%2F` is a slash as data, inside one segment; decoding the whole path first would make it a separator,
    and `/patients/1%2Farchive` the archive route. A segment that decodes to hold a slash matches no
    route, so it is refused here with `404`.
    """
    raw = scope.get("raw_path")
    if raw is None:
        return scope["path"]
    segments = [unquote(segment) for segment in raw.decode("ascii", errors="replace").split("/")]
    if any("/" in segment for segment in segments):
        raise ApiError(404, "Not found: an encoded slash (%2F) is never a path separator, and no API path holds one.")
    return "/".join(segments)


async def _read_body(headers: Headers, receive: Receive) -> bytes:
    """Read the whole body, or raise `413` once it passes the limit.

    A body that is too large is still drained (up to `DRAIN_LIMIT`, and discarded) before the answer,
    so that the client, which is usually still sending, reads the `413` instead of a reset connection.
    """
    declared = headers.get("content-length")
    too_large = (
        declared is not None
        and declared.isdigit()
        and (len(declared) > 12 or int(declared) > contract.MAX_BODY_BYTES)
    )
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone  # the body never arrived in full: nothing of it is acted on
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > contract.MAX_BODY_BYTES:
            too_large = True
        if too_large:
            chunks.clear()
            if size > DRAIN_LIMIT:
                break
        else:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    if too_large:
        raise _too_large()
    return b"".join(chunks)


def _too_large() -> ApiError:
    limit = contract.MAX_BODY_BYTES
    return ApiError(413, f"The request body is larger than the limit of {limit} bytes ({contract.size_in_words(limit)}).")


# Endpoints -----------------------------------------------------------------------------------


def _require_patient_writer(user: User) -> None:
    if not user.may_write_patients:
        raise ApiError(403, f"Your role ({user.role}) may read patients but not create, change or archive them.")


def _patient_id(call: Call) -> str:
    patient_id = call.params["patient_id"]
    if not patient_id.isascii() or not patient_id.isdigit():
        raise ApiError(404, "Not found: there is no patient with that ID.")
    return patient_id


def _existing_patient(api: MockApi, call: Call) -> Patient:
    patient = api.store.patient(call.user.account_id, _patient_id(call))
    if patient is None:
        raise ApiError(404, "Not found: there is no patient with that ID.")
    return patient


def _check_preconditions(api: MockApi, call: Call, patient: Patient) -> None:
    """Refuse a change with `412` when `If-Match` or `If-Unmodified-Since` shows the patient has changed.

    The tag compared is the ETag `GET /patients/{id}` (without a query string) sends for the patient as it
    is now, and the date is compared with that read's `Last-Modified`. Nothing can change the patient
    between this check and the change: the endpoints run on one event loop and do not wait in between.
    """
    headers = call.request.headers
    if_match = request_rules.list_field(headers, "if-match")
    if_unmodified_since = request_rules.list_field(headers, "if-unmodified-since")
    if if_match is None and if_unmodified_since is None:
        return
    content = dump_json(patient_json(patient, api.base_url))
    current = caching.Validators.of(
        URL(patient_url(patient.id, api.base_url)),
        content,
        patient.updated_at,
        now=call.now,
        leave_out=api.base_url.encode(),
    )
    if caching.precondition_holds(
        if_match=if_match,
        if_unmodified_since=if_unmodified_since,
        etag=current.etag,
        last_modified=current.last_modified,
    ):
        return
    if if_match is not None:
        reason = "If-Match does not match the patient's current ETag"
    else:
        reason = "the patient has changed since the time in If-Unmodified-Since"
    raise ApiError(
        412,
        f"Precondition Failed: {reason}, so nothing was changed. Read the patient again, "
        "then decide whether to repeat the change.",
    )


def _positive_int(query: QueryParams, name: str, default: int, maximum: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    # The length is checked before int(), which refuses strings of more than 4300 digits.
    digits = raw.lstrip("0")
    too_long = len(digits) > len(str(maximum))
    if not (raw.isascii() and raw.isdigit()) or too_long or not 1 <= int(digits or "0") <= maximum:
        raise ApiError(400, f"The {name} parameter must be a whole number from 1 to {maximum}.")
    return int(digits)


async def _get_user(api: MockApi, call: Call) -> Reply:
    return Reply(200, user_json(call.user, api.base_url), last_modified=call.user.updated_at)


async def _list_patients(api: MockApi, call: Call) -> Reply:
    account = call.user.account_id
    changed = api.store.patients_changed_at(account) or _EPOCH
    return _patient_list(api, call, api.store.active_patients(account), "/patients", patient_json, changed)


def _patient_list(
    api: MockApi,
    call: Call,
    patients: list[Patient],
    path: str,
    as_json: Callable[[Patient, str], dict[str, Any]],
    last_modified: datetime,
) -> Reply:
    """One page of a list of patients (`GET /patients`, `/patients/archived`, `/patients/deleted`).

    Filtered and ordered before the page is cut out, so that the count and the links describe the
    filtered list; the links repeat the filters and the order.
    """
    query = call.request.query_params
    page = _positive_int(query, "page", 1, contract.PAGE_MAX)
    per_page = _positive_int(query, "per_page", contract.PER_PAGE_DEFAULT, contract.PER_PAGE_MAX)
    selected = filters.select_patients(patients, query)
    chosen = selected[(page - 1) * per_page : page * per_page]
    body = list_json(
        "patients",
        [as_json(p, api.base_url) for p in chosen],
        total_entries=len(selected),
        collection_url=f"{api.base_url}{path}",
        page=page,
        per_page=per_page,
        per_page_given="per_page" in query,
        carried=filters.carried_parameters(query),
    )
    return Reply(200, body, last_modified=last_modified)


async def _list_archived_patients(api: MockApi, call: Call) -> Reply:
    account = call.user.account_id
    # The account's patient lists change together: archiving and unarchiving move this time too.
    changed = api.store.patients_changed_at(account) or _EPOCH
    return _patient_list(api, call, api.store.archived_patients(account), "/patients/archived", patient_json, changed)


async def _list_deleted_patients(api: MockApi, call: Call) -> Reply:
    deleted = api.store.deleted_patients(call.user.account_id)
    # Nothing changes a deleted patient: the list last changed when its latest patient was deleted.
    changed = max((p.deleted_at for p in deleted if p.deleted_at is not None), default=_EPOCH)
    return _patient_list(api, call, deleted, "/patients/deleted", deleted_patient_json, changed)


async def _get_patient(api: MockApi, call: Call) -> Reply:
    # A deleted patient is not found: it is kept apart, and shown only in the list of deleted patients.
    patient = api.store.patient(call.user.account_id, _patient_id(call))
    if patient is None:
        raise ApiError(404, "Not found: there is no patient with that ID.")
    return Reply(200, patient_json(patient, api.base_url), last_modified=patient.updated_at)


async def _create_patient(api: MockApi, call: Call) -> Reply:
    _require_patient_writer(call.user)
    fields = validation.patient_fields(call.data if call.body else {}, creating=True, today=call.now.date())
    patient = api.store.create_patient(call.user.account_id, fields, call.now)
    url = patient_url(patient.id, api.base_url)
    return Reply(201, patient_json(patient, api.base_url), headers={"Location": url})


async def _update_patient(api: MockApi, call: Call) -> Reply:
    _require_patient_writer(call.user)
    existing = _existing_patient(api, call)
    _check_preconditions(api, call, existing)
    fields = validation.patient_fields(call.data if call.body else {}, creating=False, today=call.now.date())
    if existing.archived_at is not None:
        # A valid change that the record's state forbids: `409 Conflict` (RFC 9110, section 15.5.10), this
        # guide's own choice. The same request succeeds once the patient is unarchived.
        raise ApiError(
            409,
            f"This patient is archived and can't be changed: unarchive it first "
            f"(POST /patients/{existing.id}/unarchive), then send the change again.",
        )
    patient = api.store.update_patient(call.user.account_id, existing.id, fields, call.now)
    assert patient is not None
    return Reply(200, patient_json(patient, api.base_url))


async def _archive_patient(api: MockApi, call: Call) -> Reply:
    return _set_archived(api, call, archived=True)


async def _unarchive_patient(api: MockApi, call: Call) -> Reply:
    return _set_archived(api, call, archived=False)


def _set_archived(api: MockApi, call: Call, *, archived: bool) -> Reply:
    """Archive a patient, or bring an archived one back to the list, with the same rules (roles, `404`,
    no body, preconditions).

    A patient already in the state asked for is left as it is and the answer is still `204`: the request
    asks for a state, and the patient is in it. A retry after a lost answer is then safe. (A `409` would
    make the client work out whether its own earlier request had succeeded.)
    """
    _require_patient_writer(call.user)
    existing = _existing_patient(api, call)
    _check_preconditions(api, call, existing)
    api.store.set_archived(call.user.account_id, existing.id, archived, call.now)
    return Reply(204)


#: The query parameters each endpoint takes, as the OpenAPI description lists them; an endpoint missing
#: here takes none. Any other parameter is refused with `400` (`request_rules.check_query_names`).
QUERY_PARAMETERS: dict[Endpoint, tuple[str, ...]] = {
    _list_patients: LIST_PARAMETERS,
    _list_archived_patients: LIST_PARAMETERS,
    _list_deleted_patients: LIST_PARAMETERS,
}
