"""A Python client generated from `docs/openapi.yaml` with openapi-python-client, as a reader makes one.

The OpenAPI page gives readers the command, written inline: `openapi-python-client generate --url
<site>/openapi.json`. `generate` reads that command from the page and runs it in an empty folder, with
the published address swapped for the description in this repository (the site serves the same
description as JSON, made from the YAML file). Nothing else is changed: the generator runs its own
formatting steps (ruff, from this environment), so the code is the code a reader gets.

`shared()` generates once per process, on first use, into a temporary folder that lives as long as the
process: the test that drives every operation (`test_generated_client.py`) and the examples that import
the generated package (`example_runner`, through `imported_by`) use the same one.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from project import DOCS, MKDOCS_YML

PAGE = DOCS / "openapi.md"
DESCRIPTION = DOCS / "openapi.yaml"
#: The package the generator makes from the description's title ("Cliniko API"); the examples import it.
PACKAGE = "cliniko_api_client"
#: The command as the page writes it, in an inline code span.
COMMAND = re.compile(r"`(openapi-python-client generate [^`]+)`")
#: How long the generator may take; it needs about a second.
TIMEOUT_SECONDS = 120


class GenerationError(RuntimeError):
    """The page's command cannot be read, or the generator failed; the message says which and why."""


@dataclass(frozen=True)
class Generated:
    """A generated client: the project folder the generator made, its package and what it printed."""

    root: Path
    package: str
    output: str
    seconds: float

    def left_out(self, method: str, path: str) -> str | None:
        """The generator's warning that it did not generate `METHOD path`, or None if it gave none."""
        marker = f"WARNING parsing {method.upper()} {path} within"
        start = self.output.find(marker)
        if start < 0:
            return None
        # The warning runs to the next one, or to the next blank-line-separated paragraph after its reason.
        paragraphs = [part.strip() for part in self.output[start:].split("\n\n") if part.strip()]
        return " ".join(paragraphs[:2])


def published_description_url() -> str:
    """The address of `openapi.json` on the published site, from mkdocs.yml's `site_url`."""
    match = re.search(r"^site_url:\s*(\S+)\s*$", MKDOCS_YML.read_text(encoding="utf-8"), re.MULTILINE)
    if not match:
        raise GenerationError(f"{MKDOCS_YML.name} has no site_url")
    return match.group(1).rstrip("/") + "/openapi.json"


def page_command(page: Path = PAGE) -> list[str]:
    """The generate command the page gives readers, split into words; it must name the published JSON."""
    found = COMMAND.findall(page.read_text(encoding="utf-8"))
    if len(found) != 1:
        raise GenerationError(
            f"{page.name} should give the generate command once, as `openapi-python-client generate --url ...`; "
            f"found it {len(found)} times"
        )
    words = shlex.split(found[0])
    if words.count("--url") != 1 or words.index("--url") + 1 >= len(words):
        raise GenerationError(f"{page.name}: the generate command {found[0]!r} has no --url with an address")
    url = words[words.index("--url") + 1]
    if url != published_description_url():
        raise GenerationError(
            f"{page.name}: the generate command reads {url}, not the published description {published_description_url()}"
        )
    return words


def generate(folder: Path, page: Path = PAGE, description: Path = DESCRIPTION) -> Generated:
    """Run the page's command in `folder` (which must be empty), reading `description` instead of the URL.

    The generator and the ruff it formats with come from this interpreter's environment.
    """
    words = page_command(page)
    at = words.index("--url")
    words[at : at + 2] = ["--path", str(description)]
    tools = str(Path(sys.executable).parent)
    search_path = os.pathsep.join([tools, os.environ.get("PATH", "")])
    executable = shutil.which(words[0], path=search_path)
    if executable is None:
        raise GenerationError(f"{words[0]} is not installed here; install the test extra (requirements.lock)")
    started = time.perf_counter()
    completed = subprocess.run(
        [executable, *words[1:]],
        cwd=folder,
        env={**os.environ, "PATH": search_path},
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    seconds = time.perf_counter() - started
    output = completed.stdout + completed.stderr
    if completed.returncode != 0:
        raise GenerationError(f"{words[0]} exited with {completed.returncode}:\n{output}")
    projects = [child for child in folder.iterdir() if child.is_dir()]
    if len(projects) != 1:
        raise GenerationError(f"{words[0]} made {len(projects)} folders in {folder}, not one project:\n{output}")
    packages = [child.name for child in projects[0].iterdir() if (child / "__init__.py").is_file()]
    if packages != [PACKAGE]:
        raise GenerationError(f"{words[0]} made the package(s) {packages}, where the examples import {PACKAGE}")
    return Generated(projects[0], PACKAGE, output, seconds)


def shared() -> Generated:
    """The client generated for this process, made on first use; its folder is removed when the process ends.

    Examples run side by side from several threads (`test_examples_robust`): the first caller generates,
    the others wait for it.
    """
    with _shared_lock:
        if not _shared:
            folder = tempfile.TemporaryDirectory(prefix="generated-client-")
            # Kept referenced for the life of the process: the folder goes when it is collected at exit.
            _shared.append((folder, generate(Path(folder.name))))
        return _shared[0][1]


_shared: list[tuple[tempfile.TemporaryDirectory[str], Generated]] = []
_shared_lock = threading.Lock()


def imported_by(example: Path) -> bool:
    """Whether an example (a Python file) imports the generated package."""
    if example.suffix != ".py":
        return False
    return re.search(rf"^\s*(from|import)\s+{PACKAGE}\b", example.read_text(encoding="utf-8"), re.MULTILINE) is not None
