"""Checks each exchange the mock recorded against the OpenAPI description, with openapi-core.

`ContractChecker.problems(exchange)` returns what is wrong with one request and its response, as
sentences naming the operation, the status and the rule broken; an empty list means it conforms. The
rules it applies are written in `example_runner`'s docstring ("Every exchange obeys the description").

The check reads a strict copy of the description (`openapi_description.strict_description`): the
published one lets fields be added to responses, and the sandbox must still send exactly the documented
ones. Two rules no schema states are checked by hand: a request's query parameters must all be ones its
operation documents (the API refuses any other with `400`), and a response to `HEAD` has no body.

The checker is built once per description and base URL (`checker_for`): parsing the description and
building openapi-core's validators is the costly part, and it is done once per test process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
from openapi_core.templating.paths.exceptions import OperationNotFound, PathError
from openapi_core.validation.request.exceptions import (
    ParameterValidationError,
    RequestBodyValidationError,
    SecurityValidationError,
)
from openapi_schema_validator import OAS31Validator
from werkzeug.datastructures import Headers, ImmutableMultiDict

from cliniko_sandbox.exchanges import Exchange
from openapi_description import load_description, operations, resolve, served_from, strict_description

#: The API's checks, in the order it makes them (the docstring of `src/cliniko_sandbox/app.py` explains
#: each): a request that breaks several rules is refused by the first check it fails. Each entry is
#: (rule, status it answers).
ORDER_OF_CHECKS: tuple[tuple[str, int], ...] = (
    ("a server fault", 503),
    ("the body size limit", 413),
    ("the User-Agent rule", 400),
    ("authentication", 401),
    ("the rate limit", 429),
    ("the path and method", 404),
    ("the path and method", 405),
    ("the Accept header", 406),
    ("the body's media type", 415),
    ("the body's JSON syntax", 400),
    ("the query parameters", 400),
    ("the user's role", 403),
    ("the record's existence", 404),
    ("a change's preconditions", 412),
    ("the body's fields", 422),
    ("the record's state", 409),
)


def statuses_up_to(rule: str) -> frozenset[int]:
    """The statuses a request that breaks `rule` may get: that rule's, and those of every earlier check."""
    positions = [index for index, (name, _) in enumerate(ORDER_OF_CHECKS) if name == rule]
    if not positions:
        raise ValueError(f"no check is named {rule!r}")
    return frozenset(status for _, status in ORDER_OF_CHECKS[: max(positions) + 1])


@dataclass(frozen=True)
class _Request:
    """An exchange's request in the shape openapi-core reads (its `Request` protocol)."""

    host_url: str
    path: str
    method: str
    parameters: RequestParameters
    content_type: str
    body: bytes | None


@dataclass(frozen=True)
class _Response:
    """An exchange's response in the shape openapi-core reads (its `Response` protocol)."""

    status_code: int
    headers: Headers
    content_type: str
    data: bytes | None


#: How much of one reason a failure message quotes; a value in it can be a whole body at the size limit.
_REASON_LIMIT = 300


def _short(text: str) -> str:
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 1] + "…"


def _explain(error: BaseException) -> str:
    """The rule an error names, in one line: the schema rules it broke (`email: 'x' is too long`) if any.

    openapi-core's own message quotes the whole value; the schema errors say which part broke which rule,
    so they replace it when there are some.
    """
    schema_rules: list[str] = []
    causes: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for schema_error in getattr(current, "schema_errors", ()) or ():
            where = "/".join(str(step) for step in schema_error.absolute_path) or "the value"
            schema_rules.append(f"{where}: {schema_error.message}")
        if current is not error:
            causes.append(str(current))
        current = current.__cause__ or current.__context__
    # openapi-core's own words when they are short ("Invalid query parameter: per_page"); its class
    # name when they quote a whole value.
    head = str(error) if 0 < len(str(error)) <= 100 else type(error).__name__
    if schema_rules:
        return _short(f"{head}: " + "; ".join(dict.fromkeys(schema_rules)))
    return _short(head + "".join(f" ({cause})" for cause in dict.fromkeys(causes) if cause))


def _broken_rule(error: BaseException) -> str:
    """Which of the API's checks (`ORDER_OF_CHECKS`) refuses a request with this description error."""
    if isinstance(error, SecurityValidationError):
        return "authentication"
    if isinstance(error, ParameterValidationError):
        if error.location == "header" and error.name.lower() == "user-agent":
            return "the User-Agent rule"
        if error.location == "path":
            return "the record's existence"  # an ID that is not digits names no record
        return "the query parameters"
    if isinstance(error, RequestBodyValidationError):
        causes = []
        current: BaseException | None = error
        while current is not None:
            causes.append(current)
            current = current.__cause__
        if any(isinstance(cause, MediaTypeNotFound) for cause in causes):
            return "the body's media type"
        if any(type(cause).__name__ == "MediaTypeDeserializeError" for cause in causes):
            return "the body's JSON syntax"
        return "the body's fields"  # a required body left out, or fields that break their schema
    raise TypeError(f"no API check matches {type(error).__name__}: {error}")


