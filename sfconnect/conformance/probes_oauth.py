"""OAuth probes: for each flow the org allows, the positive case and the refusals, with the token fields.

Every probe deploys its own External Client App (or a Connected App where the org allows creating one) with a
consumer secret the kit generates, reads the consumer key back, and drives the flow through `org`'s OAuth
client. Interactive flows log in as the browser user given to the kit; without one they are not run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar, cast

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from sfconnect.conformance import apps
from sfconnect.conformance.context import BrowserUser, ProbeContext
from sfconnect.conformance.model import NotRun, Observation, Probe
from sfconnect.org import _soap
from sfconnect.org.oauth_client import AuthorizeAnswer, Refusal, Tokens, jwt_assertion, pkce_pair

__all__ = ["PROBES"]

T = TypeVar("T")

NOT_YET_KNOWN = ("invalid_client_id", "invalid_client", "app_not_found")
"""Answers of an app that has not reached the OAuth endpoints yet (propagation)."""
SECRET_PARAMS = ("code", "access_token", "refresh_token", "id_token")
"""Callback parameters that carry credentials (masked in reports)."""


class App:
    """A probe's deployed app: its name and client credentials."""

    def __init__(self, name: str, client_id: str, client_secret: str) -> None:
        self.name = name
        self.client_id = client_id
        self.client_secret = client_secret


def _deploy_app(
    ctx: ProbeContext,
    suffix: str,
    *,
    scopes: str = "Api, RefreshToken, OpenID",
    global_settings: dict[str, Any] | None = None,
    policies: dict[str, Any] | None = None,
    trusted_ranges: list[dict[str, str]] | None = None,
) -> App:
    ctx.require_secret_access()
    name = ctx.name(suffix)
    secret = ctx.new_secret()
    parts = apps.eca_family(
        name,
        scopes=scopes,
        consumer_secret=secret,
        global_settings={"isPkceRequired": False, **(global_settings or {})},
        policies=policies,
    )
    if trusted_ranges:
        parts["oauth"][1]["trustedIpRanges"] = trusted_ranges
    ctx.deploy_eca(parts)
    key = ctx.consumer_key(name)
    ctx.secret(key)
    return App(name, key, secret)


def _refused(answer: Any) -> Observation:
    if isinstance(answer, Refusal):
        return {"granted": False, "error": answer.error, "description": answer.description}
    return {"granted": True, "error": "", "description": ""}


def _propagated(answer: Any) -> bool:
    return not (isinstance(answer, Refusal) and answer.error in NOT_YET_KNOWN)


def _remember(ctx: ProbeContext, answer: T) -> T:
    if isinstance(answer, Tokens):
        ctx.secret(answer.access_token)
        ctx.secret(answer.refresh_token)
    return answer


def _authorize(ctx: ProbeContext, app: App, params: dict[str, str]) -> AuthorizeAnswer:
    query = {"client_id": app.client_id, "redirect_uri": apps.CALLBACK, "state": "sfcconf", **params}

    def ready(a: AuthorizeAnswer) -> bool:
        return not (a.kind == "error_page" and a.error in NOT_YET_KNOWN)

    answer: AuthorizeAnswer = ctx.wait_for_app(lambda: ctx.oauth.authorize(query), ready)
    _remember_params(ctx, answer)
    return answer


def _remember_params(ctx: ProbeContext, answer: AuthorizeAnswer) -> None:
    for key in SECRET_PARAMS:
        ctx.secret(answer.params.get(key))


def _login(ctx: ProbeContext, page: AuthorizeAnswer, user: BrowserUser) -> AuthorizeAnswer:
    if page.kind != "page":
        where = f"{page.error}: {page.description}" if page.error else f"HTTP {page.status}"
        raise RuntimeError(f"the authorize endpoint did not show a login page ({where})")
    if not page.has_login:
        raise NotRun(
            "the org's login page is not a form the kit can fill in (a username and a password field); "
            "interactive flows cannot be driven here"
        )
    answer = ctx.oauth.login_and_consent(page, user.username, user.password)
    if answer.kind == "page":
        raise NotRun(
            "the login did not reach the app's callback: the org asked for more than a password (identity "
            "verification?), which the kit cannot answer"
        )
    _remember_params(ctx, answer)
    return answer


