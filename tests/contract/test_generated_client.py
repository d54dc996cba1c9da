"""A client generated from the description, as the OpenAPI page tells readers to make one, calls every operation.

The client is generated once per test process (`generated_client.shared`), with the command the page
gives, and imported from its folder. Every operation of `docs/openapi.yaml`, HEAD included, is one test:
it calls the operation's generated function against the sandbox over HTTPS (verified with the sandbox's
CA), with the key as Basic auth and a `User-Agent` that names a contact e-mail, and must get the
operation's documented success status and a response the generated code parses into the documented
model (or, for a response without a body, into nothing). The exchange must obey the description, and
must be the operation the test meant to call.

The operations come from the description, so an operation added there and missing from the client
fails here, with the generator's own warning about it.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import re
import ssl
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

import generated_client
from cliniko_sandbox import MockCliniko, seed
from exchange_contract import check_exchanges, checker_for
from generated_client import GenerationError, Generated
from openapi_description import load_description, operations, resolve

# Slow (left out of `make check`): a client generated from the description.
pytestmark = pytest.mark.slow

USER_AGENT = "Practice Sync (dev@example.com)"
#: A patient of the demo practice who is not archived, so that every patient operation applies to them.
PATIENT_ID = next(
    patient.id
    for patient in seed.initial_dataset().patients.values()
    if patient.account_id == seed.ACCOUNT_A and patient.archived_at is None
)
#: A valid request body for each schema a request body names, by the schema's name.
BODIES = {
    "NewPatient": {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1990-12-10"},
    "PatientChanges": {"email": "ada@example.com"},
}


@dataclass(frozen=True)
class Operation:
    """One operation of the description, with what the test needs to call it and judge the answer."""

    operation_id: str
    method: str
    path: str
    #: The one 2xx status it documents.
    success: int
    #: The schema its success response's JSON body has (a `$ref` name), or None for a response without a body.
    success_schema: str | None
    #: The schema its request body has, or None when it takes no body.
    body_schema: str | None

    @property
    def module_name(self) -> str:
        """The module the generator makes for the operation: its operationId in snake case."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.operation_id).lower()


def _schema_name(media: dict[str, Any] | None) -> str | None:
    """The component schema a JSON body has, by name; None when there is no JSON body."""
    schema = (media or {}).get("application/json", {}).get("schema")
    if schema is None:
        return None
    ref = schema.get("$ref", "")
    if not ref.startswith("#/components/schemas/"):
        raise AssertionError(f"a body schema that names no component schema: {schema}")
    return ref.rsplit("/", 1)[1]


def described_operations() -> list[Operation]:
    """Every operation of the description, in its order."""
    description = load_description()
    found = []
    for method, path, operation in operations(description):
        successes = [code for code in operation["responses"] if str(code).startswith("2")]
        assert len(successes) == 1, f"{operation['operationId']} documents {successes} as its success, not one status"
        success = resolve(description, operation["responses"][successes[0]])
        body = resolve(description, operation["requestBody"]) if "requestBody" in operation else None
        found.append(
            Operation(
                operation_id=operation["operationId"],
                method=method,
                path=path,
                success=int(successes[0]),
                success_schema=_schema_name(success.get("content")),
                body_schema=_schema_name(body["content"]) if body else None,
            )
        )
    return found


OPERATIONS = described_operations()


@pytest.fixture(scope="session")
def generated() -> Iterator[Generated]:
    """The process's generated client, importable for the session (its folder first on sys.path)."""
    try:
        client = generated_client.shared()
    except GenerationError as error:
        pytest.fail(str(error), pytrace=False)
    sys.path.insert(0, str(client.root))
    try:
        yield client
    finally:
        sys.path.remove(str(client.root))


def _module(generated: Generated, operation: Operation) -> ModuleType | None:
    """The generated module of an operation, under whichever tag folder it went to; None if there is none."""
    found = sorted((generated.root / generated.package / "api").glob(f"*/{operation.module_name}.py"))
    if not found:
        return None
    assert len(found) == 1, f"{operation.operation_id} was generated more than once: {found}"
    tag = found[0].parent.name
    return importlib.import_module(f"{generated.package}.api.{tag}.{operation.module_name}")