class ContractChecker:
    """Checks recorded exchanges against the description, as served from `base_url`.

    With `strict` (the default) the responses are checked against `strict_description(description)`,
    which allows no field the description does not list; without it, against the description as given.
    """

    def __init__(self, description: dict[str, Any], base_url: str, *, strict: bool = True) -> None:
        self.description = served_from(base_url, strict_description(description) if strict else description)
        self.openapi = OpenAPI.from_dict(self.description)
        parts = urlsplit(base_url)
        self.host_url = f"{parts.scheme}://{parts.netloc}"
        self.base_path = parts.path.rstrip("/")
        self.operation_ids = {
            (method, path): operation["operationId"] for method, path, operation in operations(self.description)
        }
        self._error_schema = OAS31Validator(resolve(self.description, self.description["components"]["schemas"]["Error"]))
        #: The query parameters each operation documents, by (METHOD, path template).
        self.query_names = {
            (method, path): {
                parameter["name"]
                for parameter in (resolve(self.description, raw) for raw in [
                    *self.description["paths"][path].get("parameters", []), *operation.get("parameters", [])
                ])
                if parameter["in"] == "query"
            }
            for method, path, operation in operations(self.description)
        }

    # The shapes openapi-core reads ------------------------------------------------------------

    def _request(self, exchange: Exchange) -> _Request:
        headers = Headers(exchange.request_headers)
        return _Request(
            host_url=self.host_url,
            path=exchange.path,
            method=exchange.method.lower(),
            parameters=RequestParameters(
                query=ImmutableMultiDict(parse_qsl(exchange.query, keep_blank_values=True)),
                header=headers,
                cookie=ImmutableMultiDict(),
                path={},
            ),
            content_type=headers.get("content-type", ""),
            body=exchange.request_body or None,
        )

    @staticmethod
    def _response(exchange: Exchange) -> _Response:
        headers = Headers(exchange.response_headers)
        return _Response(
            status_code=exchange.status,
            headers=headers,
            content_type=headers.get("content-type", ""),
            data=exchange.response_body or None,
        )

    # The checks --------------------------------------------------------------------------------

    def _template(self, exchange: Exchange) -> tuple[str, str] | None:
        """The (METHOD, path template) of the operation an exchange calls; None when there is none."""
        path = exchange.path.removeprefix(self.base_path)
        return next(
            (key for key in self.operation_ids if key[0] == exchange.method and _matches(key[1], path)), None
        )

    def operation_name(self, exchange: Exchange) -> str:
        """`getPatient (GET /patients/{id})`, or the method and path when no operation matches."""
        key = self._template(exchange)
        if key is None:
            return f"{exchange.method} {exchange.path} (no operation)"
        return f"{self.operation_ids[key]} ({key[0]} {key[1]})"

    def undocumented_query_names(self, exchange: Exchange) -> list[str]:
        """The names in an exchange's query string that its operation does not document (`''` for an
        empty name), in the order sent; openapi-core ignores them, and the API refuses them.

        `q`, the older form of `q[]` (one filter), counts as documented wherever `q[]` is: the
        description names it in the text of `q[]` only, since code generators cannot tell the two apart.
        """
        key = self._template(exchange)
        documented = set(self.query_names.get(key, set())) if key is not None else set()
        if "q[]" in documented:
            documented.add("q")
        names = [name for name, _ in parse_qsl(exchange.query, keep_blank_values=True)]
        return [name for name in dict.fromkeys(names) if name not in documented]

    def problems(self, exchange: Exchange) -> list[str]:
        """Everything that breaks the description in one exchange; empty when it conforms."""
        if not exchange.complete:
            return [f"{exchange}: the mock sent no complete response"]
        request = self._request(exchange)
        response = self._response(exchange)
        request_errors = list(self.openapi.request_validator.iter_errors(request))
        if any(isinstance(error, PathError) for error in request_errors):
            path_error = next(error for error in request_errors if isinstance(error, PathError))
            return self._unknown_route_problems(exchange, path_error)

        label = f"{self.operation_name(exchange)} -> {exchange.status}"
        found: list[str] = []
        if exchange.request_body_truncated:
            # The log keeps the first 64 KiB of a body: the rest cannot be read, so the body is not
            # checked (the response still is). Only the 413 lesson sends such a body.
            request_errors = [error for error in request_errors if not isinstance(error, RequestBodyValidationError)]
        rules = []
        for error in request_errors:
            try:
                rules.append(_broken_rule(error))
            except TypeError as unknown:
                found.append(f"{label}: {unknown}; map it to one of the API's checks in exchange_contract.py")
        reasons = [_explain(error) for error in request_errors]
        undocumented = self.undocumented_query_names(exchange)
        if undocumented:
            rules.append("the query parameters")
            reasons.append("query parameters the operation does not document: " + ", ".join(map(repr, undocumented)))
        if exchange.method == "HEAD" and exchange.response_body:
            found.append(f"{label}: a response to HEAD must have no body, and this one has {len(exchange.response_body)} bytes")
        if rules:
            allowed = frozenset().union(*(statuses_up_to(rule) for rule in rules))
            if exchange.status not in allowed:
                found.append(
                    f"{label}: the request breaks the description ({'; '.join(reasons)}), so it must be refused "
                    f"with the status of {' or '.join(dict.fromkeys(rules))} or of a check made before it "
                    f"({', '.join(map(str, sorted(allowed)))}), not {exchange.status}"
                )
        if exchange.response_body_truncated:
            return [*found, f"{label}: the response is longer than the log keeps, so it cannot be checked"]
        for error in self.openapi.response_validator.iter_errors(request, response):
            found.append(f"{label}: the response breaks the description: {_explain(error)}")
        return found

    def _unknown_route_problems(self, exchange: Exchange, error: PathError) -> list[str]:
        """A request for a path or method the description lacks: `404` or `405`, as its `info` says."""
        found: list[str] = []
        label = f"{exchange.method} {exchange.path} (no operation) -> {exchange.status}"
        expected = 405 if isinstance(error, OperationNotFound) else 404
        if exchange.status not in statuses_up_to("the path and method") - {404, 405} | {expected}:
            found.append(f"{label}: {_explain(error)}, so the response must be {expected}")
        if exchange.status == 405:
            path = exchange.path.removeprefix(self.base_path)
            template = next(
                (candidate for (_, candidate) in self.operation_ids if _matches(candidate, path)), None
            )
            listed = sorted(method for (method, candidate) in self.operation_ids if candidate == template)
            allow = exchange.response_header("allow")
            sent = sorted(part.strip() for part in (allow or "").split(",") if part.strip())
            if sent != listed:
                found.append(f"{label}: Allow must list the methods the description gives {template} "
                             f"({', '.join(listed)}), not {allow!r}")
        if exchange.method == "HEAD" and exchange.response_body:
            found.append(f"{label}: a response to HEAD must have no body, and this one has {len(exchange.response_body)} bytes")
        found.extend(f"{label}: {problem}" for problem in self._error_response_problems(exchange))
        return found

    def _error_response_problems(self, exchange: Exchange) -> list[str]:
        """What an error response outside any operation must still have: the error body and headers."""
        found = []
        error_headers = resolve(self.description, self.description["components"]["responses"]["NotFound"])["headers"]
        for name, header in error_headers.items():
            header = resolve(self.description, header)
            value = exchange.response_header(name)
            if value is None:
                found.append(f"the response lacks the header {name}")
                continue
            schema = resolve(self.description, header["schema"])
            for schema_error in OAS31Validator(schema).iter_errors(value):
                found.append(f"the header {name} is not valid: {schema_error.message}")
        content_type = exchange.response_header("content-type") or ""
        if not content_type.startswith("application/json"):
            found.append(f"the body is {content_type or 'untyped'}, not application/json")
            return found
        if exchange.method == "HEAD":
            return found  # the headers of the error the GET would get, and no body (checked above)
        try:
            body = json.loads(exchange.response_body)
        except ValueError as error:
            return [*found, f"the body is not JSON ({error})"]
        for schema_error in self._error_schema.iter_errors(body):
            found.append(f"the body is not the error body: {schema_error.message}")
        return found


