"""axe-core, the accessibility engine the browser tests run in each page, pinned by version and hash.

axe-core is a JavaScript library published on the npm registry. The tests need one file of it,
`axe.min.js`, so instead of a JavaScript toolchain they download the release tarball once, check it
against the integrity hash npm publishes for that version, and keep the file inside the virtual
environment (`<venv>/share/axe-core/<version>/axe.min.js`). A later run uses that copy after checking
its own hash, so nothing is downloaded again and a changed file is never run.

To move to another release, print the lines to paste here:

    python tests/browser/axe_core.py --pin 4.15.0

and to download the pinned release ahead of time (`make test` does this):

    python tests/browser/axe_core.py
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

VERSION = "4.14.1"
#: `dist.integrity` of the release on the npm registry: the SHA-512 of the tarball.
TARBALL_INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
#: SHA-256 of `package/axe.min.js` inside that tarball, to check the copy kept on disk.
SCRIPT_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"

REGISTRY = "https://registry.npmjs.org"
MEMBER = "package/axe.min.js"
TIMEOUT = 60


class AxeCoreError(RuntimeError):
    """axe-core could not be downloaded, or what arrived is not the pinned release."""


def tarball_url(version: str = VERSION) -> str:
    return f"{REGISTRY}/axe-core/-/axe-core-{version}.tgz"


def cache_path(version: str = VERSION) -> Path:
    """Where the script is kept: inside the running virtual environment (or Python installation)."""
    return Path(sys.prefix) / "share" / "axe-core" / version / "axe.min.js"


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def _download(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 - a fixed https URL
            return response.read()
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise AxeCoreError(f"could not download {url}: {reason}") from error


def _script_from_tarball(data: bytes) -> bytes:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            member = archive.getmember(MEMBER)
            extracted = archive.extractfile(member)
            if extracted is None:
                raise KeyError(MEMBER)
            return extracted.read()
    except (tarfile.TarError, KeyError, OSError) as error:
        raise AxeCoreError(f"the axe-core {VERSION} tarball holds no readable {MEMBER}: {error}") from error


def fetch() -> Path:
    """Download the pinned release, check both hashes, and keep the script; return where it is."""
    version, integrity, script_sha256 = VERSION, TARBALL_INTEGRITY, SCRIPT_SHA256
    url = tarball_url(version)
    data = _download(url)
    got = _integrity(data)
    if got != integrity:
        raise AxeCoreError(f"{url} does not match its pinned integrity: expected {integrity}, got {got}")
    script = _script_from_tarball(data)
    digest = hashlib.sha256(script).hexdigest()
    if digest != script_sha256:
        raise AxeCoreError(f"{MEMBER} of axe-core {version} has SHA-256 {digest}, not the pinned {script_sha256}")
    target = cache_path(version)
    partial_name = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed, so that a reader never sees half a file.
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".axe-", delete=False) as partial:
            partial_name = partial.name
            partial.write(script)
        os.replace(partial_name, target)
    except OSError as error:
        if partial_name is not None:
            Path(partial_name).unlink(missing_ok=True)
        raise AxeCoreError(f"could not keep axe-core {version} at {target}: {error}") from error
    return target


def script() -> str:
    """The text of the pinned `axe.min.js`, downloaded first if this environment has no good copy."""
    path = cache_path(VERSION)
    if path.is_file():
        kept = path.read_bytes()
        if hashlib.sha256(kept).hexdigest() == SCRIPT_SHA256:
            return kept.decode("utf-8")
    return fetch().read_text(encoding="utf-8")


def pin(version: str) -> str:
    """The constants above for another release, read from the registry and the tarball itself."""
    metadata_url = f"{REGISTRY}/axe-core/{version}"
    try:
        metadata = json.loads(_download(metadata_url))
        integrity = metadata["dist"]["integrity"]
    except (ValueError, KeyError, TypeError) as error:
        raise AxeCoreError(f"{metadata_url} gave no dist.integrity: {error}") from error
    data = _download(tarball_url(version))
    if _integrity(data) != integrity:
        raise AxeCoreError(f"the tarball of axe-core {version} does not match the registry's integrity")
    digest = hashlib.sha256(_script_from_tarball(data)).hexdigest()
    return f'VERSION = "{version}"\nTARBALL_INTEGRITY = "{integrity}"\nSCRIPT_SHA256 = "{digest}"'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Download the pinned axe-core, or print the pins of a release.")
    parser.add_argument("--pin", metavar="VERSION", help="print the lines that pin this release instead")
    args = parser.parse_args(argv)
    try:
        if args.pin:
            print(pin(args.pin))
        else:
            script()
            print(f"axe-core {VERSION}: {cache_path()}")
    except AxeCoreError as error:
        print(f"axe-core: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
