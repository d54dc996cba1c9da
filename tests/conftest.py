"""Shared fixtures: one mock Cliniko API server for the whole test session, reset before each test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mock_cliniko import MockCliniko
from mock_cliniko.control import Controls

ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-outputs",
        action="store_true",
        default=False,
        help="rewrite the stored output of every example with what it prints now",
    )


@pytest.fixture(scope="session")
def mock_server() -> Iterator[MockCliniko]:
    """The mock API over HTTPS on a free loopback port, started once per session."""
    with MockCliniko() as mock:
        yield mock


@pytest.fixture
def mock(mock_server: MockCliniko) -> MockCliniko:
    """The session's mock, reset to its initial state (data, clock, quotas) for this test."""
    assert mock_server.controls is not None
    mock_server.controls.reset()
    return mock_server


@pytest.fixture
def controls(mock: MockCliniko) -> Controls:
    assert mock.controls is not None
    return mock.controls


def in_ci() -> bool:
    """CI sets CI=true; there, a missing tool is a failure, never a reason to skip."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built once per session with `mkdocs build --strict`; any warning fails the build."""
    site_dir = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stderr}", pytrace=False)
    return site_dir
