"""How long the test suite takes on this machine, whole and in parts.

Run with `make bench-suite` (JOBS sets the number of test processes, as for `make test`). Runs, one
after the other: the sandbox's own tests, the quick layer (`make check`), everything but the browser
tests, the browser tests, and the whole suite; prints for each the number of tests, the wall-clock time, and the CPU time the whole
machine was busy meanwhile (every core, every process: Chromium's too). The figures are for reading,
not asserting: on a shared machine they move from run to run.

Beside them it prints an anchor: the time a fixed piece of pure-Python work takes, in as many processes
at once as the suite uses, timed just before and just after each part. When the machine is busier, the
same part takes longer and so does the anchor; a part's time divided by its anchor moves less than
the time alone, so compare that ratio between a change and the tree before it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path



#: The project, one folder up from this script.
ROOT = Path(__file__).resolve().parent.parent

PARTS = {
    "sandbox": ("the sandbox's tests", ["tests/sandbox"]),
    "check": ("the quick layer (make check)", ["-m", "not browser and not slow"]),
    "no-browser": ("everything but the browser", ["--ignore=tests/browser"]),
    "browser": ("the browser tests", ["tests/browser"]),
    "whole": ("the whole suite", []),
}
SUMMARY = re.compile(r"(\d+) passed")


#: Rounds of `reference_work` per process: 0.6 to 0.7 s in two processes on a busy two-core machine.
REFERENCE_ROUNDS = 24


@dataclass
class Figures:
    passed: int
    wall: float
    busy: float | None
    #: Seconds the reference work took just before and just after the part.
    reference: tuple[float, float] | None = None

    @property
    def anchor(self) -> float | None:
        return statistics.fmean(self.reference) if self.reference else None


def reference_work(rounds: int) -> int:
    """A fixed amount of plain Python work: building, reading and sorting strings and a dict."""
    total = 0
    for round_number in range(rounds):
        table: dict[str, int] = {}
        for number in range(40_000):
            key = f"k{number % 997}-{round_number}"
            table[key] = table.get(key, 0) + len(key)
        total += sum(table.values()) + len(" ".join(sorted(table)[:500]))
    return total


def _reference_process(rounds: int) -> None:
    reference_work(rounds)


def reference_seconds(processes: int, rounds: int = REFERENCE_ROUNDS) -> float:
    """Wall-clock seconds of `reference_work` run in `processes` forked processes at once.

    The median of three such runs, so that one moment of contention does not set the anchor.
    """
    if processes < 1:
        raise ValueError(f"processes must be at least 1, not {processes}")
    fork = multiprocessing.get_context("fork")
    times = []
    for _ in range(3):
        workers = [fork.Process(target=_reference_process, args=(rounds,)) for _ in range(processes)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        times.append(time.perf_counter() - started)
        failed = [worker.exitcode for worker in workers if worker.exitcode != 0]
        if failed:
            raise RuntimeError(f"the reference work failed in a process (exit codes {failed})")
    return statistics.median(times)


def process_count(jobs: str) -> int:
    """How many processes run tests under `--numprocesses jobs`: one per core for "auto", else the count
    (0 runs the tests in pytest's own process, which is one)."""
    if jobs == "auto":
        return os.cpu_count() or 1
    try:
        count = int(jobs)
    except ValueError:
        count = -1
    if count < 0:
        raise ValueError(f'--jobs must be "auto" or a whole number, 0 or more, not {jobs!r}')
    return max(count, 1)


def busy_cpu_seconds() -> float | None:
    """CPU seconds the machine has spent busy since boot, all cores together (Linux only)."""
    try:
        fields = Path("/proc/stat").read_text(encoding="ascii").splitlines()[0].split()[1:]
    except OSError:
        return None
    ticks = [int(value) for value in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle and waiting for I/O
    steal = ticks[7] if len(ticks) > 7 else 0  # time another guest had this CPU
    return (sum(ticks[:8]) - idle - steal) / os.sysconf("SC_CLK_TCK")


def run(selection: list[str], jobs: str) -> Figures:
    command = [sys.executable, "-m", "pytest", "-q", "--numprocesses", jobs, "-p", "no:cacheprovider", *selection]
    before, started = busy_cpu_seconds(), time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    wall, after = time.perf_counter() - started, busy_cpu_seconds()
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise SystemExit(f"bench-suite: `{' '.join(command[2:])}` failed (exit {result.returncode}):\n{tail}")
    found = SUMMARY.findall(result.stdout)
    busy = after - before if before is not None and after is not None else None
    return Figures(int(found[-1]) if found else 0, wall, busy)


def measure(selection: list[str], jobs: str, processes: int) -> Figures:
    """`run`, between two timings of the reference work."""
    before = reference_seconds(processes)
    figures = run(selection, jobs)
    figures.reference = (before, reference_seconds(processes))
    return figures


#: Reference timings before and after a part further apart than this say the machine's load changed.
STEADY = 1.25


def row(label: str, figures: Figures) -> str:
    busy = f"{figures.busy:8.1f}s" if figures.busy is not None else "        -"
    line = f"{label:<30} {figures.passed:>6} {figures.wall:8.1f}s {busy}"
    if figures.reference is None or figures.anchor is None:
        return line
    line += f" {figures.anchor:7.2f}s {figures.wall / figures.anchor:9.0f}"
    low, high = sorted(figures.reference)
    if high > low * STEADY:
        line += f"  (anchor {figures.reference[0]:.2f}s before, {figures.reference[1]:.2f}s after: the load changed)"
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", default=os.environ.get("JOBS", "auto"), help="test processes (default: auto)")
    parser.add_argument("parts", nargs="*", metavar="PART", help=f"what to time: {', '.join(PARTS)} (default: all)")
    args = parser.parse_args(argv)
    unknown = [part for part in args.parts if part not in PARTS]
    if unknown:
        parser.error(f"no such part: {', '.join(unknown)} (choose from {', '.join(PARTS)})")
    try:
        processes = process_count(args.jobs)
    except ValueError as error:
        parser.error(str(error))
    print(f"{os.cpu_count()} CPU cores, {args.jobs} test processes")
    print(
        f"anchor: seconds the reference work takes in {processes} processes at once, around each part;"
        " wall / anchor is the part's time in those units"
    )
    print(f"{'part':<30} {'tests':>6} {'wall':>9} {'busy CPU':>9} {'anchor':>8} {'wall/anch':>9}")
    for name in args.parts or list(PARTS):
        label, selection = PARTS[name]
        print(row(label, measure(selection, args.jobs, processes)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
