"""`make bench-site` tries a failed Lighthouse run again before giving up on the whole benchmark."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bench_site import Audit, BenchError, run_lighthouse_with_retries

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
