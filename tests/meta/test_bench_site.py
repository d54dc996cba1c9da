"""`make bench-site` tries a failed Lighthouse run again before giving up, and lists each run's TBT."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from bench_site import CATEGORIES, Audit, BenchError, Build, Runs, print_report, run_lighthouse_with_retries

AUDIT = Audit(scores={"performance": 99.0}, tbt=10.0, lcp=900.0, transfer=100_000.0, fcp=800.0)


def failing(times: int) -> tuple[list[int], Callable[[], Audit]]:
    calls: list[int] = []

    def run() -> Audit:
        calls.append(1)
        if len(calls) <= times:
            raise BenchError(f"Lighthouse gave no performance score (call {len(calls)})")
        return AUDIT

    return calls, run


def test_a_run_that_fails_twice_is_tried_again_and_said_so(capsys: pytest.CaptureFixture[str]) -> None:
    calls, run = failing(2)
    assert run_lighthouse_with_retries(run, "site errors/ mobile") is AUDIT
    assert len(calls) == 3
    said = capsys.readouterr().err
    assert "site errors/ mobile: Lighthouse gave no performance score (call 1); trying again (2 of 3)" in said
    assert "(call 2); trying again (3 of 3)" in said


def test_a_run_that_keeps_failing_stops_the_benchmark_with_the_last_reason() -> None:
    calls, run = failing(3)
    with pytest.raises(BenchError, match=r"\(call 3\) \(tried 3 times\)"):
        run_lighthouse_with_retries(run, "bare security/ mobile")
    assert len(calls) == 3


def two_builds(folder: Path) -> list[Build]:
    """A site and a bare build, each no more than the search index the report measures."""
    builds = []
    for name in ("site", "bare"):
        (folder / name / "search").mkdir(parents=True)
        (folder / name / "search" / "search_index.json").write_text('{"docs": []}', encoding="utf-8")
        builds.append(Build(name, folder / name, 2.0))
    return builds


def runs(*tbts: float) -> Runs:
    return Runs([replace(AUDIT, scores=dict.fromkeys(CATEGORIES, 100.0), tbt=tbt) for tbt in tbts])


def test_the_report_lists_each_run_s_blocking_time_beside_the_medians(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    builds = two_builds(tmp_path)
    results = {
        ("errors/", "mobile", "site"): runs(410, 380, 455),
        ("errors/", "mobile", "bare"): runs(208, 40, 260),
        ("", "mobile", "site"): runs(90, 120, 100),
        ("", "mobile", "bare"): runs(7, 46, 19),
    }
    print_report(results, ["", "errors/"], ["mobile"], builds[0], builds[1], runs=3)
    out = capsys.readouterr().out
    table, listed = out.split("total blocking time of each run")
    rows = [line.split() for line in table.splitlines() if line.startswith(("(home)", "errors/"))]
    assert [row[7:9] for row in rows] == [["100/19", "5.26"], ["410/208", "1.97"]]  # the medians, their ratio
    each = listed.split(", ms, in the order run: this site | bare\n")[1].splitlines()
    assert each[0].split() == ["(home)", "mobile", "90", "120", "100", "|", "7", "46", "19"]
    assert each[1].split() == ["errors/", "mobile", "410", "380", "455", "|", "208", "40", "260"]


def test_a_single_run_report_has_no_list_of_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    builds = two_builds(tmp_path)
    results = {("", "desktop", name): runs(30) for name in ("site", "bare")}
    print_report(results, [""], ["desktop"], builds[0], builds[1], runs=1)
    assert "each run" not in capsys.readouterr().out
