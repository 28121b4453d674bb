"""Discovery, keys, identity, introspection, revocation, and tokens used as sessions by simple-salesforce."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import pytest
from simple_salesforce.exceptions import SalesforceExpiredSession

from tests.localorg.conftest import close_client, simple_salesforce_client, trusting_session
from tests.localorg.oauth_helpers import CALLBACK, App, OAuthOrg, callback_params, oauth_org, oo

__all__ = ["oauth_org", "oo"]


def _introspect(oo: OAuthOrg, app: App, token: str) -> Any:
    return oo.http.post(
        f"{oo.base}/services/oauth2/introspect",
        data={"token": token, "client_id": app.client_id, "client_secret": app.client_secret},
    )


def test_discovery_and_keys(oo: OAuthOrg) -> None:
    config = oo.http.get(f"{oo.base}/.well-known/openid-configuration").json()
    assert config["issuer"] == oo.base
    assert config["token_endpoint"] == f"{oo.base}/services/oauth2/token"
    assert config["jwks_uri"] == f"{oo.base}/id/keys"
    assert config["introspection_endpoint"] == f"{oo.base}/services/oauth2/introspect"
    keys = oo.http.get(config["jwks_uri"]).json()["keys"]
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["kid"]
    assert "d" not in keys[0]  # the private part never leaves the org


def test_token_response_as_urlencoded(oo: OAuthOrg) -> None:
    app = oo.connected_app(isClientCredentialEnabled=True, oauthClientCredentialUser=oo.integration)
    answer = oo.token(
        grant_type="client_credentials",
        client_id=app.client_id,
        client_secret=app.client_secret,
        format="urlencoded",
    )
    assert answer.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert parse_qs(answer.text)["token_type"] == ["Bearer"]


def test_identity_url_with_bearer_or_oauth_token(oo: OAuthOrg) -> None:
    app = oo.connected_app(scopes=("Basic", "OpenID"))
    tokens = oo.tokens_by_code(app)
    by_header = oo.http.get(tokens["id"], headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert by_header.status_code == 200
    body = by_header.json()
    assert body["username"] == oo.admin and body["organization_id"] == oo.org.org_id
    by_param = oo.http.get(tokens["id"], params={"oauth_token": tokens["access_token"], "version": "60.0"})
    assert by_param.json()["urls"]["rest"] == f"{oo.base}/services/data/v60.0/"
    integration_id = oo.org.user_by_username(oo.integration).id  # type: ignore[union-attr]
    other = oo.http.get(
        f"{oo.base}/id/{oo.org.org_id}/{integration_id}",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert other.status_code == 403
    assert oo.http.get(tokens["id"], params={"oauth_token": "nope"}).status_code == 401


def test_introspection_of_own_and_other_apps_tokens(oo: OAuthOrg) -> None:
    app, other = oo.connected_app(), oo.connected_app()
    tokens = oo.tokens_by_code(app)
    own = _introspect(oo, app, tokens["access_token"]).json()
    assert own["active"] is True and own["client_id"] == app.client_id and own["username"] == oo.admin
    assert own["token_type"] == "access_token" and own["scope"] == tokens["scope"]
    assert _introspect(oo, app, tokens["refresh_token"]).json()["token_type"] == "refresh_token"
    assert _introspect(oo, other, tokens["access_token"]).json() == {"active": False}
    everything = oo.connected_app(isIntrospectAllTokens=True)
    assert _introspect(oo, everything, tokens["access_token"]).json()["active"] is True
    assert _introspect(oo, app, "garbage").json() == {"active": False}
    app.client_secret = "WRONG0000"
    assert _introspect(oo, app, tokens["access_token"]).json()["error"] == "invalid_client"


def test_revoke_access_and_refresh_tokens(oo: OAuthOrg) -> None:
    app = oo.connected_app()
    tokens = oo.tokens_by_code(app)
    revoke = f"{oo.base}/services/oauth2/revoke"
    assert oo.http.post(revoke, data={"token": tokens["access_token"]}).status_code == 200
    assert oo.userinfo(tokens["access_token"]).status_code == 401
    refreshed = oo.token(
        grant_type="refresh_token",
        refresh_token=tokens["refresh_token"],
        client_id=app.client_id,
        client_secret=app.client_secret,
    ).json()
    answer = oo.http.get(revoke, params={"token": tokens["refresh_token"]})
    assert answer.status_code == 200 and answer.text == ""
    assert oo.userinfo(refreshed["access_token"]).status_code == 401
    again = oo.http.post(revoke, data={"token": tokens["refresh_token"]})
    assert again.status_code == 400 and again.json()["error"] == "invalid_token"
    introspected = _introspect(oo, app, tokens["refresh_token"]).json()
    assert introspected == {"active": False}


def _sf(oo: OAuthOrg, token: str) -> Any:
    from simple_salesforce.api import Salesforce

    session = trusting_session(oo.handle.ca_bundle)
    sf = Salesforce(instance_url=oo.base, session_id=token, session=session, version="60.0")
    sf.mdapi._client.transport.session.verify = str(oo.handle.ca_bundle)
    sf.mdapi._client.transport.session.trust_env = False
    return sf


def test_tokens_work_as_simple_salesforce_sessions_only_with_api(oo: OAuthOrg) -> None:
    app = oo.connected_app(scopes=("Api", "Basic", "RefreshToken"))
    with_api = oo.tokens_by_code(app, scope="api")
    sf = _sf(oo, with_api["access_token"])
    try:
        assert sf.mdapi.ConnectedApp.read(app.name).label == app.name.replace("_", " ")
        assert sf.restful("")["identity"].endswith(oo.org.admin_user().id)
    finally:
        close_client(sf)
    without = oo.tokens_by_code(app, scope="id")
    assert oo.userinfo(without["access_token"]).status_code == 200
    sf = _sf(oo, without["access_token"])
    try:
        with pytest.raises(Exception, match="This session is not valid for use with the API"):
            sf.mdapi.ConnectedApp.read(app.name)
        with pytest.raises(SalesforceExpiredSession):
            sf.restful("")
    finally:
        close_client(sf)


def test_app_created_through_the_metadata_api_serves_oauth(oo: OAuthOrg) -> None:
    sf = simple_salesforce_client(oo.handle)
    try:
        ca = sf.mdapi.ConnectedApp
        ca.create(
            [
                ca(
                    fullName="Via_Mdapi",
                    label="Via Mdapi",
                    contactEmail="ops@example.com",
                    oauthConfig={
                        "callbackUrl": "https://app.example.com/oauth/callback",
                        "scopes": ["Api", "RefreshToken"],
                        "isClientCredentialEnabled": True,
                        "oauthClientCredentialUser": oo.integration,
                    },
                )
            ]
        )
        key = ca.read("Via_Mdapi").oauthConfig.consumerKey
    finally:
        close_client(sf)
    creds = oo.org.app_credentials(key)
    assert creds is not None
    answer = oo.token(grant_type="client_credentials", client_id=key, client_secret=creds.consumer_secret)
    assert answer.status_code == 200 and answer.json()["scope"] == "api"


def test_a_code_is_redeemed_once_under_concurrency(oo: OAuthOrg) -> None:
    from concurrent.futures import ThreadPoolExecutor

    app = oo.connected_app()
    query, verifier = oo.code_flow(app)
    form = {
        "grant_type": "authorization_code",
        "code": query["code"],
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier or "",
    }

    def redeem(_: int) -> int:
        with trusting_session(oo.handle.ca_bundle) as http:
            return http.post(f"{oo.base}/services/oauth2/token", data=form).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(redeem, range(8)))
    assert statuses == [200] + [400] * 7


def test_no_consumer_secret_in_pages_or_token_responses(oo: OAuthOrg) -> None:
    app = oo.connected_app()
    page = oo.authorize(app)
    consent = oo.submit(page, username=oo.admin, password=oo.admin_password)
    final = oo.submit(consent, decision="allow")
    tokens = oo.exchange(app, callback_params(final)["code"], None)
    assert tokens.status_code == 200
    for text in (page.text, consent.text, final.headers["Location"], tokens.text):
        assert app.client_secret not in text
        assert oo.admin_password not in text
