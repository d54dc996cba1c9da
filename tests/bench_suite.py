"""How long the test suite takes on this machine, whole and in parts.

Run with `make bench-suite` (JOBS sets the number of test processes, as for `make test`). Runs, one
after the other: the mock API's own tests, everything but the browser tests, the browser tests, and
the whole suite; prints for each the number of tests, the wall-clock time, and the CPU time the whole
machine was busy meanwhile (every core, every process: Chromium's too). The figures are for reading,
not asserting: on a shared machine they move from run to run.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from project import ROOT


PARTS = {
    "mock": ("the mock API's tests", sorted(f"tests/{path.name}" for path in (ROOT / "tests").glob("test_mock_*.py"))),
    "no-browser": ("everything but the browser", ["--ignore=tests/browser"]),
    "browser": ("the browser tests", ["tests/browser"]),
    "whole": ("the whole suite", []),
}
SUMMARY = re.compile(r"(\d+) passed")


@dataclass
class Figures:
    passed: int
    wall: float
    busy: float | None


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", default=os.environ.get("JOBS", "auto"), help="test processes (default: auto)")
    parser.add_argument("parts", nargs="*", metavar="PART", help=f"what to time: {', '.join(PARTS)} (default: all)")
    args = parser.parse_args(argv)
    unknown = [part for part in args.parts if part not in PARTS]
    if unknown:
        parser.error(f"no such part: {', '.join(unknown)} (choose from {', '.join(PARTS)})")
    print(f"{os.cpu_count()} CPU cores, {args.jobs} test processes")
    print(f"{'part':<30} {'tests':>6} {'wall':>9} {'busy CPU':>9}")
    for name in args.parts or list(PARTS):
        label, selection = PARTS[name]
        figures = run(selection, args.jobs)
        busy = f"{figures.busy:8.1f}s" if figures.busy is not None else "        -"
        print(f"{label:<30} {figures.passed:>6} {figures.wall:8.1f}s {busy}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
