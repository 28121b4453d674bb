"""The Connect REST credentials client against a served local org: every resource, and every refusal.

Sources (cited per test below): Connect REST API Developer Guide, "OAuth Credentials Resources" and the pages it
links ("OAuth Usage", "OAuth Credentials by App ID", "OAuth Credentials by Consumer ID", "OAuth Staged
Credentials", "OAuth Staged Credentials ID", "App Oauth Staged Credentials"); Salesforce Help "Stage, Rotate,
and Delete OAuth Credentials for an External Client App" (xcloud.eca_stage_oauth_credentials).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sfconnect.errors import CredentialsApiError
from sfconnect.localorg import serve_local_org
from sfconnect.localorg._seed import SeedUser, default_seed
from sfconnect.org.credentials import CredentialsClient
from sfconnect.org.session import OrgSession
from tests.localorg.conftest import FakeClock
from tests.localorg.oauth_helpers import App, OAuthOrg

DOMAIN = "creds.sfconnect.test"


@pytest.fixture(scope="module")
def corg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OAuthOrg]:
    seed = default_seed(username_domain=DOMAIN)
    seed.users += [
        SeedUser(f"dev@{DOMAIN}", "Standard User", eca_developer=True, view_client_secret=False),
        SeedUser(f"plain@{DOMAIN}", "Standard User"),
    ]
    clock = FakeClock()
    with serve_local_org(Path(tmp_path_factory.mktemp("creds-org")), clock=clock, seed=seed) as handle:
        handle.org.set_setting("connected_app_creation_allowed", True)
        o = OAuthOrg(handle, clock)
        yield o
        o.http.close()


@pytest.fixture
def co(corg: OAuthOrg) -> Iterator[OAuthOrg]:
    saved = corg.org.settings()
    yield corg
    for key, value in saved.items():
        corg.org.set_setting(key, value)


def client_for(o: OAuthOrg, username: str | None = None) -> CredentialsClient:
    user = o.org.user_by_username(username or o.admin)
    assert user is not None
    session = o.org.create_session(user)
    return CredentialsClient(
        OrgSession(o.base, session.session_id, verify=str(o.handle.ca_bundle)), target="local"
    )


def cc_app(o: OAuthOrg) -> App:
    return o.external_client_app(
        global_settings={"isClientCredentialsFlowEnabled": True},
        policies={"isClientCredentialsFlowEnabled": True, "clientCredentialsFlowUser": o.integration},
    )


def token_ok(o: OAuthOrg, key: str, secret: str) -> bool:
    answer = o.token(grant_type="client_credentials", client_id=key, client_secret=secret)
    return answer.status_code == 200


# "OAuth Usage" (59.0) and "OAuth Credentials by App ID" (60.0) ----------------------------------------
def test_usage_lists_apps_and_reads_the_key_without_the_secret_by_default(co: OAuthOrg) -> None:
    app = co.external_client_app()
    legacy = co.connected_app()
    with client_for(co) as client:
        names = {a.name: a for a in client.usage()}
        assert {app.name, legacy.name} <= set(names)
        assert names[app.name].id.startswith("0xI") and names[legacy.name].id.startswith("0H4")
        assert names[app.name].distribution_state == "Local"
        # "If this parameter is excluded from the request, then the key is provided in the response."
        raw = client._call("GET", f"/credentials/{names[app.name].id}", "list")
        consumer = raw["consumers"][0]
        assert consumer["key"] == app.client_id and "secret" not in consumer
        assert consumer["stagedCredentialsUrl"].endswith("/staged")
        plain = client._call("GET", f"/credentials/{names[app.name].id}/{consumer['id']}", "read")
        assert plain["key"] == app.client_id and "secret" not in plain


@pytest.mark.parametrize(
    ("part", "key", "secret"), [("key", True, False), ("secret", False, True), ("keyandsecret", True, True)]
)
def test_part_selects_key_secret_or_both(co: OAuthOrg, part: str, key: bool, secret: bool) -> None:
    # "OAuth Credentials by Consumer ID": part=key|secret|keyandsecret; the secret only when asked for.
    app = co.external_client_app()
    with client_for(co) as client:
        read = client.read(app.name, part)  # type: ignore[arg-type]
    assert read.key == (app.client_id if key else None)
    assert read.secret == (app.client_secret if secret else None)
    assert app.client_secret not in repr(read)


def test_bad_part_and_unknown_app_are_refused(co: OAuthOrg) -> None:
    app = co.external_client_app()
    with client_for(co) as client:
        ref = client.find_app(app.name)
        consumer = client.consumer_ids(ref)[0]
        with pytest.raises(CredentialsApiError) as bad:
            client._call("GET", f"/credentials/{ref.id}/{consumer}", "read", params={"part": "everything"})
        assert bad.value.error_code == "INVALID_INPUT" and bad.value.status == 400
        with pytest.raises(CredentialsApiError) as missing:
            client.read("No_Such_App")
        assert missing.value.error_code == "NOT_FOUND"
        with pytest.raises(CredentialsApiError) as other:
            client._call("GET", f"/credentials/{ref.id}/0Ho000000000000AAA", "read")
        assert other.value.status == 404


# refusals: the org setting and the user permissions (Help: prerequisites) ------------------------------
def test_setting_off_refuses_secrets_and_staging_but_not_keys(co: OAuthOrg) -> None:
    # Help: "Allow access to External Client App consumer secrets via REST API must be turned on".
    app = co.external_client_app()
    co.org.set_setting("client_secret_rest_api_access", False)
    with client_for(co) as client:
        assert client.read(app.name, "key").key == app.client_id
        for call in (lambda: client.read(app.name, "secret"), lambda: client.staged(app.name)):
            with pytest.raises(CredentialsApiError) as refused:
                call()
            assert refused.value.error_code == "FUNCTIONALITY_NOT_ENABLED" and refused.value.status == 403
            assert "Allow access to External Client App consumer secrets via REST API" in str(refused.value)
            assert app.client_secret not in str(refused.value)


def test_the_setting_is_on_in_the_seed_and_readable_as_metadata(co: OAuthOrg) -> None:
    # Metadata API Developer Guide, ExternalClientAppSettings.enableClientSecretInRestApiAccess (62.0).
    record = co.org.read_metadata("ExternalClientAppSettings", ["ExternalClientApp"])[0]
    assert record is not None and record["enableClientSecretInRestApiAccess"] == "true"


def test_permissions_are_required(co: OAuthOrg) -> None:
    # Help: "User Permissions Needed: External Client App Developer and View Client Secret".
    app = co.external_client_app()
    with client_for(co, f"plain@{DOMAIN}") as client:
        with pytest.raises(CredentialsApiError) as none:
            client.usage()
        assert none.value.error_code == "INSUFFICIENT_ACCESS" and none.value.status == 403
    with client_for(co, f"dev@{DOMAIN}") as client:
        assert client.read(app.name, "key").key == app.client_id
        with pytest.raises(CredentialsApiError) as secret:
            client.read(app.name, "keyandsecret")
        assert secret.value.error_code == "INSUFFICIENT_ACCESS" and "View Client Secret" in str(secret.value)


def test_packaged_apps_and_connected_apps_cannot_stage(co: OAuthOrg) -> None:
    # Help: "This workflow doesn't apply to packaged external client apps."
    app = co.external_client_app()
    header = co.org.component("ExternalClientApplication", app.name)
    assert header is not None
    co.org.store.put_component(
        header.__class__(**{**header.__dict__, "record": {**header.record, "distributionState": "Packaged"}})
    )
    legacy = co.connected_app()
    with client_for(co) as client:
        for name in (app.name, legacy.name):
            with pytest.raises(CredentialsApiError) as refused:
                client.staged(name)
            assert refused.value.error_code == "INVALID_OPERATION"
        assert client.read(app.name, "secret").secret == app.client_secret  # reading still works


def test_staged_resources_do_not_exist_before_65(co: OAuthOrg) -> None:
    # "OAuth Staged Credentials": available version 65.0.
    app = co.external_client_app()
    with client_for(co) as client:
        ref = client.find_app(app.name)
        consumer = client.consumer_ids(ref)[0]
        url = f"{co.base}/services/data/v63.0/apps/oauth/credentials/{ref.id}/{consumer}/staged"
        with pytest.raises(CredentialsApiError) as old:
            client._call("GET", url, "staged at 63.0")
        assert old.value.status == 404


# staging, rotation, deletion ------------------------------------------------------------------------------
def test_stage_rotate_delete_with_both_secrets_valid_while_staged(co: OAuthOrg) -> None:
    # "OAuth Staged Credentials" (POST creates, no body), "OAuth Staged Credentials ID" (PATCH rotates,
    # DELETE answers 204), "App Oauth Staged Credentials" (states Active / Expired / Rotated).
    app = cc_app(co)
    with client_for(co) as client:
        creds, before = client.staged(app.name)
        assert before == []
        new = client.stage(creds)
        assert new.state == "Active" and new.key and new.secret
        assert new.key != app.client_id and new.secret != app.client_secret
        assert token_ok(co, app.client_id, app.client_secret)  # old: still valid
        assert token_ok(co, new.key, new.secret)  # staged: valid too
        with pytest.raises(CredentialsApiError) as twice:
            client.stage(creds)
        assert twice.value.error_code == "INVALID_OPERATION"
        rotated = client.promote(creds, new.id)
        assert rotated.state == "Rotated" and rotated.key == app.client_id and rotated.secret is None
        assert client.read(app.name, "keyandsecret").secret == new.secret
        assert not token_ok(co, app.client_id, app.client_secret)  # the old pair is refused
        assert token_ok(co, new.key, new.secret)
        with pytest.raises(CredentialsApiError) as again:
            client.promote(creds, new.id)
        assert again.value.error_code == "INVALID_OPERATION"
        client.delete_staged(creds, new.id)
        assert client.staged(app.name)[1] == []
        with pytest.raises(CredentialsApiError) as gone:
            client.delete_staged(creds, new.id)
        assert gone.value.status == 404


def test_staged_credentials_expire_after_30_days(co: OAuthOrg) -> None:
    # "App Oauth Staged Credentials": "Staged credentials are valid for 30 days unless they're deleted".
    app = cc_app(co)
    with client_for(co) as client:
        creds, _ = client.staged(app.name)
        new = client.stage(creds)
        assert new.key and new.secret
        co.clock.advance(31 * 86400)
        assert not token_ok(co, new.key, new.secret)
        with client_for(co) as fresh:
            _, listed = fresh.staged(app.name)
            assert [s.state for s in listed] == ["Expired"]
            with pytest.raises(CredentialsApiError):
                fresh.promote(creds, new.id)
            fresh.delete_staged(creds, new.id)
