"""What apply shows before it changes anything: exactly what plan shows, and the same counts."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import Cli


def test_interactive_apply_shows_exactly_the_plan_with_lint_findings(
    project: Callable[[str], Path], cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project("quickstart")
    assert cli("keygen", "-C", str(root)).code == 0
    plan = cli("plan", "-C", str(root))
    assert "lint MEDIUM SFC-ACCESS-001" in plan.out
    assert "Plan: 2 apps (10 components) to add, 0 to change, 0 to destroy." in plan.out

    monkeypatch.setattr("sfconnect.cli.apply._interactive", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    declined = cli("apply", "-C", str(root))
    assert declined.code == 1
    assert declined.out.startswith(plan.out)  # the same text, then the question

    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    applied = cli("apply", "-C", str(root))
    assert applied.code == 0, applied.output
    assert "Apply complete" in applied.out
    assert "2 apps (10 components) created, 0 updated, 0 deleted." in applied.out


def test_apply_planfile_shows_the_plan_it_applies(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("existing-connected-app")
    planfile = root / "reviewed.plan"
    saved = cli("plan", "-C", str(root), "--out", str(planfile))
    assert saved.code == 0, saved.output
    applied = cli("apply", "-C", str(root), str(planfile))
    assert applied.code == 0, applied.output
    shown = saved.out.split("Plan written to")[0]
    assert applied.out.startswith(shown)
    assert "~ access.session_timeout_minutes" in applied.out
    assert "0 created, 1 app (1 component) updated, 0 deleted." in applied.out
