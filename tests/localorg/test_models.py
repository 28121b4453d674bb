"""The local org's state and Salesforce's rules, without HTTP."""

from __future__ import annotations

import base64
import io
import random
import zipfile
from pathlib import Path
from typing import Any

import pytest

from sfconnect.localorg import LocalOrg, SequentialIds, load_seed_file
from sfconnect.localorg._deploys import DeployOptions
from sfconnect.localorg._exceptions import (
    InvalidId,
    InvalidLogin,
    InvalidSessionId,
    InvalidType,
    LimitExceeded,
    LocalOrgFault,
    SoapClientFault,
)
from sfconnect.localorg._faults import Faults, FaultSettings
from sfconnect.localorg._models import SaveResult, User
from sfconnect.localorg._records import validate_record
from sfconnect.localorg._seed import SeedError
from sfconnect.localorg.wsdl import MetadataSchema
from tests.localorg.conftest import FakeClock
from tests.localorg.zips import component_xml, connected_app_xml, eca_xml, eca_zip, make_zip, package_xml


def _app(name: str = "My_App", **extra: Any) -> tuple[str, dict[str, Any]]:
    record: dict[str, Any] = {
        "fullName": name,
        "label": name.replace("_", " "),
        "contactEmail": "ops@example.com",
    }
    record.update(extra)
    return ("ConnectedApp", record)


def _oauth(**extra: str) -> dict[str, Any]:
    config: dict[str, Any] = {"callbackUrl": "https://app.example.com/cb", "scopes": ["Api", "RefreshToken"]}
    config.update(extra)
    return config


def _codes(results: list[SaveResult]) -> list[list[str]]:
    return [[e.status_code for e in r.errors] for r in results]


@pytest.fixture
def admin(local_org: LocalOrg) -> User:
    return local_org.admin_user()


@pytest.fixture
def allow_ca(local_org: LocalOrg) -> LocalOrg:
    local_org.set_setting("connected_app_creation_allowed", True)
    return local_org


# seed ----------------------------------------------------------------------------------------------------
def test_default_seed_has_admin_integration_user_and_settings(local_org: LocalOrg) -> None:
    users = {u.username: u for u in local_org.users()}
    admin = local_org.admin_user()
    assert admin.profile == "System Administrator" and not admin.api_only
    integration = [u for u in users.values() if u.api_only]
    assert [u.profile for u in integration] == ["Minimum Access - API Only Integrations"]
    assert local_org.org_id.startswith("00D") and len(local_org.org_id) == 18
    settings = local_org.settings()
    assert settings["connected_app_creation_allowed"] is False
    assert settings["consumer_secret_api_access"] is True
    assert settings["username_password_flows_blocked"] is True
    assert "Connected_App_Users" in local_org.permission_sets()


def test_seed_file_adds_users_settings_and_a_pre_existing_connected_app(
    tmp_path: Path, clock: FakeClock, schema: MetadataSchema
) -> None:
    seed_file = tmp_path / "seed.yaml"
    seed_file.write_text(
        """
org: {name: Acme}
settings: {consumer_secret_api_access: false}
permission_sets: [Billing_Sync]
users:
  - {username: billing@acme.example, profile: Minimum Access - API Only Integrations, api_only: true,
     permission_sets: [Billing_Sync]}
apps:
  - type: ConnectedApp
    fullName: Legacy_App
    consumerKey: 3MVG9LegacyKey000000001
    record:
      label: Legacy App
      contactEmail: ops@acme.example
      oauthConfig: {callbackUrl: https://legacy.acme.example/cb, scopes: [Api, Web], isAdminApproved: true}
""",
        encoding="utf-8",
    )
    org = LocalOrg(tmp_path / "org.db", clock, SequentialIds(), seed=load_seed_file(seed_file), schema=schema)
    try:
        assert org.org_name == "Acme"
        assert org.setting("consumer_secret_api_access") is False
        assert org.user_by_username("billing@acme.example") is not None
        (record,) = org.read_metadata("ConnectedApp", ["Legacy_App"])
        assert record is not None
        assert record["oauthConfig"]["consumerKey"] == "3MVG9LegacyKey000000001"
        assert record["oauthConfig"]["isAdminApproved"] == "true"
        creds = org.app_credentials("3MVG9LegacyKey000000001")
        assert creds is not None and creds.app_name == "Legacy_App" and len(creds.consumer_secret) == 64
    finally:
        org.close()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("nonsense: 1\n", "unknown keys ['nonsense']"),
        ("settings: {no_such_setting: true}\n", "no_such_setting"),
        ("users: [{username: x}]\n", "`username` and `profile` are required"),
        ("apps: [{type: ConnectedApp}]\n", "`type` and `fullName` are required"),
        ("- a list\n", "must be a mapping"),
    ],
)
def test_bad_seed_files_are_refused_with_the_key_named(tmp_path: Path, text: str, needle: str) -> None:
    seed_file = tmp_path / "seed.yaml"
    seed_file.write_text(text, encoding="utf-8")
    with pytest.raises(SeedError, match=needle.replace("[", r"\[").replace("]", r"\]")):
        load_seed_file(seed_file)


