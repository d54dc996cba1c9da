"""Shared fixtures: one mock Cliniko API server for the whole test session, reset before each test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser.support import BuildError, build_site
from mock_cliniko import MockCliniko
from mock_cliniko.control import Controls


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
    """The site built once per session with `mkdocs build --strict`; any warning fails the build.

    Shared by the build, link, example-invariant and browser tests.
    """
    try:
        return build_site(tmp_path_factory.mktemp("site") / "site")
    except BuildError as error:
        message = str(error)
    pytest.fail(message, pytrace=False)
