"""The hand-started sandbox (`cliniko-sandbox`, `make mock`): its start-up, its exports, its options, its clock rule."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from api_requests import USER_AGENT
from cliniko_sandbox.clock import START
from cliniko_sandbox.contract import RATE_LIMIT, RATE_LIMIT_WINDOW_SECONDS
from hand_started import (
    EXPORTED,
    REQUESTS_CLIENT,
    HandStarted,
    curl_client,
    free_port_pair,
    port_is_free,
    run_to_exit,
    start,
    stop,
)
from project import in_ci

# Slow (left out of `make check`): the sandbox command, started in processes of its own.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hand_started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HandStarted]:
    yield from start(tmp_path_factory.mktemp("hand-started"))


@pytest.fixture
def own_hand_started(tmp_path: Path) -> Iterator[HandStarted]:
    """A hand-started mock of the test's own, for a test that stops it."""
    yield from start(tmp_path)


def test_a_port_pair_taken_before_the_mock_binds_it_is_chosen_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race `start` allows for: the pair it probed is taken by the time the mock binds it."""
    import hand_started

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        pairs = iter([taken, free_port_pair()])
        monkeypatch.setattr(hand_started, "free_port_pair", lambda: next(pairs))
        started = start(tmp_path)
        mock = next(started)
        try:
            url = mock.exports["CLINIKO_API_URL"]
            assert urlsplit(url).port not in (None, taken)
            answer = requests.get(
                url + "/user", headers={"User-Agent": USER_AGENT}, verify=mock.exports["SSL_CERT_FILE"], timeout=10
            )
            assert answer.status_code == 401  # it answers: no key was given
        finally:
            started.close()


def _run_with_only(exports: dict[str, str], command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a client with nothing in its environment but what the mock told us to export."""
    return subprocess.run(command, env=dict(exports), capture_output=True, text=True, timeout=30, check=False)


# What it prints ----------------------------------------------------------------------------------


def test_prints_export_lines_for_every_variable_a_client_needs(hand_started):
    assert set(hand_started.exports) == EXPORTED
    assert hand_started.exports["CLINIKO_API_URL"].startswith("https://127.0.0.1:")
    assert hand_started.exports["CLINIKO_API_URL"].endswith("/v1")


def test_writes_its_ca_to_the_dir_it_is_given(hand_started):
    ca_file = Path(hand_started.exports["REQUESTS_CA_BUNDLE"])

    assert ca_file.name == "ca.pem"
    assert ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert hand_started.exports["SSL_CERT_FILE"] == hand_started.exports["CURL_CA_BUNDLE"] == str(ca_file)
    assert hand_started.exports["NODE_EXTRA_CA_CERTS"] == str(ca_file)
    assert ca_file.parent.name.startswith("hand-started")


# Clients that have only the exported variables ---------------------------------------------------

#: A Python client that reads only the exported variables (requests finds the CA in REQUESTS_CA_BUNDLE)
#: and prints the status and the role of `GET /user`. test_sandbox_install.py runs it too.
def test_curl_with_only_the_exports_gets_the_user(hand_started):
    curl = shutil.which("curl")
    if curl is None:
        if in_ci():
            pytest.fail("curl is missing")
        pytest.skip("curl is not installed")
    completed = _run_with_only(hand_started.exports, ["/bin/sh", "-c", curl_client(curl)])

    assert completed.returncode == 0, completed.stderr
    body, _, status = completed.stdout.rpartition("\n")
    assert status == "200"
    assert json.loads(body)["role"] == "administrator"


def test_requests_with_only_the_exports_gets_the_user_without_a_verify_argument(hand_started):
    completed = _run_with_only(hand_started.exports, [sys.executable, "-c", REQUESTS_CLIENT])

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "200 administrator"


def test_a_client_without_the_exported_ca_is_refused(hand_started):
    exports = {name: value for name, value in hand_started.exports.items() if "CA_BUNDLE" not in name}
    exports.pop("SSL_CERT_FILE")
    script = (
        "import os, requests\n"
        "try:\n"
        "    requests.get(os.environ['CLINIKO_API_URL'] + '/user', timeout=10)\n"
        "except requests.exceptions.SSLError:\n"
        "    print('refused')\n"
    )

    completed = _run_with_only(exports, [sys.executable, "-c", script])

    assert completed.stdout.strip() == "refused", completed.stderr