def test_state_survives_reopening_the_file(tmp_path: Path, clock: FakeClock, schema: MetadataSchema) -> None:
    org = LocalOrg(tmp_path / "org.db", clock, SequentialIds(), schema=schema)
    org.set_setting("connected_app_creation_allowed", True)
    assert org.create_metadata([_app(oauthConfig=_oauth())], org.admin_user())[0].success
    session = org.login(org.admin_user().username, org.password_of(org.admin_user().username))
    org_id = org.org_id
    org.close()
    again = LocalOrg(tmp_path / "org.db", clock, SequentialIds(), schema=schema)
    try:
        assert again.org_id == org_id
        assert again.read_metadata("ConnectedApp", ["My_App"])[0] is not None
        assert again.authenticate(session.session_id).user.id == session.user.id
    finally:
        again.close()


# login and sessions ----------------------------------------------------------------------------------------
def test_login_and_sessions_expire_after_the_timeout(local_org: LocalOrg, clock: FakeClock) -> None:
    admin = local_org.admin_user()
    session = local_org.login(admin.username, local_org.password_of(admin.username))
    assert session.session_id.startswith(local_org.org_id[:15] + "!")
    clock.advance(119 * 60)
    assert local_org.authenticate(session.session_id).user.id == admin.id  # activity resets the idle timer
    clock.advance(119 * 60)
    assert local_org.authenticate(session.session_id).user.id == admin.id
    clock.advance(121 * 60)
    with pytest.raises(InvalidSessionId):
        local_org.authenticate(session.session_id)


def test_session_timeout_follows_the_org_setting(local_org: LocalOrg, clock: FakeClock) -> None:
    local_org.set_setting("session_timeout_minutes", 15)
    admin = local_org.admin_user()
    session = local_org.login(admin.username, local_org.password_of(admin.username))
    clock.advance(16 * 60)
    with pytest.raises(InvalidSessionId):
        local_org.authenticate(session.session_id)


def test_login_refusals(local_org: LocalOrg) -> None:
    admin = local_org.admin_user()
    with pytest.raises(InvalidLogin):
        local_org.login(admin.username, "wrong")
    with pytest.raises(InvalidLogin):
        local_org.login("nobody@example.com", "x")
    for bad in (None, "", "00Dxx!nope"):
        with pytest.raises(InvalidSessionId):
            local_org.authenticate(bad)


def test_expire_sessions_ends_every_session(local_org: LocalOrg) -> None:
    admin = local_org.admin_user()
    session = local_org.login(admin.username, local_org.password_of(admin.username))
    assert local_org.expire_sessions() == 1
    with pytest.raises(InvalidSessionId):
        local_org.authenticate(session.session_id)


# Connected Apps --------------------------------------------------------------------------------------------
def test_connected_app_creation_is_refused_unless_the_org_allows_it(local_org: LocalOrg, admin: User) -> None:
    (result,) = local_org.create_metadata([_app(oauthConfig=_oauth())], admin)
    assert not result.success
    assert result.errors[0].status_code == "INSUFFICIENT_ACCESS"
    assert "can't create a connected app" in result.errors[0].message
    assert local_org.read_metadata("ConnectedApp", ["My_App"]) == [None]
    local_org.set_setting("connected_app_creation_allowed", True)
    assert local_org.create_metadata([_app(oauthConfig=_oauth())], admin)[0].success


def test_upsert_cannot_create_a_connected_app_either(local_org: LocalOrg, admin: User) -> None:
    (result,) = local_org.upsert_metadata([_app()], admin)
    assert (result.success, result.created) == (False, False)
    assert _codes([result]) == [["INSUFFICIENT_ACCESS"]]


def test_consumer_key_is_set_on_create_or_generated(allow_ca: LocalOrg, admin: User) -> None:
    # Metadata API Developer Guide, ConnectedAppOauthConfig.consumerKey: can be set only during creation;
    # 8-256 alphanumeric characters, unique. A redeploy with another key is refused.
    (short,) = allow_ca.create_metadata([_app("K0", oauthConfig=_oauth(consumerKey="3MVG9"))], admin)
    assert _codes([short]) == [["FIELD_INTEGRITY_EXCEPTION"]] and short.errors[0].fields == ("consumerKey",)
    (given,) = allow_ca.create_metadata([_app("K1", oauthConfig=_oauth(consumerKey="3MVG9Mine123"))], admin)
    assert given.success
    (record,) = allow_ca.read_metadata("ConnectedApp", ["K1"])
    assert record is not None and record["oauthConfig"]["consumerKey"] == "3MVG9Mine123"
    (taken,) = allow_ca.create_metadata([_app("K2", oauthConfig=_oauth(consumerKey="3MVG9Mine123"))], admin)
    assert _codes([taken]) == [["DUPLICATE_VALUE"]]
    (changed,) = allow_ca.update_metadata([_app("K1", oauthConfig=_oauth(consumerKey="3MVG9Other45"))], admin)
    assert (changed.errors[0].status_code, changed.errors[0].message) == (
        "FIELD_INTEGRITY_EXCEPTION",
        "You cannot provide a Consumer Key",
    )
    (same,) = allow_ca.update_metadata([_app("K1", oauthConfig=_oauth(consumerKey="3MVG9Mine123"))], admin)
    assert same.success
    assert allow_ca.create_metadata([_app(oauthConfig=_oauth(consumerSecret="S3cretS3cret"))], admin)[
        0
    ].success
    (record,) = allow_ca.read_metadata("ConnectedApp", ["My_App"])
    assert record is not None
    key = record["oauthConfig"]["consumerKey"]
    assert key.startswith("3MVG9") and key.isalnum()
    assert "consumerSecret" not in record["oauthConfig"]  # write-only
    creds = allow_ca.credentials_of("ConnectedApp", "My_App")
    assert creds is not None and (creds.consumer_key, creds.consumer_secret) == (key, "S3cretS3cret")


