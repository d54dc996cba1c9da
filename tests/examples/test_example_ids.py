"""Every tab of an example says what each ID it hard-codes is.

A reader copies an example and needs to know which numbers to replace with their own. So for every
example under snippets/ that has a Python file and another language beside it (`.mjs`, `.sh`, same stem):

- each line that holds an ID (a 19-digit number, such as the patient `1240000000000000001`) has a
  comment at its end, or a comment alone on the line just before it;
- the JavaScript and curl files hard-code the same IDs as the Python file, so that every tab explains
  the same ones.

Whether a comment explains well is for a reader to judge; this checks only that there is one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from project import SNIPPETS

#: An ID as the API writes them: 19 digits, not part of a longer number.
ID = re.compile(r"(?<!\d)\d{19}(?!\d)")
#: A comment in Python or bash (`#`), or in JavaScript (`//`): at the start of the line or after a
#: space, then a space or the end.
COMMENT = re.compile(r"(?:^|\s)(?:#|//)(?:\s|$)")
#: A line that is a comment and nothing else.
COMMENT_LINE = re.compile(r"^\s*(?:#|//) ")
#: The languages an example's other tabs may be written in, beside its Python file.
OTHERS = (".mjs", ".sh")

PAIRS = sorted(
    py.with_suffix("") for py in SNIPPETS.rglob("*.py") if any(py.with_suffix(other).is_file() for other in OTHERS)
)


def ids_without_a_comment(text: str) -> list[str]:
    """The lines of an example that hold an ID but have no comment on them or alone on the line before."""
    lines = text.splitlines()
    return [
        line.strip()
        for number, line in enumerate(lines)
        if ID.search(line)
        and not COMMENT.search(line)
        and not (number > 0 and COMMENT_LINE.match(lines[number - 1]))
    ]


def test_there_are_pairs_that_hard_code_ids() -> None:
    assert [stem for stem in PAIRS if ID.search(stem.with_suffix(".py").read_text(encoding="utf-8"))]


@pytest.mark.parametrize("stem", PAIRS, ids=lambda stem: stem.relative_to(SNIPPETS).as_posix())
def test_every_tab_explains_every_id_it_hard_codes(stem: Path) -> None:
    python = stem.with_suffix(".py").read_text(encoding="utf-8")
    assert ids_without_a_comment(python) == []
    for other in OTHERS:
        if stem.with_suffix(other).is_file():
            text = stem.with_suffix(other).read_text(encoding="utf-8")
            assert ids_without_a_comment(text) == [], stem.with_suffix(other).name
            assert set(ID.findall(text)) == set(ID.findall(python)), stem.with_suffix(other).name


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ('url = f"{BASE_URL}/patients/1240000000000000001"\n', True),
        ('url = f"{BASE_URL}/patients/1240000000000000001"  # one of your patients\n', False),
        ('# one of your patients\nurl="$base/patients/1240000000000000001"\n', False),
        ('# one of your patients\n\nurl="$base/patients/1240000000000000001"\n', True),
        ('const PATIENT = "1240000000000000001"; // one of your patients\n', False),
        ('// one of your patients\nconst url = `${BASE_URL}/patients/1240000000000000001`;\n', False),
        ('const url = "https://example.com//1240000000000000001";\n', True),
        ('url="$base/patients/1240000000000000001#top"\n', True),
        ('page=1240000000000000001234\n', False),
    ],
    ids=[
        "bare", "comment-after", "comment-before", "comment-two-lines-up", "js-comment-after", "js-comment-before",
        "slashes-in-url", "hash-in-url", "longer-number",
    ],
)
def test_the_check_finds_an_id_without_a_comment(text: str, flagged: bool) -> None:
    assert bool(ids_without_a_comment(text)) is flagged
