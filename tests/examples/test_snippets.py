"""Every example under snippets/, Python, JavaScript and curl, run against the mock; its output must match the page.

Each request the example makes and each response it gets must obey `docs/openapi.yaml` (the rules are in
`example_runner`'s docstring). An example's waits are recorded rather than waited, and before each
retry it must have waited as long as `Retry-After` asked (`example_runner.waits_as_told`); the
Sandbox page's reproduction test (`tests/examples/test_sandbox_reproduce.py`) runs them with real waits.

The examples of the description (`docs/openapi.yaml`, `components/examples`) are checked here too, at no
extra run: each one that names the example in `x-recorded-by` must be what this run sent or received at
one of its places (`description_examples`).

`make update-outputs` (pytest --update-outputs) rewrites the stored outputs after an intended change, and
the values of the description's examples with them.
"""

from __future__ import annotations

import pytest

import description_examples
import example_runner
from example_runner import Example
from exchange_contract import checker_for, run_checked


@pytest.mark.parametrize("example", example_runner.discover(), ids=str)
def test_example_prints_its_stored_output(example: Example, mock, controls, request) -> None:
    example_runner.require_tools(example)
    api_key = example_runner.prepare(example, controls)
    result, problems = run_checked(example, mock, api_key, checker_for(mock.base_url))
    # Checked first, so that a response the mock got wrong is reported as the rule it breaks.
    assert not problems, f"{example} made exchanges that break docs/openapi.yaml:\n" + "\n".join(problems)

    assert result.returncode == 0, f"{example} exited with {result.returncode}:\n{result.stderr}"
    assert result.waits is not None
    problem = example_runner.waits_as_told(example_runner.served(mock.exchanges.snapshot()), result.waits)
    assert problem is None, f"{example}: {problem}"
    assert result.stderr == "", f"{example} wrote to stderr:\n{result.stderr}"
    assert result.output.strip(), f"{example} printed nothing"

    exchanges = mock.exchanges.snapshot()
    if request.config.getoption("--update-outputs"):
        example.output_path.write_text(result.output, encoding="utf-8")
        unrecorded = description_examples.update_file(example.name, exchanges, mock.base_url)
        assert not unrecorded, f"{example} left examples of docs/openapi.yaml as they were:\n" + "\n".join(unrecorded)
        return
    assert example.output_path.exists(), f"{example} has no stored output; run `make update-outputs`"
    stored = example.output_path.read_text(encoding="utf-8")
    assert result.output == stored, (
        f"{example} printed something other than its stored output {example.output_path.name}; "
        "if the change is intended, run `make update-outputs`"
    )
    wrong = description_examples.run_problems(example.name, exchanges, mock.base_url)
    assert not wrong, (
        f"{example} recorded examples of docs/openapi.yaml that no longer hold:\n" + "\n".join(wrong)
        + "\nif the change is intended, run `make update-outputs`"
    )


def test_every_example_is_found() -> None:
    """The discovery must see the examples; an empty list would make the test above vacuous."""
    examples = example_runner.discover()
    assert examples, "no examples found under snippets/"
    assert {e.path.suffix for e in examples} == set(example_runner.EXAMPLE_SUFFIXES)