def test_update_replaces_the_whole_component(allow_ca: LocalOrg, admin: User) -> None:
    allow_ca.create_metadata([_app(description="first", oauthConfig=_oauth())], admin)
    (record,) = allow_ca.read_metadata("ConnectedApp", ["My_App"])
    assert record is not None
    key = record["oauthConfig"]["consumerKey"]
    (result,) = allow_ca.update_metadata([_app(label="Renamed", oauthConfig=_oauth(consumerKey=key))], admin)
    assert result.success, result.errors
    (after,) = allow_ca.read_metadata("ConnectedApp", ["My_App"])
    assert after is not None
    assert after["label"] == "Renamed"
    assert "description" not in after  # omitted on update = removed
    assert after["oauthConfig"]["consumerKey"] == key  # the same key may be sent back
    (other_key,) = allow_ca.update_metadata([_app(oauthConfig=_oauth(consumerKey="3MVG9Other"))], admin)
    assert _codes([other_key]) == [["FIELD_INTEGRITY_EXCEPTION"]]
    (changed_secret,) = allow_ca.update_metadata(
        [_app(oauthConfig=_oauth(consumerSecret="AnotherSecret1"))], admin
    )
    assert _codes([changed_secret]) == [["FIELD_INTEGRITY_EXCEPTION"]]


def test_update_of_a_missing_component_fails_per_record(local_org: LocalOrg, admin: User) -> None:
    (result,) = local_org.update_metadata([_app("Nope")], admin)
    assert not result.success
    assert result.errors[0].status_code == "INVALID_CROSS_REFERENCE_KEY"
    assert result.errors[0].message == "In field: fullName - no ConnectedApp named Nope found"


def test_upsert_reports_created_then_updated(allow_ca: LocalOrg, admin: User) -> None:
    first, second = (
        allow_ca.upsert_metadata([_app()], admin)[0],
        allow_ca.upsert_metadata([_app()], admin)[0],
    )
    assert (first.success, first.created) == (True, True)
    assert (second.success, second.created) == (True, False)


def test_required_fields_and_names_are_checked(allow_ca: LocalOrg, admin: User) -> None:
    missing_label = ("ConnectedApp", {"fullName": "No_Label", "contactEmail": "a@example.com"})
    missing_callback = _app("No_Callback", oauthConfig={"scopes": ["Api"]})
    bad_name = _app("Bad__Name")
    results = allow_ca.create_metadata([missing_label, missing_callback, bad_name], admin)
    assert _codes(results) == [
        ["REQUIRED_FIELD_MISSING"],
        ["REQUIRED_FIELD_MISSING"],
        ["FIELD_INTEGRITY_EXCEPTION"],
    ]
    assert results[0].errors[0].fields == ("label",)
    assert results[1].errors[0].fields == ("oauthConfig.callbackUrl",)


def test_create_of_an_existing_name_is_a_duplicate(allow_ca: LocalOrg, admin: User) -> None:
    allow_ca.create_metadata([_app()], admin)
    assert _codes(allow_ca.create_metadata([_app()], admin)) == [["DUPLICATE_DEVELOPER_NAME"]]


def test_pre_authorization_needs_admin_approval_and_known_names(allow_ca: LocalOrg, admin: User) -> None:
    not_approved = _app("A1", oauthConfig=_oauth(), permissionSetName=["Connected_App_Users"])
    unknown = _app("A2", oauthConfig=_oauth(isAdminApproved="true"), profileName=["No Such Profile"])
    ok = _app("A3", oauthConfig=_oauth(isAdminApproved="true"), profileName=["System Administrator"])
    results = allow_ca.create_metadata([not_approved, unknown, ok], admin)
    assert _codes(results) == [["FIELD_INTEGRITY_EXCEPTION"], ["INVALID_CROSS_REFERENCE_KEY"], []]


def test_client_credentials_need_an_existing_run_as_user(allow_ca: LocalOrg, admin: User) -> None:
    integration = next(u for u in allow_ca.users() if u.api_only)
    no_user = _app("C1", oauthConfig=_oauth(isClientCredentialEnabled="true"))
    unknown = _app(
        "C2", oauthConfig=_oauth(isClientCredentialEnabled="true", oauthClientCredentialUser="x@y.z")
    )
    ok = _app(
        "C3",
        oauthConfig=_oauth(isClientCredentialEnabled="true", oauthClientCredentialUser=integration.username),
    )
    # the run-as user is an admin policy usually set after the deploy; only a named user must exist
    # (Salesforce Help, "Configure a Connected App for the OAuth 2.0 Client Credentials Flow")
    assert _codes(allow_ca.create_metadata([no_user, unknown, ok], admin)) == [
        [],
        ["INVALID_CROSS_REFERENCE_KEY"],
        [],
    ]


