"""Every Python example has a JavaScript twin that teaches the same lesson and prints the same output.

A reader who works in JavaScript should never have to translate a Python example by hand: the details
this guide exists to get right (the Basic header, the `User-Agent`, `Retry-After`, ETags, links to follow)
are exactly the ones a translation gets wrong. So:

- every Python example has a `.mjs` beside it, except those in `WITHOUT_TWIN`, each with its reason;
- a twin prints byte for byte what its Python example prints (its own `.mjs.out` equals the `.py.out`),
  except where `OWN_OUTPUT` says why the lesson itself prints something else in JavaScript.

`tests/examples/test_snippets.py` runs each twin and compares it with its stored output, and
`tests/examples/test_examples_robust.py` runs it under the foreign conditions, as for every example.
Those runs are made in worker threads of one Node.js process (`example_runner._run_in_worker`); the
last tests here hold them to what `node file.mjs` prints.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

import example_runner
from project import SNIPPETS

#: Python examples that have no JavaScript twin, by folder or by example (`folder/name`), and why.
WITHOUT_TWIN = {
    "client": "the Python client's page: its examples teach a Python library, which has no JavaScript twin",
}

#: Twins whose output is not their Python example's, and why: the difference is the lesson's own.
OWN_OUTPUT = {
    "data-responses/read_a_record": "the lesson names the type an ID has in the reader's language: a str in "
    "Python, a string in JavaScript, each written as that language writes it",
    "errors/status_codes": "its first request shows the User-Agent a library sends when none is set, which is "
    "each library's own (python-requests/..., node)",
    "making-requests/complete_exchange": "fetch shows only the request headers the code set, and gives the "
    "response's headers in lower case and in alphabetical order, not as the server sent them",
    "making-requests/form_encoded_body": "fetch adds ;charset=UTF-8 to the Content-Type of a form it encodes",
    "user/get_user": "fetch gives the response's headers in lower case and in alphabetical order, not as the "
    "server sent them",
}


def missing_twins(snippets: Path, exceptions: dict[str, str]) -> list[str]:
    """The Python examples under `snippets` (`folder/name.py`) that have no `.mjs` beside them and no
    exception, by folder or by name."""
    missing = []
    for python in sorted(snippets.rglob("*.py")):
        relative = python.relative_to(snippets)
        name = relative.with_suffix("").as_posix()
        if python.name in example_runner.LIBRARIES or "__pycache__" in relative.parts:
            continue
        if relative.parts[0] in exceptions or name in exceptions:
            continue
        if not python.with_suffix(".mjs").is_file():
            missing.append(relative.as_posix())
    return missing


def test_every_python_example_has_a_javascript_twin() -> None:
    missing = missing_twins(SNIPPETS, WITHOUT_TWIN)
    assert not missing, (
        "these Python examples have no JavaScript twin (a .mjs beside them); write one, or say in "
        "WITHOUT_TWIN why there cannot be one:\n" + "\n".join(missing)
    )


def test_every_exception_names_something_that_exists() -> None:
    """An exception left behind after its example was removed or given a twin would hide the next one."""
    for name in WITHOUT_TWIN:
        path = SNIPPETS / name
        assert path.is_dir() or path.with_suffix(".py").is_file(), f"WITHOUT_TWIN names {name}, which is not there"
        assert path.is_dir() or not path.with_suffix(".mjs").is_file(), f"{name} has a twin; drop it from WITHOUT_TWIN"
    for name in OWN_OUTPUT:
        assert (SNIPPETS / f"{name}.mjs").is_file(), f"OWN_OUTPUT names {name}, which has no JavaScript twin"


def test_a_missing_twin_is_found(tmp_path: Path) -> None:
    for relative in ("quickstart/get_user.py", "quickstart/get_user.mjs", "caching/etag.py", "client/list.py",
                     "sync/odd_one.py", "cliniko_client.py"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("", encoding="utf-8")
    assert missing_twins(tmp_path, {"client": "a library's page"}) == ["caching/etag.py", "sync/odd_one.py"]
    assert missing_twins(tmp_path, {"client": "a library's page", "sync/odd_one": "why"}) == ["caching/etag.py"]


TWINS = sorted(path.with_suffix("") for path in SNIPPETS.rglob("*.mjs") if path.with_suffix(".py").is_file())


@pytest.mark.parametrize("stem", TWINS, ids=lambda stem: stem.relative_to(SNIPPETS).as_posix())
def test_a_twin_prints_what_its_python_example_prints(stem: Path) -> None:
    name = stem.relative_to(SNIPPETS).as_posix()
    python = stem.with_name(stem.name + ".py.out").read_text(encoding="utf-8")
    javascript = stem.with_name(stem.name + ".mjs.out").read_text(encoding="utf-8")
    if name in OWN_OUTPUT:
        assert javascript != python, f"{name} prints what its Python example prints; drop it from OWN_OUTPUT"
        return
    assert javascript == python, (
        f"{name}.mjs prints something other than {name}.py; make them teach the same thing, or say in "
        "OWN_OUTPUT why the JavaScript prints its own"
    )


def test_there_are_twins() -> None:
    assert len(TWINS) > 40, f"only {len(TWINS)} JavaScript twins found"


@pytest.mark.parametrize(
    ("stderr", "kept"),
    [
        (
            "(node:4242) ExperimentalWarning: The Fetch API is an experimental feature. This feature could "
            "change at any time\n(Use `node --trace-warnings ...` to show where the warning was created)\n",
            "",
        ),
        (
            "(node:7) ExperimentalWarning: The Fetch API is an experimental feature. This feature could change "
            "at any time\n(Use `node --trace-warnings ...` to show where the warning was created)\nExpected 200, got 401\n",
            "Expected 200, got 401\n",
        ),
        ("(node:7) ExperimentalWarning: VM Modules is an experimental feature\n",
         "(node:7) ExperimentalWarning: VM Modules is an experimental feature\n"),
    ],
    ids=["warning-alone", "warning-then-reason", "another-warning-kept"],
)
def test_only_the_fetch_warning_of_older_nodes_is_taken_out_of_stderr(stderr: str, kept: str) -> None:
    assert example_runner.NODE_FETCH_WARNING.sub("", stderr) == kept


# --- The runner: a worker thread prints what `node file.mjs` prints -----------------------------------

#: Programs that end in each of the ways an example can end, with what they must print either way.
ENDINGS = {
    "output-then-exit": 'for (let i = 0; i < 3000; i++) console.log("line", i);\n'
    'console.error("stopping");\nprocess.exit(3);\n',
    "exit-code": 'console.log("a");\nprocess.exitCode = 4;\n',
    "uncaught-error": 'console.log("before");\nsetTimeout(() => { throw new TypeError("wrong"); }, 5);\n',
    "unhandled-rejection": 'console.log("before");\nawait Promise.reject(new RangeError("out of range"));\n',
    "environment-and-folder": 'import { basename } from "node:path";\n'
    'console.log(process.env.CLINIKO_API_URL, basename(process.cwd()), typeof fetch);\n',
    "arguments": 'import { basename } from "node:path";\nconsole.log(process.argv.length, basename(process.argv[1]));\n',
    # The status a process ends with is 0 to 255: -1 is 255, and 256 is 0.
    "negative-exit": 'console.log("a");\nprocess.exit(-1);\n',
    "exit-code-256": "process.exitCode = 256;\n",
    # What a worker cannot do (example_runner.NOT_IN_A_WORKER): these run in a node of their own.
    "time-zone": 'process.env.TZ = "Australia/Sydney";\nconsole.log(new Date(0).getTimezoneOffset());\n',
    "change-folder": 'import { basename } from "node:path";\nprocess.chdir("..");\nconsole.log(basename(process.cwd()));\n',
}
#: A mock's address as long as the API's, for `example_runner.run` (these programs reach no mock).
NO_MOCK = "127.0.0.1:10000"


def worker_environment() -> dict[str, str]:
    """What these programs get: a base URL, and the CA the worker servers trust, so that they run in one."""
    return {"CLINIKO_API_URL": f"https://{NO_MOCK}/v1", "NODE_EXTRA_CA_CERTS": str(example_runner.shared_authority().ca_file)}


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_program_ends_in_a_worker_as_it_ends_in_its_own_node(ending: str, tmp_path: Path) -> None:
    sample = tmp_path / "program" / f"{ending}.mjs"
    sample.parent.mkdir()
    sample.write_text(ENDINGS[ending], encoding="utf-8")
    example = example_runner.Example(sample)
    example_runner.require_tools(example)
    env = worker_environment()
    assert example_runner.trusts_the_shared_authority(example_runner.environment(env, "key"))
    in_worker = example_runner.run(example, env, "key", NO_MOCK, fork=True)
    alone = example_runner.run(example, env, "key", NO_MOCK, fork=False)
    assert (in_worker.output, in_worker.returncode) == (alone.output, alone.returncode)
    if ending in ("uncaught-error", "unhandled-rejection"):
        # Node.js also shows the line of source that threw; the worker shows the error and its stack.
        assert in_worker.returncode == 1
        for stderr in (in_worker.stderr, alone.stderr):
            assert "Error: wrong" in stderr or "RangeError: out of range" in stderr, stderr
            assert "    at " in stderr and f"Node.js {example_runner.node_version()}" in stderr, stderr
    else:
        assert in_worker.stderr == alone.stderr


def test_a_program_that_writes_to_file_descriptor_1_itself_is_refused_with_the_reason(tmp_path: Path) -> None:
    """A worker shares the process's descriptors: a raw write to 1 cannot be kept in order with the rest."""
    folder = tmp_path / "program"
    folder.mkdir()
    raw = example_runner.Example(folder / "raw.mjs")
    raw.path.write_text('import { writeSync } from "node:fs";\nconsole.log("kept");\nwriteSync(1, "raw\\n");\n', encoding="utf-8")
    example_runner.require_tools(raw)
    env = worker_environment()
    with pytest.raises(RuntimeError, match=r"raw\.mjs wrote b'raw\\n' to file descriptor 1 or 2 itself"):
        example_runner.run(raw, env, "key", NO_MOCK, fork=True)
    # The server it ran in still runs the next program, and with nothing left over from this one.
    plain = example_runner.Example(folder / "plain.mjs")
    plain.path.write_text('console.log("plain");\n', encoding="utf-8")
    after = example_runner.run(plain, env, "key", NO_MOCK, fork=True)
    assert (after.output, after.stderr, after.returncode) == ("plain\n", "", 0)


def test_an_example_prints_the_same_in_a_worker_and_in_its_own_node(mock, controls) -> None:
    example = example_runner.Example(SNIPPETS / "caching" / "revalidate_with_etag.mjs")
    example_runner.require_tools(example)
    host_port = urlsplit(mock.base_url).netloc
    runs = []
    for fork in (True, False):
        controls.reset()
        key = example_runner.prepare(example, controls)
        runs.append(example_runner.run(example, mock.environment(), key, host_port, fork=fork))
    assert runs[0] == runs[1]
    assert runs[0].output == example.output_path.read_text(encoding="utf-8")
