"""The GitHub Actions workflows have the shape publishing depends on (they cannot run here).

Tests: run the whole suite on every pull request and on main. Publishing: after the tests pass on
main, build the site strictly and deploy it with GitHub's Pages actions, holding only the
permissions that needs.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest
import yaml

from project import ROOT, WORKFLOWS



def load(name: str) -> dict[str, Any]:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(workflow, dict), f"{name} is not a YAML mapping"
    # YAML 1.1 reads the key `on` as the boolean true.
    if True in workflow:
        workflow["on"] = workflow.pop(True)
    return workflow


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job.get("steps", [])


def uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    """The job's steps that use `action` (any version)."""
    return [step for step in steps(job) if str(step.get("uses", "")).split("@")[0] == action]


def runs(job: dict[str, Any]) -> list[str]:
    return [str(step["run"]).strip() for step in steps(job) if "run" in step]


def make_recipe(target: str) -> str:
    """The commands of a Makefile target."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n?)+)", makefile, re.MULTILINE)
    assert match, f"the Makefile has no {target} target"
    return match.group(1)


@pytest.fixture(scope="module")
def tests_workflow() -> dict[str, Any]:
    return load("tests.yml")


@pytest.fixture(scope="module")
def pages_workflow() -> dict[str, Any]:
    return load("pages.yml")


def test_every_workflow_file_is_valid_yaml_with_jobs() -> None:
    files = sorted(WORKFLOWS.glob("*.y*ml"))
    assert {path.name for path in files} >= {"tests.yml", "pages.yml"}
    for path in files:
        workflow = load(path.name)
        assert workflow.get("name"), f"{path.name} has no name"
        assert workflow.get("on"), f"{path.name} has no trigger"
        assert workflow.get("jobs"), f"{path.name} has no job"
        for job_name, job in workflow["jobs"].items():
            assert "runs-on" in job or "uses" in job, f"{path.name}: job {job_name} has no runner"


def test_tests_run_on_pull_requests_and_on_main(tests_workflow: dict[str, Any]) -> None:
    triggers = tests_workflow["on"]
    assert "pull_request" in triggers
    assert triggers["push"]["branches"] == ["main"]


def test_tests_job_runs_make_test_through_the_ci_script(tests_workflow: dict[str, Any]) -> None:
    (job,) = tests_workflow["jobs"].values()
    assert uses(job, "actions/checkout"), "the job does not check the repository out"
    assert ".ci/run" in runs(job)
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert script.rstrip().splitlines()[-1] == "exec make test"
    assert "pytest" in make_recipe("test")


def test_tests_job_installs_chromium_and_skips_nothing(tests_workflow: dict[str, Any]) -> None:
    (job,) = tests_workflow["jobs"].values()
    # A Debian image run as root, where .ci/run can install the `chromium` package with apt-get.
    image = job["container"] if isinstance(job["container"], str) else job["container"]["image"]
    assert re.search(r"(bookworm|trixie|debian)", image), image
    assert "apt-get install" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert str(job["env"]["CI"]).lower() == "true", "without CI=true a missing browser would skip tests"


def test_tests_job_keeps_the_browser_artifacts_of_a_failed_run(tests_workflow: dict[str, Any]) -> None:
    """pytest-playwright writes a failing browser test's trace and screenshot under `--output`."""
    (job,) = tests_workflow["jobs"].values()
    (upload,) = uses(job, "actions/upload-artifact")
    assert steps(job).index(upload) > steps(job).index(next(s for s in steps(job) if s.get("run") == ".ci/run"))
    assert "failure()" in str(upload.get("if", "")), "upload only what a failed run left"
    addopts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]["addopts"]
    options = addopts.split()
    assert options[options.index("--tracing") + 1] == "retain-on-failure"
    assert options[options.index("--screenshot") + 1] == "only-on-failure"
    output = options[options.index("--output") + 1]
    assert upload["with"]["path"].rstrip("/") == output, "the artifact must be the folder the tests write to"
    assert f"/{output}/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_site_is_published_only_after_the_tests_pass_on_main(
    pages_workflow: dict[str, Any], tests_workflow: dict[str, Any]
) -> None:
    after = pages_workflow["on"]["workflow_run"]
    assert after["workflows"] == [tests_workflow["name"]]
    assert after["types"] == ["completed"]
    assert after["branches"] == ["main"]
    build = pages_workflow["jobs"]["build"]
    condition = " ".join(str(build["if"]).split())
    assert "github.event.workflow_run.conclusion == 'success'" in condition
    assert "github.event.workflow_run.event == 'push'" in condition
    checkout = uses(build, "actions/checkout")
    assert checkout and "workflow_run.head_sha" in checkout[0]["with"]["ref"], "it must build the commit tested"


def test_pages_build_is_strict_and_uploads_the_built_site(pages_workflow: dict[str, Any]) -> None:
    build = pages_workflow["jobs"]["build"]
    assert "make build" in runs(build)
    recipe = make_recipe("build")
    assert "mkdocs build --strict" in recipe and "--site-dir" not in recipe and "-d " not in recipe
    (upload,) = uses(build, "actions/upload-pages-artifact")
    assert upload["with"]["path"] == "site", "MkDocs builds into site/"


def test_pages_deploy_has_the_permissions_it_needs_and_no_more(pages_workflow: dict[str, Any]) -> None:
    assert pages_workflow["permissions"] == {"contents": "read"}
    deploy = pages_workflow["jobs"]["deploy"]
    assert deploy["needs"] in ("build", ["build"])
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    (step,) = uses(deploy, "actions/deploy-pages")
    assert deploy["environment"]["url"] == f"${{{{ steps.{step['id']}.outputs.page_url }}}}"
    assert "permissions" not in pages_workflow["jobs"]["build"], "the build job runs with read access only"
