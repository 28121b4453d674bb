"""action.yml end to end: its shell steps run as the runner runs them, with a fake sfconnect and a fake gh.

These tests check the wiring that the linters cannot see: inputs reach the scripts through env:, the step
conditions pick the right steps, outputs flow from step to step, and the action's outcome follows sfconnect's
exit code and fail-on-found.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.ci_kit.action_harness import ActionRun, base_env, condition, run_action
from tests.ci_kit.conftest import REPO, REPO_ROOT, FakeGitHub, make_fake_venv
from tests.conftest import generated_private_key_pem, pem_body_line

MARKER = "<!-- sfconnect:plan:production -->"


def _github(*, fork: bool = False, event: str = "pull_request") -> dict[str, Any]:
    head_repo = "mallory/salesforce-apps" if fork else REPO
    return {
        "event_name": event,
        "repository": REPO,
        "token": "ghs_fake_token_for_tests",
        "event": {"pull_request": {"number": 12, "head": {"repo": {"full_name": head_repo}}}},
    }


class Runner:
    def __init__(self, root: Path, github: FakeGitHub) -> None:
        self.root = root
        self.github = github
        self.venv = make_fake_venv(root / "venv")
        self.workspace = root / "workspace"
        self.workspace.mkdir()
        self.env = base_env(root, root / "bin", Path(sys.executable).parent)
        self.env.update({"FAKE_GH_STATE": str(github.state_path), "FAKE_GH_LOG": str(github.log_path)})
        self.env["FAKE_RECORD"] = str(root / "record.json")

    def use(
        self, rc: int, report: str = "", github: dict[str, Any] | None = None, /, **inputs: str
    ) -> ActionRun:
        env = {**self.env, "FAKE_RC": str(rc)}
        if report:
            env["FAKE_REPORT"] = report
        return run_action(
            REPO_ROOT / "action.yml",
            inputs=inputs,
            github=github or _github(),
            venv=self.venv,
            workspace=self.workspace,
            env=env,
        )


@pytest.fixture
def runner(tmp_path: Path, github: FakeGitHub) -> Runner:
    return Runner(tmp_path, github)


def _ran(run: ActionRun) -> list[str]:
    return [name for name, status, _ in run.log if status is not None]


def test_plan_with_changes_comments_and_passes_then_updates_the_same_comment(runner: Runner) -> None:
    first = runner.use(2, "Plan: 1 to add.\n", command="plan", target="production", **{"pr-comment": "true"})

    assert not first.failed, first.log
    assert first.outputs["exitcode"] == "2"
    assert first.outputs["has-changes"] == "true"
    assert first.outputs["report"].endswith(".md")
    (comment,) = runner.github.state()["comments"]["12"]
    assert comment["body"] == f"{MARKER}\n\nPlan: 1 to add."

    second = runner.use(2, "Plan: 2 to add.\n", command="plan", target="production", **{"pr-comment": "true"})

    assert not second.failed
    assert runner.github.state()["comments"]["12"] == [{**comment, "body": f"{MARKER}\n\nPlan: 2 to add."}]


def test_a_fork_pull_request_gets_no_comment(runner: Runner) -> None:
    run = runner.use(2, "", _github(fork=True), command="plan", target="production", **{"pr-comment": "true"})

    assert not run.failed
    assert "Comment on the pull request" not in _ran(run)
    assert runner.github.calls() == []


def test_a_failed_plan_is_reported_on_the_pull_request_and_fails_the_action(runner: Runner) -> None:
    runner.env["FAKE_WRITES_REPORT"] = "0"
    run = runner.use(1, command="plan", target="production", **{"pr-comment": "true"})

    assert run.failed
    assert run.outputs == {"exitcode": "1", "has-changes": "false", "report": ""}
    body = runner.github.state()["comments"]["12"][0]["body"]
    assert body.startswith(MARKER) and "did not produce a report (exit code 1)" in body
    assert _ran(run)[-1] == "Exit with sfconnect's status"


def test_a_report_written_by_a_failing_plan_is_marked_as_failed(runner: Runner) -> None:
    run = runner.use(1, "Plan: 1 to add.\n", command="plan", target="production", **{"pr-comment": "true"})

    assert run.failed
    body = runner.github.state()["comments"]["12"][0]["body"]
    assert body.startswith(f"{MARKER}\n\n> :x: **sfconnect plan failed** (exit code 1)")
    assert body.endswith("Plan: 1 to add.")


def test_lint_findings_fail_by_default_and_pass_when_the_caller_says_so(runner: Runner) -> None:
    assert runner.use(2, command="lint").failed
    assert not runner.use(2, command="lint", **{"fail-on-found": "false"}).failed
    assert not runner.use(0, command="lint").failed


def test_nightly_drift_opens_the_issue_fails_then_closes_it_and_passes(runner: Runner) -> None:
    inputs = {"command": "drift", "target": "production", "drift-issue": "true", "fail-on-found": "true"}

    drifted = runner.use(2, "billing-sync: scopes drifted\n", _github(event="schedule"), **inputs)

    assert drifted.failed
    (issue,) = runner.github.state()["issues"]
    assert issue["body"] == "<!-- sfconnect:drift:production -->\n\nbilling-sync: scopes drifted"
    assert issue["state"] == "open"
    assert "Comment on the pull request" not in _ran(drifted)

    in_sync = runner.use(0, "No drift.\n", _github(event="schedule"), **inputs)

    assert not in_sync.failed
    assert runner.github.state()["issues"][0]["state"] == "closed"


def test_the_key_is_gone_after_the_action_even_when_the_command_fails(runner: Runner) -> None:
    pem = generated_private_key_pem()

    run = runner.use(1, command="apply", args="plan.json", **{"private-key": pem})

    assert run.failed
    assert list(Path(runner.env["RUNNER_TEMP"]).glob("sfconnect-key.*")) == []
    assert all(pem_body_line(pem) not in text for _, _, text in run.log)


def test_an_unknown_input_is_caught_by_the_harness(runner: Runner) -> None:
    with pytest.raises(ValueError, match="fail-on-finds"):
        runner.use(0, command="plan", **{"fail-on-finds": "true"})


@pytest.mark.parametrize(
    ("expression", "failed", "expected"),
    [
        ("${{ !cancelled() && inputs.x == 'true' }}", True, True),
        ("${{ always() }}", True, True),
        (None, True, False),
        (None, False, True),
        ("inputs.x != 'true' || github.event_name == 'push'", False, True),
        ("${{ !(inputs.x == 'true') }}", False, False),
    ],
)
def test_the_harness_evaluates_conditions(expression: str | None, failed: bool, expected: bool) -> None:
    context = {"inputs": {"x": "true"}, "github": {"event_name": "push"}}
    assert condition(expression, context, failed=failed) is expected


@pytest.mark.slow
def test_the_install_step_installs_sfconnect_from_the_action_directory_once(runner: Runner) -> None:
    # A copy of what a checkout of the action holds, so that pip's build files stay out of the repository.
    action_dir = runner.root / "action"
    action_dir.mkdir()
    for name in ("action.yml", "pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, action_dir / name)
    for folder in ("sfconnect", "ci_kit"):
        shutil.copytree(
            REPO_ROOT / folder, action_dir / folder, ignore=shutil.ignore_patterns("__pycache__", ".*")
        )

    def use() -> ActionRun:
        return run_action(
            action_dir / "action.yml",
            inputs={"command": "validate", "report": "false"},
            github=_github(event="push"),
            venv=None,
            workspace=runner.workspace,
            env=runner.env,
        )

    first = use()
    install = next(entry for entry in first.log if entry[0] == "Install sfconnect from this action's source")
    assert install[1] == 0, install[2]
    assert "sfconnect, version" in install[2]
    (venv,) = Path(runner.env["RUNNER_TEMP"]).glob("sfconnect-venv-*")
    assert (venv / "bin" / "sfconnect").is_file()

    # A second use in the same job reuses the environment: the entry point is not installed again.
    (venv / "bin" / "sfconnect").write_text("#!/bin/sh\necho 'sfconnect, version reused'\n", encoding="utf-8")
    second = use()
    again = next(entry for entry in second.log if entry[0] == "Install sfconnect from this action's source")
    assert again[1] == 0
    assert "sfconnect, version reused" in again[2]