# The clock rule ----------------------------------------------------------------------------------


def _control(hand_started: HandStarted, path: str, **params: str) -> requests.Response:
    exports = hand_started.exports
    return requests.post(
        f"{exports['CLINIKO_MOCK_CONTROL_URL']}{path}", params=params, verify=exports["REQUESTS_CA_BUNDLE"], timeout=10
    )


def _api(hand_started: HandStarted, method: str, url: str) -> requests.Response:
    """A request to the hand-started mock, sent as the examples send it, with only the exported settings."""
    exports = hand_started.exports
    return requests.request(
        method,
        url,
        auth=(exports["CLINIKO_API_KEY"], ""),
        headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        verify=exports["REQUESTS_CA_BUNDLE"],
        timeout=10,
    )


def test_spending_the_quota_by_hand_never_locks_you_out(hand_started):
    exports = hand_started.exports
    ca = exports["REQUESTS_CA_BUNDLE"]
    _control(hand_started, "/reset").raise_for_status()
    auth = (exports["CLINIKO_API_KEY"], "")
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    url = f"{exports['CLINIKO_API_URL']}/user"

    with requests.Session() as session:
        statuses = [
            session.get(url, auth=auth, headers=headers, verify=ca, timeout=10).status_code for _ in range(RATE_LIMIT)
        ]
        refused = session.get(url, auth=auth, headers=headers, verify=ca, timeout=10)
        retried = session.get(url, auth=auth, headers=headers, verify=ca, timeout=10)

    window_end = (int(START.timestamp()) // RATE_LIMIT_WINDOW_SECONDS + 1) * RATE_LIMIT_WINDOW_SECONDS
    assert set(statuses) == {200}
    assert refused.status_code == 429
    assert refused.headers["Date"] == "Thu, 15 Jan 2026 09:30:00 GMT"
    assert refused.headers["Retry-After"] == str(window_end - int(START.timestamp()))
    assert retried.status_code == 200
    assert retried.headers["Date"] == formatdate(window_end, usegmt=True)


def test_the_clock_stands_still_until_a_rate_limit(hand_started):
    _control(hand_started, "/reset").raise_for_status()
    user_url = f"{hand_started.exports['CLINIKO_API_URL']}/user"

    dates = {_api(hand_started, "GET", user_url).headers["Date"] for _ in range(3)}

    assert dates == {"Thu, 15 Jan 2026 09:30:00 GMT"}


def test_the_api_port_does_not_serve_the_controls(hand_started):
    api_origin = hand_started.exports["CLINIKO_API_URL"].removesuffix("/v1")

    response = _api(hand_started, "POST", f"{api_origin}/reset")

    assert response.status_code == 404
    assert "now" not in response.json()


# The control port --------------------------------------------------------------------------------


def test_control_port_moves_the_clock_and_resets_it(hand_started):
    # From the start of the clock, whatever the tests before it in this process left (a spent quota
    # moves the clock to the next minute).
    _control(hand_started, "/reset").raise_for_status()
    advanced = _control(hand_started, "/advance", seconds="30")
    date = _api(hand_started, "GET", f"{hand_started.exports['CLINIKO_API_URL']}/user").headers["Date"]
    reset = _control(hand_started, "/reset")

    assert advanced.json()["now"] == "2026-01-15T09:30:30Z"
    assert date == "Thu, 15 Jan 2026 09:30:30 GMT"
    assert reset.json()["now"] == "2026-01-15T09:30:00Z"


# Every rule of the control API's input is tested in-process, against the same application, in
# test_sandbox_control.py; these cases show that the started command's control port keeps them too.
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/advance", {"seconds": "1_000"}),
        ("/remaining", {"account": "1210000000000000001", "remaining": str(RATE_LIMIT + 1)}),
        ("/time", {"at": "1969-12-31T23:59:59Z"}),
    ],
    ids=["underscore-seconds", "remaining-over-limit", "time-before-1970"],
)
def test_control_port_refuses_bad_input_with_a_clear_message(hand_started, path, params):
    before = _control(hand_started, "/reset").json()

    response = _control(hand_started, path, **params)

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["message"]
    assert requests.get(
        f"{hand_started.exports['CLINIKO_MOCK_CONTROL_URL']}/status",
        verify=hand_started.exports["REQUESTS_CA_BUNDLE"],
        timeout=10,
    ).json() == before, "a refused control changed the sandbox"
    assert _api(hand_started, "GET", f"{hand_started.exports['CLINIKO_API_URL']}/user").status_code == 200


