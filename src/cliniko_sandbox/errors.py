"""Errors as the API reports them: a status code and a JSON body with at least a `message`."""

from __future__ import annotations

import json
from typing import Any

JSON_TYPE = "application/json; charset=utf-8"


class ApiError(Exception):
    """An answer other than success, raised anywhere in a request's handling.

    Args:
        status: the HTTP status code.
        message: the human-readable `message` of the body.
        errors: for `422`, the field errors (`{"field": "problem"}`; `base` for the record as a whole).
        errors_not_listed: for `422`, how many more problems there were than `errors` lists; the body
            says so (`errors_not_listed`) only when there were some.
        headers: extra response headers, such as `WWW-Authenticate` or `Retry-After`.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: dict[str, str] | None = None,
        errors_not_listed: int = 0,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.errors = errors
        self.errors_not_listed = errors_not_listed
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        if self.errors_not_listed:
            body["errors_not_listed"] = self.errors_not_listed
        return body


def dump_json(value: Any) -> bytes:
    """Serialise as the API does: compact, UTF-8, keys in the order they were built."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
