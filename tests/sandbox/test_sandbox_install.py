"""`pip install <clone>` in a fresh virtual environment gives a working `cliniko-sandbox`.

What a reader does with the guide's sandbox, done once per run, far from the checkout:

* The checkout's files (what git lists: tracked and new files, without what .gitignore leaves out, such
  as .venv/, site/ and *.egg-info/) are copied to a temporary folder, which stands in for a clone. The
  work in progress is copied too, so the test checks the tree as it is, not the last commit.
* A new virtual environment is made in another temporary folder, and pip installs the copy into it: an
  ordinary, non-editable install, with the project's build back end fetched into pip's own isolated
  build environment. The venv is made without pip of its own (making one with pip takes seconds more),
  so the suite's pip installs into it (`pip --python`). The lock file pins the dependencies to the
  versions the suite runs with.
* Nothing runs in the checkout or sees it: each command runs in a temporary folder, with an environment
  that names no part of the checkout (no PYTHONPATH, which the Makefile points at src/, no VIRTUAL_ENV,
  no PATH entry inside it). The first test checks that the package is imported from the new venv.

Then the new venv's `cliniko-sandbox` is started as the guide says to start it, and clients given only
the variables it says to export (and PATH) call the API over HTTPS, with the certificate checked.
The tests of the options, the controls and the clock are in test_mock_hand_start.py, which runs the
script installed in the project's own (editable) environment.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from api_requests import USER_AGENT
from hand_started import EXPORTED, REQUESTS_CLIENT, HandStarted, curl_client, stop
from hand_started import start as _start_sandbox
from project import ROOT, in_ci

#: Making the venv and installing into it takes 4 to 7 s on this project's machines, most of it pip's own
#: work (resolving, setuptools building the wheel, unpacking); more on a busy machine or a slow network.
#: A step that takes longer fails with what it printed, well before pytest's own timeout would stop it.
INSTALL_TIMEOUT = 120

# One test process makes the venv and runs every test with it; each test may take as long as the install.
# Slow (left out of `make check`): pip installs the project into a fresh virtual environment.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("sandbox install"), pytest.mark.timeout(INSTALL_TIMEOUT + 60)]


@dataclass
class Installed:
    #: The new virtual environment's folder, its interpreter and the console script pip made in it.
    venv: Path
    python: Path
    sandbox: Path
    #: The environment every command here runs with: the test's own, less everything naming the checkout.
    environment: dict[str, str]
    #: Where the copy of the checkout is.
    copy: Path


def _outside_environment() -> dict[str, str]:
    """This process's environment with no trace of the checkout, so that nothing can be imported from it.

    PATH keeps its entries outside the checkout (an activated .venv puts one inside). Any other variable
    whose value names the checkout goes: PYTHONPATH, as the Makefile sets it, VIRTUAL_ENV, PWD.
    """
    root = str(ROOT)
    path = [
        entry
        for entry in os.environ.get("PATH", os.defpath).split(os.pathsep)
        if entry and not Path(entry).resolve().is_relative_to(ROOT)
    ]
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"PATH", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"} and root not in value
    }
    environment["PATH"] = os.pathsep.join(path)
    return environment


def _listed_files() -> list[str]:
    """What git would put in a clone of the work as it stands: tracked files and new ones it does not ignore."""
    git = shutil.which("git")
    if git is None:
        if in_ci():
            pytest.fail("git is missing")
        pytest.skip("git is not installed: it lists the files a clone would hold")
    completed = subprocess.run(
        [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        timeout=30,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(f"git ls-files failed in {ROOT}:\n{completed.stderr.decode(errors='replace')}")
    return [name for name in completed.stdout.decode().split("\0") if name]


def _copy_checkout(destination: Path) -> None:
    for name in _listed_files():
        source = ROOT / name
        if not source.is_file():  # deleted from the tree but not yet from git's index: a clone would lack it too
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)


def _run(command: list[str], environment: dict[str, str], cwd: Path, what: str) -> subprocess.CompletedProcess[str]:
    """Run a step of the install; fail the test with everything the step printed if it fails or hangs."""
    try:
        completed = subprocess.run(
            command,
            cwd=cwd,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        printed = expired.output.decode(errors="replace") if isinstance(expired.output, bytes) else expired.output
        pytest.fail(f"{what} took more than {INSTALL_TIMEOUT} s: {shlex.join(command)}\n{printed or ''}")
    if completed.returncode != 0:
        pytest.fail(f"{what} failed (exit status {completed.returncode}): {shlex.join(command)}\n{completed.stdout}")
    return completed


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A fresh venv, outside the checkout, into which pip has installed a copy of the checkout."""
    copy = tmp_path_factory.mktemp("clone")
    venv = tmp_path_factory.mktemp("reader-venv")
    elsewhere = tmp_path_factory.mktemp("install-cwd")
    for folder in (copy, venv, elsewhere):
        assert not folder.resolve().is_relative_to(ROOT), f"the temporary folder {folder} is inside the checkout"
    environment = _outside_environment()

    _copy_checkout(copy)
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], environment, elsewhere, "making the venv")
    python = venv / "bin" / "python"
    _run(
        [
            sys.executable, "-m", "pip", "--python", str(python), "install",
            "--disable-pip-version-check", "--no-input", "--quiet",
            # The copy's lock file, the same as the checkout's: the versions the suite itself runs with.
            "--constraint", str(copy / "requirements.lock"),
            str(copy),
        ],
        environment,
        elsewhere,
        "pip install of the copy",
    )
    return Installed(venv, python, venv / "bin" / "cliniko-sandbox", environment, copy)


