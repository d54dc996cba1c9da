"""MkDocs hook: publish the OpenAPI description as JSON too, converted from `docs/openapi.yaml` at build time.

The YAML file is the one source; the JSON twin exists only in the built site, so the two can never
disagree and nothing is committed twice. It is added as a generated file (not written after the build),
so that pages can link to `openapi.json` and the strict build checks those links like any other.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SOURCE = "openapi.yaml"
TARGET = "openapi.json"


def on_files(files: Files, config: MkDocsConfig) -> Files:
    source = Path(config.docs_dir) / SOURCE
    try:
        # libyaml's loader when PyYAML has it: the same safe loading, several times faster than PyYAML's own.
        description = yaml.load(source.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    except (OSError, yaml.YAMLError) as error:
        raise PluginError(f"cannot read the OpenAPI description {source}: {error}") from None
    if not isinstance(description, dict) or "openapi" not in description:
        raise PluginError(f"{source} is not an OpenAPI description (no top-level `openapi` field)")
    content = json.dumps(description, indent=2, ensure_ascii=False) + "\n"
    files.append(File.generated(config, TARGET, content=content))
    return files
