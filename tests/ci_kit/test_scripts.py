"""The CI kit's scripts depend on nothing but the standard library (and `gh`), and are lint-clean."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ci_kit.conftest import CI_KIT

SCRIPTS = sorted(CI_KIT.glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_only_the_standard_library_is_imported(script: Path) -> None:
    tree = ast.parse(script.read_text(encoding="utf-8"))
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    siblings = {p.stem for p in SCRIPTS}
    outside = {m for m in modules if m.split(".")[0] not in sys.stdlib_module_names | siblings}
    assert outside == set()


def test_scripts_are_formatted_and_lint_clean() -> None:
    for argv in (["check", str(CI_KIT)], ["format", "--check", str(CI_KIT)]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *argv], capture_output=True, text=True, check=False, timeout=60
        )
        assert done.returncode == 0, done.stdout + done.stderr
