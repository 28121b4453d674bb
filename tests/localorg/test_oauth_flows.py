"""Every OAuth flow against a served org with plain `requests`: a passing case and the refusals per flow."""

from __future__ import annotations

import base64
import hashlib
import hmac

import jwt
import pytest

from tests.localorg.oauth_helpers import (
    CALLBACK,
    OAuthOrg,
    callback_params,
    location,
    make_key_pair,
    oauth_org,
    oo,
)

__all__ = ["oauth_org", "oo"]


def _signature(secret: str, identity: str, issued_at: str) -> str:
    mac = hmac.new(secret.encode(), (identity + issued_at).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


# web server (authorization code) ----------------------------------------------------------------
def test_code_flow_with_pkce_issues_salesforce_shaped_tokens(oo: OAuthOrg) -> None:
    app = oo.connected_app(isPkceRequired=True)
    data = oo.tokens_by_code(app)
    admin = oo.org.admin_user()
    assert data["id"] == f"{oo.base}/id/{oo.org.org_id}/{admin.id}"
    assert data["instance_url"] == oo.base
    assert data["token_type"] == "Bearer"
    assert data["access_token"].startswith(oo.org.org_id[:15] + "!")
    assert data["issued_at"] == str(int(oo.clock.now * 1000))
    assert data["signature"] == _signature(app.client_secret, data["id"], data["issued_at"])
    assert data["scope"] == "api refresh_token openid id"
    assert data["refresh_token"]
    assert "expires_in" not in data
    keys = oo.http.get(f"{oo.base}/id/keys").json()
    jwk = jwt.PyJWK(keys["keys"][0])
    claims = jwt.decode(
        data["id_token"], jwk.key, algorithms=["RS256"], audience=app.client_id, options={"verify_exp": False}
    )
    assert claims["sub"] == data["id"]
    assert claims["iss"] == oo.base
    assert oo.userinfo(data["access_token"]).json()["user_id"] == admin.id


def test_consent_is_asked_once_then_remembered(oo: OAuthOrg) -> None:
    app = oo.connected_app()
    first = oo.submit(oo.authorize(app), username=oo.admin, password=oo.admin_password)
    assert first.status_code == 200 and 'name="decision"' in first.text
    assert "code" in callback_params(oo.submit(first, decision="allow"))
    second = oo.submit(oo.authorize(app), username=oo.admin, password=oo.admin_password)
    assert "code" in callback_params(second)


def test_consent_denied_reports_access_denied_with_state(oo: OAuthOrg) -> None:
    app = oo.connected_app()
    final = oo.login_and_consent(oo.authorize(app, state="keep-me"), oo.admin, oo.admin_password, allow=False)
    assert callback_params(final) == {
        "error": "access_denied",
        "error_description": "end-user denied authorization",
        "state": "keep-me",
    }


def test_callback_must_match_exactly_one_registered_line(oo: OAuthOrg) -> None:
    other = "https://other.example.com/cb"
    app = oo.connected_app(callback=f"{CALLBACK}\n{other}")
    assert oo.authorize(app, redirect_uri=other).status_code == 200
    for wrong in (
        CALLBACK + "/",
        CALLBACK.replace("https", "http"),
        "https://app.example.com:444/oauth/callback",
    ):
        refused = oo.authorize(app, redirect_uri=wrong)
        target = location(refused)
        assert target.startswith("/setup/secur/RemoteAccessErrorPage.apexp?error=redirect_uri_mismatch")
        page = oo.http.get(oo.base + target)
        assert page.status_code == 400 and "redirect_uri must match configuration" in page.text
    assert "error=redirect_uri_missing" in location(oo.authorize(app, redirect_uri=""))


def test_unknown_client_id_is_refused_on_the_error_page(oo: OAuthOrg) -> None:
    app = oo.connected_app()
    app.client_id = "3MVG9nope"
    assert "error=invalid_client_id" in location(oo.authorize(app))


def test_pkce_required_by_the_app_or_the_org(oo: OAuthOrg) -> None:
    strict = oo.connected_app(isPkceRequired=True)
    refused = callback_params(oo.authorize(strict, state="s"))
    assert refused == {
        "error": "invalid_request",
        "error_description": "missing required code challenge",
        "state": "s",
    }
    lax = oo.connected_app()
    assert oo.authorize(lax).status_code == 200
    oo.org.set_setting("pkce_required_org_wide", True)
    assert callback_params(oo.authorize(lax))["error"] == "invalid_request"


def test_code_verifier_missing_or_wrong(oo: OAuthOrg) -> None:
    app = oo.connected_app()
    query, _ = oo.code_flow(app)
    missing = oo.exchange(app, query["code"], None)
    assert missing.status_code == 400
    assert missing.json() == {"error": "invalid_grant", "error_description": "invalid code verifier"}
    query, _ = oo.code_flow(app)
    wrong = oo.exchange(app, query["code"], "x" * 50)
    # RFC 7636 section 4.6: a verifier that does not match is invalid_grant
    assert wrong.json() == {"error": "invalid_grant", "error_description": "invalid code verifier"}
    # a verifier for a code requested without a challenge is refused too
    query, _ = oo.code_flow(app, pkce=False)
    stray = oo.exchange(app, query["code"], "y" * 50)
    assert stray.json() == {"error": "invalid_grant", "error_description": "invalid code verifier"}


def test_client_secret_required_unless_optional_and_always_checked(oo: OAuthOrg) -> None:
    app = oo.connected_app()
    query, verifier = oo.code_flow(app)
    refused = oo.exchange(app, query["code"], verifier, secret=False)
    assert refused.json() == {"error": "invalid_client", "error_description": "invalid client credentials"}
    public = oo.connected_app(isConsumerSecretOptional=True)
    query, verifier = oo.code_flow(public)
    assert oo.exchange(public, query["code"], verifier, secret=False).status_code == 200
    query, verifier = oo.code_flow(public)
    public.client_secret = "WRONG0000"
    assert oo.exchange(public, query["code"], verifier).json()["error"] == "invalid_client"


def test_code_is_single_use_and_bound_to_its_redirect_uri(oo: OAuthOrg) -> None:
    app = oo.connected_app()
    query, verifier = oo.code_flow(app)
    assert oo.exchange(app, query["code"], verifier).status_code == 200
    again = oo.exchange(app, query["code"], verifier)
    assert again.json() == {"error": "invalid_grant", "error_description": "invalid authorization code"}
    query, verifier = oo.code_flow(app)
    form = {
        "grant_type": "authorization_code",
        "code": query["code"],
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": "https://elsewhere.example.com/cb",
        "code_verifier": verifier or "",
    }
    assert oo.token(**form).json()["error"] == "redirect_uri_mismatch"


def test_login_page_refuses_a_wrong_password_and_a_forged_csrf_token(oo: OAuthOrg) -> None:
    app = oo.connected_app()
    page = oo.authorize(app)
    wrong = oo.submit(page, username=oo.admin, password="nope")
    assert wrong.status_code == 401 and "check your username and password" in wrong.text
    forged = oo.submit(page, username=oo.admin, password=oo.admin_password, csrf_token="forged")
    assert "error=invalid_request" in location(forged)


def test_requested_scopes_must_be_within_the_apps(oo: OAuthOrg) -> None:
    app = oo.connected_app(scopes=("Api", "RefreshToken"))
    assert callback_params(oo.authorize(app, scope="api web"))["error"] == "invalid_scope"
    data = oo.tokens_by_code(app, scope="api")
    assert data["scope"] == "api" and "refresh_token" not in data
    full = oo.connected_app(scopes=("Full",))
    assert oo.authorize(full, scope="api web").status_code == 200
    assert callback_params(oo.authorize(full, scope="refresh_token"))["error"] == "invalid_scope"


# user-agent -------------------------------------------------------------------------------------------------
def test_user_agent_flow_blocked_org_wide_then_tokens_in_the_fragment(oo: OAuthOrg) -> None:
    app = oo.connected_app()
    oo.org.set_setting("user_agent_flows_blocked", True)
    blocked = oo.authorize(app, response_type="token", state="ua")
    assert "#" in location(blocked)
    assert callback_params(blocked)["error"] == "oauth_flow_disabled"
    oo.org.set_setting("user_agent_flows_blocked", False)
    final = oo.login_and_consent(
        oo.authorize(app, response_type="token", state="ua"), oo.admin, oo.admin_password
    )
    assert "?" not in location(final).split("#")[0]
    fragment = callback_params(final)
    assert fragment["state"] == "ua" and fragment["token_type"] == "Bearer"
    assert fragment["signature"] == _signature(app.client_secret, fragment["id"], fragment["issued_at"])
    assert oo.userinfo(fragment["access_token"]).status_code == 200


def test_unsupported_response_type(oo: OAuthOrg) -> None:
    app = oo.connected_app()
    assert callback_params(oo.authorize(app, response_type="banana"))["error"] == "unsupported_response_type"


# refresh token ----------------------------------------------------------------
def _refresh(oo: OAuthOrg, app, token: str, secret: bool = True, ip: str | None = None):
    form = {"grant_type": "refresh_token", "refresh_token": token, "client_id": app.client_id}
    if secret:
        form["client_secret"] = app.client_secret
    return oo.token(ip=ip, **form)


def test_refresh_token_grant_and_secret_requirement(oo: OAuthOrg) -> None:
    app = oo.connected_app()
    data = oo.tokens_by_code(app)
    renewed = _refresh(oo, app, data["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    body = renewed.json()
    assert body["access_token"] != data["access_token"] and "refresh_token" not in body
    assert _refresh(oo, app, data["refresh_token"], secret=False).json()["error"] == "invalid_client"
    lax = oo.connected_app(isSecretRequiredForRefreshToken=False)
    lax_tokens = oo.tokens_by_code(lax)
    assert _refresh(oo, lax, lax_tokens["refresh_token"], secret=False).status_code == 200


def test_refresh_token_rotation_and_reuse_revoking_the_family(oo: OAuthOrg) -> None:
    app = oo.connected_app(isRefreshTokenRotationEnabled=True)
    data = oo.tokens_by_code(app)
    first = _refresh(oo, app, data["refresh_token"]).json()
    assert first["refresh_token"] != data["refresh_token"]
    second = _refresh(oo, app, first["refresh_token"]).json()
    replay = _refresh(oo, app, data["refresh_token"])
    assert replay.json() == {"error": "invalid_grant", "error_description": "expired access/refresh token"}
    assert _refresh(oo, app, second["refresh_token"]).json()["error"] == "invalid_grant"
    assert oo.userinfo(second["access_token"]).status_code == 401
    assert oo.userinfo(data["access_token"]).status_code == 401


@pytest.mark.parametrize(
    ("policy", "gap_seconds", "steps", "ok"),
    [
        ("infinite", 90 * 86400, 1, True),
        ("zero", 0, 1, False),
        ("specific_lifetime:1:HOURS", 50 * 60, 1, True),
        ("specific_lifetime:1:HOURS", 50 * 60, 2, False),
        ("specific_inactivity:1:HOURS", 50 * 60, 3, True),
        ("specific_inactivity:1:HOURS", 61 * 60, 1, False),
    ],
)
def test_refresh_token_policy(oo: OAuthOrg, policy: str, gap_seconds: int, steps: int, ok: bool) -> None:
    app = oo.connected_app(record__oauthPolicy={"ipRelaxation": "ENFORCE", "refreshTokenPolicy": policy})
    data = oo.tokens_by_code(app)
    answer = None
    for _ in range(steps):
        oo.clock.advance(gap_seconds)
        answer = _refresh(oo, app, data["refresh_token"])
    assert answer is not None
    assert (answer.status_code == 200) is ok, answer.text
    if not ok:
        assert answer.json() == {
            "error": "invalid_grant",
            "error_description": "expired access/refresh token",
        }


# client credentials ----------------------------------------------------------------
def test_client_credentials_runs_as_the_run_as_user(oo: OAuthOrg) -> None:
    app = oo.connected_app(
        scopes=("Api", "Web", "Full", "RefreshToken"),
        isClientCredentialEnabled=True,
        oauthClientCredentialUser=oo.integration,
    )
    answer = oo.token(
        grant_type="client_credentials", client_id=app.client_id, client_secret=app.client_secret
    )
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["scope"] == "api" and "refresh_token" not in data and data["token_format"] == "opaque"
    assert oo.userinfo(data["access_token"]).json()["preferred_username"] == oo.integration
    basic = oo.http.post(
        f"{oo.base}/services/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(app.client_id, app.client_secret),
    )
    assert basic.status_code == 200
    wrong = oo.token(grant_type="client_credentials", client_id=app.client_id, client_secret="WRONGWRONG")
    assert wrong.json()["error"] == "invalid_client"


def test_client_credentials_refused_with_the_flow_off(oo: OAuthOrg) -> None:
    app = oo.connected_app()
    answer = oo.token(
        grant_type="client_credentials", client_id=app.client_id, client_secret=app.client_secret
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_client_credentials_refused_without_a_run_as_user(oo: OAuthOrg) -> None:
    app = oo.external_client_app(
        global_settings={"isClientCredentialsFlowEnabled": True},
        policies={"isClientCredentialsFlowEnabled": True},
    )
    answer = oo.token(
        grant_type="client_credentials", client_id=app.client_id, client_secret=app.client_secret
    )
    assert answer.json() == {
        "error": "invalid_grant",
        "error_description": "no client credentials user enabled",
    }


# JWT bearer ----------------------------------------------------------------
def _jwt(oo: OAuthOrg, assertion: str):
    return oo.token(grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer", assertion=assertion)


def test_jwt_bearer_for_a_pre_authorized_user(oo: OAuthOrg) -> None:
    keys = make_key_pair()
    app = oo.connected_app(
        certificate=keys.cert_pem, isAdminApproved=True, record__profileName=["System Administrator"]
    )
    answer = _jwt(oo, keys.assertion(app.client_id, oo.admin, oo.base, oo.clock.now + 180))
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert "refresh_token" not in data and data["scope"] == "api openid id"
    assert oo.userinfo(data["access_token"]).json()["preferred_username"] == oo.admin
    login_aud = keys.assertion(app.client_id, oo.admin, "https://login.salesforce.com", oo.clock.now + 180)
    assert _jwt(oo, login_aud).status_code == 200


def test_jwt_bearer_refusals(oo: OAuthOrg) -> None:
    keys, other = make_key_pair(), make_key_pair()
    app = oo.connected_app(
        certificate=keys.cert_pem, isAdminApproved=True, record__profileName=["System Administrator"]
    )
    now = oo.clock.now
    cases = {
        other.assertion(app.client_id, oo.admin, oo.base, now + 180): ("invalid_grant", "invalid assertion"),
        keys.assertion(app.client_id, oo.admin, "https://evil.example.com", now + 180): (
            "invalid_grant",
            "audience is invalid",
        ),
        keys.assertion(app.client_id, oo.admin, oo.base, now - 10): (
            "invalid_grant",
            "expired authorization code",
        ),
        keys.assertion("3MVG9unknown", oo.admin, oo.base, now + 180): (
            "invalid_client_id",
            "client identifier invalid",
        ),
        keys.assertion(app.client_id, oo.integration, oo.base, now + 180): (
            "invalid_grant",
            "user hasn't approved this consumer",
        ),
        "not-a-jwt": ("invalid_grant", "invalid assertion"),
    }
    for assertion, (error, description) in cases.items():
        assert _jwt(oo, assertion).json() == {"error": error, "error_description": description}


def test_jwt_bearer_needs_a_prior_approval_when_users_self_authorize(oo: OAuthOrg) -> None:
    keys = make_key_pair()
    app = oo.connected_app(certificate=keys.cert_pem)
    assertion = keys.assertion(app.client_id, oo.admin, oo.base, oo.clock.now + 180)
    assert _jwt(oo, assertion).json()["error_description"] == "user hasn't approved this consumer"
    oo.tokens_by_code(app)  # the user approves the app interactively once
    assert _jwt(oo, assertion).status_code == 200


# username-password --------------------------------------------------------------
def test_password_flow_blocked_org_wide_by_default(oo: OAuthOrg) -> None:
    app = oo.connected_app()
    refused = oo.password_grant(app, oo.admin, oo.admin_password)
    assert refused.json() == {"error": "invalid_grant", "error_description": "authentication failure"}
    oo.org.set_setting("username_password_flows_blocked", False)
    answer = oo.password_grant(app, oo.admin, oo.admin_password)
    assert answer.status_code == 200, answer.text
    assert "refresh_token" not in answer.json()
    assert oo.password_grant(app, oo.admin, "wrong").json()["error"] == "invalid_grant"


# device flow ----------------------------------------------------------------
def test_device_flow_from_user_code_to_tokens(oo: OAuthOrg) -> None:
    app = oo.connected_app()
    oo.org.set_device_flow(app.name, True)  # "Enable for Device Flow" (Setup only, off by default)
    start = oo.token(response_type="device_code", client_id=app.client_id, scope="api refresh_token")
    assert start.status_code == 200, start.text
    device = start.json()
    assert device["verification_uri"] == f"{oo.base}/setup/connect" and device["interval"] == 5
    poll = {"grant_type": "device", "client_id": app.client_id, "code": device["device_code"]}
    assert oo.token(**poll).json()["error"] == "authorization_pending"
    assert oo.token(**poll).json()["error"] == "slow_down"
    page = oo.http.get(device["verification_uri"])
    wrong = oo.submit(page, user_code="ZZZZZZZZ", username=oo.admin, password=oo.admin_password)
    assert wrong.status_code == 400
    answer = oo.submit(page, user_code=device["user_code"], username=oo.admin, password=oo.admin_password)
    done = oo.submit(answer, decision="allow")
    assert done.status_code == 200 and "return to your device" in done.text
    oo.clock.advance(6)
    tokens = oo.token(**poll)
    assert tokens.status_code == 200, tokens.text
    assert tokens.json()["refresh_token"] and tokens.json()["scope"] == "api refresh_token"
    assert oo.token(**poll).json()["error"] == "invalid_grant"


def test_device_flow_refused_when_the_app_disables_it(oo: OAuthOrg) -> None:
    off = oo.external_client_app(global_settings={"isDeviceFlowEnabled": False})
    refused = oo.token(response_type="device_code", client_id=off.client_id)
    assert refused.json()["error"] == "oauth_flow_disabled"
    on = oo.external_client_app(global_settings={"isDeviceFlowEnabled": True})
    assert oo.token(response_type="device_code", client_id=on.client_id).status_code == 200


def test_unsupported_grant_type(oo: OAuthOrg) -> None:
    assert oo.token(grant_type="banana").json()["error"] == "unsupported_grant_type"
