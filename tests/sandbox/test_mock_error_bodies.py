"""Error bodies stay small: a `422` for thousands of unknown names, or for very long ones, lists the
first few and counts the rest, and one that lists every problem has no count."""

from __future__ import annotations

import json

import pytest

from api_requests import send
from cliniko_sandbox.contract import MAX_BODY_BYTES, NAME_SHOWN

PATIENT = "1240000000000000001"


@pytest.mark.parametrize(
    "names",
    [
        [f"u{number}" for number in range(30_000)],
        # The last two differ only past the part of a name that is shown: the second is counted, not listed.
        [f"{number}" + "é" * 60_000 for number in range(3)] + ["é" * 60_000 + f"{number}" for number in range(2)],
    ],
    ids=["30000-short-names", "five-names-of-60000-characters"],
)
def test_a_body_of_unknown_names_gets_a_small_422_that_counts_what_it_leaves_out(mock, names):
    body = {name: 1 for name in names}
    body["first_name"] = 5  # a problem of a patient field, sent last, is still listed
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    assert len(data) <= MAX_BODY_BYTES

    response = send(mock, "PUT", f"/patients/{PATIENT}", headers={"Content-Type": "application/json"}, data=data)

    assert response.status_code == 422
    assert len(response.content) < 8 * 1024
    answer = response.json()
    assert answer["errors"].pop("first_name") == "must be a string"
    listed = list(answer["errors"])
    assert 0 < len(listed) < len(names)
    assert len(listed) + answer["errors_not_listed"] == len(names)
    # The names listed are the first ones sent, each cut short when it is long.
    for shown, sent in zip(listed, names):
        assert shown == sent or (shown.endswith("…") and sent.startswith(shown[:-1]) and len(shown) == NAME_SHOWN + 1)


def test_a_422_with_every_problem_listed_has_no_count(mock):
    response = send(mock, "POST", "/patients", json={"first_name": 5, "nickname": "Al"})

    assert response.status_code == 422
    assert response.json() == {
        "message": "Validation Failed",
        "errors": {"first_name": "must be a string", "nickname": "is not an attribute of a patient that can be set",
                   "last_name": "can't be blank"},
    }