def _code(
    ctx: ProbeContext, app: App, *, pkce: bool, user: BrowserUser | None = None
) -> tuple[str, str | None]:
    """Authorize, log in and consent: the authorization code and the PKCE verifier (when sent)."""
    user = user or ctx.require_browser_user()
    verifier, challenge = pkce_pair()
    ctx.secret(verifier)
    params = {"response_type": "code"}
    if pkce:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    answer = _login(ctx, _authorize(ctx, app, params), user)
    code = answer.params.get("code")
    if not code:
        raise RuntimeError(f"the login ended without a code ({answer.error}: {answer.description})")
    return code, verifier if pkce else None


def _exchange(ctx: ProbeContext, app: App, code: str, verifier: str | None) -> Tokens | Refusal:
    return _remember(
        ctx, ctx.oauth.authorization_code(app.client_id, app.client_secret, code, apps.CALLBACK, verifier)
    )


def web_server(ctx: ProbeContext) -> Observation:
    ctx.require_browser_user()
    app = _deploy_app(ctx, "WebServer")
    code, verifier = _code(ctx, app, pkce=True)
    answer = _exchange(ctx, app, code, verifier)
    observed = _refused(answer)
    observed["fields"] = list(answer.fields) if isinstance(answer, Tokens) else []
    return observed


def callback_mismatch(ctx: ProbeContext) -> Observation:
    app = _deploy_app(ctx, "Callback")
    answer = _authorize(
        ctx, app, {"response_type": "code", "redirect_uri": apps.CALLBACK.replace("/callback", "/elsewhere")}
    )
    return {"answer": answer.kind, "error": answer.error or ""}


def pkce_required_missing_challenge(ctx: ProbeContext) -> Observation:
    app = _deploy_app(ctx, "PkceRequired", global_settings={"isPkceRequired": True})
    answer = _authorize(ctx, app, {"response_type": "code"})
    return {"answer": answer.kind, "error": answer.error or ""}


def verifier_without_challenge(ctx: ProbeContext) -> Observation:
    ctx.require_browser_user()
    app = _deploy_app(ctx, "NoChallenge")
    code, _none = _code(ctx, app, pkce=False)
    stray, _challenge = pkce_pair()
    return _refused(_exchange(ctx, app, code, stray))


def wrong_verifier(ctx: ProbeContext) -> Observation:
    ctx.require_browser_user()
    app = _deploy_app(ctx, "WrongVerifier")
    code, _verifier = _code(ctx, app, pkce=True)
    other, _challenge = pkce_pair()
    return _refused(_exchange(ctx, app, code, other))


def _cc_app(ctx: ProbeContext, suffix: str, **policies: Any) -> App:
    return _deploy_app(
        ctx,
        suffix,
        scopes="Api",
        global_settings={"isClientCredentialsFlowEnabled": True},
        policies={
            "clientCredentialsFlowUser": ctx.facts.username,
            "isClientCredentialsFlowEnabled": True,
            **policies,
        },
    )


def client_credentials(ctx: ProbeContext) -> Observation:
    if not ctx.facts.username:
        raise NotRun("the kit could not tell which user it runs as (the run-as user of the probe's app)")
    app = _cc_app(ctx, "ClientCreds")
    answer = ctx.wait_for_app(
        lambda: _remember(ctx, ctx.oauth.client_credentials(app.client_id, app.client_secret)), _propagated
    )
    observed = _refused(answer)
    observed["fields"] = list(answer.fields) if isinstance(answer, Tokens) else []
    runs_as = False
    if isinstance(answer, Tokens):
        info = ctx.oauth.userinfo(answer.access_token)
        runs_as = isinstance(info, dict) and info.get("preferred_username") == ctx.facts.username
    observed["runs_as_configured_user"] = runs_as
    return observed


def wrong_secret(ctx: ProbeContext) -> Observation:
    if not ctx.facts.username:
        raise NotRun("the kit could not tell which user it runs as (the run-as user of the probe's app)")
    app = _cc_app(ctx, "WrongSecret")
    wrong = ctx.new_secret()

    def attempt() -> Tokens | Refusal:
        return _remember(ctx, ctx.oauth.client_credentials(app.client_id, wrong))

    return _refused(
        ctx.wait_for_app(attempt, lambda a: not (isinstance(a, Refusal) and a.error == "invalid_client_id"))
    )


