"""Setup's "Migrate to External Client App" button in the local org (`localorg/migration.py`).

Documentation: Salesforce Help, "Create an External Client App from a Connected App"
(xcloud.migrate_connected_app_to_external_client_app.htm) and "Connected App to External Client App Migration"
(xcloud.connected_app_to_external_client_app_migration.htm): local apps without the username-password flow
only; invalid push settings make the migration fail; the Connected App stays read-only; deleting the External
Client App makes it active again with its settings as they were at migration.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sfconnect.localorg import LocalOrg, SequentialIds
from sfconnect.localorg._seed import SeedApp, default_seed
from sfconnect.localorg.migration import (
    MigrationRefused,
    migrate_connected_app,
    migration_of,
    record_username_password_use,
)
from sfconnect.localorg.wsdl import MetadataSchema
from tests.localorg.conftest import FakeClock

KEY = "3MVG9MigrationTestKey000000000000000000000000000000000000000000000000000000000001"

RECORD: dict[str, Any] = {
    "label": "Billing Sync",
    "contactEmail": "ops@example.com",
    "startUrl": "https://billing.example.com/start",
    "ipRanges": [{"start": "10.0.0.1", "end": "10.0.0.9", "description": "office"}],
    "oauthConfig": {
        "callbackUrl": "https://billing.example.com/cb",
        "scopes": ["Api", "RefreshToken"],
        "isAdminApproved": True,
        "isClientCredentialEnabled": True,
        "oauthClientCredentialUser": "integration@localorg.sfconnect.test",
    },
    "oauthPolicy": {"ipRelaxation": "BYPASS", "refreshTokenPolicy": "specific_inactivity:30:DAYS"},
    "permissionSetName": ["Integration_API_Access"],
    "sessionPolicy": {"sessionTimeout": 120},
}


def _org(tmp_path: Path, clock: FakeClock, schema: MetadataSchema, **extras: Any) -> LocalOrg:
    seed = default_seed()
    seed.apps.append(SeedApp("ConnectedApp", "Billing_Sync", dict(RECORD), consumer_key=KEY, extras=extras))
    return LocalOrg(tmp_path / "org.db", clock, SequentialIds(), seed=seed, schema=schema)


@pytest.fixture
def org(tmp_path: Path, clock: FakeClock, schema: MetadataSchema) -> Iterator[LocalOrg]:
    o = _org(tmp_path, clock, schema)
    yield o
    o.close()


def test_the_migration_builds_an_external_client_app_and_keeps_the_key(org: LocalOrg) -> None:
    done = migrate_connected_app(org, "Billing_Sync")
    assert done.consumer_key_kept
    family = org.app_components("ExternalClientApplication", "Billing_Sync")
    assert set(family) == {
        "ExternalClientApplication",
        "ExtlClntAppOauthSettings",
        "ExtlClntAppGlobalOauthSettings",
        "ExtlClntAppOauthConfigurablePolicies",
        "ExtlClntAppConfigurablePolicies",
    }
    assert family["ExternalClientApplication"]["label"] == "Billing Sync"
    glb = family["ExtlClntAppGlobalOauthSettings"]
    assert glb["callbackUrl"] == "https://billing.example.com/cb"
    assert glb["isPkceRequired"] == "false"  # a Connected App's default, kept explicitly
    assert glb["consumerKey"] == KEY
    policies = family["ExtlClntAppOauthConfigurablePolicies"]
    assert policies["permittedUsersPolicyType"] == "AdminApprovedPreAuthorized"
    assert policies["ipRelaxationPolicyType"] == "Bypass"
    assert (
        policies["refreshTokenPolicyType"],
        policies["refreshTokenValidityPeriod"],
        policies["refreshTokenValidityUnit"],
    ) == ("SpecificInactivity", "30", "Days")
    assert policies["clientCredentialsFlowUser"] == "integration@localorg.sfconnect.test"
    assert family["ExtlClntAppOauthSettings"]["trustedIpRanges"] == [
        {"startIpAddress": "10.0.0.1", "endIpAddress": "10.0.0.9", "description": "office"}
    ]
    # the key now authenticates the External Client App
    creds = org.app_credentials(KEY)
    assert creds is not None and creds.app_type == "ExternalClientApplication"


def test_the_read_only_connected_app_is_listed_read_and_refuses_updates(org: LocalOrg) -> None:
    migrate_connected_app(org, "Billing_Sync")
    listed = {(f.type, f.full_name) for f in org.list_metadata([("ConnectedApp", None)])}
    assert ("ConnectedApp", "Billing_Sync") in listed
    [record] = org.read_metadata("ConnectedApp", ["Billing_Sync"])
    assert record is not None and record["oauthConfig"]["consumerKey"] == KEY
    record = dict(record, description="changed")
    [result] = org.update_metadata([("ConnectedApp", record)], org.admin_user())
    assert not result.success
    assert result.errors[0].status_code == "INSUFFICIENT_ACCESS_OR_READONLY"
    assert "read-only" in result.errors[0].message
    [result] = org.upsert_metadata([("ConnectedApp", record)], org.admin_user())
    assert not result.success


def test_deleting_the_external_client_app_makes_the_connected_app_active_again(org: LocalOrg) -> None:
    migrate_connected_app(org, "Billing_Sync")
    [deleted] = org.delete_metadata("ExternalClientApplication", ["Billing_Sync"])
    assert deleted.success
    assert org.app_components("ExternalClientApplication", "Billing_Sync") == {}
    assert migration_of(org, "Billing_Sync") is None
    creds = org.app_credentials(KEY)
    assert creds is not None and creds.app_type == "ConnectedApp"
    [record] = org.read_metadata("ConnectedApp", ["Billing_Sync"])
    assert record is not None
    record = dict(record, description="editable again")
    record["oauthConfig"] = {k: v for k, v in record["oauthConfig"].items() if k != "consumerKey"}
    [result] = org.update_metadata([("ConnectedApp", record)], org.admin_user())
    assert result.success, result.errors


def test_a_new_key_leaves_the_old_key_unusable(org: LocalOrg) -> None:
    done = migrate_connected_app(org, "Billing_Sync", keep_consumer_key=False)
    assert not done.consumer_key_kept
    new = org.credentials_of("ExternalClientApplication", "Billing_Sync")
    assert new is not None and new.consumer_key != KEY
    assert org.app_credentials(KEY) is None


def test_a_migrated_app_cannot_be_migrated_twice(org: LocalOrg) -> None:
    migrate_connected_app(org, "Billing_Sync")
    with pytest.raises(MigrationRefused, match="already migrated"):
        migrate_connected_app(org, "Billing_Sync")


def test_an_unknown_app_is_refused(org: LocalOrg) -> None:
    with pytest.raises(MigrationRefused, match="no Connected App named Nope"):
        migrate_connected_app(org, "Nope")


def test_the_username_password_flow_makes_an_app_ineligible(org: LocalOrg) -> None:
    record_username_password_use(org, "ConnectedApp", "Billing_Sync")
    with pytest.raises(MigrationRefused, match="username-password flow"):
        migrate_connected_app(org, "Billing_Sync")
    assert org.app_components("ExternalClientApplication", "Billing_Sync") == {}


@pytest.mark.parametrize(
    ("push", "message"),
    [
        ({"apple": {"certificate_expires": "2020-01-31"}}, "Apple push certificate"),
        ({"android": {"server_key": True}}, "server key"),
    ],
)
def test_invalid_push_settings_make_the_migration_fail(
    tmp_path: Path, clock: FakeClock, schema: MetadataSchema, push: dict[str, Any], message: str
) -> None:
    org = _org(tmp_path, clock, schema, push=push)
    try:
        with pytest.raises(MigrationRefused, match=message):
            migrate_connected_app(org, "Billing_Sync")
    finally:
        org.close()


def test_valid_push_settings_migrate(tmp_path: Path, clock: FakeClock, schema: MetadataSchema) -> None:
    org = _org(
        tmp_path,
        clock,
        schema,
        push={"apple": {"certificate_expires": "2099-01-31"}, "android": {"service_account": True}},
    )
    try:
        assert migrate_connected_app(org, "Billing_Sync").external_client_app == "Billing_Sync"
    finally:
        org.close()
