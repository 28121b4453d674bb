"""The CLI against served local orgs: plan, apply, drift, saved plans, keygen, no secrets in any output."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from sfconnect.localorg import serve_local_org
from sfconnect.localorg._service import local_org_dir
from tests.conftest import REPO_ROOT
from tests.e2e.conftest import Cli

PLAN_SCHEMA = json.loads((REPO_ROOT / "schemas" / "plan.schema.json").read_text())


def test_quickstart_keygen_apply_then_no_changes(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("quickstart")
    missing = cli("plan", "-C", str(root))
    assert missing.code == 1 and "sfconnect keygen" in missing.output

    keygen = cli("keygen", "-C", str(root))
    assert keygen.code == 0, keygen.output
    key = root / "certs" / "ci-integration.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert "PRIVATE KEY" not in keygen.output

    first = cli("plan", "-C", str(root), "--detailed-exitcode")
    assert first.code == 2, first.output
    assert "+ ExternalClientApp 'CI_Integration'" in first.out
    assert "oauth.consumer_key" in first.out and "(known after apply)" in first.out
    assert "Plan: 2 apps (10 components) to add, 0 to change, 0 to destroy." in first.out

    applied = cli("apply", "-C", str(root), "--auto-approve")
    assert applied.code == 0, applied.output
    assert "The org matches the plan." in applied.out

    again = cli("plan", "-C", str(root), "--detailed-exitcode")
    assert again.code == 0, again.output
    assert "No changes." in again.out


def test_existing_connected_app_is_updated_never_created(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("existing-connected-app")
    plan = cli("plan", "-C", str(root), "--detailed-exitcode")
    assert plan.code == 2, plan.output
    assert "~ ConnectedApp 'Billing_Sync'" in plan.out
    assert "will be created" not in plan.out
    assert "~ access.session_timeout_minutes              = 120 -> 60" in plan.out

    assert cli("apply", "-C", str(root), "--auto-approve").code == 0
    assert cli("plan", "-C", str(root), "--detailed-exitcode").code == 0


def test_creating_a_connected_app_in_a_blocking_org_is_an_error_with_the_fix(
    project: Callable[[str], Path], cli: Cli
) -> None:
    root = project("existing-connected-app")
    app_file = root / "apps" / "billing-sync.yaml"
    app_file.write_text(app_file.read_text().replace("name: Billing_Sync", "name: Billing_Sync_Two"))
    plan = cli("plan", "-C", str(root))
    assert plan.code == 1
    assert "does not allow creating Connected Apps" in plan.out
    assert "kind: ExternalClientApp" in plan.out
    assert "apps/billing-sync.yaml" in plan.out


def test_json_plan_validates_against_the_schema(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("existing-connected-app")
    result = cli("plan", "-C", str(root), "--format", "json")
    assert result.code == 0, result.output
    doc = json.loads(result.out)
    jsonschema.validate(doc, PLAN_SCHEMA)
    [app] = doc["apps"]
    assert app["action"] == "update"
    assert {c["path"] for c in app["changes"]} >= {"oauth.scopes", "access.session_timeout_minutes"}


def test_drift_then_stale_saved_plan_then_restore(project: Callable[[str], Path], cli: Cli) -> None:
    from tests.localorg.conftest import close_client, simple_salesforce_client

    root = project("existing-connected-app")
    data_dir = local_org_dir(root, "existing")
    with serve_local_org(data_dir, seed_file=root / "localorg-seed.yaml") as handle:
        assert cli("apply", "-C", str(root), "--auto-approve").code == 0
        assert cli("drift", "-C", str(root)).code == 0

        plan_file = root / "plan.json"
        app_file = root / "apps" / "billing-sync.yaml"
        app_file.write_text(
            app_file.read_text().replace("session_timeout_minutes: 60", "session_timeout_minutes: 30")
        )
        saved = cli("plan", "-C", str(root), "--out", str(plan_file))
        assert saved.code == 0, saved.output
        jsonschema.validate(json.loads(plan_file.read_text()), PLAN_SCHEMA)

        # someone changes the app by hand (another client, through the Metadata API)
        sf = simple_salesforce_client(handle)
        try:
            record = sf.mdapi.ConnectedApp.read("Billing_Sync")
            record.description = "Edited in Setup"
            sf.mdapi.ConnectedApp.update([record])
        finally:
            close_client(sf)

        drift = cli("drift", "-C", str(root))
        assert drift.code == 2, drift.output
        assert "description" in drift.out and "Edited in Setup" in drift.out

        stale = cli("apply", "-C", str(root), str(plan_file))
        assert stale.code == 1
        assert "stale" in stale.err and "re-run plan" in stale.err

        assert cli("apply", "-C", str(root), "--auto-approve").code == 0
        assert cli("drift", "-C", str(root)).code == 0


def test_saved_plan_applies_exactly(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("existing-connected-app")
    plan_file = root / "plan.json"
    assert cli("plan", "-C", str(root), "--out", str(plan_file)).code == 0
    # the YAML changes after the plan was reviewed: apply still applies the reviewed plan
    app_file = root / "apps" / "billing-sync.yaml"
    app_file.write_text(
        app_file.read_text().replace("session_timeout_minutes: 60", "session_timeout_minutes: 30")
    )
    applied = cli("apply", "-C", str(root), str(plan_file))
    assert applied.code == 0, applied.output
    drift = cli("drift", "-C", str(root))
    assert drift.code == 2 and "60 -> 30" in drift.out


def test_no_secret_in_any_output_or_file(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("server-to-server")
    secret = "Sup3rS3cretConsumerValue0123456789"
    environ = {"BILLING_SYNC_SECRET": secret}
    outputs = []
    for args in (
        ("validate", str(root)),
        ("validate", "--format", "json", str(root)),
        ("schema",),
        ("keygen", "-C", str(root)),
        ("plan", "-C", str(root), "--format", "json", "-v"),
        ("plan", "-C", str(root), "--out", str(root / "plan.json")),
        ("plan", "-C", str(root), "--format", "markdown"),
        ("apply", "-C", str(root), "--auto-approve"),
        ("drift", "-C", str(root), "--format", "json"),
    ):
        result = cli(*args, environ=environ)
        assert result.code in (0, 2), (args, result.output)
        outputs.append(result.output)
    assert all(secret not in text for text in outputs)
    for path in root.rglob("*"):
        # the org's database (with its write-ahead log while the shared server runs) holds the app's secret
        if path.is_file() and not path.name.startswith("org.db"):
            assert secret.encode() not in path.read_bytes(), path
    doc = json.loads((root / "plan.json").read_text())
    assert doc["saved"]["secret_refs"] == ["env:BILLING_SYNC_SECRET"]


@pytest.mark.parametrize("args", [("plan", "-t", "nope"), ("apply", "-t", "nope", "--auto-approve")])
def test_unknown_target_is_a_clear_error(
    project: Callable[[str], Path], cli: Cli, args: tuple[str, ...]
) -> None:
    root = project("quickstart")
    result = cli(*args, "-C", str(root))
    assert result.code == 1
    assert "no target named 'nope'" in result.err and "local" in result.err


def test_validate_surfaces_server_refusals(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("quickstart")
    assert cli("keygen", "-C", str(root)).code == 0
    with serve_local_org(local_org_dir(root, "default"), seed_file=root / "localorg-seed.yaml") as handle:
        handle.org.set_setting("consumer_secret_api_access", False)
        plain = cli("plan", "-C", str(root))
        assert plain.code == 0, plain.output
        checked = cli("plan", "-C", str(root), "--validate")
        assert checked.code == 1
        assert "the org refuses ExtlClntAppGlobalOauthSettings CI_Integration_glbloauth" in checked.out
        assert cli("plan", "-C", str(root), "--detailed-exitcode").code == 2  # nothing was deployed


def test_validate_lifts_the_creation_block_when_the_org_allows_it(
    project: Callable[[str], Path], cli: Cli
) -> None:
    root = project("existing-connected-app")
    app_file = root / "apps" / "billing-sync.yaml"
    app_file.write_text(app_file.read_text().replace("name: Billing_Sync", "name: Billing_Sync_Two"))
    with serve_local_org(local_org_dir(root, "existing"), seed_file=root / "localorg-seed.yaml") as handle:
        assert cli("plan", "-C", str(root), "--validate").code == 1
        handle.org.set_setting("connected_app_creation_allowed", True)
        allowed = cli("plan", "-C", str(root), "--validate")
        assert allowed.code == 0, allowed.output
        assert "error:" not in allowed.out


def test_one_plan_written_in_several_formats(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("existing-connected-app")
    result = cli("plan", "-C", str(root), "--out", str(root / "plan.json"), "--out", str(root / "plan.md"))
    assert result.code == 0, result.output
    assert json.loads((root / "plan.json").read_text())["saved"]["desired"]
    markdown = (root / "plan.md").read_text()
    assert markdown.startswith("### sfconnect plan: `local`") and "<details>" in markdown
    assert "apply it with `sfconnect apply" in result.out


def test_unmanaged_apps_count_as_drift_only_when_the_project_says_so(
    project: Callable[[str], Path], cli: Cli
) -> None:
    root = project("existing-connected-app")
    with serve_local_org(local_org_dir(root, "existing"), seed_file=root / "localorg-seed.yaml") as handle:
        assert cli("apply", "-C", str(root), "--auto-approve").code == 0
        record = {"fullName": "Hand_Made", "label": "Hand Made", "contactEmail": "x@example.com"}
        [created] = handle.org.create_metadata(
            [("ExternalClientApplication", record)], handle.org.admin_user()
        )
        assert created.success
        reported = cli("drift", "-C", str(root))
        assert reported.code == 0, reported.output
        assert "Hand_Made" in reported.out
        config = root / "sfconnect.yaml"
        config.write_text(config.read_text() + "unmanaged:\n  policy: drift\n")
        counted = cli("drift", "-C", str(root))
        assert counted.code == 2, counted.output
        config.write_text(config.read_text() + "  ignore: [Hand_*]\n")
        ignored = cli("drift", "-C", str(root))
        assert ignored.code == 0 and "Hand_Made" not in ignored.out


def test_secrets_never_reach_the_logs(
    project: Callable[[str], Path], cli: Cli, caplog: pytest.LogCaptureFixture
) -> None:
    root = project("server-to-server")
    secret = "AnotherS3cretValue9876543210abcd"
    with caplog.at_level("DEBUG"):
        assert (
            cli("apply", "-C", str(root), "--auto-approve", environ={"BILLING_SYNC_SECRET": secret}).code == 0
        )
    assert caplog.records, "the run logged nothing at all: the check would prove nothing"
    assert secret not in caplog.text


def test_a_target_needs_only_its_own_variables(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("multi-env")
    local = cli("plan", "-C", str(root))  # uat and production credentials are unset: not needed here
    assert local.code == 0, local.output
    uat = cli("plan", "-C", str(root), "-t", "uat")
    assert uat.code == 1
    assert "UAT_DEPLOY_CONSUMER_KEY is not set" in uat.err and "PROD_DEPLOY" not in uat.err


def test_an_empty_directory_says_it_is_not_a_project(tmp_path: Path, cli: Cli) -> None:
    result = cli("plan", "-C", str(tmp_path))
    assert result.code == 0
    assert "no sfconnect.yaml and no app files" in result.err and "sfconnect init" in result.err