def _key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sfconnect conformance")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    return pem, cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _jwt_app(ctx: ProbeContext, suffix: str, **policies: Any) -> tuple[App, str]:
    if not ctx.facts.username:
        raise NotRun("the kit could not tell which user it runs as (the subject of the JWT assertion)")
    private_pem, cert_pem = _key_pair()
    ctx.secret(private_pem)
    app = _deploy_app(
        ctx,
        suffix,
        scopes="Api",
        global_settings={"certificate": cert_pem},
        policies={
            "permittedUsersPolicyType": "AdminApprovedPreAuthorized",
            "commaSeparatedProfile": ctx.facts.profile_name or "System Administrator",
            **policies,
        },
    )
    return app, private_pem


def _jwt(ctx: ProbeContext, app: App, private_pem: str, audience: str) -> Tokens | Refusal:
    def attempt() -> Tokens | Refusal:
        assertion = jwt_assertion(
            private_pem, issuer=app.client_id, subject=ctx.facts.username, audience=audience
        )
        ctx.secret(assertion)
        return _remember(ctx, ctx.oauth.jwt_bearer(assertion))

    return cast("Tokens | Refusal", ctx.wait_for_app(attempt, _propagated))


def _shared_jwt_app(ctx: ProbeContext) -> tuple[App, str]:
    if "jwt_app" not in ctx.cache:
        ctx.cache["jwt_app"] = _jwt_app(ctx, "Jwt")
    app, pem = ctx.cache["jwt_app"]
    return app, pem


def jwt_bearer(ctx: ProbeContext) -> Observation:
    app, pem = _shared_jwt_app(ctx)
    return _refused(_jwt(ctx, app, pem, ctx.facts.jwt_audience))


def jwt_audience(ctx: ProbeContext) -> Observation:
    app, pem = _shared_jwt_app(ctx)
    wrong = "https://login.salesforce.com" if ctx.facts.is_sandbox else "https://test.salesforce.com"
    return _refused(_jwt(ctx, app, pem, wrong))


def jwt_certificate(ctx: ProbeContext) -> Observation:
    app, _pem = _shared_jwt_app(ctx)
    other_pem, _cert = _key_pair()
    ctx.secret(other_pem)
    assertion = jwt_assertion(
        other_pem, issuer=app.client_id, subject=ctx.facts.username, audience=ctx.facts.jwt_audience
    )
    return _refused(_remember(ctx, ctx.oauth.jwt_bearer(assertion)))


def high_assurance(ctx: ProbeContext) -> Observation:
    app, pem = _jwt_app(
        ctx, "HighAssurance", requiredSessionLevel="HIGH_ASSURANCE", policyAction="RaiseSessionLevel"
    )
    jwt_answer = _jwt(ctx, app, pem, ctx.facts.jwt_audience)
    cc = _cc_app(
        ctx, "HighAssuranceCc", requiredSessionLevel="HIGH_ASSURANCE", policyAction="RaiseSessionLevel"
    )
    cc_answer = ctx.wait_for_app(
        lambda: _remember(ctx, ctx.oauth.client_credentials(cc.client_id, cc.client_secret)), _propagated
    )
    return {
        "jwt_granted": isinstance(jwt_answer, Tokens),
        "client_credentials_granted": isinstance(cc_answer, Tokens),
    }


def _device(ctx: ProbeContext, app: App) -> Any:
    return ctx.wait_for_app(lambda: ctx.oauth.device_start(app.client_id), _propagated)


def device_flow_eca(ctx: ProbeContext) -> Observation:
    off = _deploy_app(ctx, "DeviceOff")
    on = _deploy_app(ctx, "DeviceOn", global_settings={"isDeviceFlowEnabled": True})
    answer_off, answer_on = _device(ctx, off), _device(ctx, on)
    if not isinstance(answer_on, Refusal):
        ctx.secret(answer_on.device_code)
        ctx.secret(answer_on.user_code)
    return {
        "refused_when_off": isinstance(answer_off, Refusal),
        "started_when_on": not isinstance(answer_on, Refusal),
    }