@pytest.mark.parametrize("at", ["9998-12-31T23:59:59Z", "9999-01-01T00:00:00Z", "1970-01-01T00:00:00Z"])
def test_the_api_never_fails_at_the_ends_of_the_clocks_range(hand_started, at):
    """The furthest times the controls allow, then the quota spent: the API still gives its 429, never a 5xx."""
    account = "1210000000000000001"
    _control(hand_started, "/reset").raise_for_status()
    _control(hand_started, "/jump-on-rate-limit", enabled="false").raise_for_status()
    _control(hand_started, "/time", at=at).raise_for_status()
    _control(hand_started, "/remaining", account=account, remaining="0").raise_for_status()
    user_url = f"{hand_started.exports['CLINIKO_API_URL']}/user"

    try:
        refused = _api(hand_started, "GET", user_url)
        _control(hand_started, "/jump-on-rate-limit", enabled="true").raise_for_status()
        jumped = _api(hand_started, "GET", user_url)
        after = _api(hand_started, "GET", user_url)
    finally:
        _control(hand_started, "/reset").raise_for_status()

    assert (refused.status_code, jumped.status_code, after.status_code) == (429, 429, 200)
    assert int(refused.headers["X-RateLimit-Reset"]) > 0


# Start-up errors and stopping ------------------------------------------------------------------


@pytest.mark.parametrize("taken", ["api", "control"])
def test_a_busy_port_is_a_clear_error_and_a_failure(tmp_path, taken):
    port = free_port_pair()
    busy = port if taken == "api" else port + 1
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", busy))
        squatter.listen()

        completed = run_to_exit(tmp_path, "--port", str(port))

    assert completed.returncode == 1
    assert f"port {busy}" in completed.stderr
    assert "already in use" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert "export" not in completed.stdout


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--port", "http"], "a port must be a whole number from 1 to 65535, not 'http'"),
        (["--port", "0"], "a port must be a whole number from 1 to 65535, not '0'"),
        (["--port", " 5 "], "a port must be a whole number from 1 to 65535, not ' 5 '"),
        (["--port", "1_000"], "a port must be a whole number from 1 to 65535, not '1_000'"),
        (["--port", "65536"], "not '65536'"),
        (["--port", "65535"], "leaves no port above it for the controls"),
        (["--port", "18500", "--control-port", "18500"], "--control-port must differ from --port"),
        (["--host", "0.0.0.0"], "listens on a loopback address only"),
        (["--host", "example.com"], "not on 'example.com'"),
        (["--colour"], "unrecognized arguments: --colour"),
        (["--dir", "pyproject.toml"], "is a file, not a folder"),
    ],
    ids=["word", "zero", "spaces", "underscore", "too-high", "no-room-for-controls", "same-ports", "outside",
         "name", "unknown-option", "dir-is-a-file"],
)
def test_a_bad_option_is_one_clear_line_and_exit_2(tmp_path, arguments, said):
    (tmp_path / "pyproject.toml").write_text("")

    completed = run_to_exit(tmp_path, *arguments)

    assert completed.returncode == 2
    assert said in completed.stderr
    assert completed.stderr.startswith("cliniko-sandbox: ")
    assert completed.stderr.count("\n") == 1, completed.stderr
    assert completed.stdout == ""
    assert not (tmp_path / ".cliniko-sandbox").exists(), "a refused start wrote its CA all the same"


def test_help_names_every_option(tmp_path):
    completed = run_to_exit(tmp_path, "--help")

    assert completed.returncode == 0
    for option in ("--port", "--control-port", "--host", "--dir", "--version"):
        assert option in completed.stdout
    assert "not Cliniko's service" in completed.stdout


def test_ctrl_c_stops_it_cleanly_and_frees_the_port(own_hand_started):
    port = urlsplit(own_hand_started.exports["CLINIKO_API_URL"]).port
    assert port is not None

    returncode = stop(own_hand_started.process)

    assert returncode == 0
    assert "Traceback" not in own_hand_started.stderr_path.read_text()
    assert port_is_free(port) and port_is_free(port + 1)
