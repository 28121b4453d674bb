"""`plan` checks the permission sets, profiles and run-as users that policies name, in the target org.

Permission sets and profiles are read with one ``listMetadata`` call (Metadata API Developer Guide,
listMetadata(); standard profiles are listed by short names such as ``Admin``: "Profile", Metadata API Developer
Guide), run-as users with one SOQL query on ``User`` (REST API Developer Guide, "Execute a SOQL Query").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import Cli


def _server_to_server(project: Callable[[str], Path]) -> Path:
    root = project("server-to-server")
    app_file = root / "apps" / "billing-sync.yaml"
    text = app_file.read_text()
    text = text.replace("run_as: billing.integration@example.com", "run_as: etl@example.com")
    text = text.replace(
        "permission_sets: [Billing_Integration]",
        "permission_sets: [Billing_Integration, Portal_Users]\n      profiles: [System Administrator, Integrations]",
    )
    app_file.write_text(text)
    return root


ENV = {"BILLING_SYNC_SECRET": "s" * 40}


def test_missing_references_are_app_errors_with_their_yaml_line(
    project: Callable[[str], Path], cli: Cli
) -> None:
    root = _server_to_server(project)
    text = cli("plan", "-C", str(root), environ=ENV)
    assert text.code == 1, text.output
    lines = (root / "apps" / "billing-sync.yaml").read_text().splitlines()
    run_as_line = next(i for i, line in enumerate(lines, 1) if "run_as:" in line)
    permsets_line = next(i for i, line in enumerate(lines, 1) if "permission_sets:" in line)
    assert f"billing-sync.yaml:{run_as_line}:" in text.out
    assert "oauth.flows.client_credentials.run_as: no user 'etl@example.com' in target 'local'" in text.out
    assert f"billing-sync.yaml:{permsets_line}:" in text.out
    assert "access.permission_sets[1]: no permission set 'Portal_Users'" in text.out
    assert "access.profiles[1]: no profile 'Integrations'" in text.out
    assert "no permission set 'Billing_Integration'" not in text.out
    assert "no profile 'System Administrator'" not in text.out
    assert "cannot be planned" in text.err

    markdown = cli("plan", "-C", str(root), "--format", "markdown", environ=ENV)
    assert "no permission set 'Portal_Users'" in markdown.out and "no user 'etl@example.com'" in markdown.out

    doc = json.loads(cli("plan", "-C", str(root), "--format", "json", environ=ENV).out)
    errors = [e for a in doc["apps"] for e in a["errors"]]
    assert len(errors) == 3
    assert doc["api_calls"].get("query") == 1  # one query for every user named

    applied = cli("apply", "-C", str(root), "--auto-approve", environ=ENV)
    assert applied.code == 1 and "cannot be applied" in applied.err

    saved = cli("plan", "-C", str(root), "--out", str(root / "tfplan"), environ=ENV)
    assert saved.code == 1
    refused = cli("apply", "-C", str(root), str(root / "tfplan"), environ=ENV)
    assert refused.code == 1 and "cannot be applied" in refused.err


def test_existing_references_pass_and_cost_one_call_per_kind(
    project: Callable[[str], Path], cli: Cli
) -> None:
    root = project("server-to-server")
    plan = cli("plan", "-C", str(root), "--format", "json", environ=ENV)
    assert plan.code == 0, plan.output
    doc = json.loads(plan.out)
    assert [e for a in doc["apps"] for e in a["errors"]] == []
    assert doc["api_calls"]["query"] == 1