@pytest.mark.parametrize(
    ("policy", "ok"),
    [
        ({"ipRelaxation": "ENFORCE", "refreshTokenPolicy": "infinite"}, True),
        ({"ipRelaxation": "BYPASS", "refreshTokenPolicy": "specific_inactivity:30:DAYS"}, True),
        ({"ipRelaxation": "Enforce", "refreshTokenPolicy": "zero"}, False),
        ({"ipRelaxation": "ENFORCE", "refreshTokenPolicy": "SPECIFIC_LIFETIME:3:HOURS"}, False),
        ({"ipRelaxation": "ENFORCE", "refreshTokenPolicy": "specific_lifetime:0:DAYS"}, False),
    ],
)
def test_oauth_policy_values(allow_ca: LocalOrg, admin: User, policy: dict[str, str], ok: bool) -> None:
    (result,) = allow_ca.create_metadata([_app(oauthConfig=_oauth(), oauthPolicy=policy)], admin)
    assert result.success is ok, result.errors


def test_at_most_ten_components_per_call(allow_ca: LocalOrg, admin: User) -> None:
    eleven = [_app(f"App_{i}") for i in range(11)]
    with pytest.raises(LimitExceeded) as info:
        allow_ca.create_metadata(eleven, admin)
    assert info.value.fault_code == "EXCEEDED_ID_LIMIT"
    with pytest.raises(LimitExceeded):
        allow_ca.read_metadata("ConnectedApp", [f"App_{i}" for i in range(11)])
    with pytest.raises(LimitExceeded):
        allow_ca.delete_metadata("ConnectedApp", [f"App_{i}" for i in range(11)])
    assert all(r.success for r in allow_ca.create_metadata(eleven[:10], admin))


def test_unknown_names_read_as_empty_records(allow_ca: LocalOrg, admin: User) -> None:
    allow_ca.create_metadata([_app()], admin)
    first, missing = allow_ca.read_metadata("ConnectedApp", ["my_app", "Nope"])
    assert first is not None and first["fullName"] == "My_App"  # names are case-insensitive
    assert missing is None


def test_all_or_none_rolls_back_the_good_records(allow_ca: LocalOrg, admin: User) -> None:
    results = allow_ca.create_metadata([_app("Good"), ("ConnectedApp", {"fullName": "Bad"})], admin, True)
    assert _codes(results) == [["ALL_OR_NONE_OPERATION_ROLLED_BACK"], ["REQUIRED_FIELD_MISSING"] * 2]
    assert allow_ca.read_metadata("ConnectedApp", ["Good"]) == [None]


def test_delete_and_rename(allow_ca: LocalOrg, admin: User) -> None:
    allow_ca.create_metadata([_app("Old_Name", oauthConfig=_oauth())], admin)
    key = allow_ca.credentials_of("ConnectedApp", "Old_Name")
    assert key is not None
    assert allow_ca.rename_metadata("ConnectedApp", "Old_Name", "New_Name", admin).success
    assert allow_ca.read_metadata("ConnectedApp", ["Old_Name"]) == [None]
    renamed = allow_ca.credentials_of("ConnectedApp", "New_Name")
    assert renamed is not None and renamed.consumer_key == key.consumer_key
    assert not allow_ca.rename_metadata("ConnectedApp", "Old_Name", "X", admin).success
    gone, missing = allow_ca.delete_metadata("ConnectedApp", ["New_Name", "Nope"])
    assert gone.success and not missing.success
    assert missing.errors[0].status_code == "INVALID_CROSS_REFERENCE_KEY"
    assert allow_ca.app_credentials(key.consumer_key) is None


def test_list_metadata(allow_ca: LocalOrg, admin: User) -> None:
    allow_ca.create_metadata([_app("B_App"), _app("A_App")], admin)
    rows = allow_ca.list_metadata([("ConnectedApp", None)])
    assert [(r.full_name, r.file_name) for r in rows] == [
        ("A_App", "connectedApps/A_App.connectedApp"),
        ("B_App", "connectedApps/B_App.connectedApp"),
    ]
    assert rows[0].created_by_id == admin.id and rows[0].id.startswith("0H4")
    assert allow_ca.list_metadata([("ApexClass", None)]) == []  # a real type this org does not hold
    with pytest.raises(LimitExceeded):
        allow_ca.list_metadata([("ConnectedApp", None)] * 4)


def test_unknown_types_are_invalid(local_org: LocalOrg) -> None:
    with pytest.raises(InvalidType, match="Unknown type name 'NoSuchType'"):
        local_org.read_metadata("NoSuchType", ["x"])
    with pytest.raises(InvalidType, match="does not implement"):
        local_org.read_metadata("ApexClass", ["x"])
    with pytest.raises(InvalidType):
        local_org.list_metadata([("NoSuchType", None)])


# External Client Apps --------------------------------------------------------------------------------------
def _eca(name: str = "My_Eca") -> tuple[str, dict[str, Any]]:
    return (
        "ExternalClientApplication",
        {"fullName": name, "label": name, "contactEmail": "ops@example.com", "distributionState": "Local"},
    )