def _start(installed: Installed, workdir: Path) -> Iterator[HandStarted]:
    """The new venv's `cliniko-sandbox`, started by its full path in `workdir`, writing its CA there too."""
    yield from _start_sandbox(workdir, program=installed.sandbox, env=installed.environment)


@pytest.fixture(scope="module")
def started(installed: Installed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HandStarted]:
    yield from _start(installed, tmp_path_factory.mktemp("sandbox-dir"))


@pytest.fixture
def own_started(installed: Installed, tmp_path: Path) -> Iterator[HandStarted]:
    """A sandbox of the test's own, for the test that stops it."""
    yield from _start(installed, tmp_path)


def _run_with_only(started: HandStarted, installed: Installed, command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a client whose environment holds the exported variables and PATH, nothing else, outside the checkout."""
    environment = {**started.exports, "PATH": installed.environment["PATH"]}
    return subprocess.run(
        command,
        cwd=started.stderr_path.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


# The install -------------------------------------------------------------------------------------


def test_the_packages_are_imported_from_the_new_venv_not_from_the_checkout(installed):
    script = (
        "import json, sysconfig, cliniko_sandbox, cliniko_docs\n"
        "print(json.dumps([sysconfig.get_path('purelib'), cliniko_sandbox.__file__, cliniko_docs.__file__]))\n"
    )

    completed = _run([str(installed.python), "-c", script], installed.environment, installed.venv, "importing")

    site_packages, *modules = (Path(path).resolve() for path in json.loads(completed.stdout))
    assert site_packages.is_relative_to(installed.venv.resolve())
    for module in modules:
        assert module.is_relative_to(site_packages), f"{module} is not in the new venv's {site_packages}"
        assert not module.is_relative_to(ROOT)
        assert not module.is_relative_to(installed.copy.resolve()), f"{module} is in the copy: an editable install?"


def test_the_console_script_says_the_projects_version(installed):
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]

    completed = _run([str(installed.sandbox), "--version"], installed.environment, installed.venv, "--version")

    assert completed.stdout == f"cliniko-sandbox {version}\n"


# What it prints ----------------------------------------------------------------------------------


def test_it_prints_one_export_line_for_each_variable_a_client_needs(started):
    export_lines = [line for line in started.printed if line.startswith("export ")]

    assert len(export_lines) == len(EXPORTED), export_lines
    assert set(started.exports) == EXPORTED
    assert started.exports["CLINIKO_API_URL"].startswith("https://127.0.0.1:")
    assert started.exports["CLINIKO_API_URL"].endswith("/v1")


def test_it_writes_its_ca_as_ca_pem_in_the_dir_it_is_given(started):
    ca_file = started.stderr_path.parent.resolve() / "ca.pem"

    assert {started.exports[name] for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS")} == {
        str(ca_file)
    }
    assert ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")


# Clients that have only the exported variables ---------------------------------------------------


def test_curl_with_only_the_exports_gets_the_user(started, installed):
    curl = shutil.which("curl", path=installed.environment["PATH"])
    if curl is None:
        if in_ci():
            pytest.fail("curl is missing")
        pytest.skip("curl is not installed")
    completed = _run_with_only(started, installed, ["/bin/sh", "-c", curl_client(curl)])

    assert completed.returncode == 0, completed.stderr
    body, _, status = completed.stdout.rpartition("\n")
    assert status == "200"
    assert json.loads(body)["role"] == "administrator"


def test_requests_with_only_the_exports_gets_the_user_without_a_verify_argument(started, installed):
    # The new venv has no requests (the sandbox does not need it): the suite's own interpreter has.
    completed = _run_with_only(started, installed, [sys.executable, "-c", REQUESTS_CLIENT])

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "200 administrator"


def test_the_new_venvs_python_with_only_the_exports_gets_the_user(started, installed):
    """The standard library's default TLS settings, which trust the CA that SSL_CERT_FILE names."""
    script = (
        "import base64, json, os, urllib.request\n"
        "key = base64.b64encode((os.environ['CLINIKO_API_KEY'] + ':').encode()).decode()\n"
        "request = urllib.request.Request(\n"
        "    os.environ['CLINIKO_API_URL'] + '/user',\n"
        "    headers={'Authorization': 'Basic ' + key, 'Accept': 'application/json',\n"
        f"             'User-Agent': {USER_AGENT!r}}},\n"
        ")\n"
        "with urllib.request.urlopen(request, timeout=10) as response:\n"
        "    print(response.status, json.load(response)['role'])\n"
    )

    completed = _run_with_only(started, installed, [str(installed.python), "-c", script])

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "200 administrator"


# Stopping ----------------------------------------------------------------------------------------


def test_ctrl_c_stops_it_with_exit_status_0_and_no_traceback(own_started):
    returncode = stop(own_started.process)

    assert returncode == 0
    assert "Traceback" not in own_started.stderr_path.read_text()
