"""`make bench` refuses bad input in one line, reads a process's memory from the right fields, and raises
the open-file limit for the idle connections, or says why it cannot.

The figures themselves are not tested: they are for reading, and move from run to run.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap

import pytest

import bench_mock
from bench_mock import main, memory_kib, raise_file_limit, reset_peak
from project import BENCH, SUPPORT


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--connections", "0"], "argument --connections: must be a whole number from 1 to 60000, not '0'"),
        (["--connections", "ten"], "argument --connections: must be a whole number from 1 to 60000, not 'ten'"),
        (["--attacks", "--attack", "flood"], "argument --attack: no such attack: 'flood' (choose from idle, bodies, chunked, pipeline, keys)"),
        (["--speed", "--attacks"], "argument --attacks: not allowed with argument --speed"),
        (["--speed", "--attack", "idle"], "--attack and --connections choose among the attacks, which --speed leaves out"),
    ],
)
def test_bad_input_is_refused_in_one_line_before_anything_runs(
    arguments: list[str], message: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bench_mock, "speed", lambda: pytest.fail("the speed part ran"))
    monkeypatch.setattr(bench_mock, "attacks", lambda *arguments: pytest.fail("the attack part ran"))
    with pytest.raises(SystemExit) as exit_info:
        main(arguments)
    assert exit_info.value.code == 2
    said = capsys.readouterr().err
    assert said == f"bench/bench_mock.py: {message} (see bench/bench_mock.py --help)\n"


def test_the_resident_memory_and_its_peak_follow_what_a_process_touches() -> None:
    pid = os.getpid()
    before = memory_kib(pid)
    touched = bytearray(os.urandom(1024)) * (64 * 1024)  # 64 MiB, every page written
    holding = memory_kib(pid)
    assert holding["VmRSS"] - before["VmRSS"] > 60 * 1024
    assert holding["VmHWM"] >= holding["VmRSS"]
    del touched
    if not reset_peak(pid):
        pytest.skip("this kernel does not let the peak be reset")
    after = memory_kib(pid)
    assert after["VmRSS"] < holding["VmRSS"] - 60 * 1024
    assert after["VmHWM"] < holding["VmHWM"] - 60 * 1024


def test_the_open_file_limit_is_raised_to_what_the_machine_allows(capsys: pytest.CaptureFixture[str]) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard < 2048:
        pytest.skip(f"the hard limit here ({hard}) leaves nothing to raise to")
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
    try:
        assert raise_file_limit(1500) == 1500
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (hard, hard)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert capsys.readouterr().out == f"open files: limit raised from 1024 to {hard}\n"


def test_a_limit_too_low_for_the_idle_connections_is_said_and_fewer_are_opened() -> None:
    # In a process of its own, since a hard limit, once lowered, cannot be raised again.
    script = textwrap.dedent(
        """
        import resource
        resource.setrlimit(resource.RLIMIT_NOFILE, (1000, 1000))
        from bench_mock import raise_file_limit
        print(raise_file_limit(10_000))
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(SUPPORT), str(BENCH), *sys.path])},
        capture_output=True, text=True, timeout=60, check=True,
    )
    assert run.stdout.splitlines() == [
        "open files: the limit is 1000, so the idle attack opens 800 connections, not 10,000",
        "800",
    ]