def device_flow_connected_app(ctx: ProbeContext) -> Observation:
    ctx.require_connected_apps()
    name = ctx.name("CaDevice")
    secret = ctx.new_secret()
    status = ctx.deploy(
        [
            (
                "ConnectedApp",
                name,
                apps.file_xml("ConnectedApp", apps.connected_app(name, oauth={"consumerSecret": secret})),
            )
        ]
    )
    if not status.success:
        raise RuntimeError(f"setup deploy failed: {status.error_message or status.status}")
    record = ctx.read("ConnectedApp", name)
    config = next((c for c in record if c.tag.endswith("}oauthConfig")), None) if record is not None else None
    key = _soap.child_text(config, "consumerKey") if config is not None else ""
    if not key:
        raise NotRun("the org does not return the Connected App's consumer key through the Metadata API")
    ctx.secret(key)
    answer = _device(ctx, App(name, key, secret))
    if not isinstance(answer, Refusal):
        ctx.secret(answer.device_code)
        ctx.secret(answer.user_code)
    return {"refused": isinstance(answer, Refusal)}


def ip_relaxation(ctx: ProbeContext) -> Observation:
    user = ctx.restricted_user
    if user is None:
        raise NotRun(
            "needs a user whose profile's login IP ranges exclude this machine: set "
            "SFCONNECT_CONFORMANCE_RESTRICTED_USERNAME and SFCONNECT_CONFORMANCE_RESTRICTED_PASSWORD"
        )
    app = _deploy_app(
        ctx,
        "IpRelax",
        policies={"ipRelaxationPolicyType": "Bypass_2factor"},
        trusted_ranges=[{"endIpAddress": "255.255.255.255", "startIpAddress": "0.0.0.0"}],  # noqa: S104
    )
    code, verifier = _code(ctx, app, pkce=True, user=user)
    web = _exchange(ctx, app, code, verifier)
    page = _authorize(ctx, app, {"response_type": "token"})
    if page.kind != "page" or not page.has_login:
        raise NotRun(
            f"the org refuses the user-agent flow before any login ({page.error or page.kind}), so an IP "
            "refusal cannot be told apart"
        )
    ua = ctx.oauth.login_and_consent(page, user.username, user.password)
    _remember_params(ctx, ua)
    ua_granted = ua.kind == "callback" and "access_token" in ua.params
    return {"web_server_granted": isinstance(web, Tokens), "user_agent_granted": ua_granted}


def refresh_rotation(ctx: ProbeContext) -> Observation:
    ctx.require_browser_user()
    app = _deploy_app(ctx, "Rotation", global_settings={"isRefreshTokenRotationEnabled": True})
    code, verifier = _code(ctx, app, pkce=True)
    first = _exchange(ctx, app, code, verifier)
    if not isinstance(first, Tokens) or not first.refresh_token:
        raise RuntimeError(f"setup: the code exchange gave no refresh token ({first})")
    second = _remember(ctx, ctx.oauth.refresh(app.client_id, app.client_secret, first.refresh_token))
    rotated = (
        isinstance(second, Tokens)
        and bool(second.refresh_token)
        and second.refresh_token != first.refresh_token
    )
    reuse = _remember(ctx, ctx.oauth.refresh(app.client_id, app.client_secret, first.refresh_token))
    return {"rotated": rotated, "reuse_error": reuse.error if isinstance(reuse, Refusal) else ""}


def username_password_eca(ctx: ProbeContext) -> Observation:
    user = ctx.require_browser_user()
    app = _deploy_app(ctx, "Password")
    answer = ctx.wait_for_app(
        lambda: _remember(
            ctx, ctx.oauth.password(app.client_id, app.client_secret, user.username, user.password)
        ),
        _propagated,
    )
    return {"granted": isinstance(answer, Tokens)}


def user_agent_default(ctx: ProbeContext) -> Observation:
    # Salesforce's default is observable only while no admin has changed it: read the org-wide switch first
    # (Metadata API Developer Guide, OauthOidcSettings: blockOAuthUsrAgtFlow).
    settings = ctx.read("OauthOidcSettings", "OauthOidc")
    if settings is not None and _soap.child_text(settings, "blockOAuthUsrAgtFlow") == "true":
        raise NotRun(
            "the org blocks the user-agent flow (OAuth and OpenID Connect Settings, an admin's choice), so "
            "Salesforce's default cannot be observed here; the kit never changes org settings"
        )
    app = _deploy_app(ctx, "UserAgent")
    answer = _authorize(ctx, app, {"response_type": "token"})
    return {"blocked": answer.kind != "page", "error": answer.error or ""}