def _client(generated: Generated, mock: MockCliniko, api_key: str) -> Any:
    """A generated `Client` as the OpenAPI page sets one up, verifying the sandbox's certificate."""
    package = importlib.import_module(generated.package)
    return package.Client(
        base_url=mock.base_url,
        httpx_args={"auth": httpx.BasicAuth(api_key, "")},
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        timeout=httpx.Timeout(10.0),
        verify_ssl=ssl.create_default_context(cafile=str(mock.ca_file)),
    )


def _arguments(generated: Generated, operation: Operation, function: Any) -> tuple[list[Any], dict[str, Any]]:
    """The arguments for a generated function: every one it requires, and the body the description gives."""
    models = importlib.import_module(f"{generated.package}.models")
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name == "client":
            continue
        if name == "body":
            assert operation.body_schema in BODIES, f"no request body for {operation.body_schema}: add one to BODIES"
            value: Any = getattr(models, operation.body_schema).from_dict(BODIES[operation.body_schema])
        elif name == "user_agent":
            value = USER_AGENT
        elif name == "id":
            value = PATIENT_ID
        elif parameter.default is not inspect.Parameter.empty:
            continue
        else:
            raise AssertionError(f"{operation.operation_id}: no value for its required argument {name!r}")
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            kwargs[name] = value
        else:
            args.append(value)
    return args, kwargs


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.operation_id)
def test_the_generated_client_calls_the_operation(operation: Operation, generated: Generated, mock: MockCliniko) -> None:
    module = _module(generated, operation)
    if module is None:
        warning = generated.left_out(operation.method, operation.path)
        assert warning, (
            f"{operation.operation_id} ({operation.method} {operation.path}) is in the description, but the "
            f"generated client has no {operation.module_name} module, and the generator gave no reason"
        )
        pytest.fail(f"{operation.operation_id} was not generated: {warning}")

    assert mock.exchanges is not None
    mock.exchanges.clear()
    with _client(generated, mock, seed.ADMIN_KEY_A) as client:
        args, kwargs = _arguments(generated, operation, module.sync_detailed)
        response = module.sync_detailed(*args, client=client, **kwargs)

    assert response.status_code == operation.success, (
        f"{operation.operation_id} got {response.status_code}, not its documented {operation.success}: "
        f"{response.content[:300]!r}"
    )
    if operation.success_schema is None:
        assert response.content == b"", f"{operation.operation_id} got a body where the description gives none"
        assert response.parsed is None
    else:
        model = getattr(importlib.import_module(f"{generated.package}.models"), operation.success_schema)
        assert isinstance(response.parsed, model), (
            f"{operation.operation_id}: the response was parsed into {type(response.parsed).__name__}, "
            f"not {operation.success_schema}"
        )

    exchanges = mock.exchanges.snapshot()
    assert len(exchanges) == 1, f"{operation.operation_id} sent {len(exchanges)} requests, not one"
    checker = checker_for(mock.base_url)
    assert checker.operation_name(exchanges[0]).startswith(f"{operation.operation_id} "), (
        f"the generated {operation.module_name} called {checker.operation_name(exchanges[0])}"
    )
    problems = check_exchanges(exchanges, checker)
    assert not problems, f"{operation.operation_id} made an exchange that breaks docs/openapi.yaml:\n" + "\n".join(problems)


def test_every_operation_has_a_test() -> None:
    """The drive covers the description: the same operations, none twice, and the list is not empty."""
    described = [operation["operationId"] for _, _, operation in operations(load_description())]
    assert len(described) >= 10
    assert [operation.operation_id for operation in OPERATIONS] == described
    assert len(set(described)) == len(described)


def test_the_page_names_the_generator_version_the_tests_use() -> None:
    """What the page says the generator leaves out holds for the version the tests pin."""
    version = importlib.metadata.version("openapi-python-client")
    assert f"openapi-python-client {version}" in generated_client.PAGE.read_text(encoding="utf-8"), (
        f"the OpenAPI page should name the generator's version the tests use, {version}"
    )


def test_the_command_must_read_the_published_description(tmp_path: Path) -> None:
    page = tmp_path / "openapi.md"
    page.write_text("Run `openapi-python-client generate --url https://example.com/openapi.json`.\n", encoding="utf-8")
    with pytest.raises(GenerationError, match="not the published description"):
        generated_client.page_command(page)
    page.write_text("No command here.\n", encoding="utf-8")
    with pytest.raises(GenerationError, match="found it 0 times"):
        generated_client.page_command(page)
