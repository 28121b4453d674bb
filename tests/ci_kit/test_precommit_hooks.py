"""The pre-commit hooks: a valid manifest, offline sfconnect commands, and files patterns for projects only."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from typing import Any

import pytest
import yaml

from tests.ci_kit.conftest import REPO_ROOT

MANIFEST = REPO_ROOT / ".pre-commit-hooks.yaml"


def _hooks() -> dict[str, dict[str, Any]]:
    hooks: list[dict[str, Any]] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in hooks}


def test_the_manifest_is_valid_for_pre_commit() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_validate_and_lint_hooks_run_the_installed_cli_on_the_whole_project() -> None:
    hooks = _hooks()
    assert set(hooks) == {"sfconnect-validate", "sfconnect-lint"}
    scripts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    for hook_id, command in (("sfconnect-validate", "validate"), ("sfconnect-lint", "lint")):
        hook = hooks[hook_id]
        assert hook["language"] == "python"
        assert hook["entry"].split() == ["sfconnect", command]
        assert "sfconnect" in scripts
        assert hook["pass_filenames"] is False


@pytest.mark.parametrize(
    "path",
    [
        "sfconnect.yaml",
        "sfconnect.yml",
        "apps/billing-sync.yaml",
        "apps/partners/portal.yml",
        "salesforce/sfconnect.yaml",
        "salesforce/apps/billing-sync.yaml",
    ],
)
def test_project_and_app_files_trigger_the_hooks(path: str) -> None:
    for hook in _hooks().values():
        assert re.search(hook["files"], path), (hook["id"], path)


@pytest.mark.parametrize(
    "path",
    [
        "sfconnect/cli/main.py",
        "sfconnect/spec/models.py",
        "schemas/plan.schema.json",
        "action.yml",
        ".github/workflows/sfconnect-plan.yml",
        "apps/README.md",
        "mysfconnect.yaml",
        "docs/apps.yaml",
    ],
)
def test_other_files_do_not(path: str) -> None:
    for hook in _hooks().values():
        assert not re.search(hook["files"], path), (hook["id"], path)


def test_no_file_of_this_repositorys_package_triggers_the_hooks() -> None:
    package_files = [
        p.relative_to(REPO_ROOT).as_posix()
        for folder in ("sfconnect", "schemas", "ci_kit")
        for p in (REPO_ROOT / folder).rglob("*")
        if p.is_file()
    ]
    assert package_files
    for hook in _hooks().values():
        assert [p for p in package_files if re.search(hook["files"], p)] == []
