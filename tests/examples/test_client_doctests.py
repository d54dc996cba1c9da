"""The `>>>` examples in the client's docstrings, run as doctests against the mock API.

They are what the reference on the Python client page shows, so they run as a reader would run
them: over HTTPS, trusting the mock's CA through `REQUESTS_CA_BUNDLE`, with the key and base URL in
`CLINIKO_API_KEY` and `CLINIKO_API_URL`, and nothing imported for them. The module's own example
creates the `client` that the examples of the methods use; so each method's examples run after
it, in the same namespace, on a freshly reset mock. Output is compared exactly, once the mock's
address is written as the real API's (as for the examples' stored outputs: `example_runner.normalise`).
"""

from __future__ import annotations

import doctest
import io
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

import cliniko_client
from example_runner import normalise

FINDER = doctest.DocTestFinder()
MODULE = cliniko_client.__name__


def docstring_examples() -> dict[str, doctest.DocTest]:
    """Every docstring of the client that holds examples, by name (`cliniko_client.Cliniko.get`)."""
    return {test.name: test for test in FINDER.find(cliniko_client, globs={}) if test.examples}


class PublicAddressChecker(doctest.OutputChecker):
    """Compares what an example printed, with the mock's address written as the real API's."""

    def __init__(self, mock_host_port: str) -> None:
        self.mock_host_port = mock_host_port

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        return super().check_output(want, normalise(got, self.mock_host_port), optionflags)

    def output_difference(self, example: doctest.Example, got: str, optionflags: int) -> str:
        return super().output_difference(example, normalise(got, self.mock_host_port), optionflags)


def run_examples(tests: list[doctest.DocTest], mock_host_port: str, globs: dict[str, Any]) -> tuple[int, str]:
    """Run the tests in order in one namespace; return the number of failed examples and the report."""
    runner = doctest.DocTestRunner(checker=PublicAddressChecker(mock_host_port), optionflags=0)
    report = io.StringIO()
    failed = 0
    for test in tests:
        test.globs = globs
        failed += runner.run(test, out=report.write, clear_globs=False).failed
    return failed, report.getvalue()


@pytest.fixture
def reader_environment(mock, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A fresh mock and the variables a reader exports for it; yields the namespace the examples share."""
    for name, value in mock.environment().items():
        monkeypatch.setenv(name, value)
    globs: dict[str, Any] = {"__name__": "__main__"}
    yield globs
    for value in list(globs.values()):
        if isinstance(value, cliniko_client.Cliniko):
            value.close()
    globs.clear()


@pytest.mark.parametrize("name", sorted(docstring_examples()))
def test_docstring_examples_print_what_they_show(name: str, mock, reader_environment: dict[str, Any]) -> None:
    examples = docstring_examples()
    tests = [examples[MODULE]] + ([examples[name]] if name != MODULE else [])
    failed, report = run_examples(tests, urlsplit(mock.base_url).netloc, reader_environment)
    assert failed == 0, report


def test_every_public_method_of_the_client_shows_an_example() -> None:
    examples = docstring_examples()
    public = [name for name in vars(cliniko_client.Cliniko) if not name.startswith("_")]
    missing = [name for name in public if f"{MODULE}.Cliniko.{name}" not in examples]
    assert public and not missing, f"methods of Cliniko with no >>> example: {missing}"


def test_an_example_whose_shown_output_is_wrong_fails(mock, reader_environment: dict[str, Any]) -> None:
    examples = docstring_examples()
    wrong = examples[f"{MODULE}.Cliniko.get"]
    altered = [
        doctest.Example(example.source, example.want.replace("'William'", "'Wilhelm'"), example.exc_msg)
        for example in wrong.examples
    ]
    assert any("'Wilhelm'" in example.want for example in altered), "the example to alter has changed"
    wrong = doctest.DocTest(altered, {}, wrong.name, wrong.filename, wrong.lineno, wrong.docstring)

    failed, report = run_examples([examples[MODULE], wrong], urlsplit(mock.base_url).netloc, reader_environment)

    assert failed == 1, report
    assert "Expected:\n    ('Wilhelm', 'Kaur'" in report and "Got:\n    ('William', 'Kaur'" in report
