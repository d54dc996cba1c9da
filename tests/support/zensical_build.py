"""The site built with Zensical (`make build-zensical`): its environment, and a strict build.

Zensical lives in a virtual environment of its own, `.venv-zensical/`, made by the Makefile from
`requirements-zensical.lock`, so the tests make it the same way (`make .venv-zensical/...`): once,
then only when the lock file changes. Zensical writes its site inside the project's folder only
(it refuses a `site_dir` outside it), so the build goes to `site-zensical/`, as `make build-zensical`'s
does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from project import ROOT

ENVIRONMENT = ROOT / ".venv-zensical"
ENVIRONMENT_STAMP = ENVIRONMENT / ".installed-from-lock"
PYTHON = ENVIRONMENT / "bin" / "python"
SITE_DIR_NAME = "site-zensical"


class ZensicalUnavailable(RuntimeError):
    """Zensical's environment could not be made; the message says why."""


class ZensicalBuildError(RuntimeError):
    """`zensical build --strict` failed; the message is Zensical's own output."""


def ensure_environment() -> Path:
    """Make (or bring up to date) `.venv-zensical/` with the Makefile's rule; return its Python."""
    make = shutil.which("make")
    if make is None:
        raise ZensicalUnavailable("`make` is not installed; it makes Zensical's environment")
    try:
        result = subprocess.run(
            [make, "--no-print-directory", str(ENVIRONMENT_STAMP.relative_to(ROOT))],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
        )
    except subprocess.TimeoutExpired:
        raise ZensicalUnavailable("making .venv-zensical/ took more than 15 minutes") from None
    if result.returncode != 0 or not PYTHON.is_file():
        said = "\n".join(line for line in (result.stdout + result.stderr).splitlines() if "is ignored" not in line)
        raise ZensicalUnavailable(f"`make {ENVIRONMENT_STAMP.relative_to(ROOT)}` failed:\n{said}")
    return PYTHON


def build(project: Path, site_dir_name: str = SITE_DIR_NAME) -> subprocess.CompletedProcess[str]:
    """Run `zensical build --clean --strict` on `project`'s mkdocs.yml; the site goes to `project/site_dir_name`.

    The mkdocs.yml must read its `site_dir` from DOCS_SITE_DIR, as the project's does. The project's
    root goes on the path, for the `hooks.shortcodes` extension, also when `project` is another folder.
    """
    env = {
        **os.environ,
        "DOCS_SITE_DIR": site_dir_name,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
    }
    return subprocess.run(
        [str(PYTHON), "-m", "zensical", "build", "--clean", "--strict", "--config-file", "mkdocs.yml"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def build_site() -> Path:
    """Build the project's site with Zensical, strictly, into `site-zensical/`; return that folder."""
    result = build(ROOT)
    said = result.stdout + result.stderr
    site = ROOT / SITE_DIR_NAME
    if result.returncode != 0:
        raise ZensicalBuildError(f"zensical build --strict failed:\n{said}")
    if not (site / "sitemap.xml").is_file():
        raise ZensicalBuildError(f"zensical build wrote no {SITE_DIR_NAME}/sitemap.xml:\n{said}")
    return site
