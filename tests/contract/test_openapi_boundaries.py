"""The mock's limits are the description's: every bound it states is probed at its edge, on both sides.

For each query parameter with a `minimum` or `maximum`, and each field of the create body with a
`maxLength`, the value at the bound must be accepted and the value one past it refused (`400` for a
parameter, `422` naming the field for a body). The bounds are read from `docs/openapi.yaml`, so a
change to either the description or the mock that makes them disagree fails here; each exchange is
also checked against the description, as the examples' are.

Schemathesis (test_openapi_conformance.py) probes one past each bound too, but it never sends a
parameter's maximum itself, so a mock whose own maximum shrank would pass it.
"""

from __future__ import annotations

from typing import Any

import pytest

from api_requests import send
from exchange_contract import check_exchanges, checker_for
from openapi_description import load_description, resolve

DESCRIPTION = load_description()


def _query_bounds() -> list[tuple[str, str, int, int]]:
    """(path, parameter, value, expected status) for each bound of each GET's query parameters."""
    probes = []
    for path, item in DESCRIPTION["paths"].items():
        operation = item.get("get")
        if operation is None or "{" in path:
            continue
        for raw in operation.get("parameters", []):
            parameter = resolve(DESCRIPTION, raw)
            schema = resolve(DESCRIPTION, parameter.get("schema", {}))
            if parameter["in"] != "query":
                continue
            if "minimum" in schema:
                probes += [(path, parameter["name"], schema["minimum"], 200), (path, parameter["name"], schema["minimum"] - 1, 400)]
            if "maximum" in schema:
                probes += [(path, parameter["name"], schema["maximum"], 200), (path, parameter["name"], schema["maximum"] + 1, 400)]
    return probes


def _value_of_length(field: str, length: int, schema: dict[str, Any]) -> str:
    """A value the field would otherwise accept, exactly `length` characters long."""
    if field == "email" or any("@" in option.get("pattern", "") for option in schema.get("anyOf", [])):
        return "e" * (length - len("@example.com")) + "@example.com"
    if any(option.get("format") == "date" for option in schema.get("anyOf", [])):
        # A date has exactly 10 characters; a blank value, which clears the date, may be of any length
        # up to the same limit.
        return " " * length
    return "N" * length


def _length_bounds() -> list[tuple[str, int, int]]:
    """(field, length, expected status) for each create field with a maxLength."""
    body = resolve(DESCRIPTION, DESCRIPTION["paths"]["/patients"]["post"]["requestBody"])
    schema = resolve(DESCRIPTION, body["content"]["application/json"]["schema"])
    probes = []
    for field, node in schema["properties"].items():
        field_schema = resolve(DESCRIPTION, node)
        options = [field_schema, *(resolve(DESCRIPTION, option) for option in field_schema.get("anyOf", []))]
        limit = max((option["maxLength"] for option in options if "maxLength" in option), default=None)
        if limit is not None:
            probes += [(field, limit, 201), (field, limit + 1, 422)]
    return probes


QUERY_PROBES = _query_bounds()
LENGTH_PROBES = _length_bounds()


def test_the_description_has_bounds_to_probe() -> None:
    assert {name for _, name, _, _ in QUERY_PROBES} >= {"page", "per_page"}
    assert {field for field, _, _ in LENGTH_PROBES} >= {"title", "first_name", "last_name", "email"}


@pytest.mark.parametrize(("path", "name", "value", "status"), QUERY_PROBES, ids=lambda v: str(v))
def test_each_query_bound_of_the_description_is_the_mocks(mock, path: str, name: str, value: int, status: int) -> None:
    mock.exchanges.clear()
    response = send(mock, "GET", path, params={name: value})
    assert response.status_code == status, (
        f"GET {path}?{name}={value}: the description's bound says {status}, the mock answered "
        f"{response.status_code}: {response.text[:200]}"
    )
    assert check_exchanges(mock.exchanges.snapshot(), checker_for(mock.base_url)) == []


@pytest.mark.parametrize(("field", "length", "status"), LENGTH_PROBES, ids=lambda v: str(v))
def test_each_length_bound_of_the_description_is_the_mocks(mock, field: str, length: int, status: int) -> None:
    body_schema = resolve(DESCRIPTION, DESCRIPTION["components"]["schemas"]["NewPatient"])
    body = {"first_name": "Ada", "last_name": "Lovelace"}
    body[field] = _value_of_length(field, length, resolve(DESCRIPTION, body_schema["properties"][field]))
    mock.exchanges.clear()
    response = send(mock, "POST", "/patients", json=body)
    assert response.status_code == status, (
        f"POST /patients with a {field} of {length} characters: the description's maxLength says {status}, "
        f"the mock answered {response.status_code}: {response.text[:200]}"
    )
    if status == 422:
        assert field in response.json()["errors"], response.text
    assert check_exchanges(mock.exchanges.snapshot(), checker_for(mock.base_url)) == []
