"""MkDocs hook: publish the Python client, `snippets/cliniko_client.py`, with the site, as `cliniko_client.py`.

The client page offers it as the download, so a copy of the site (offline, or on a mirror) carries it
too. The file under `snippets/` stays the one source: the build copies it unchanged, and the tests that
run it and its docstrings test what readers download. It is added as a file of the site (not written
after the build), so the strict build checks the page's link to it like any other.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

#: The client, relative to the folder of mkdocs.yml.
SOURCE = Path("snippets") / "cliniko_client.py"
#: Where the built site serves it, relative to the site's root.
TARGET = "cliniko_client.py"


def on_files(files: Files, config: MkDocsConfig) -> Files:
    source = Path(config.config_file_path).parent / SOURCE
    if not source.is_file():
        raise PluginError(f"cannot publish the Python client: {source} does not exist")
    files.append(File.generated(config, TARGET, abs_src_path=str(source)))
    return files
