"""The Node.js tools the guide runs on its OpenAPI description, pinned, and installed on first use.

`tools/node/package.json` names them at exact versions: Redocly CLI and Spectral, the two linters;
openapi-to-postmanv2, which makes the Postman collection; newman, which runs a collection; and seedrandom,
which makes the converter's invented values repeatable. `tools/node/package-lock.json` pins every package
they bring, each with the integrity hash npm checks as it installs.

`install()` runs `npm ci` on those two files into a folder inside the running virtual environment,
`<venv>/share/cliniko-node-tools/<hash>/`, where `<hash>` begins the SHA-256 of the two files: a changed
lock installs afresh into a folder of its own, and the folders of other locks are then removed. The
install happens once, under a file lock, so that when the tests run in several processes one of them
installs while the others wait, then use what it installed. A folder gets its final name only once
`npm ci` has finished, so a half-done install is never taken for a finished one.

Install scripts are not run (`--ignore-scripts`): the tools work without them. Before the tools are
used, the installed `semver` checks that `node` is a release the `engines` field of
`tools/node/package.json` admits, so that too old a Node.js is one clear error rather than a tool's
crash. (npm's own `--engine-strict` would also hold each package to the npm release it names, which
Debian's npm does not meet, though only the install uses npm.)

To move a tool to another release, change its version in `tools/node/package.json` and, in that folder,
run `npm install --package-lock-only --ignore-scripts`; the next run installs the new lock. To install
ahead of time: `python -m cliniko_docs.node_tools`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from filelock import FileLock

#: The root of the repository; the tools are pinned in a folder of it, not in the installed package.
ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "tools" / "node"
PINNED_FILES = ("package.json", "package-lock.json")
#: How long `npm ci` may take (it downloads about 400 packages the first time).
INSTALL_TIMEOUT = 600


class NodeToolsError(RuntimeError):
    """The tools could not be installed."""


class NodeMissing(NodeToolsError):
    """`node` or `npm` is not on the PATH, or `node` is a release the tools do not support."""


def node() -> str:
    """The path of `node`, or NodeMissing."""
    found = shutil.which("node")
    if found is None:
        raise NodeMissing("node is not on the PATH: the OpenAPI tools need Node.js (20.19 or later) and npm")
    return found


def _npm() -> str:
    found = shutil.which("npm")
    if found is None:
        raise NodeMissing("npm is not on the PATH: the OpenAPI tools are installed with it")
    return found


def store() -> Path:
    """Where installs are kept: inside the running virtual environment (or Python installation)."""
    return Path(sys.prefix) / "share" / "cliniko-node-tools"


def lock_hash() -> str:
    """The first 16 hex digits of the SHA-256 of the pinned files, which names the folder of an install."""
    digest = hashlib.sha256()
    for name in PINNED_FILES:
        path = PROJECT / name
        try:
            digest.update(path.read_bytes())
        except OSError as error:
            raise NodeToolsError(f"cannot read {path}: {error.strerror or error}") from error
    return digest.hexdigest()[:16]


def environment() -> dict[str, str]:
    """The environment to run the tools in: this one, with the Redocly CLI's telemetry and update check off.

    The tests run the tools offline; nothing they do should reach a server of the tools' makers.
    """
    env = dict(os.environ)
    env["REDOCLY_TELEMETRY"] = "off"
    env["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true"
    env["NO_UPDATE_NOTIFIER"] = "1"
    return env


def install() -> Path:
    """The folder whose `node_modules/` holds the pinned tools, after installing them if needed."""
    node()
    npm = _npm()
    target = store() / lock_hash()
    if _complete(target):
        _check_node_release(target)
        return target
    try:
        store().mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise NodeToolsError(f"cannot create {store()}: {error.strerror or error}") from error
    with FileLock(str(store() / ".install.lock")):
        if not _complete(target):  # another process may have installed it while this one waited
            _npm_ci(npm, target)
            _remove_others(target)
    _check_node_release(target)
    return target


def bin_path(name: str) -> Path:
    """The command `name` of the installed tools (`redocly`, `spectral`, `newman`, ...)."""
    path = install() / "node_modules" / ".bin" / name
    if not path.exists():
        raise NodeToolsError(f"the pinned Node.js tools have no command {name!r} (looked for {path})")
    return path


def node_modules() -> Path:
    return install() / "node_modules"


def _complete(folder: Path) -> bool:
    return (folder / "node_modules" / ".package-lock.json").is_file()


@functools.cache
def _check_node_release(folder: Path) -> None:
    """Raise NodeMissing unless `node` is a release that the pinned project's `engines` admits."""
    try:
        wanted = json.loads((PROJECT / "package.json").read_text(encoding="utf-8"))["engines"]["node"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise NodeToolsError(f"{PROJECT / 'package.json'} names no Node.js release in engines.node: {error}") from error
    version = subprocess.run([node(), "--version"], capture_output=True, text=True, env=environment()).stdout.strip()
    check = [node(), str(folder / "node_modules" / "semver" / "bin" / "semver.js"), "--range", wanted, version]
    if subprocess.run(check, capture_output=True, text=True, env=environment()).returncode != 0:
        raise NodeMissing(
            f"node {version or '(no version)'} is not a release the OpenAPI tools support: they need {wanted} "
            f"(engines.node in {PROJECT.relative_to(ROOT)}/package.json)"
        )


def _npm_ci(npm: str, target: Path) -> None:
    partial = Path(tempfile.mkdtemp(dir=store(), prefix=f".{target.name}-"))
    try:
        for name in PINNED_FILES:
            shutil.copyfile(PROJECT / name, partial / name)
        command = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
        try:
            result = subprocess.run(
                command, cwd=partial, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, env=environment()
            )
        except subprocess.TimeoutExpired as error:
            raise NodeToolsError(f"npm ci did not finish in {INSTALL_TIMEOUT} s") from error
        if result.returncode != 0:
            said = (result.stderr.strip() or result.stdout.strip()).splitlines()[-15:]
            raise NodeToolsError(
                f"npm ci of {PROJECT.relative_to(ROOT)} failed (exit {result.returncode}):\n" + "\n".join(said)
            )
        if target.exists():  # an install that did not finish, or was damaged since
            shutil.rmtree(target)
        partial.chmod(0o755)  # mkdtemp makes a folder only its owner may read
        os.replace(partial, target)
    except OSError as error:
        raise NodeToolsError(f"cannot install the Node.js tools into {target}: {error}") from error
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _remove_others(kept: Path) -> None:
    """Remove the installs of other locks, and what an interrupted install left behind."""
    for folder in store().iterdir():
        if folder.is_dir() and folder != kept:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    try:
        folder = install()
    except NodeToolsError as error:
        print(f"node tools: {error}", file=sys.stderr)
        return 1
    print(f"Node.js tools of {PROJECT.relative_to(ROOT)}: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