def _global(eca: str = "My_Eca", **extra: Any) -> tuple[str, dict[str, Any]]:
    record: dict[str, Any] = {
        "fullName": f"{eca}_glbloauth",
        "externalClientApplication": eca,
        "callbackUrl": "https://app.example.com/cb",
        "isPkceRequired": "true",
        "label": eca,
    }
    record.update(extra)
    return ("ExtlClntAppGlobalOauthSettings", record)


def test_external_client_app_family(local_org: LocalOrg, admin: User) -> None:
    assert local_org.create_metadata([_eca()], admin)[0].success
    settings = (
        "ExtlClntAppOauthSettings",
        {
            "fullName": "My_Eca_oauth",
            "externalClientApplication": "My_Eca",
            "commaSeparatedOauthScopes": "Api",
        },
    )
    assert local_org.create_metadata([settings], admin)[0].success
    (created,) = local_org.create_metadata([_global(consumerSecret="Secret12345")], admin)
    assert created.success, created.errors
    (record,) = local_org.read_metadata("ExtlClntAppGlobalOauthSettings", ["My_Eca_glbloauth"])
    assert record is not None
    assert record["consumerKey"].startswith("3MVG9") and "consumerSecret" not in record
    creds = local_org.credentials_of("ExternalClientApplication", "My_Eca")
    assert creds is not None and creds.consumer_secret == "Secret12345"
    (gone,) = local_org.delete_metadata("ExternalClientApplication", ["My_Eca"])
    assert gone.success
    assert local_org.read_metadata("ExtlClntAppOauthSettings", ["My_Eca_oauth"]) == [None]  # cascaded
    assert local_org.app_credentials(creds.consumer_key) is None


def test_app_components_gather_an_eca_family_by_consumer_key(local_org: LocalOrg, admin: User) -> None:
    local_org.create_metadata([_eca()], admin)
    local_org.create_metadata([_global()], admin)
    creds = local_org.credentials_of("ExternalClientApplication", "My_Eca")
    assert creds is not None
    found = local_org.app_credentials(creds.consumer_key)
    assert found is not None and (found.app_type, found.app_name) == ("ExternalClientApplication", "My_Eca")
    family = local_org.app_components(found.app_type, found.app_name)
    assert sorted(family) == ["ExternalClientApplication", "ExtlClntAppGlobalOauthSettings"]
    assert family["ExtlClntAppGlobalOauthSettings"]["consumerKey"] == creds.consumer_key
    assert local_org.app_components("ConnectedApp", "Nope") == {}


def test_usernames_are_case_insensitive(local_org: LocalOrg) -> None:
    admin = local_org.admin_user()
    session = local_org.login(admin.username.upper(), local_org.password_of(admin.username))
    assert session.user.id == admin.id


def test_eca_children_need_their_parent(local_org: LocalOrg, admin: User) -> None:
    (result,) = local_org.create_metadata([_global("Missing")], admin)
    assert _codes([result]) == [["INVALID_CROSS_REFERENCE_KEY"]]
    assert result.errors[0].fields == ("externalClientApplication",)


def test_eca_global_oauth_settings_need_the_consumer_secret_setting(local_org: LocalOrg, admin: User) -> None:
    local_org.create_metadata([_eca()], admin)
    local_org.set_setting("consumer_secret_api_access", False)
    (refused,) = local_org.create_metadata([_global()], admin)
    assert _codes([refused]) == [["INSUFFICIENT_ACCESS"]]
    assert "consumer secrets via Metadata API" in refused.errors[0].message
    local_org.set_setting("consumer_secret_api_access", True)
    (with_key,) = local_org.create_metadata([_global(consumerKey="3MVG9Mine")], admin)
    assert _codes([with_key]) == [[]]  # a key may be given at creation (8-256 alphanumerics)


def test_connected_app_creation_block_does_not_touch_ecas(local_org: LocalOrg, admin: User) -> None:
    assert local_org.setting("connected_app_creation_allowed") is False
    assert local_org.upsert_metadata([_eca()], admin)[0].created is True


# WSDL validation -------------------------------------------------------------------------------------------
def test_records_are_validated_against_the_wsdl(schema: MetadataSchema) -> None:
    ok = validate_record(schema, "ConnectedApp", {"label": "x", "oauthConfig": {"isAdminApproved": True}})
    assert ok["oauthConfig"]["isAdminApproved"] == "true"
    with pytest.raises(SoapClientFault, match="invalid at this location in type ConnectedApp"):
        validate_record(schema, "ConnectedApp", {"labels": "x"})
    with pytest.raises(
        SoapClientFault, match="not a valid value for the enum 'ConnectedAppOauthAccessScope'"
    ):
        validate_record(schema, "ConnectedApp", {"oauthConfig": {"scopes": ["Everything"]}})
    with pytest.raises(SoapClientFault, match="as a boolean"):
        validate_record(schema, "ConnectedApp", {"oauthConfig": {"isPkceRequired": "maybe"}})


