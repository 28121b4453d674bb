"""`sfconnect init` end to end: the new project validates, lints clean, plans and applies to the embedded org,
and the CI files it writes pass the same linters and schemas as the kit's examples."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.ci_kit.test_workflows import ACTION, _run, _tool, _zizmor
from tests.conftest import REPO_ROOT
from tests.e2e.conftest import Cli

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_init_then_validate_lint_plan_and_apply_against_the_embedded_org(tmp_path: Path, cli: Cli) -> None:
    project = tmp_path / "project"
    project.mkdir()
    created = cli("init", "-C", str(project))
    assert created.code == 0, created.output
    commands = [line.strip() for line in created.out.splitlines() if line.startswith("  sfconnect ")]
    assert commands == [f"sfconnect {verb} -C {project}" for verb in ("validate", "plan", "apply", "smoke")]

    validated = cli("validate", "-C", str(project))
    assert validated.code == 0, validated.output
    assert "1 app(s) valid" in validated.out

    linted = cli("lint", "-C", str(project))
    assert linted.code == 0, linted.output
    assert "0 finding(s)" in linted.out

    planned = cli("plan", "-C", str(project), "--detailed-exitcode")
    assert planned.code == 2, planned.output
    assert "ExternalClientApp 'Example_Web_App' will be created" in planned.out
    assert "Plan: 1 app (5 components) to add, 0 to change, 0 to destroy." in planned.out

    applied = cli("apply", "-C", str(project), "--auto-approve")
    assert applied.code == 0, applied.output
    assert "The org matches the plan." in applied.out

    again = cli("plan", "-C", str(project), "--detailed-exitcode")
    assert again.code == 0, again.output
    assert "No changes." in again.out
    assert (project / ".sfconnect" / "localorg" / "default").is_dir()
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=_git_repo(project),
        capture_output=True,
        text=True,
        check=True,
    )
    untracked = sorted(line.removeprefix("?? ") for line in status.stdout.splitlines())
    assert untracked == [
        ".github/workflows/sfconnect-apply.yml",
        ".github/workflows/sfconnect-drift.yml",
        ".github/workflows/sfconnect-lint.yml",
        ".github/workflows/sfconnect-plan.yml",
        ".gitignore",
        "apps/example-web-app.yaml",
        "localorg-seed.yaml",
        "sfconnect.yaml",
    ]  # the local org's state in .sfconnect/ is ignored


def test_a_fresh_project_passes_smoke_on_its_first_run_then_removes_its_app(tmp_path: Path, cli: Cli) -> None:
    """The first day: init, keygen, validate, plan, apply, smoke all exit 0; then `state: absent` removes it."""
    project = tmp_path / "fresh"
    project.mkdir()
    assert cli("init", "-C", str(project), "--ci", "none").code == 0
    for args in (["keygen"], ["validate"], ["plan"], ["apply", "--auto-approve"], ["smoke"]):
        done = cli(*args, "-C", str(project))
        assert done.code == 0, (args, done.output)
        if args == ["smoke"]:
            assert "0 failed, 0 error(s)" in done.out

    app_file = project / "apps" / "example-web-app.yaml"
    text = app_file.read_text(encoding="utf-8")
    app_file.write_text(
        text.replace("    label: Example Web App\n", "    label: Example Web App\n    state: absent\n")
    )
    removed = cli("apply", "-C", str(project), "--auto-approve")
    assert removed.code == 0, removed.output
    assert "deleted ExternalClientApplication Example_Web_App" in removed.out
    settled = cli("plan", "-C", str(project), "--detailed-exitcode")
    assert settled.code == 0, settled.output


def test_smoke_finds_keygens_private_key_next_to_the_certificate(tmp_path: Path, cli: Cli) -> None:
    assert cli("init", "-C", str(tmp_path), "--ci", "none").code == 0
    app_file = tmp_path / "apps" / "example-web-app.yaml"
    text = app_file.read_text(encoding="utf-8")
    jwt = re.sub(r"(?m)^(\s*)# (\s*)(?=jwt_bearer:|enabled:|certificate:)", r"\1\2", text)
    app_file.write_text(jwt, encoding="utf-8")
    assert cli("keygen", "-C", str(tmp_path)).code == 0
    assert cli("apply", "-C", str(tmp_path), "--auto-approve").code == 0
    smoke = cli("smoke", "-C", str(tmp_path))
    assert smoke.code == 0, smoke.output
    assert "jwt_bearer" in smoke.out and "no private_key" not in smoke.output


def _git_repo(directory: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(directory)], check=True)
    return directory


# --- the CI files init writes pass actionlint, zizmor and the schemas ------------------------------------


@pytest.fixture(scope="module")
def github_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project made by `init --action-ref ...`, in a git repository (actionlint looks for one)."""
    from sfconnect.cli.context import AppContext
    from sfconnect.cli.main import run

    project = tmp_path_factory.mktemp("init-github")
    assert run(["init", "-C", str(project), "--action-ref", f"acme/sfconnect@{SHA}"], obj=AppContext()) == 0
    return _git_repo(project)


