"""The OpenAPI description (`docs/openapi.yaml`): valid, complete, published with the site, and usable.

- It is a valid OpenAPI 3.1 document (`openapi-spec-validator`).
- It passes the project's own lint (`lint_problems`): what Spectral's or Redocly's recommended rules would
  ask of it, checked in Python because those linters need Node.js, which nothing else here does.
- The built site serves it as `openapi.yaml` and `openapi.json`, and the pages that should link to them do.
- A real OpenAPI library (openapi-core), given only the published JSON, the mock's base URL and a key,
  makes working calls, and every response the mock gives is one the description allows, the statuses
  that fuzzing cannot provoke included (403, 406, 412, 413, 415, 429, 431, 503, 304).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests
import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_spec_validator import validate as validate_spec

from cliniko_sandbox import MockCliniko
from cliniko_sandbox.contract import MAX_BODY_BYTES, MAX_HEAD_BYTES
from cliniko_sandbox.control import Controls
from cliniko_sandbox.seed import ACCOUNT_A, ADMIN_KEY_A, ADMIN_KEY_B, BOOKKEEPER_KEY_A
from openapi_description import DESCRIPTION_PATH, load_description, operations, resolve, served_from
from project import DOCS

SITE_URL = "https://cliniko.github.io/cliniko-api/"
#: The pages that link to the description (the home page, both resource pages, and the import guide).
PAGES_THAT_LINK_IT = ("index.html", "resources/user/index.html", "resources/patients/index.html", "openapi/index.html")


# Valid ------------------------------------------------------------------------------------------


def test_the_description_is_valid_openapi_3_1() -> None:
    description = load_description()
    assert description["openapi"].startswith("3.1.")
    validate_spec(description)


def test_the_validator_refuses_a_broken_description() -> None:
    """The validation above can fail: a response without its required description is refused."""
    description = load_description()
    del description["paths"]["/user"]["get"]["responses"]["200"]["description"]
    with pytest.raises(Exception, match="description"):
        validate_spec(description)


def test_the_servers_are_the_default_and_each_shards_host() -> None:
    """The seed's base URL stays the first server (the one a client uses unless told otherwise); the
    second names every shard the Base URL page lists, and every shard the sandbox's keys end with."""
    servers = load_description()["servers"]
    assert servers[0]["url"] == "https://api.cliniko.com/v1"
    assert servers[1]["url"] == "https://api.{shard}.cliniko.com/v1"
    shard = servers[1]["variables"]["shard"]
    listed = re.search(r"The shards are ([^.]+)\.", (DOCS / "base-url.md").read_text(encoding="utf-8"))
    assert listed is not None, "the Base URL page no longer lists the shards"
    assert shard["enum"] == re.findall(r"`([a-z]+[0-9])`", listed.group(1))
    assert shard["default"] == "au1" and "au1" in shard["enum"]
    assert {key.rsplit("-", 1)[1] for key in (ADMIN_KEY_A, ADMIN_KEY_B, BOOKKEEPER_KEY_A)} <= set(shard["enum"])
    assert served_from("https://127.0.0.1:8443/v1")["servers"] == [{"url": "https://127.0.0.1:8443/v1"}]


# Lint -------------------------------------------------------------------------------------------

_HTTP_STATUS = re.compile(r"^[1-5][0-9][0-9]$")