def test_the_existing_connected_app_example_seed(
    tmp_path: Path, clock: FakeClock, schema: MetadataSchema
) -> None:
    seed_file = (
        Path(__file__).resolve().parents[2] / "examples" / "existing-connected-app" / "localorg-seed.yaml"
    )
    org = LocalOrg(tmp_path / "org.db", clock, SequentialIds(), seed=load_seed_file(seed_file), schema=schema)
    try:
        assert org.setting("connected_app_creation_allowed") is False
        (record,) = org.read_metadata("ConnectedApp", ["Billing_Sync"])
        assert record is not None and record["oauthConfig"]["scopes"] == ["Api", "RefreshToken", "Web"]
        # it predates the creation block: it can be updated, but not created again once deleted
        record["oauthConfig"]["isPkceRequired"] = "true"
        assert org.update_metadata([("ConnectedApp", record)], org.admin_user())[0].success
        assert org.delete_metadata("ConnectedApp", ["Billing_Sync"])[0].success
        record["oauthConfig"].pop("consumerKey")
        assert _codes(org.create_metadata([("ConnectedApp", record)], org.admin_user())) == [
            ["INSUFFICIENT_ACCESS"]
        ]
    finally:
        org.close()


# deploy and retrieve ---------------------------------------------------------------------------------------
def _deploy(org: LocalOrg, data: bytes, **options: bool) -> dict[str, Any]:
    job = org.deployments.start_deploy(data, DeployOptions(**options), org.admin_user())
    return org.deployments.deploy_result(job.id, include_details=True)


def test_deploy_creates_components_and_reports_each_file(local_org: LocalOrg) -> None:
    data = make_zip(
        {
            "package.xml": package_xml(
                {"ExternalClientApplication": ["Dep"], "ExtlClntAppGlobalOauthSettings": ["Dep_glbl"]}
            ),
            "externalClientApps/Dep.eca": eca_xml(),
            "extlClntAppGlobalOauthSets/Dep_glbl.ecaGlblOauth": component_xml(
                "ExtlClntAppGlobalOauthSettings",
                "<callbackUrl>https://x.example.com/cb</callbackUrl><externalClientApplication>Dep"
                "</externalClientApplication><label>Dep</label>",
            ),
        }
    )
    result = _deploy(local_org, data, single_package=True)
    assert (result["done"], result["status"], result["success"]) == (True, "Succeeded", True)
    assert result["numberComponentsDeployed"] == 2 and result["numberComponentErrors"] == 0
    files = {m["fileName"]: m for m in result["details"]["componentSuccesses"]}
    assert files["externalClientApps/Dep.eca"]["created"] is True
    assert files["package.xml"]["success"] is True
    assert (
        local_org.credentials_of("ExternalClientApplication", "Dep") is not None
    )  # key and secret generated


def test_check_only_deploy_changes_nothing(local_org: LocalOrg) -> None:
    result = _deploy(local_org, eca_zip(), single_package=True, check_only=True)
    assert (result["status"], result["checkOnly"]) == ("Succeeded", True)
    assert local_org.read_metadata("ExternalClientApplication", ["Deployed_Eca"]) == [None]


def test_one_bad_component_fails_the_whole_deploy(local_org: LocalOrg) -> None:
    data = make_zip(
        {
            "package.xml": package_xml({"ExternalClientApplication": ["Good"], "ConnectedApp": ["New_Ca"]}),
            "externalClientApps/Good.eca": eca_xml(),
            "connectedApps/New_Ca.connectedApp": connected_app_xml(),
        }
    )
    result = _deploy(local_org, data, single_package=True)
    assert (result["status"], result["success"], result["numberComponentsDeployed"]) == ("Failed", False, 0)
    (failure,) = result["details"]["componentFailures"]
    assert failure["fileName"] == "connectedApps/New_Ca.connectedApp" and failure["problemType"] == "Error"
    assert "can't create a connected app" in failure["problem"]
    assert local_org.read_metadata("ExternalClientApplication", ["Good"]) == [None]  # rolled back
    partial = _deploy(local_org, data, single_package=True, rollback_on_error=False)
    assert partial["status"] == "SucceededPartial"
    assert local_org.read_metadata("ExternalClientApplication", ["Good"])[0] is not None


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        (
            {
                "connectedApps/Keyed.connectedApp": connected_app_xml(
                    extra="<consumerKey>3MVG9!bad</consumerKey>"
                )
            },
            "Consumer Key must be 8 to 256 alphanumeric characters",
        ),
        (
            {"connectedApps/Keyed.connectedApp": connected_app_xml(extra="<bogus>1</bogus>")},
            "invalid at this location",
        ),
        ({"connectedApps/Keyed.connectedApp": "<ConnectedApp"}, "Error parsing file"),
        ({}, "was named in package.xml, but was not found in zipped directory"),
    ],
)
def test_deploy_applies_the_crud_rules(allow_ca: LocalOrg, files: dict[str, str], problem: str) -> None:
    data = make_zip({"package.xml": package_xml({"ConnectedApp": ["Keyed"]}), **files})
    result = _deploy(allow_ca, data, single_package=True)
    assert result["status"] == "Failed"
    assert problem in result["details"]["componentFailures"][0]["problem"]


