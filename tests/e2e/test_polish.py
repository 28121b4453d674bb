"""Smaller first-day fixes: colour everywhere, -v timings, secrets checked by plan, absent apps need no label."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from sfconnect.cli._render import color_for
from sfconnect.cli.context import AppContext
from tests.e2e.conftest import Cli


def test_color_option_colours_lint_and_smoke(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("lint-findings")
    assert "\x1b[" in cli("lint", "-C", str(root), "--color").out
    assert "\x1b[" not in cli("lint", "-C", str(root)).out  # not a terminal: no colour by default
    quick = project("quickstart")
    assert cli("keygen", "-C", str(quick)).code == 0
    assert cli("apply", "-C", str(quick), "--auto-approve").code == 0
    smoke = cli("smoke", "-C", str(quick), "--color")
    assert "\x1b[32mPASS" in smoke.out
    assert "\x1b[" not in cli("smoke", "-C", str(quick), "--no-color").out


def test_no_color_is_honoured_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert color_for(AppContext(environ={})) is True
    assert color_for(AppContext(environ={"NO_COLOR": "1"})) is False
    forced = AppContext(environ={"NO_COLOR": "1"})
    forced.color = True
    assert color_for(forced) is True  # --color wins


def test_verbose_adds_timings(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("existing-connected-app")
    plan = cli("plan", "-C", str(root), "-v")
    assert plan.code == 0, plan.output
    line = next(x for x in plan.err.splitlines() if x.startswith("API calls:"))
    assert "listMetadata=" in line and "s)" in line and "plan took" in line


def test_a_missing_secret_fails_plan_and_apply_before_any_prompt(
    project: Callable[[str], Path], cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project("server-to-server")
    plan = cli("plan", "-C", str(root))
    assert plan.code == 1
    assert "the consumer secret of 'Billing_Sync'" in plan.out
    assert "environment variable BILLING_SYNC_SECRET is not set" in plan.out
    monkeypatch.setattr("sfconnect.cli.apply._interactive", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    applied = cli("apply", "-C", str(root))
    assert applied.code == 1
    assert "Apply these changes?" not in applied.output
    assert "BILLING_SYNC_SECRET is not set" in applied.out


def test_an_absent_app_needs_no_label(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "old.yaml").write_text(
        "apps:\n  - kind: ExternalClientApp\n    name: Old_App\n    state: absent\n"
    )
    done = cli("validate", "-C", str(tmp_path))
    assert done.code == 0, done.output
    (tmp_path / "apps" / "old.yaml").write_text("apps:\n  - kind: ExternalClientApp\n    name: Old_App\n")
    missing = cli("validate", "-C", str(tmp_path))
    assert missing.code == 1 and "missing required key 'label'" in missing.output