def lint_problems(description: dict[str, Any]) -> list[str]:
    """What a reviewer would flag: every operation named, summarised, tagged and complete.

    The rules are those of Spectral's and Redocly's recommended sets that matter for this API, plus the
    API's own: every operation declares the required `User-Agent`, every response carries `Date` and
    `X-Request-Id`, no response to `HEAD` has a body, and every guide link is to this site.
    """
    problems: list[str] = []
    declared_tags = {tag["name"] for tag in description.get("tags", [])}
    ids = Counter()
    for method, path, operation in operations(description):
        where = f"{method} {path}"
        ids[operation.get("operationId")] += 1
        for field in ("operationId", "summary", "tags"):
            if not operation.get(field):
                problems.append(f"{where}: no {field}")
        for tag in operation.get("tags", []):
            if tag not in declared_tags:
                problems.append(f"{where}: tag {tag!r} is not declared in the top-level tags")
        statuses = list(operation.get("responses", {}))
        if not any(s.startswith("2") for s in statuses):
            problems.append(f"{where}: no 2xx response")
        if not any(s.startswith("4") for s in statuses):
            problems.append(f"{where}: no 4xx response")
        for status in statuses:
            if not _HTTP_STATUS.match(status):
                problems.append(f"{where}: response {status!r} is not one status code")
        for status in ("400", "401", "414", "429", "431", "501", "503", "505"):
            if status not in statuses:
                problems.append(f"{where}: every request can get {status}, and it is not listed")
        for status, raw in operation.get("responses", {}).items():
            response = resolve(description, raw)
            for header in ("Date", "X-Request-Id"):
                if header not in response.get("headers", {}):
                    problems.append(f"{where}: response {status} does not declare {header}")
            if method == "HEAD" and response.get("content"):
                problems.append(f"{where}: response {status} has a body, which a response to HEAD never has")
        parameters = [resolve(description, p) for p in operation.get("parameters", [])]
        parameters += [resolve(description, p) for p in description["paths"][path].get("parameters", [])]
        if not any(p["in"] == "header" and p["name"] == "User-Agent" and p.get("required") for p in parameters):
            problems.append(f"{where}: does not declare the required User-Agent header")
        for name in re.findall(r"{([^}]+)}", path):
            if not any(p["in"] == "path" and p["name"] == name for p in parameters):
                problems.append(f"{where}: path parameter {name!r} is not declared")
    problems += [f"operationId {name!r} is used {count} times" for name, count in ids.items() if count > 1]
    for url in _guide_links(description):
        if not url.startswith(SITE_URL):
            problems.append(f"link {url} is not to this site ({SITE_URL})")
    return problems


def _guide_links(description: dict[str, Any]) -> set[str]:
    text = json.dumps(description)
    return set(re.findall(r"https://cliniko\.github\.io/[^\s\"`)]*", text))


def test_the_description_passes_the_lint() -> None:
    assert lint_problems(load_description()) == []


def test_the_lint_finds_what_it_looks_for() -> None:
    description = load_description()
    operation = description["paths"]["/patients"]["get"]
    del operation["summary"]
    operation["operationId"] = "getUser"
    operation["parameters"] = [p for p in operation["parameters"] if "UserAgent" not in p["$ref"]]
    del operation["responses"]["429"]
    head = description["paths"]["/patients/{id}"]["head"]["responses"]
    head["404"] = {"$ref": "#/components/responses/NotFound"}
    del description["components"]["responses"]["UnauthorizedHead"]["headers"]["X-Request-Id"]
    problems = lint_problems(description)
    assert "HEAD /patients/{id}: response 404 has a body, which a response to HEAD never has" in problems
    assert "HEAD /patients/{id}: response 401 does not declare X-Request-Id" in problems
    assert "GET /patients: no summary" in problems
    assert "operationId 'getUser' is used 2 times" in problems
    assert "GET /patients: does not declare the required User-Agent header" in problems
    assert "GET /patients: every request can get 429, and it is not listed" in problems


# Published --------------------------------------------------------------------------------------