def test_deploy_needs_the_consumer_secret_setting_for_global_oauth_settings(local_org: LocalOrg) -> None:
    local_org.create_metadata([_eca()], local_org.admin_user())
    local_org.set_setting("consumer_secret_api_access", False)
    data = make_zip(
        {
            "package.xml": package_xml({"ExtlClntAppGlobalOauthSettings": ["G"]}),
            "extlClntAppGlobalOauthSets/G.ecaGlblOauth": component_xml(
                "ExtlClntAppGlobalOauthSettings",
                "<externalClientApplication>My_Eca</externalClientApplication>",
            ),
        }
    )
    result = _deploy(local_org, data, single_package=True)
    assert "consumer secrets via Metadata API" in result["details"]["componentFailures"][0]["problem"]


def test_destructive_changes(local_org: LocalOrg) -> None:
    local_org.create_metadata([_eca("Doomed")], local_org.admin_user())
    destructive = package_xml({"ExternalClientApplication": ["Doomed", "Never_Existed"]})
    data = make_zip({"package.xml": package_xml({}), "destructiveChanges.xml": destructive})
    warned = _deploy(local_org, data, single_package=True)
    assert (
        warned["status"] == "Failed"
    )  # the missing one is a warning, and warnings fail without ignoreWarnings
    assert warned["details"]["componentFailures"][0]["problem"] == (
        "No ExternalClientApplication named: Never_Existed found"
    )
    assert local_org.read_metadata("ExternalClientApplication", ["Doomed"])[0] is not None
    done = _deploy(local_org, data, single_package=True, ignore_warnings=True)
    assert done["status"] == "Succeeded"
    deleted = [m for m in done["details"]["componentSuccesses"] if m["deleted"]]
    assert [m["fullName"] for m in deleted] == ["Doomed"]
    assert local_org.read_metadata("ExternalClientApplication", ["Doomed"]) == [None]


def test_single_package_decides_where_package_xml_is(local_org: LocalOrg) -> None:
    nested = eca_zip(prefix="unpackaged/")
    refused = _deploy(local_org, nested, single_package=True)
    assert refused["details"]["componentFailures"][0]["problem"] == "No package.xml found"
    ok = _deploy(local_org, nested, single_package=False)
    assert ok["status"] == "Succeeded"
    assert "unpackaged/externalClientApps/Deployed_Eca.eca" in {
        m["fileName"] for m in ok["details"]["componentSuccesses"]
    }
    assert _deploy(local_org, b"not a zip")["details"]["componentFailures"][0]["problem"].startswith(
        "The zip file is not valid"
    )


def test_deploys_take_time_and_queue_one_at_a_time(local_org: LocalOrg, clock: FakeClock) -> None:
    admin = local_org.admin_user()
    first = local_org.deployments.start_deploy(eca_zip("First"), DeployOptions(single_package=True), admin, 5)
    second = local_org.deployments.start_deploy(
        eca_zip("Second"), DeployOptions(single_package=True), admin, 5
    )
    status = local_org.deployments.deploy_result
    assert (status(first.id, False)["status"], status(second.id, False)["status"]) == (
        "InProgress",
        "Pending",
    )
    clock.advance(5)
    assert (status(first.id, False)["status"], status(second.id, False)["status"]) == (
        "Succeeded",
        "InProgress",
    )
    assert local_org.read_metadata("ExternalClientApplication", ["Second"]) == [None]
    clock.advance(5)
    assert status(second.id, False)["status"] == "Succeeded"
    assert local_org.read_metadata("ExternalClientApplication", ["Second"])[0] is not None


def test_cancel_deploy(local_org: LocalOrg, clock: FakeClock) -> None:
    admin = local_org.admin_user()
    job = local_org.deployments.start_deploy(eca_zip(), DeployOptions(single_package=True), admin, 60)
    # cancelDeploy answers done=false while the deploy is canceling (Metadata API Developer Guide,
    # cancelDeploy(): "CancelDeployResult.done ... false while the cancellation is in progress")
    assert local_org.deployments.cancel(job.id) == {"done": False, "id": job.id}
    assert local_org.deployments.current_result(job.id)["status"] == "Canceling"
    assert local_org.deployments.current_result(job.id)["done"] is False
    clock.advance(120)
    assert local_org.deployments.deploy_result(job.id, True)["status"] == "Canceled"
    assert local_org.read_metadata("ExternalClientApplication", ["Deployed_Eca"]) == [None]
    with pytest.raises(InvalidId):
        local_org.deployments.cancel(job.id)
    with pytest.raises(InvalidId):
        local_org.deployments.deploy_result("0Af000000000999AAA", True)


