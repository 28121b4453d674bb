"""Every example plans and applies with `api_version: "66.0"` against the embedded org (which serves 31.0-66.0)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import Cli

# examples with a local target that applies; `lint-findings` is built to be refused (a Connected App the
# org may not create) and is checked for that refusal below, at 66.0 as at 63.0.
APPLIED = ("existing-connected-app", "mobile", "multi-env", "quickstart", "server-to-server")
SECRETS = {"BILLING_SYNC_SECRET": "BillingSync0Secret42"}


def _at_66(root: Path) -> None:
    config = root / "sfconnect.yaml"
    text = config.read_text(encoding="utf-8")
    assert 'api_version: "63.0"' in text
    config.write_text(text.replace('api_version: "63.0"', 'api_version: "66.0"'), encoding="utf-8")


@pytest.mark.parametrize("name", APPLIED)
def test_example_plans_and_applies_at_66(project: Callable[[str], Path], cli: Cli, name: str) -> None:
    root = project(name)
    _at_66(root)
    assert cli("keygen", "-C", str(root)).code == 0
    planned = cli("plan", "-C", str(root), environ=SECRETS)
    assert planned.code == 0, planned.output
    applied = cli("apply", "-C", str(root), "--auto-approve", environ=SECRETS)
    assert applied.code == 0, applied.output
    assert "The org matches the plan." in applied.out
    again = cli("plan", "-C", str(root), "--detailed-exitcode", environ=SECRETS)
    assert again.code == 0, again.output
    assert "No changes." in again.out


def test_lint_findings_example_is_refused_the_same_at_66(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("lint-findings")
    _at_66(root)
    planned = cli("plan", "-C", str(root))
    assert planned.code == 1
    assert "does not allow creating Connected Apps" in planned.output
