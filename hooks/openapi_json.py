"""MkDocs hook: publish the OpenAPI description as JSON too, converted from `docs/openapi.yaml` at build time.

The YAML file is the one source; the JSON twin exists only in the built site, so the two can never
disagree and nothing is committed twice. It is added as a generated file (not written after the build),
so that pages can link to `openapi.json` and the strict build checks those links like any other. The
description is read by the loader the reference tables and the tests use (`cliniko_docs.description`).
"""

from __future__ import annotations

import json
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from cliniko_docs.description import DescriptionError, load

SOURCE = "openapi.yaml"
TARGET = "openapi.json"


def on_files(files: Files, config: MkDocsConfig) -> Files:
    try:
        description = load(Path(config.docs_dir) / SOURCE)
    except DescriptionError as error:
        raise PluginError(str(error)) from None
    content = json.dumps(description, indent=2, ensure_ascii=False) + "\n"
    files.append(File.generated(config, TARGET, content=content))
    return files
