"""`make bench-suite` prints each part's time beside an anchor of the machine's speed, and refuses bad input."""

from __future__ import annotations

import os

import pytest

import bench_suite
from bench_suite import Figures, main, process_count, reference_seconds, row


def test_the_ratio_is_the_wall_time_over_the_mean_anchor() -> None:
    line = row("the whole suite", Figures(passed=1362, wall=150.0, busy=260.0, reference=(0.55, 0.65)))
    assert line.split() == ["the", "whole", "suite", "1362", "150.0s", "260.0s", "0.60s", "250"]


def test_a_part_whose_anchor_moved_says_the_load_changed() -> None:
    steady = row("the browser tests", Figures(passed=143, wall=70.0, busy=None, reference=(0.60, 0.62)))
    moved = row("the browser tests", Figures(passed=143, wall=70.0, busy=None, reference=(0.50, 0.70)))
    assert "load changed" not in steady
    assert moved.endswith("(anchor 0.50s before, 0.70s after: the load changed)")


# The test process has threads of its own (pytest-xdist's); the benchmark script, which forks, has none.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded, use of fork:DeprecationWarning")
def test_the_anchor_runs_the_work_in_each_process_and_reports_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    assert reference_seconds(2, rounds=1) > 0

    def broken(rounds: int) -> None:
        raise SystemExit(3)

    monkeypatch.setattr(bench_suite, "_reference_process", broken)
    with pytest.raises(RuntimeError, match=r"exit codes \[3, 3\]"):
        reference_seconds(2, rounds=1)


@pytest.mark.parametrize(("jobs", "count"), [("auto", os.cpu_count()), ("3", 3), ("1", 1), ("0", 1)])
def test_the_anchor_uses_as_many_processes_as_the_tests(jobs: str, count: int) -> None:
    assert process_count(jobs) == count


@pytest.mark.parametrize("jobs", ["-1", "two", ""])
def test_a_bad_job_count_is_refused_before_anything_runs(
    jobs: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bench_suite, "measure", lambda *arguments: pytest.fail("a part ran"))
    with pytest.raises(SystemExit) as exit_info:
        main(["--jobs", jobs, "sandbox"])
    assert exit_info.value.code == 2
    assert f"--jobs must be \"auto\" or a whole number, 0 or more, not '{jobs}'" in capsys.readouterr().err


def test_an_unknown_part_is_refused(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(bench_suite, "measure", lambda *arguments: pytest.fail("a part ran"))
    with pytest.raises(SystemExit) as exit_info:
        main(["sandbox", "everything"])
    assert exit_info.value.code == 2
    assert "no such part: everything (choose from sandbox, check, no-browser, browser, whole)" in capsys.readouterr().err


def test_each_part_asked_for_is_measured_with_the_anchor_and_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    measured: list[tuple[list[str], str, int]] = []

    def measure(selection: list[str], jobs: str, processes: int) -> Figures:
        measured.append((selection, jobs, processes))
        return Figures(passed=10 * len(measured), wall=30.0, busy=50.0, reference=(0.3, 0.3))

    monkeypatch.setattr(bench_suite, "measure", measure)
    assert main(["--jobs", "2", "browser", "whole"]) == 0
    assert measured == [(["tests/browser"], "2", 2), ([], "2", 2)]
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2].startswith("the browser tests") and lines[-1].startswith("the whole suite")
    assert lines[-2].split()[-5:] == ["10", "30.0s", "50.0s", "0.30s", "100"]
    assert lines[-1].split()[-5:] == ["20", "30.0s", "50.0s", "0.30s", "100"]