def test_retrieve_zips_honour_single_package(local_org: LocalOrg) -> None:
    local_org.create_metadata([_eca("Kept")], local_org.admin_user())
    local_org.create_metadata([_global("Kept", consumerSecret="KeptSecret001")], local_org.admin_user())
    request: dict[str, Any] = {
        "apiVersion": "62.0",
        "unpackaged": {
            "types": [
                {"name": "ExternalClientApplication", "members": ["Kept", "Missing"]},
                {"name": "ExtlClntAppGlobalOauthSettings", "members": ["*"]},
            ]
        },
    }
    job = local_org.deployments.start_retrieve(request, local_org.admin_user())
    result = local_org.deployments.retrieve_result(job.id, include_zip=True)
    assert (result["done"], result["status"], result["success"]) == (True, "Succeeded", True)
    assert result["messages"] == [
        {
            "fileName": "unpackaged/package.xml",
            "problem": "Entity of type 'ExternalClientApplication' named 'Missing' cannot be found",
        }
    ]
    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(result["zipFile"])))
    assert sorted(archive.namelist()) == [
        "unpackaged/externalClientApps/Kept.eca",
        "unpackaged/extlClntAppGlobalOauthSets/Kept_glbloauth.ecaGlblOauth",
        "unpackaged/package.xml",
    ]
    glbl = archive.read("unpackaged/extlClntAppGlobalOauthSets/Kept_glbloauth.ecaGlblOauth").decode()
    assert "<consumerKey>3MVG9" in glbl and "KeptSecret001" not in glbl and "consumerSecret" not in glbl
    manifest = archive.read("unpackaged/package.xml").decode()
    assert "<members>Kept</members>" in manifest and "<version>62.0</version>" in manifest
    assert {p["type"] for p in result["fileProperties"]} == {
        "ExternalClientApplication",
        "ExtlClntAppGlobalOauthSettings",
        "Package",
    }
    single = local_org.deployments.start_retrieve(
        {**request, "singlePackage": "true"}, local_org.admin_user()
    )
    names = zipfile.ZipFile(
        io.BytesIO(base64.b64decode(local_org.deployments.retrieve_result(single.id, True)["zipFile"]))
    )
    assert "package.xml" in names.namelist()
    assert "zipFile" not in local_org.deployments.retrieve_result(single.id, include_zip=False)


def test_a_retrieved_zip_deploys_back(local_org: LocalOrg) -> None:
    local_org.create_metadata([_eca("Round")], local_org.admin_user())
    request = {"unpackaged": {"types": [{"name": "ExternalClientApplication", "members": ["Round"]}]}}
    job = local_org.deployments.start_retrieve(request, local_org.admin_user())
    data = base64.b64decode(local_org.deployments.retrieve_result(job.id, True)["zipFile"])
    local_org.delete_metadata("ExternalClientApplication", ["Round"])
    assert _deploy(local_org, data)["status"] == "Succeeded"
    assert local_org.read_metadata("ExternalClientApplication", ["Round"])[0] is not None


# fault injection -----------------------------------------------------------------------------------
def test_fault_settings_are_validated() -> None:
    faults = Faults()
    assert faults.update({"latency_seconds": 1, "error_rate": {"readMetadata": 0.5}}).latency_seconds == 1.0
    for bad in (
        {"nope": 1},
        {"latency_seconds": -1},
        {"setup_locked": "yes"},
        {"error_rate": {"x": 2}},
        {"error_code": "not a code!"},
    ):
        with pytest.raises(ValueError):
            faults.update(bad)
    faults.reset()
    assert faults.settings == FaultSettings()


def test_injected_faults_behave_as_specified() -> None:
    slept: list[float] = []
    faults = Faults(sleep=slept.append, rng=random.Random(7))
    faults.update({"latency_seconds": 0.25})
    faults.before("readMetadata")
    assert slept == [0.25]
    faults.update({"latency_seconds": 0, "setup_locked": True})
    faults.before("readMetadata")  # reads still work
    with pytest.raises(LocalOrgFault) as locked:
        faults.before("deploy")
    assert locked.value.fault_code == "ALREADY_IN_PROCESS"
    faults.update({"setup_locked": False, "request_limit_exceeded": True})
    with pytest.raises(LocalOrgFault) as limited:
        faults.before("listMetadata")
    assert (limited.value.fault_code, limited.value.message) == (
        "REQUEST_LIMIT_EXCEEDED",
        "TotalRequests Limit exceeded.",
    )
    faults.update(
        {
            "request_limit_exceeded": False,
            "error_rate": {"readMetadata": 0.5},
            "error_code": "SERVER_UNAVAILABLE",
        }
    )
    outcomes = []
    for _ in range(400):
        try:
            faults.before("readMetadata")
            outcomes.append(True)
        except LocalOrgFault as fault:
            assert fault.fault_code == "SERVER_UNAVAILABLE"
            outcomes.append(False)
    assert 150 < outcomes.count(False) < 250
    faults.before("listMetadata")  # other operations are not affected


# ids and the WSDL cache ------------------------------------------------------------------------------------
def test_ids_carry_salesforce_case_safety_suffix() -> None:
    from sfconnect.localorg._ids import RandomIds, to_18

    assert to_18("001A0000006Vm9r") == "001A0000006Vm9rIAC"  # Salesforce's documented example
    ids = SequentialIds()
    assert [ids.new_id("0Af"), ids.new_id("0Af"), ids.new_id("005")] == [
        "0Af000000000001CAA",
        "0Af000000000002CAA",
        "005000000000001AAA",
    ]
    random_id = RandomIds().new_id("00D")
    assert len(random_id) == 18 and random_id == to_18(random_id[:15])


def test_the_wsdl_is_parsed_once_per_process_and_nothing_is_cached_on_disk(tmp_path: Path) -> None:
    from sfconnect.localorg.wsdl import find_metadata_wsdl, load_schema

    wsdl = tmp_path / "metadata.wsdl"
    wsdl.write_bytes(find_metadata_wsdl().read_bytes())
    first = load_schema(wsdl)
    assert load_schema(wsdl) is first and first.version == "63.0" and "ConnectedApp" in first.complex_types
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metadata.wsdl"]