PROBES = (
    Probe(
        "oauth.web_server",
        "oauth",
        "Web-server flow with PKCE: a token with the documented fields",
        web_server,
        rows=(9,),
        creates="one External Client App (5 components)",
        names=("WebServer",),
    ),
    Probe(
        "oauth.callback_mismatch",
        "oauth",
        "An authorize request with an unlisted callback is refused",
        callback_mismatch,
        creates="one External Client App (5 components)",
        names=("Callback",),
    ),
    Probe(
        "oauth.pkce_required",
        "oauth",
        "An app requiring PKCE refuses an authorize request without a challenge",
        pkce_required_missing_challenge,
        creates="one External Client App (5 components)",
        names=("PkceRequired",),
    ),
    Probe(
        "oauth.verifier_without_challenge",
        "oauth",
        "A code_verifier with no earlier challenge is refused",
        verifier_without_challenge,
        rows=(2,),
        creates="one External Client App (5 components)",
        names=("NoChallenge",),
    ),
    Probe(
        "oauth.wrong_verifier",
        "oauth",
        "A wrong code_verifier is refused as invalid_grant",
        wrong_verifier,
        rows=(2,),
        creates="one External Client App (5 components)",
        names=("WrongVerifier",),
    ),
    Probe(
        "oauth.client_credentials",
        "oauth",
        "Client credentials flow: a token for the run-as user, with the documented fields",
        client_credentials,
        rows=(9,),
        creates="one External Client App (5 components)",
        names=("ClientCreds",),
    ),
    Probe(
        "oauth.wrong_secret",
        "oauth",
        "A wrong consumer secret is refused as invalid_client",
        wrong_secret,
        creates="one External Client App (5 components)",
        names=("WrongSecret",),
    ),
    Probe(
        "oauth.jwt_bearer",
        "oauth",
        "JWT bearer flow for a pre-authorized user with the org kind's audience",
        jwt_bearer,
        rows=(13,),
        creates="one External Client App with a certificate (5 components, shared by the JWT probes)",
        names=("Jwt",),
    ),
    Probe(
        "oauth.jwt_audience",
        "oauth",
        "A JWT assertion for the other kind of org's audience is refused",
        jwt_audience,
        rows=(13,),
        names=("Jwt",),
    ),
    Probe(
        "oauth.jwt_certificate",
        "oauth",
        "A JWT assertion signed by another key is refused",
        jwt_certificate,
        names=("Jwt",),
    ),
    Probe(
        "oauth.high_assurance",
        "oauth",
        "A high-assurance app blocks the JWT bearer and client credentials flows",
        high_assurance,
        rows=(3,),
        creates="two External Client Apps (10 components)",
        names=("HighAssurance", "HighAssuranceCc"),
    ),
    Probe(
        "oauth.device_flow_eca",
        "oauth",
        "The device flow follows an External Client App's switch",
        device_flow_eca,
        creates="two External Client Apps (10 components)",
        names=("DeviceOff", "DeviceOn"),
    ),
    Probe(
        "oauth.device_flow_connected_app",
        "oauth",
        "A Connected App's device flow is off by default",
        device_flow_connected_app,
        rows=(1,),
        creates="one Connected App (where creation is allowed)",
        names=("CaProbe", "CaDevice"),
    ),
    Probe(
        "oauth.ip_relaxation",
        "oauth",
        "Bypass_2factor with a trusted range relaxes the web-server flow only",
        ip_relaxation,
        rows=(4,),
        creates="one External Client App (5 components)",
        names=("IpRelax",),
    ),
    Probe(
        "oauth.refresh_rotation",
        "oauth",
        "Refresh-token rotation issues a new token and refuses the old one",
        refresh_rotation,
        creates="one External Client App (5 components)",
        names=("Rotation",),
    ),
    Probe(
        "oauth.username_password_eca",
        "oauth",
        "External Client Apps do not support the username-password flow",
        username_password_eca,
        rows=(10,),
        creates="one External Client App (5 components)",
        names=("Password",),
    ),
    Probe(
        "oauth.user_agent_default",
        "oauth",
        "The user-agent flow is not blocked by default",
        user_agent_default,
        rows=(7,),
        creates="one External Client App (5 components)",
        names=("UserAgent",),
    ),
)
