"""Issue 15: the embedded org behaves as Salesforce documents. One test per row of the issue's table, each
naming its documentation source; rows 8 (consumer-secret setting) and 14 (API versions) have their own files.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from sfconnect.cli.main import run
from sfconnect.localorg import LocalOrg, SequentialIds, load_seed_file
from sfconnect.localorg._deploys import DeployOptions
from sfconnect.localorg._exceptions import LimitExceeded
from tests.localorg.conftest import FakeClock
from tests.localorg.oauth_helpers import (
    App,
    OAuthOrg,
    callback_params,
    make_key_pair,
    oauth_org,
    oo,
)
from tests.localorg.zips import component_xml, connected_app_xml, package_xml

__all__ = ["oauth_org", "oo"]

INSIDE, OUTSIDE = "10.0.0.7", "192.168.1.5"
JWT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _deploy(org: LocalOrg, files: dict[str, str]) -> dict[str, Any]:
    job = org.deployments.start_deploy(_zip(files), DeployOptions(single_package=True), org.admin_user())
    return org.deployments.deploy_result(job.id, True)


def _device_start(oo: OAuthOrg, app: App) -> Any:
    return oo.token(response_type="device_code", client_id=app.client_id, scope="api")


def _restrict_admin_profile(oo: OAuthOrg) -> None:
    oo.org.set_setting("profile_login_ip_ranges", {"System Administrator": [["10.0.0.0", "10.0.0.255"]]})


# row 1 -----------------------------------------------------------------------------------------------------
def test_row1_connected_app_device_flow_is_off_until_enabled(oo: OAuthOrg) -> None:
    # Salesforce Help, "Enable OAuth Settings for API Integration" / "OAuth 2.0 Device Flow for IoT
    # Integration": a Connected App needs "Enable for Device Flow", off by default (no metadata field at v63).
    app = oo.connected_app()
    refused = _device_start(oo, app)
    assert refused.status_code == 400 and refused.json()["error"] == "oauth_flow_disabled"
    oo.org.set_device_flow(app.name, True)
    assert _device_start(oo, app).status_code == 200
    oo.org.set_device_flow(app.name, False)
    assert _device_start(oo, app).json()["error"] == "oauth_flow_disabled"
    with pytest.raises(KeyError):
        oo.org.set_device_flow("No_Such_App", True)


def test_row1_device_flow_switch_from_seed_and_admin_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_file = tmp_path / "seed.yaml"
    seed_file.write_text(
        "settings: {connected_app_creation_allowed: true}\n"
        "apps:\n"
        "  - type: ConnectedApp\n"
        "    fullName: Kiosk\n"
        "    deviceFlow: true\n"
        "    record: {label: Kiosk, contactEmail: ops@example.com,\n"
        "             oauthConfig: {callbackUrl: 'https://kiosk.example.com/cb', scopes: [Api]}}\n",
        encoding="utf-8",
    )
    data_dir = tmp_path / "org"
    data_dir.mkdir()
    org = LocalOrg(data_dir / "org.db", ids=SequentialIds(), seed=load_seed_file(seed_file))
    assert org.device_flow_enabled("Kiosk")
    org.close()
    assert run(["localorg", "device-flow", "Kiosk", "--disable", "--data-dir", str(data_dir)]) == 0
    assert "disabled for Connected App Kiosk" in capsys.readouterr().out
    org = LocalOrg(data_dir / "org.db", ids=SequentialIds())
    assert not org.device_flow_enabled("Kiosk")
    org.close()
    assert run(["localorg", "device-flow", "Nope", "--data-dir", str(data_dir)]) == 1
    assert "no Connected App named 'Nope'" in capsys.readouterr().err


# row 2 -----------------------------------------------------------------------------------------------------
def test_row2_pkce_verifier_rules(oo: OAuthOrg) -> None:
    # RFC 7636 section 4.6 (and Salesforce Help, "OAuth 2.0 Web Server Flow", code_verifier): the verifier
    # must match the challenge; a wrong one, a missing one and one without a challenge are invalid_grant.
    app = oo.connected_app()
    query, verifier = oo.code_flow(app)
    assert oo.exchange(app, query["code"], "z" * 60).json()["error"] == "invalid_grant"
    query, _ = oo.code_flow(app, pkce=False)
    stray = oo.exchange(app, query["code"], "z" * 60)
    assert stray.status_code == 400 and stray.json()["error"] == "invalid_grant"
    query, verifier = oo.code_flow(app)
    assert oo.exchange(app, query["code"], verifier).status_code == 200


# row 3 -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["ConnectedApp", "ExternalClientApplication"])
def test_row3_high_assurance_blocks_non_interactive_flows(oo: OAuthOrg, kind: str) -> None:
    # Metadata API Developer Guide, ConnectedAppSessionPolicy.policyAction / ExtlClntAppOauthConfigurablePolicies
    # (RaiseSessionLevel) and Salesforce Help "Manage OAuth Access Policies for a Connected App": only the
    # web-server, user-agent and refresh-token flows can step up; API logins through all others are blocked.
    oo.org.set_setting("username_password_flows_blocked", False)
    if kind == "ConnectedApp":
        app = oo.connected_app(record__sessionPolicy={"policyAction": "RaiseSessionLevel"})
        oo.org.set_device_flow(app.name, True)
    else:
        app = oo.external_client_app(
            global_settings={"isDeviceFlowEnabled": True},
            policies={"policyAction": "RaiseSessionLevel"},
        )
    device = _device_start(oo, app)
    assert device.status_code == 400 and device.json()["error"] == "invalid_grant"
    tokens = oo.tokens_by_code(app)  # web server: allowed
    refreshed = oo.token(
        grant_type="refresh_token",
        refresh_token=tokens["refresh_token"],
        client_id=app.client_id,
        client_secret=app.client_secret,
    )
    assert refreshed.status_code == 200
    final = oo.login_and_consent(oo.authorize(app, response_type="token"), oo.admin, oo.admin_password)
    assert "access_token" in callback_params(final)  # user-agent: allowed


# row 4 -----------------------------------------------------------------------------------------------------
def test_row4_bypass_2factor_ranges_relax_only_the_web_server_flow(oo: OAuthOrg) -> None:
    # Metadata API Developer Guide, ConnectedAppOauthPolicy.ipRelaxation (BYPASS_2FACTOR); Salesforce Help,
    # "Trusted IP Range for OAuth Web Server Flow": the app's ranges apply to the web-server flow only.
    _restrict_admin_profile(oo)
    app = oo.connected_app(
        record__oauthPolicy={"ipRelaxation": "BYPASS_2FACTOR", "refreshTokenPolicy": "infinite"},
        record__ipRanges=[{"start": "192.168.1.0", "end": "192.168.1.255"}],
    )
    assert "code" in oo.code_flow(app, ip=OUTSIDE)[0]
    page = oo.authorize(app, response_type="token")
    answer = oo.login_and_consent(page, oo.admin, oo.admin_password, ip=OUTSIDE)
    assert callback_params(answer)["error"] == "invalid_grant"  # user-agent: not relaxed by the ranges
    assert oo.code_flow(app, ip="172.16.0.1")[0]["error"] == "invalid_grant"


def test_row4_bypass_2factor_without_ranges_relaxes_after_verification(oo: OAuthOrg) -> None:
    # Salesforce Help, "Manage OAuth Access Policies" (Relax IP restrictions with second factor): with no
    # ranges, restrictions are relaxed once the user passes identity verification (an interactive login).
    _restrict_admin_profile(oo)
    app = oo.connected_app(
        record__oauthPolicy={"ipRelaxation": "BYPASS_2FACTOR", "refreshTokenPolicy": "infinite"}
    )
    assert "code" in oo.code_flow(app, ip=OUTSIDE)[0]
    oo.org.set_setting("username_password_flows_blocked", False)
    refused = oo.password_grant(app, oo.admin, oo.admin_password, ip=OUTSIDE)
    assert refused.json()["error"] == "invalid_grant"  # no verification step: not relaxed


# row 5 -----------------------------------------------------------------------------------------------------
def test_row5_consumer_key_on_create_for_both_kinds(local_org: LocalOrg) -> None:
    # Metadata API Developer Guide, ConnectedAppOauthConfig.consumerKey and ExtlClntAppGlobalOauthSettings
    # .consumerKey: set only during creation, 8-256 alphanumerics, unique in the org.
    admin = local_org.admin_user()
    local_org.create_metadata(
        [
            (
                "ExternalClientApplication",
                {"fullName": "Eca1", "label": "E", "contactEmail": "o@x.io", "distributionState": "Local"},
            )
        ],
        admin,
    )
    glbl = {"fullName": "Eca1_glbl", "externalClientApplication": "Eca1", "callbackUrl": "https://x.io/cb"}
    (bad,) = local_org.create_metadata(
        [("ExtlClntAppGlobalOauthSettings", {**glbl, "consumerKey": "k-1"})], admin
    )
    assert not bad.success and bad.errors[0].fields == ("consumerKey",)
    (good,) = local_org.create_metadata(
        [("ExtlClntAppGlobalOauthSettings", {**glbl, "consumerKey": "EcaKey12345"})], admin
    )
    assert good.success
    creds = local_org.credentials_of("ExternalClientApplication", "Eca1")
    assert creds is not None and creds.consumer_key == "EcaKey12345"
    (changed,) = local_org.update_metadata(
        [("ExtlClntAppGlobalOauthSettings", {**glbl, "consumerKey": "EcaKey99999"})], admin
    )
    assert changed.errors[0].message == "You cannot provide a Consumer Key"


# row 6 -----------------------------------------------------------------------------------------------------
def test_row6_client_credentials_deploy_without_run_as_user(local_org: LocalOrg) -> None:
    # Salesforce Help, "Configure a Connected App for the OAuth 2.0 Client Credentials Flow": the run-as user
    # is set in the app's policies (admin), needed to issue tokens, not to deploy.
    local_org.set_setting("connected_app_creation_allowed", True)
    files = {
        "package.xml": package_xml({"ConnectedApp": ["Cc"]}),
        "connectedApps/Cc.connectedApp": connected_app_xml(
            extra="<isClientCredentialEnabled>true</isClientCredentialEnabled>"
        ),
    }
    assert _deploy(local_org, files)["status"] == "Succeeded"


# row 7 -----------------------------------------------------------------------------------------------------
def test_row7_default_seed_blocks_only_username_password(tmp_path: Path) -> None:
    # Metadata API Developer Guide, OauthOidcSettings: blockOAuthUsrAgtFlow defaults to false; Salesforce Help,
    # "Block Authorization Flows": orgs from Summer '23 block the username-password flow by default.
    org = LocalOrg(tmp_path / "org.db", ids=SequentialIds())
    assert org.setting("user_agent_flows_blocked") is False
    assert org.setting("username_password_flows_blocked") is True
    org.close()


# row 9 -----------------------------------------------------------------------------------------------------
def test_row9_token_response_fields(oo: OAuthOrg) -> None:
    # Salesforce Help, "OAuth 2.0 Web Server Flow" (token response: access_token, refresh_token, signature,
    # scope, id_token, instance_url, api_instance_url, id, token_type, issued_at).
    app = oo.connected_app()
    tokens = oo.tokens_by_code(app)
    assert tokens["api_instance_url"] == oo.base and tokens["instance_url"] == oo.base
    assert tokens["id"].startswith(f"{oo.base}/id/")  # the login host: the embedded org is its own
    assert {"signature", "issued_at", "token_type"} <= set(tokens)


# row 10 ----------------------------------------------------------------------------------------------------
def test_row10_no_username_password_for_external_client_apps(oo: OAuthOrg) -> None:
    # Salesforce Help, "OAuth Flows Supported by External Client Apps" / "Connected App and External Client
    # App Comparison": the username-password flow is not supported by External Client Apps.
    oo.org.set_setting("username_password_flows_blocked", False)
    eca = oo.external_client_app()
    answer = oo.password_grant(eca, oo.admin, oo.admin_password)
    assert answer.status_code == 400 and answer.json()["error"] == "unsupported_grant_type"
    assert oo.password_grant(oo.connected_app(), oo.admin, oo.admin_password).status_code == 200


# row 11 ----------------------------------------------------------------------------------------------------
def test_row11_scopes_come_back_folded(local_org: LocalOrg) -> None:
    # Metadata API Developer Guide, ConnectedAppOauthAccessScope; retrieved files carry Basic for the OpenID
    # profile claims (Profile, Email, Address, Phone) and RefreshToken for OfflineAccess.
    local_org.set_setting("connected_app_creation_allowed", True)
    scopes = "".join(f"<scopes>{s}</scopes>" for s in ("Api", "Profile", "Email", "OfflineAccess", "Phone"))
    xml = component_xml(
        "ConnectedApp",
        "<contactEmail>ops@example.com</contactEmail><label>Folded</label>"
        f"<oauthConfig><callbackUrl>https://x.io/cb</callbackUrl>{scopes}</oauthConfig>",
    )
    assert (
        _deploy(
            local_org,
            {
                "package.xml": package_xml({"ConnectedApp": ["Folded"]}),
                "connectedApps/Folded.connectedApp": xml,
            },
        )["status"]
        == "Succeeded"
    )
    (record,) = local_org.read_metadata("ConnectedApp", ["Folded"])
    assert record is not None and record["oauthConfig"]["scopes"] == ["Api", "Basic", "RefreshToken"]
    admin = local_org.admin_user()
    local_org.create_metadata(
        [
            (
                "ExternalClientApplication",
                {"fullName": "E2", "label": "E", "contactEmail": "o@x.io", "distributionState": "Local"},
            )
        ],
        admin,
    )
    local_org.create_metadata(
        [
            (
                "ExtlClntAppOauthSettings",
                {
                    "fullName": "E2_oauth",
                    "externalClientApplication": "E2",
                    "commaSeparatedOauthScopes": "Api, Email, OfflineAccess",
                },
            )
        ],
        admin,
    )
    (settings,) = local_org.read_metadata("ExtlClntAppOauthSettings", ["E2_oauth"])
    assert settings is not None and settings["commaSeparatedOauthScopes"] == "Api,Basic,RefreshToken"


# row 12 ----------------------------------------------------------------------------------------------------
def test_row12_crud_limit_wording(local_org: LocalOrg) -> None:
    # Metadata API Developer Guide, createMetadata(): "record limit reached. cannot submit more than 10
    # records in this operation"
    with pytest.raises(LimitExceeded, match="cannot submit more than 10 records in this operation"):
        local_org.read_metadata("ConnectedApp", [f"A{i}" for i in range(11)])


# row 13 ----------------------------------------------------------------------------------------------------
def test_row13_jwt_audience_follows_the_org_type(oo: OAuthOrg) -> None:
    # Salesforce Help, "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration": aud is
    # https://login.salesforce.com, or https://test.salesforce.com for a sandbox.
    keys = make_key_pair()
    app = oo.connected_app(certificate=keys.cert_pem)
    oo.tokens_by_code(app)  # the admin approves the app once

    def grant(aud: str) -> Any:
        return oo.token(
            grant_type=JWT, assertion=keys.assertion(app.client_id, oo.admin, aud, oo.clock.now + 180)
        )

    assert grant("https://login.salesforce.com").status_code == 200
    assert grant("https://test.salesforce.com").json()["error_description"] == "audience is invalid"
    oo.org.set_setting("is_sandbox", True)
    assert grant("https://test.salesforce.com").status_code == 200
    assert grant("https://login.salesforce.com").json()["error_description"] == "audience is invalid"


def test_row13_eca_ip_relaxation_values_are_checked_on_deploy(local_org: LocalOrg) -> None:
    # Metadata API Developer Guide, ExtlClntAppOauthConfigurablePolicies.ipRelaxationPolicyType: Enforce,
    # Bypass, Bypass_2factor, Enforce_RelaxRefresh; other values are refused.
    admin = local_org.admin_user()
    local_org.create_metadata(
        [
            (
                "ExternalClientApplication",
                {"fullName": "E3", "label": "E", "contactEmail": "o@x.io", "distributionState": "Local"},
            )
        ],
        admin,
    )
    policy = {"fullName": "E3_oauthPlcy", "externalClientApplication": "E3"}
    (bad,) = local_org.create_metadata(
        [("ExtlClntAppOauthConfigurablePolicies", {**policy, "ipRelaxationPolicyType": "BYPASS"})], admin
    )
    assert bad.errors[0].fields == ("ipRelaxationPolicyType",)
    (good,) = local_org.create_metadata(
        [("ExtlClntAppOauthConfigurablePolicies", {**policy, "ipRelaxationPolicyType": "Bypass_2factor"})],
        admin,
    )
    assert good.success


# row 15 ----------------------------------------------------------------------------------------------------
def test_row15_eca_profiles_and_permission_sets_must_exist(local_org: LocalOrg) -> None:
    # Metadata API Developer Guide, ExtlClntAppOauthConfigurablePolicies.commaSeparatedProfile /
    # commaSeparatedPermissionSet (as ConnectedApp.profileName / permissionSetName): names of existing ones.
    admin = local_org.admin_user()
    local_org.create_metadata(
        [
            (
                "ExternalClientApplication",
                {"fullName": "E4", "label": "E", "contactEmail": "o@x.io", "distributionState": "Local"},
            )
        ],
        admin,
    )
    policy = {
        "fullName": "E4_oauthPlcy",
        "externalClientApplication": "E4",
        "permittedUsersPolicyType": "AdminApprovedPreAuthorized",
    }
    (bad,) = local_org.create_metadata(
        [
            (
                "ExtlClntAppOauthConfigurablePolicies",
                {
                    **policy,
                    "commaSeparatedProfile": "System Administrator, Nope",
                    "commaSeparatedPermissionSet": "Missing_Set",
                },
            )
        ],
        admin,
    )
    assert [(e.status_code, e.fields) for e in bad.errors] == [
        ("INVALID_CROSS_REFERENCE_KEY", ("commaSeparatedProfile",)),
        ("INVALID_CROSS_REFERENCE_KEY", ("commaSeparatedPermissionSet",)),
    ]
    (good,) = local_org.create_metadata(
        [
            (
                "ExtlClntAppOauthConfigurablePolicies",
                {
                    **policy,
                    "commaSeparatedProfile": "System Administrator",
                    "commaSeparatedPermissionSet": "Connected_App_Users",
                },
            )
        ],
        admin,
    )
    assert good.success


# client problems -------------------------------------------------------------------------------------------
def test_parse_errors_carry_line_and_column(local_org: LocalOrg) -> None:
    # Metadata API Developer Guide, DeployMessage: lineNumber and columnNumber of the error in the file.
    broken = '<?xml version="1.0" encoding="UTF-8"?>\n<ExternalClientApplication xmlns="x">\n  <label>X</label\n</ExternalClientApplication>\n'
    unknown = component_xml("ExternalClientApplication", "\n<label>X</label>\n   <bogus>1</bogus>\n")
    for text, line, column in ((broken, 4, 1), (unknown, 3, 4)):
        result = _deploy(
            local_org,
            {
                "package.xml": package_xml({"ExternalClientApplication": ["A"]}),
                "externalClientApps/A.eca": text,
            },
        )
        (failure,) = result["details"]["componentFailures"]
        assert (failure["lineNumber"], failure["columnNumber"]) == (line, column), failure


def test_identical_redeploy_is_unchanged(local_org: LocalOrg, clock: FakeClock) -> None:
    # Metadata API Developer Guide, DeployMessage.changed: "true if the component was changed as a result of
    # this deployment"; an identical component is neither created nor changed.
    files = {
        "package.xml": package_xml({"ExternalClientApplication": ["Same"]}),
        "externalClientApps/Same.eca": component_xml(
            "ExternalClientApplication",
            "<contactEmail>ops@example.com</contactEmail><distributionState>Local</distributionState>"
            "<label>Same</label>",
        ),
    }
    first = _deploy(local_org, files)["details"]["componentSuccesses"][0]
    assert (first["created"], first["changed"]) == (True, False)
    modified = local_org.component("ExternalClientApplication", "Same")
    clock.advance(60)
    again = _deploy(local_org, files)["details"]["componentSuccesses"][0]
    assert (again["created"], again["changed"], again["success"]) == (False, False, True)
    row = local_org.component("ExternalClientApplication", "Same")
    assert modified is not None and row is not None and row.modified_date == modified.modified_date
    files["externalClientApps/Same.eca"] = files["externalClientApps/Same.eca"].replace(">Same<", ">Other<")
    changed = _deploy(local_org, files)["details"]["componentSuccesses"][0]
    assert (changed["created"], changed["changed"]) == (False, True)
