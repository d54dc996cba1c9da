"""The examples of the OpenAPI description: every operation has them, and each is what a run really exchanged.

`tests/examples/test_snippets.py` checks each example against the run of the example of the guide that recorded it
(`description_examples.run_problems`), and `make update-outputs` rewrites them from those runs. These tests
check the rest, cheaply: that every operation has its examples, that each names an example of the guide
that exists and the page that shows it, that the block is exactly as the update writes it, that the
IDs a client would send exist in the sandbox, that each example fits the schema of every place that uses
it, and, with one real run, that an edited example is caught and put right by the update.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

import description_examples as examples_module
import example_runner
from cliniko_sandbox.seed import ACCOUNT_A, initial_dataset
from description_examples import (
    KEYS,
    RECORDED_BY,
    ExamplesError,
    missing_examples,
    places,
    recorded_by_text,
    render_block,
    run_problems,
    split_block,
    update_file,
)
from exchange_contract import checker_for, run_checked
from openapi_description import DESCRIPTION_PATH, load_description
from project import SNIPPETS

#: The example of the guide the tests below run: it reads one patient, and records two examples.
SNIPPET = "patients/get_patient.py"


def test_every_operation_has_its_examples() -> None:
    assert missing_examples(load_description()) == []


def test_an_operation_without_its_examples_is_reported() -> None:
    description = load_description()
    del description["components"]["parameters"]["PatientId"]["examples"]
    del description["paths"]["/patients"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    missing = missing_examples(description)
    assert "getPatient (GET /patients/{id}): the path parameter id has no example" in missing
    assert "unarchivePatient (POST /patients/{id}/unarchive): the path parameter id has no example" in missing
    assert "createPatient (POST /patients): the request body has no example" in missing


def test_each_example_is_used_and_says_which_example_of_the_guide_recorded_it() -> None:
    description = load_description()
    problems: list[str] = []
    used = places(description, problems)
    assert problems == []
    known = examples_module.known_snippets()
    for name, example in description["components"]["examples"].items():
        assert name in used, f"example {name}: no operation uses it"
        assert set(example) <= set(KEYS), f"example {name}: keys other than {', '.join(KEYS)}"
        assert example.get("summary"), f"example {name}: no summary"
        assert "value" in example, f"example {name}: no value"
        snippet = example.get(RECORDED_BY)
        assert snippet in known, f"example {name}: {RECORDED_BY} {snippet!r} is not an example under snippets/"
        assert example.get("description") == recorded_by_text(snippet), (
            f"example {name}: its description is not the one `make update-outputs` writes; run it"
        )


def test_a_reference_to_no_example_is_reported() -> None:
    description = load_description()
    content = description["paths"]["/user"]["get"]["responses"]["200"]["content"]["application/json"]
    content["examples"]["Other"] = {"$ref": "#/components/examples/NoSuchExample"}
    content["examples"]["Inline"] = {"value": {}}
    problems: list[str] = []
    places(description, problems)
    assert len(problems) == 2
    assert "refers to #/components/examples/NoSuchExample, which does not exist" in problems[0]
    assert "example 'Inline' is not a $ref" in problems[1]


def test_each_example_fits_the_schema_wherever_it_is_used() -> None:
    assert examples_module.schema_problems(load_description()) == []


def test_an_example_that_does_not_fit_its_schema_is_reported() -> None:
    """As a request sent wrong on purpose would be: the ID of the path is not digits, a date is not one."""
    description = load_description()
    description["components"]["examples"]["PatientId"]["value"] = "abc"
    description["components"]["examples"]["NewPatient"]["value"]["date_of_birth"] = "23/04/1988"
    problems = examples_module.schema_problems(description)
    assert "example PatientId, at getPatient (GET /patients/{id}), path parameter id: value: 'abc' does not match '^[0-9]+$'" in problems
    assert any(problem.startswith("example NewPatient, at createPatient (POST /patients), request body: value/date_of_birth:")
               for problem in problems), problems


def test_the_block_is_as_the_update_writes_it() -> None:
    """Key order, indentation and line breaks are the update's own, so that an update changes only values."""
    text = DESCRIPTION_PATH.read_text(encoding="utf-8")
    before, examples, after = split_block(text)
    assert before + render_block(examples) + after == text
    assert yaml.safe_load(text)["components"]["examples"] == examples


def test_a_description_without_the_block_is_refused_clearly() -> None:
    with pytest.raises(ExamplesError, match="between one line"):
        split_block("openapi: 3.1.0\n")


def test_the_ids_a_client_sends_are_active_patients_of_the_first_practice() -> None:
    """Requests made from the examples, run in order against a fresh sandbox, change no archived patient."""
    active = {
        patient.id for patient in initial_dataset().patients.values()
        if patient.account_id == ACCOUNT_A and patient.archived_at is None
    }
    description = load_description()
    for name, where in places(description).items():
        if any(place.kind == "parameter" and place.parameter[0] == "path" for place in where):
            value = description["components"]["examples"][name]["value"]
            assert value in active, f"example {name}: {value} is not an active patient of account A"


def test_the_example_that_picks_a_value_takes_the_one_most_like_the_stored_one() -> None:
    said = [
        {"message": "The User-Agent header must include a contact e-mail address."},
        {"message": "The per_page parameter must be a whole number from 1 to 100."},
        {"message": "The request body is not valid JSON."},
    ]
    assert examples_module.nearest({"message": "The per_page parameter must be from 1 to 200."}, said) is said[1]
    assert examples_module.nearest(said[2], said) is said[2]


@pytest.fixture
def recorded_run(mock, controls):
    """The exchanges of one real run of `SNIPPET` against the mock."""
    example = example_runner.Example(SNIPPETS / SNIPPET)
    api_key = example_runner.prepare(example, controls)
    result, problems = run_checked(example, mock, api_key, checker_for(mock.base_url))
    assert result.returncode == 0 and not problems, result.stderr + "\n".join(problems)
    return mock.exchanges.snapshot(), mock.base_url


def _edited_copy(tmp_path: Path) -> tuple[Path, str]:
    """A copy of the description whose example `Patient` has another first name; and the original text."""
    original = DESCRIPTION_PATH.read_text(encoding="utf-8")
    before, examples, after = split_block(original)
    edited = copy.deepcopy(examples)
    assert edited["Patient"][RECORDED_BY] == SNIPPET
    edited["Patient"]["value"]["first_name"] = "Wilma"
    path = tmp_path / "openapi.yaml"
    path.write_text(before + render_block(edited) + after, encoding="utf-8")
    return path, original


def test_an_edited_example_is_reported_by_the_run_that_recorded_it(recorded_run, tmp_path: Path) -> None:
    exchanges, base_url = recorded_run
    assert run_problems(SNIPPET, exchanges, base_url, load_description()) == []
    path, _ = _edited_copy(tmp_path)
    problems = run_problems(SNIPPET, exchanges, base_url, yaml.safe_load(path.read_text(encoding="utf-8")))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"example Patient is not what {SNIPPET} sent or received")
    assert "value/first_name is \"Wilma\" here, \"William\" in the run" in problems[0]


def test_the_update_puts_an_edited_example_right(recorded_run, tmp_path: Path) -> None:
    exchanges, base_url = recorded_run
    path, original = _edited_copy(tmp_path)
    assert update_file(SNIPPET, exchanges, base_url, path=path) == []
    assert path.read_text(encoding="utf-8") == original
