"""The org client against a served local org, over HTTPS, with the real simple-salesforce underneath."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sfconnect.errors import AuthError, MetadataFault
from sfconnect.localorg import LocalOrgHandle, serve_local_org
from sfconnect.metadata.xmlio import read_component
from sfconnect.org.auth import UsernamePasswordAuth
from sfconnect.org.metadata_api import MetadataApi, RetryPolicy
from sfconnect.org.reader import read_components
from sfconnect.org.session import OrgSession, trusting_session

ECA_TYPES = ["ExternalClientApplication", "ExtlClntAppOauthSettings", "ExtlClntAppGlobalOauthSettings"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalOrgHandle]:
    with serve_local_org(tmp_path_factory.mktemp("org-client")) as handle:
        yield handle


def login(handle: LocalOrgHandle) -> OrgSession:
    auth = UsernamePasswordAuth(handle.login_url, handle.admin_username, handle.admin_password)
    with trusting_session(str(handle.ca_bundle)) as http:
        return auth.login(http, "63.0", target="local")


@pytest.fixture(scope="module")
def api(served: LocalOrgHandle) -> Iterator[MetadataApi]:
    client = MetadataApi(login(served), target="local", renew=lambda: login(served))
    yield client
    client.close()


def _create_ecas(handle: LocalOrgHandle, names: list[str]) -> None:
    admin = handle.org.admin_user()
    for name in names:
        record = {
            "fullName": name,
            "label": name,
            "contactEmail": "ops@example.com",
            "distributionState": "Local",
        }
        [result] = handle.org.create_metadata([("ExternalClientApplication", record)], admin)
        assert result.success, result.errors


def test_login_gives_a_session_for_the_org(served: LocalOrgHandle) -> None:
    session = login(served)
    assert session.instance_url == served.instance_url
    assert served.admin_password not in repr(session)


def test_wrong_password_is_an_auth_error(served: LocalOrgHandle) -> None:
    auth = UsernamePasswordAuth(served.login_url, served.admin_username, "not-the-password")
    with trusting_session(str(served.ca_bundle)) as http, pytest.raises(AuthError) as info:
        auth.login(http, "63.0", target="local")
    assert "INVALID_LOGIN" in str(info.value)
    assert "not-the-password" not in str(info.value)


@pytest.mark.parametrize(
    ("project_version", "login_version"), [("66.0", "64.0"), ("65.0", "64.0"), ("60.0", "60.0")]
)
def test_login_is_sent_at_64_or_earlier_and_the_session_keeps_the_project_version(
    served: LocalOrgHandle, project_version: str, login_version: str
) -> None:
    """ "SOAP API login() is not available in API versions 65.0 and later" (Salesforce Help, "Platform SOAP API
    login() Retirement", article 005132110): a project at 65.0+ must still be able to log in with a password."""
    auth = UsernamePasswordAuth(served.login_url, served.admin_username, served.admin_password)
    sent: list[str] = []
    with trusting_session(str(served.ca_bundle)) as http:
        http.hooks["response"].append(lambda response, *args, **kwargs: sent.append(response.request.url))
        session = auth.login(http, project_version, target="local")
    assert [url.split("/services/", 1)[1] for url in sent] == [f"Soap/u/{login_version}"]
    assert session.api_version == project_version


def test_list_and_read_in_batches_of_ten(served: LocalOrgHandle, api: MetadataApi) -> None:
    names = [f"Batch_App_{i:02d}" for i in range(23)]
    _create_ecas(served, names)
    api.calls.clear()
    snapshot = read_components(api, ECA_TYPES, concurrency=3)
    read = {r.full_name for r in snapshot.records if r.type == "ExternalClientApplication"}
    assert set(names) <= read
    headers = sum(1 for f in snapshot.listed if f.type == "ExternalClientApplication")
    assert api.calls["listMetadata"] == 1
    assert api.calls["readMetadata"] == -(-headers // 10)
    record = next(r for r in snapshot.records if r.full_name == "Batch_App_07")
    component = read_component(record.xml, type_hint=record.type, full_name=record.full_name)
    assert component.fields["label"] == "Batch_App_07"


def test_a_listing_of_many_types_is_split_in_threes_and_sent_concurrently(
    served: LocalOrgHandle, api: MetadataApi
) -> None:
    """listMetadata takes at most three queries per call (Metadata API Developer Guide, "listMetadata()":
    https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_listmetadata.htm)."""
    _create_ecas(served, ["Listed_App_1", "Listed_App_2"])
    types = [
        *ECA_TYPES,
        "ConnectedApp",
        "ExtlClntAppOauthConfigurablePolicies",
        "ExtlClntAppConfigurablePolicies",
        "ExtlClntAppSamlConfigurablePolicies",
    ]
    api.calls.clear()
    together = api.list_metadata(types, concurrency=3)
    assert api.calls["listMetadata"] == 3
    one_by_one = sorted(
        (f for t in types for f in api.list_metadata([t], concurrency=1)), key=lambda f: (f.type, f.full_name)
    )
    assert together == one_by_one
    assert {"Listed_App_1", "Listed_App_2"} <= {f.full_name for f in together}


def test_unknown_names_are_left_out(api: MetadataApi) -> None:
    assert api.read_metadata("ConnectedApp", ["No_Such_App"]) == []


def test_expired_session_is_renewed_once(served: LocalOrgHandle, api: MetadataApi) -> None:
    served.org.expire_sessions()
    before = api.session.session_id
    assert api.list_metadata(["ConnectedApp"]) is not None
    assert api.session.session_id != before


def test_expired_session_without_renewal_is_a_fault(served: LocalOrgHandle) -> None:
    client = MetadataApi(login(served), target="local", retry=RetryPolicy(attempts=1))
    served.org.expire_sessions()
    with pytest.raises(MetadataFault) as info:
        client.list_metadata(["ConnectedApp"])
    client.close()
    assert info.value.fault_code == "INVALID_SESSION_ID"


def test_ca_bundle_beats_the_environment(
    served: LocalOrgHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a bundle")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bogus))
    client = MetadataApi(login(served), target="local")
    try:
        assert isinstance(client.list_metadata(["ConnectedApp"]), list)
    finally:
        client.close()


def test_consumer_secret_setting_is_checked_before_deploying(
    served: LocalOrgHandle, api: MetadataApi
) -> None:
    from sfconnect.apply.service import check_consumer_secret_access
    from sfconnect.errors import ConfigError
    from sfconnect.metadata.component import Component

    glb = Component.build("ExtlClntAppGlobalOauthSettings", "X_glbloauth", {"externalClientApplication": "X"})
    check_consumer_secret_access(api, [glb])  # on by default in the embedded org
    served.org.set_setting("consumer_secret_api_access", False)
    try:
        with pytest.raises(ConfigError, match="enableConsumerSecretApiAccess"):
            check_consumer_secret_access(api, [glb])
    finally:
        served.org.set_setting("consumer_secret_api_access", True)


def test_consumer_secret_preflight_covers_both_oauth_settings_types(
    served: LocalOrgHandle, api: MetadataApi
) -> None:
    # Metadata API Developer Guide 66.0 (doc 260.0): ExtlClntAppGlobalOauthSettings and ExtlClntAppOauthSettings,
    # "Special Access Rules": access requires "Allow Access to OAuth Consumer Secrets via Metadata API".
    # The preflight and the embedded org agree on both types.
    from sfconnect.apply.service import check_consumer_secret_access
    from sfconnect.errors import ConfigError
    from sfconnect.metadata.component import Component

    oauth = Component.build("ExtlClntAppOauthSettings", "X_oauth", {"externalClientApplication": "X"})
    served.org.set_setting("consumer_secret_api_access", False)
    try:
        with pytest.raises(ConfigError, match="enableConsumerSecretApiAccess"):
            check_consumer_secret_access(api, [oauth])
        admin = served.org.admin_user()
        served.org.create_metadata(
            [
                (
                    "ExternalClientApplication",
                    {"fullName": "X", "label": "X", "contactEmail": "o@x.io", "distributionState": "Local"},
                )
            ],
            admin,
        )
        (refused,) = served.org.create_metadata(
            [("ExtlClntAppOauthSettings", {"fullName": "X_oauth", "externalClientApplication": "X"})], admin
        )
        assert refused.errors[0].status_code == "INSUFFICIENT_ACCESS"
    finally:
        served.org.set_setting("consumer_secret_api_access", True)
        served.org.delete_metadata("ExternalClientApplication", ["X"])
