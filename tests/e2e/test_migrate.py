"""`sfconnect migrate` and `localorg migrate` end to end, on examples/migrate-connected-app.

Salesforce behaviour modelled (Salesforce Help, "Connected App to External Client App Migration",
xcloud.connected_app_to_external_client_app_migration.htm, and "Create an External Client App from a Connected
App", xcloud.migrate_connected_app_to_external_client_app.htm): only local apps without the username-password
flow are eligible; invalid push settings make the migration fail; the Connected App stays read-only; deleting
the External Client App makes the Connected App active again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from sfconnect.localorg import open_local_org
from sfconnect.metadata.migration import fields_without_destination
from tests.e2e.conftest import Cli

EXAMPLE = "migrate-connected-app"
SEED_KEY = "3MVG9ExampleMigrateBillingSyncKey00000000000000000000000000000000000000000000001"


def _org_dir(root: Path) -> Path:
    return root / ".sfconnect" / "localorg" / "migrate"


def test_check_of_an_eligible_app_names_every_field_without_destination(
    project: Callable[[str], Path], cli: Cli
) -> None:
    root = project(EXAMPLE)
    result = cli("migrate", "Billing_Sync", "--check", "-C", str(root))
    assert result.code == 0, result.output
    assert "Eligible for Setup's migration" in result.out
    expected = fields_without_destination()
    assert expected, "the field map leaves some Connected App fields without a destination"
    for field in expected:
        assert f"  {field}\n" in result.out, field
    assert "ConnectedApp.oauthConfig.scopes" in result.out
    assert "ExtlClntAppOauthSettings.commaSeparatedOauthScopes" in result.out
    for what in ("username-password flow", "Notification Delivery Settings", "refresh token IP allowlist"):
        assert what in result.out
    doc = json.loads(cli("migrate", "Billing_Sync", "--check", "--format", "json", "-C", str(root)).out)
    assert doc["eligible"] is True
    assert doc["without_destination"] == list(expected)
    assert {f["field"] for f in doc["fields"]} >= set(expected)


def test_check_of_a_username_password_app_is_not_eligible(project: Callable[[str], Path], cli: Cli) -> None:
    root = project(EXAMPLE)
    result = cli("migrate", "Legacy_Loader", "--check", "-C", str(root))
    assert result.code == 2, result.output
    assert "NOT eligible" in result.out
    assert "BLOCKER username-password-flow" in result.out
    assert "web server flow with PKCE" in result.out and "client credentials flow" in result.out
    refused = cli("localorg", "migrate", "Legacy_Loader", "--org", "migrate", "-C", str(root))
    assert refused.code == 1
    assert "username-password flow" in refused.err


def test_check_of_an_app_with_push_settings(project: Callable[[str], Path], cli: Cli) -> None:
    root = project(EXAMPLE)
    result = cli("migrate", "Field_Service_Mobile", "--check", "-C", str(root))
    assert result.code == 0, result.output
    assert "WARNING push-settings" in result.out
    assert 'ConnectedApp.mobileAppConfig.devicePlatform = "ios"\n    -> NO DESTINATION' in result.out
    refused = cli("localorg", "migrate", "Field_Service_Mobile", "--org", "migrate", "-C", str(root))
    assert refused.code == 1
    assert "invalid push settings" in refused.err and "expired" in refused.err


def test_adopt_after_the_migration_then_plan_drift_and_smoke_agree(
    project: Callable[[str], Path], cli: Cli
) -> None:
    root = project(EXAMPLE)
    assert cli("plan", "--detailed-exitcode", "-C", str(root)).code == 0
    migrated = cli("localorg", "migrate", "Billing_Sync", "--org", "migrate", "-C", str(root))
    assert migrated.code == 0, migrated.output
    # before adopting, the plan (JSON: warnings of unchanged apps too) says what happened
    assert "sfconnect migrate Billing_Sync --adopt" in cli("plan", "--format", "json", "-C", str(root)).out
    adopted = cli("migrate", "Billing_Sync", "--adopt", "-C", str(root))
    assert adopted.code == 0, adopted.output
    assert "no changes" in adopted.out
    data = yaml.safe_load((root / "apps" / "billing-sync.yaml").read_text(encoding="utf-8"))
    [entry] = data["apps"]
    assert entry["kind"] == "ExternalClientApp" and entry["name"] == "Billing_Sync"
    assert entry["migrated_from"] == {"kind": "ConnectedApp", "name": "Billing_Sync"}
    assert cli("validate", "-C", str(root)).code == 0
    plan = cli("plan", "--detailed-exitcode", "-C", str(root))
    assert plan.code == 0, plan.output
    assert "ConnectedApp 'Billing_Sync'" not in plan.out  # the original is not an unmanaged app
    assert cli("drift", "-C", str(root)).code == 0
    # the assumption of docs/migrate.md: the External Client App keeps the Connected App's consumer key
    org = open_local_org(_org_dir(root))
    try:
        creds = org.credentials_of("ExternalClientApplication", "Billing_Sync")
        assert creds is not None and creds.consumer_key == SEED_KEY
    finally:
        org.close()
    smoke = cli("smoke", "--app", "Billing_Sync", "-C", str(root))
    assert smoke.code == 0, smoke.output
    handed = cli("credentials", "Billing_Sync", "--part", "key", "-C", str(root))
    assert handed.code == 0, handed.output
    assert f"SFCONNECT_BILLING_SYNC_CONSUMER_KEY={SEED_KEY}" in handed.out


def test_import_after_the_migration_records_the_original(project: Callable[[str], Path], cli: Cli) -> None:
    # Salesforce Help, "Connected App to External Client App Migration": the read-only Connected App stays beside
    # the External Client App of the same name; an import of that org writes what `--adopt` writes.
    root = project(EXAMPLE)
    assert cli("plan", "-C", str(root)).code == 0  # creates the example's local org from its seed
    assert cli("localorg", "migrate", "Billing_Sync", "--org", "migrate", "-C", str(root)).code == 0
    (root / "apps" / "billing-sync.yaml").unlink()
    imported = cli(
        "import", "-t", "local", "--app", "Billing_Sync", "--out", str(root / "apps"), "-C", str(root)
    )
    assert imported.code == 0, imported.output
    [written] = [
        p for p in (root / "apps").rglob("*.yaml") if "Billing_Sync" in p.read_text(encoding="utf-8")
    ]
    [entry] = yaml.safe_load(written.read_text(encoding="utf-8"))["apps"]
    assert entry["kind"] == "ExternalClientApp"
    assert entry["migrated_from"] == {"kind": "ConnectedApp", "name": "Billing_Sync"}
    plan = cli("plan", "--detailed-exitcode", "-C", str(root))
    assert plan.code == 0, plan.output
    assert "ConnectedApp 'Billing_Sync'" not in plan.out  # the original is not unmanaged


def test_deleting_the_migrated_app_reactivates_the_connected_app_and_drift_names_it(
    project: Callable[[str], Path], cli: Cli
) -> None:
    root = project(EXAMPLE)
    assert cli("plan", "-C", str(root)).code == 0  # creates the example's local org from its seed
    assert cli("localorg", "migrate", "Billing_Sync", "--org", "migrate", "-C", str(root)).code == 0
    assert cli("migrate", "Billing_Sync", "--adopt", "-C", str(root)).code == 0
    org = open_local_org(_org_dir(root))
    try:
        # the read-only Connected App refuses changes while migrated
        [record] = org.read_metadata("ConnectedApp", ["Billing_Sync"])
        assert record is not None
        [refused] = org.update_metadata([("ConnectedApp", record)], org.admin_user())
        assert refused.errors and refused.errors[0].status_code == "INSUFFICIENT_ACCESS_OR_READONLY"
        [deleted] = org.delete_metadata("ExternalClientApplication", ["Billing_Sync"])
        assert deleted.success
        creds = org.app_credentials(SEED_KEY)
        assert creds is not None and creds.app_type == "ConnectedApp"  # active again, with its key
    finally:
        org.close()
    drift = cli("drift", "-C", str(root))
    assert drift.code == 2, drift.output
    assert "ExternalClientApp 'Billing_Sync' is missing from the org" in drift.out
    assert "active again" in drift.out


def test_side_by_side_apply_smoke_both_then_retire_the_connected_app(
    project: Callable[[str], Path], cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(EXAMPLE)
    written = cli("migrate", "Billing_Sync", "--new-name", "Billing_Sync_ECA", "-C", str(root))
    assert written.code == 0, written.output
    new_file = root / "apps" / "billing-sync-eca.yaml"
    [entry] = yaml.safe_load(new_file.read_text(encoding="utf-8"))["apps"]
    assert (entry["kind"], entry["name"]) == ("ExternalClientApp", "Billing_Sync_ECA")
    assert "migrated_from" not in entry
    applied = cli("apply", "--auto-approve", "-C", str(root))
    assert applied.code == 0, applied.output
    smoke = cli("smoke", "--app", "Billing_Sync", "--app", "Billing_Sync_ECA", "-C", str(root))
    assert smoke.code == 0, smoke.output
    assert "Billing_Sync_ECA" in smoke.out
    org = open_local_org(_org_dir(root))
    try:
        new = org.credentials_of("ExternalClientApplication", "Billing_Sync_ECA")
        assert new is not None and new.consumer_key != SEED_KEY  # a new app has its own key
    finally:
        org.close()
    handed = cli("credentials", "Billing_Sync_ECA", "--part", "key", "-C", str(root))
    assert handed.code == 0, handed.output
    assert f"SFCONNECT_BILLING_SYNC_ECA_CONSUMER_KEY={new.consumer_key}" in handed.out
    old_file = root / "apps" / "billing-sync.yaml"
    old_file.write_text(
        old_file.read_text(encoding="utf-8").replace(
            "    name: Billing_Sync\n", "    name: Billing_Sync\n    state: absent\n"
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr("sfconnect.cli.apply._interactive", lambda: True)
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("y\nBilling_Sync\n"))
    removed = cli("apply", "-C", str(root))
    assert removed.code == 0, removed.output
    assert cli("drift", "-C", str(root)).code == 0


def test_live_audit_flags_eligible_connected_apps_only(project: Callable[[str], Path], cli: Cli) -> None:
    root = project(EXAMPLE)
    result = cli("lint", "-t", "local", "--live", "--format", "json", "-C", str(root))
    assert result.code in (0, 2), result.output
    doc = json.loads(result.out)
    flagged = sorted(f["app"] for f in doc["findings"] if f["rule"] == "SFC-MIGRATE-001")
    assert flagged == ["Billing_Sync", "Field_Service_Mobile"]  # Legacy_Loader uses username-password
    messages = [f["message"] for f in doc["findings"] if f["rule"] == "SFC-MIGRATE-001"]
    assert any("sfconnect migrate Billing_Sync --check" in m for m in messages)
    # once migrated, the read-only Connected App is no longer flagged
    assert cli("localorg", "migrate", "Billing_Sync", "--org", "migrate", "-C", str(root)).code == 0
    again = json.loads(cli("lint", "-t", "local", "--live", "--format", "json", "-C", str(root)).out)
    assert "Billing_Sync" not in [f["app"] for f in again["findings"] if f["rule"] == "SFC-MIGRATE-001"]
