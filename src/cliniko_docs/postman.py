"""The Postman collection the site publishes, made from `docs/openapi.yaml`: `make postman`.

openapi-to-postmanv2 (pinned in `tools/node/`, run through `tools/node/openapi-to-postman.cjs`) converts
the description with example-based parameters (`parametersResolution: Example`): each parameter takes
the example the description gives, where the default would make a value up from its schema. Optional
parameters are left in each request but switched off (`enableOptionalParameters: false`): switched on,
a header such as `If-Match` would go out with a made-up value, and every change would be refused. These
are the two settings the OpenAPI page tells a reader to choose when importing the YAML file; every other
option keeps its default. Then this module sets up what a reader needs, and nothing else:

* two collection variables: `baseUrl`, the description's first server, and `apiKey`, empty;
* Basic authentication for the whole collection, `{{apiKey}}` as the user name and an empty password.

The converter gives the collection, each request and each saved response an ID drawn at random; they
are replaced by IDs made from names (UUID version 5), so that converting the same description again
writes the same file. (The values the converter makes up are repeatable too: the script in `tools/node/`
seeds its random numbers.) `tests/contract/test_reader_tools.py` converts again and compares with the committed
file, and runs the committed collection with newman against the sandbox.

    python -m cliniko_docs.postman
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any


from cliniko_docs import node_tools
from cliniko_docs.description import DescriptionError
from cliniko_docs.description import load as load_description

ROOT = node_tools.ROOT
DESCRIPTION = ROOT / "docs" / "openapi.yaml"
COLLECTION = ROOT / "docs" / "cliniko-api.postman_collection.json"
SCRIPT = node_tools.PROJECT / "openapi-to-postman.cjs"
#: The converter's options: the two the OpenAPI page tells a reader to choose when importing the YAML file.
READER_OPTIONS: Mapping[str, Any] = {"parametersResolution": "Example", "enableOptionalParameters": False}
#: How long one conversion may take (it takes under a second).
TIMEOUT = 120
#: The namespace of the IDs made from names: the address the site publishes the collection at.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://cliniko.github.io/cliniko-api/cliniko-api.postman_collection.json")


class PostmanError(RuntimeError):
    """The collection could not be made; the message says why, in one line where it can."""


def convert(description: Path = DESCRIPTION, options: Mapping[str, Any] = READER_OPTIONS) -> dict[str, Any]:
    """The collection openapi-to-postmanv2 makes of `description` with `options`, as the converter gives it."""
    env = node_tools.environment()
    env["NODE_PATH"] = str(node_tools.node_modules())
    command = [node_tools.node(), str(SCRIPT), str(description), json.dumps(dict(options))]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=env)
    except subprocess.TimeoutExpired as error:
        raise PostmanError(f"converting {description} took longer than {TIMEOUT} s") from error
    if result.returncode != 0:
        raise PostmanError(result.stderr.strip() or f"the converter failed with exit code {result.returncode}")
    try:
        collection = json.loads(result.stdout)
    except ValueError as error:
        raise PostmanError(f"the converter printed no JSON collection: {error}") from error
    if not isinstance(collection, dict) or not isinstance(collection.get("item"), list):
        raise PostmanError("the converter printed JSON that is not a Postman collection")
    return collection


def first_server(description: Path = DESCRIPTION) -> str:
    """The URL of the description's first server: the base URL a reader starts with."""
    try:
        document = load_description(description)
    except DescriptionError as error:
        raise PostmanError(str(error)) from None
    servers = document.get("servers") if isinstance(document, dict) else None
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict) or not servers[0].get("url"):
        raise PostmanError(f"{description} names no server, so the collection would have no base URL")
    return str(servers[0]["url"])


def set_up(collection: Mapping[str, Any], base_url: str) -> dict[str, Any]:
    """A copy of a converted collection with the two variables, the authentication and the stable IDs."""
    ready: dict[str, Any] = json.loads(json.dumps(collection))
    ready["variable"] = [
        {
            "key": "baseUrl",
            "value": base_url,
            "type": "string",
            "description": "The API's base URL. Change it to your shard's URL if your account is on another shard.",
        },
        {
            "key": "apiKey",
            "value": "",
            "type": "string",
            "description": "Your Cliniko API key. Every request sends it as the user name of Basic authentication.",
        },
    ]
    ready["auth"] = {
        "type": "basic",
        "basic": [
            {"key": "username", "value": "{{apiKey}}", "type": "string"},
            {"key": "password", "value": "", "type": "string"},
        ],
    }
    name = str(ready.get("info", {}).get("name", ""))
    if isinstance(ready.get("info"), dict):
        ready["info"]["_postman_id"] = str(uuid.uuid5(ID_NAMESPACE, name))
    _stable_ids(ready["item"], name)
    return ready


def _stable_ids(items: list[Any], parent: str) -> None:
    """Give each item and saved response that has an ID one made from its names and its parent's."""
    seen: Counter[str] = Counter()
    for item in items:
        if not isinstance(item, dict):
            continue
        key = f"{parent}/{item.get('name', '')}"
        seen[key] += 1
        if seen[key] > 1:
            key = f"{key}#{seen[key]}"
        if "id" in item:
            item["id"] = str(uuid.uuid5(ID_NAMESPACE, key))
        _stable_ids(item.get("item") or [], key)
        responses: Counter[str] = Counter()
        for response in item.get("response") or []:
            if isinstance(response, dict) and "id" in response:
                response_key = f"{key} -> {response.get('code', '')} {response.get('name', '')}"
                responses[response_key] += 1
                response["id"] = str(uuid.uuid5(ID_NAMESPACE, f"{response_key}#{responses[response_key]}"))


def render(collection: Mapping[str, Any]) -> str:
    """The collection as the committed file holds it."""
    return json.dumps(collection, indent=2) + "\n"


def build(description: Path = DESCRIPTION) -> str:
    """The text of the published collection, made from `description`."""
    base_url = first_server(description)
    return render(set_up(convert(description, READER_OPTIONS), base_url))


def write(text: str, target: Path = COLLECTION) -> None:
    """Replace `target` with `text` in one step, so that a failed write leaves the old file whole."""
    partial = None
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}-", delete=False
        ) as handle:
            partial = handle.name
            handle.write(text)
        os.chmod(partial, 0o644)  # a temporary file is private to its owner; the site publishes this one
        os.replace(partial, target)
    except OSError as error:
        if partial is not None:
            Path(partial).unlink(missing_ok=True)
        raise PostmanError(f"cannot write {target}: {error.strerror or error}") from error


def main() -> int:
    try:
        write(build())
    except (PostmanError, node_tools.NodeToolsError) as error:
        print(f"postman: {error}", file=sys.stderr)
        return 1
    print(f"wrote {COLLECTION.relative_to(ROOT)} from {DESCRIPTION.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