def test_the_site_publishes_the_description_as_yaml_and_json(built_site: Path) -> None:
    published_yaml = built_site / "openapi.yaml"
    published_json = built_site / "openapi.json"
    assert published_yaml.read_bytes() == DESCRIPTION_PATH.read_bytes()
    assert json.loads(published_json.read_text(encoding="utf-8")) == yaml.safe_load(DESCRIPTION_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", PAGES_THAT_LINK_IT)
def test_pages_link_to_the_description(built_site: Path, page: str) -> None:
    html = (built_site / page).read_text(encoding="utf-8")
    targets = {urljoin(f"/{page}", href) for href in re.findall(r'href="([^"#]+)"', html)}
    assert "/openapi.yaml" in targets and "/openapi.json" in targets, f"{page} links to neither openapi file"


def test_every_guide_link_in_the_description_leads_to_a_built_page(built_site: Path) -> None:
    for url in sorted(_guide_links(load_description())):
        parts = urlsplit(url)
        relative = parts.path.removeprefix(urlsplit(SITE_URL).path)
        page = built_site / relative / "index.html" if not relative or relative.endswith("/") else built_site / relative
        assert page.is_file(), f"{url}: no page {page.relative_to(built_site)} in the built site"
        if parts.fragment:
            assert f'id="{parts.fragment}"' in page.read_text(encoding="utf-8"), f"{url}: no such heading"


# A client built from the description ------------------------------------------------------------


class DescribedClient:
    """What an API client does with an imported description: servers, the security scheme, parameters.

    Everything it sends comes from the published JSON: the base URL from `servers` (replaced by the
    mock's, as a reader would set their own), Basic authentication from the security scheme, and the
    `User-Agent` from the parameter's example. openapi-core checks each request and response.
    """

    def __init__(self, description: dict[str, Any], api_key: str | None, session: requests.Session) -> None:
        self.description = description
        self.openapi = OpenAPI.from_dict(description)
        self.api_key = api_key
        self.session = session
        self.by_id = {op["operationId"]: (method, path) for method, path, op in operations(description)}

    def request(self, operation_id: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        method, path = self.by_id[operation_id]
        path_values = kwargs.pop("path", {})
        url = self.description["servers"][0]["url"] + path.format(**path_values)
        scheme = self.description["components"]["securitySchemes"]["apiKey"]
        assert (scheme["type"], scheme["scheme"]) == ("http", "basic")
        agent = resolve(self.description, self.description["components"]["parameters"]["UserAgent"])
        sent = {"User-Agent": agent["schema"]["examples"][0], "Accept": "application/json", **(headers or {})}
        auth = (self.api_key, "") if self.api_key is not None else None
        # `verify` is given on each request: requests lets REQUESTS_CA_BUNDLE override a session's own.
        return self.session.request(
            method, url, headers=sent, auth=auth, timeout=10, verify=self.session.verify, **kwargs
        )

    def check(self, response: requests.Response) -> None:
        """Raise unless the request and the response both obey the description."""
        request = RequestsOpenAPIRequest(response.request)
        self.openapi.validate_response(request, RequestsOpenAPIResponse(response))


@pytest.fixture
def published(built_site: Path, mock: MockCliniko) -> dict[str, Any]:
    """The published JSON, pointed at the session's mock."""
    return served_from(mock.base_url, json.loads((built_site / "openapi.json").read_text(encoding="utf-8")))


@pytest.fixture
def session(mock: MockCliniko) -> requests.Session:
    with requests.Session() as session:
        session.verify = str(mock.ca_file)
        yield session


def test_a_client_made_from_the_published_description_works_once_the_key_is_set(
    published: dict[str, Any], session: requests.Session
) -> None:
    without_key = DescribedClient(published, None, session)
    refused = without_key.request("getUser")
    assert refused.status_code == 401
    without_key.check(refused)

    client = DescribedClient(published, ADMIN_KEY_A, session)
    user = client.request("getUser")
    assert user.status_code == 200, user.text
    client.check(user)

    listed = client.request("listPatients", params={"per_page": 2})
    assert listed.status_code == 200 and len(listed.json()["patients"]) == 2
    client.check(listed)

    created = client.request("createPatient", json={"first_name": "Ada", "last_name": "Lovelace"})
    assert created.status_code == 201, created.text
    client.check(created)
    patient_id = created.json()["id"]
    for operation_id, kwargs in (
        ("getPatient", {}),
        ("updatePatient", {"json": {"title": "Dr"}}),
        ("patchPatient", {"json": {"email": "ada@example.com"}}),
        ("archivePatient", {}),
        ("unarchivePatient", {}),
    ):
        response = client.request(operation_id, path={"id": patient_id}, **kwargs)
        assert response.status_code in (200, 204), (operation_id, response.text)
        client.check(response)
    for operation_id in ("listArchivedPatients", "listDeletedPatients"):
        response = client.request(operation_id, params={"per_page": 2})
        assert response.status_code == 200 and response.json()["patients"], (operation_id, response.text)
        client.check(response)


def test_the_check_catches_a_response_the_description_does_not_allow(
    published: dict[str, Any], session: requests.Session
) -> None:
    """The client's check can fail: a description whose user's `email` is a number refuses the real one."""
    published["components"]["schemas"]["User"]["properties"]["email"] = {"type": "integer"}
    client = DescribedClient(published, ADMIN_KEY_A, session)
    response = client.request("getUser")
    with pytest.raises(Exception, match="email|integer"):
        client.check(response)


# Statuses fuzzing cannot provoke -------------------------------------------------------------------


def _provoke(client: DescribedClient, controls: Controls, status: int, patient: str) -> list[requests.Response]:
    """Requests that each get `status`, made with the help of the mock's controls where needed."""
    if status == 304:
        first = client.request("getUser")
        return [
            client.request("getUser", headers={"If-None-Match": first.headers["ETag"]}),
            client.request("getPatient", path={"id": patient}, headers={"If-None-Match": "*"}),
            client.request("listPatients", headers={"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}),
        ]
    if status == 403:
        return [
            client.request("createPatient", json={"first_name": "A", "last_name": "B"}),
            client.request("updatePatient", path={"id": patient}, json={}),
            client.request("archivePatient", path={"id": patient}),
        ]
    if status == 406:
        return [client.request("getUser", headers={"Accept": "text/html"})]
    if status == 412:
        stale = {"If-Match": '"a tag the patient does not have"', "Content-Type": "application/json"}
        return [
            client.request("updatePatient", path={"id": patient}, headers=stale, json={"title": "Dr"}),
            client.request("archivePatient", path={"id": patient}, headers=stale),
            client.request("unarchivePatient", path={"id": patient}, headers={"If-Unmodified-Since": "Sun, 01 Jan 2023 00:00:00 GMT"}),
        ]
    if status == 413:
        return [client.request("createPatient", data=b"{" + b" " * MAX_BODY_BYTES + b"}", headers={"Content-Type": "application/json"})]
    if status == 415:
        return [client.request("createPatient", data="first_name=A", headers={"Content-Type": "application/x-www-form-urlencoded"})]
    if status == 429:
        controls.set_remaining(ACCOUNT_A, 0)
        return [client.request("listPatients"), client.request("archivePatient", path={"id": patient})]
    if status == 431:
        padding = {"X-Padding": "p" * MAX_HEAD_BYTES}
        return [client.request("getUser", headers=padding), client.request("archivePatient", path={"id": patient}, headers=padding)]
    if status == 503:
        controls.fail_next(2)
        return [client.request("getUser"), client.request("createPatient", json={})]
    raise AssertionError(f"no way to provoke {status}")


@pytest.mark.parametrize("status", [304, 403, 406, 412, 413, 415, 429, 431, 503])
def test_statuses_only_the_controls_can_provoke_conform(
    published: dict[str, Any], session: requests.Session, controls: Controls, status: int
) -> None:
    key = BOOKKEEPER_KEY_A if status == 403 else ADMIN_KEY_A
    client = DescribedClient(published, key, session)
    patient = "1240000000000000001"
    for response in _provoke(client, controls, status, patient):
        assert response.status_code == status, (response.request.method, response.request.url, response.text)
        client.check(response)
