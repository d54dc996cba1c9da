"""Both tabs of an example say what each ID they hard-code is.

A reader copies an example and needs to know which numbers to replace with their own. So for every pair
of examples under snippets/ (a `.py` and a `.sh` with the same stem):

- each line that holds an ID (a 19-digit number, such as the patient `1240000000000000001`) has a
  comment at its end, or a comment alone on the line just before it;
- the curl file hard-codes the same IDs as the Python file, so that both tabs explain the same ones.

Whether a comment explains well is for a reader to judge; this checks only that there is one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from project import SNIPPETS

#: An ID as the API writes them: 19 digits, not part of a longer number.
ID = re.compile(r"(?<!\d)\d{19}(?!\d)")
#: A comment in Python or bash: a `#` at the start of the line or after a space, then a space or the end.
COMMENT = re.compile(r"(?:^|\s)#(?:\s|$)")

PAIRS = sorted(py.with_suffix("") for py in SNIPPETS.rglob("*.py") if py.with_suffix(".sh").is_file())


def ids_without_a_comment(text: str) -> list[str]:
    """The lines of an example that hold an ID but have no comment on them or alone on the line before."""
    lines = text.splitlines()
    return [
        line.strip()
        for number, line in enumerate(lines)
        if ID.search(line)
        and not COMMENT.search(line)
        and not (number > 0 and lines[number - 1].lstrip().startswith("# "))
    ]


def test_there_are_pairs_that_hard_code_ids() -> None:
    assert [stem for stem in PAIRS if ID.search(stem.with_suffix(".py").read_text(encoding="utf-8"))]


@pytest.mark.parametrize("stem", PAIRS, ids=lambda stem: stem.relative_to(SNIPPETS).as_posix())
def test_both_tabs_explain_every_id_they_hard_code(stem: Path) -> None:
    python = stem.with_suffix(".py").read_text(encoding="utf-8")
    curl = stem.with_suffix(".sh").read_text(encoding="utf-8")

    assert ids_without_a_comment(python) == []
    assert ids_without_a_comment(curl) == []
    assert set(ID.findall(curl)) == set(ID.findall(python))


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ('url = f"{BASE_URL}/patients/1240000000000000001"\n', True),
        ('url = f"{BASE_URL}/patients/1240000000000000001"  # one of your patients\n', False),
        ('# one of your patients\nurl="$base/patients/1240000000000000001"\n', False),
        ('# one of your patients\n\nurl="$base/patients/1240000000000000001"\n', True),
        ('url="$base/patients/1240000000000000001#top"\n', True),
        ('page=1240000000000000001234\n', False),
    ],
    ids=["bare", "comment-after", "comment-before", "comment-two-lines-up", "hash-in-url", "longer-number"],
)
def test_the_check_finds_an_id_without_a_comment(text: str, flagged: bool) -> None:
    assert bool(ids_without_a_comment(text)) is flagged