def _workflows(project: Path) -> list[Path]:
    found = sorted((project / ".github" / "workflows").glob("*.yml"))
    assert len(found) == 4
    return found


def test_the_written_workflows_match_the_github_workflows_schema(github_project: Path) -> None:
    files = [str(p) for p in _workflows(github_project)]
    done = _run(_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files)
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_reports_nothing_on_the_written_workflows(github_project: Path) -> None:
    code, findings = _zizmor(*_workflows(github_project))
    assert findings == []
    assert code == 0


def test_actionlint_reports_nothing_on_the_written_workflows(github_project: Path) -> None:
    _tool("shellcheck")  # actionlint checks run: scripts only when shellcheck is on PATH
    done = _run(_tool("actionlint"), "-no-color", "-oneline", cwd=github_project)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_actionlint_checks_the_written_workflows_inputs_against_action_yml(tmp_path: Path) -> None:
    """With the action beside them as ``./``, actionlint checks every input the workflows pass to it."""
    from sfconnect.cli.context import AppContext
    from sfconnect.cli.main import run

    assert run(["init", "-C", str(tmp_path), "--action-ref", f"acme/sfconnect@{SHA}"], obj=AppContext()) == 0
    repo = _git_repo(tmp_path)
    shutil.copy(ACTION, repo / "action.yml")
    for workflow in _workflows(repo):
        text = workflow.read_text(encoding="utf-8")
        assert f"acme/sfconnect@{SHA}" in text
        workflow.write_text(text.replace(f"acme/sfconnect@{SHA}", "./"), encoding="utf-8")
    done = _run(_tool("actionlint"), "-no-color", "-oneline", cwd=repo)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_the_written_gitlab_pipeline_matches_the_gitlab_ci_schema(tmp_path: Path, cli: Cli) -> None:
    assert cli("init", "-C", str(tmp_path), "--ci", "gitlab").code == 0
    done = _run(
        _tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(tmp_path / ".gitlab-ci.yml")
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_commented_jwt_bearer_example_works_and_its_private_key_is_ignored(
    tmp_path: Path, cli: Cli
) -> None:
    assert cli("init", "-C", str(tmp_path), "--ci", "none").code == 0
    app_file = tmp_path / "apps" / "example-web-app.yaml"
    text = app_file.read_text(encoding="utf-8")
    jwt = re.sub(r"(?m)^(\s*)# (\s*)(?=jwt_bearer:|enabled:|certificate:)", r"\1\2", text)
    assert jwt.count("\n") == text.count("\n") and jwt != text
    app_file.write_text(jwt, encoding="utf-8")
    keygen = cli("keygen", "-C", str(tmp_path))
    assert keygen.code == 0, keygen.output
    assert cli("validate", "-C", str(tmp_path)).code == 0
    assert cli("lint", "-C", str(tmp_path)).code == 0
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "certs"],
        cwd=_git_repo(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout.splitlines() == ["?? certs/example-web-app.crt"]  # the .key beside it is ignored
    assert (tmp_path / "certs" / "example-web-app.key").is_file()


def test_the_built_package_carries_every_template(tmp_path: Path) -> None:
    """init reads its files as package data: a wheel built from the source has all of them."""
    source = tmp_path / "source"
    shutil.copytree(
        REPO_ROOT / "sfconnect", source / "sfconnect", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, source / name)
    env = {**os.environ, "VIRTUALENV_NO_PERIODIC_UPDATE": "1"}
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "virtualenv", "-q", str(venv)], check=True, env=env)
    subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("sfconnect-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        packaged = {n for n in archive.namelist() if n.startswith("sfconnect/scaffold/templates/")}
    templates = REPO_ROOT / "sfconnect" / "scaffold" / "templates"
    expected = {
        p.relative_to(REPO_ROOT).as_posix()
        for p in templates.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert len(expected) == 8
    assert packaged == expected


def test_smoke_hints_at_seeding_a_user_when_none_is_admitted(tmp_path: Path, cli: Cli) -> None:
    assert cli("init", "-C", str(tmp_path), "--ci", "none").code == 0
    app_file = tmp_path / "apps" / "example-web-app.yaml"
    text = app_file.read_text(encoding="utf-8")
    app_file.write_text(re.sub(r"(?m)^\s*permission_sets: .*\n", "", text), encoding="utf-8")
    assert cli("apply", "-C", str(tmp_path), "--auto-approve").code == 0
    smoke = cli("smoke", "-C", str(tmp_path))
    assert smoke.code == 2, smoke.output
    assert "not admin approved" in smoke.out
    assert "seed a user holding them (`users:` in the target's seed file" in smoke.out
