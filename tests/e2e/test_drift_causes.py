"""`drift` shows why a target could not be checked, as `plan -t` does; unconfigured targets can be skipped."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import Cli


def test_drift_prints_each_targets_cause_as_plan_would(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("multi-env")
    drift = cli("drift", "-C", str(root))
    assert drift.code == 1
    plan = cli("plan", "-C", str(root), "-t", "uat")
    assert plan.code == 1
    for line in plan.err.splitlines():
        assert line.strip() in drift.out, line  # every line plan -t uat prints, under the target
    assert "Target 'uat': could not be checked:" in drift.out
    assert "UAT_DEPLOY_CONSUMER_KEY is not set" in drift.out and "sfconnect.yaml:21:" in drift.out


def test_skip_unconfigured_reports_the_missing_variable_and_passes(
    project: Callable[[str], Path], cli: Cli
) -> None:
    root = project("multi-env")
    assert cli("apply", "-C", str(root), "--auto-approve").code == 0
    drift = cli("drift", "-C", str(root), "--skip-unconfigured")
    assert drift.code == 0, drift.output
    assert "Target 'uat': skipped, not configured (UAT_DEPLOY_CONSUMER_KEY not set)" in drift.out
    assert "Target 'production': skipped, not configured (PROD_DEPLOY_CONSUMER_KEY not set)" in drift.out
    assert "No drift: target 'local'" in drift.out
    as_json = json.loads(cli("drift", "-C", str(root), "--skip-unconfigured", "--format", "json").out)
    assert {d["target"]: d.get("skipped", "") for d in as_json}["uat"].startswith("not configured")
    # a target that fails for another reason still fails
    broken = cli("drift", "-C", str(root), "--skip-unconfigured", environ={"UAT_DEPLOY_CONSUMER_KEY": "x"})
    assert broken.code == 1
