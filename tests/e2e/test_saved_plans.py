"""`plan --out FILE` writes a saved plan whatever FILE is called, unless its extension names a rendering."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import Cli


def test_the_terraform_habit_plan_out_tfplan_then_apply_tfplan(
    project: Callable[[str], Path], cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project("existing-connected-app")
    monkeypatch.chdir(root)
    saved = cli("plan", "--out", "tfplan")
    assert saved.code == 0, saved.output
    assert "Plan written to tfplan; apply it with `sfconnect apply tfplan`" in saved.out
    assert "saved" in json.loads((Path.cwd() / "tfplan").read_text())
    applied = cli("apply", "tfplan")
    assert applied.code == 0, applied.output
    assert "The org matches the plan." in applied.out


def test_renderings_are_named_by_their_extension_and_refused_by_apply(
    project: Callable[[str], Path], cli: Cli
) -> None:
    root = project("existing-connected-app")
    text_file, md_file = root / "plan.txt", root / "plan.md"
    written = cli("plan", "-C", str(root), "--out", str(text_file), "--out", str(md_file))
    assert written.code == 0, written.output
    assert text_file.read_text().startswith("Target 'local'")
    assert md_file.read_text().startswith("### sfconnect plan")
    assert "apply it with" not in written.out
    for rendering in (text_file, md_file):
        refused = cli("apply", "-C", str(root), str(rendering))
        assert refused.code == 1
        assert "Error" not in refused.err  # no Python exception names
        assert "not a saved plan" in refused.err and "sfconnect plan --out" in refused.err


def test_a_saved_plan_names_its_org_and_another_org_refuses_it(
    project: Callable[[str], Path], cli: Cli, tmp_path: Path
) -> None:
    """A saved plan records the org it was made for, local orgs included (the org id is the first 15 characters
    of the session id a SOAP login gives), and `apply` refuses it in another org (docs/plan-apply.md)."""
    first = project("existing-connected-app")
    saved = cli("plan", "-C", str(first), "--out", str(first / "tfplan"))
    assert saved.code == 0, saved.output
    org_id = json.loads((first / "tfplan").read_text())["saved"]["org_id"]
    assert org_id.startswith("00D") and len(org_id) == 15
    other = tmp_path / "elsewhere"
    shutil.copytree(first, other, ignore=shutil.ignore_patterns(".sfconnect"))  # same YAML, its own org
    refused = cli("apply", "-C", str(other), str(other / "tfplan"))
    assert refused.code == 1
    assert f"was made for org {org_id}" in refused.err
    assert "Apply complete" not in refused.out
