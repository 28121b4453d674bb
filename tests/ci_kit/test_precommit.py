"""`pre-commit try-repo <this repository>` on a project made by `sfconnect init`.

pre-commit clones this repository at its HEAD commit (with uncommitted changes to tracked files), creates the
hook's virtual environment and builds sfconnect into it with pip, then runs the hook in the project: the
manifest, the packaging (console script, package data) and the hooks' file patterns are the real ones.

Offline and fast: pip gets no index (``PIP_NO_INDEX``) and builds without isolation, with the setuptools that
virtualenv seeds into the hook's environment. The runtime dependencies come from this test environment instead
of PyPI: a ``sitecustomize`` on ``PYTHONPATH`` appends this interpreter's site-packages to the hook
environment's ``sys.path`` (after its own, so the sfconnect built there is the one that runs), and pip sees
them as installed. A run takes a few seconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from sfconnect.cli.context import AppContext
from sfconnect.cli.main import run
from tests.ci_kit.conftest import REPO_ROOT


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git repository holding a project made by `sfconnect init`, every file added."""
    directory = tmp_path / "project"
    assert run(["init", "-C", str(directory)], obj=AppContext(environ={})) == 0
    subprocess.run(["git", "init", "-q", str(directory)], check=True)
    subprocess.run(["git", "add", "-A"], cwd=directory, check=True)
    return directory


def _try_repo(project: Path, *hook: str) -> subprocess.CompletedProcess[str]:
    shim = project.parent / "shim"
    shim.mkdir(exist_ok=True)
    site_dirs = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    (shim / "sitecustomize.py").write_text(
        "import site\n" + "".join(f"site.addsitedir({d!r})\n" for d in site_dirs), encoding="utf-8"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(shim),
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",  # pip reads the negative option's variable inverted: 0 turns isolation off
        "PRE_COMMIT_HOME": str(project.parent / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
        "VIRTUALENV_NO_PERIODIC_UPDATE": "1",  # no background download of newer seed wheels
    }
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO_ROOT), *hook, "--all-files"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_validate_hook_passes_on_a_new_project(project: Path) -> None:
    done = _try_repo(project, "sfconnect-validate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "sfconnect validate...." in done.stdout
    assert "Passed" in done.stdout


def test_validate_hook_fails_with_the_validators_message_on_a_broken_app(project: Path) -> None:
    app_file = project / "apps" / "example-web-app.yaml"
    text = app_file.read_text(encoding="utf-8")
    app_file.write_text(
        text.replace("session_timeout_minutes: 120", "session_timeout_minutes: soon"), "utf-8"
    )
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    done = _try_repo(project, "sfconnect-validate")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "- hook id: sfconnect-validate" in done.stdout
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "session_timeout_minutes" in t)
    assert (
        f"{app_file}:{line}:32 error apps[0].access.session_timeout_minutes: "
        "'session_timeout_minutes' is a number of minutes, got 'soon' [int_type]"
    ) in done.stdout
    assert f"{project}: invalid (1 error(s))" in done.stdout


def test_every_hook_of_the_manifest_passes_on_a_new_project(project: Path) -> None:
    done = _try_repo(project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "sfconnect validate...." in done.stdout
    assert "sfconnect lint...." in done.stdout
    assert done.stdout.count("Passed") == 2