def _matches(template: str, path: str) -> bool:
    """Whether a concrete path fits a path template of the description (`/patients/{id}`)."""
    wanted, given = template.strip("/").split("/"), path.strip("/").split("/")
    return len(wanted) == len(given) and all(
        part.startswith("{") or part == value for part, value in zip(wanted, given)
    )


@cache
def checker_for(base_url: str) -> ContractChecker:
    """The checker for the project's description served at `base_url`, built once per process."""
    return ContractChecker(load_description(), base_url)


def run_checked(
    example: Any, mock: Any, api_key: str, checker: ContractChecker
) -> tuple[Any, list[str]]:
    """Run an example as `tests/examples/test_snippets.py` does, and check what it exchanged with the mock.

    The example's waits are recorded, not waited (`example_runner.run`); the mock's log still holds
    its exchanges afterwards, for `example_runner.waits_as_told`.

    Returns the run (`example_runner.Run`) and the problems found (empty when every exchange conforms).
    The mock must record its exchanges (`MockCliniko(record_exchanges=True)`).
    """
    import example_runner

    if mock.exchanges is None:
        raise RuntimeError("the mock does not record its exchanges; start it with record_exchanges=True")
    mock.exchanges.clear()
    result = example_runner.run(
        example, mock.environment(), api_key, urlsplit(mock.base_url).netloc, fork=True, record_waits=True
    )
    if mock.exchanges.dropped:
        return result, [f"{example} made more requests than the mock's log keeps ({mock.exchanges.dropped} lost)"]
    return result, check_exchanges(mock.exchanges.snapshot(), checker)


def check_exchanges(exchanges: list[Exchange], checker: ContractChecker) -> list[str]:
    """Every problem in a run's exchanges, each line naming the exchange it comes from."""
    found: list[str] = []
    for number, exchange in enumerate(exchanges, start=1):
        found.extend(f"exchange {number}, {problem}" for problem in checker.problems(exchange))
    return found
