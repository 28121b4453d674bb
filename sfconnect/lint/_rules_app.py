"""App-scope rules: one app's settings, from its YAML and components (YAML projects) or its components alone
(apps read from an org). Rules on intent-only YAML keys fire only where YAML exists.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

from sfconnect.lint.model import AppView, Hit, Severity, define, step_up
from sfconnect.metadata.component import Record
from sfconnect.spec.files import read_file_bytes
from sfconnect.spec.refs import MAX_REFERENCED_BYTES

_LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
_GLOB_CHARS = re.compile(r"[*\[\]()^$]")
_HEADLESS = {"jwt_bearer", "client_credentials"}
_ADMIN_PROFILES = {"system administrator", "admin", "systemadministrator"}


def _callbacks(app: AppView) -> Iterator[tuple[int, str]]:
    yield from enumerate(app.callback_urls())


def _callback_hit(app: AppView, index: int, message: str, severity: Severity | None = None) -> Hit:
    return app.hit(message, f"oauth.callback_urls[{index}]", severity=severity)


def _host(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def _pkce_required(app: AppView) -> bool:
    if app.spec is not None:
        return bool(app.spec.oauth and app.spec.oauth.flows.authorization_code.require_pkce)
    return app.enabled("oauth.flows.authorization_code.require_pkce")


def _secret_optional(app: AppView) -> bool:
    if app.spec is not None:
        return bool(app.spec.oauth and not app.spec.oauth.flows.authorization_code.require_secret)
    # the metadata field of require_secret is inverted: isConsumerSecretOptional
    return app.enabled("oauth.flows.authorization_code.require_secret")


def _public_client(app: AppView) -> bool:
    """A public client: no secret on the web-server flow with PKCE required, or a device-flow client."""
    return (_secret_optional(app) and _pkce_required(app)) or "device" in app.flows()


def _code_flow(app: AppView) -> bool:
    return bool(app.flows() & {"authorization_code", "user_agent"}) and bool(app.callback_urls())


# --- OAUTH ------------------------------------------------------------------------------------------------


@define(
    "SFC-OAUTH-001",
    "callback-wildcard",
    "critical",
    "app",
    title="Callback URL with a wildcard or pattern",
    what="A callback URL contains `*` or other pattern characters (`[ ] ( ) ^ $`).",
    why="Redirect URIs must match exactly (RFC 9700, OAuth 2.1): pattern matching has repeatedly leaked "
    "authorization codes and tokens to attacker-controlled hosts.",
    fix="List every callback URL explicitly, per environment (target overrides), and keep the list short.",
    bad="callback_urls: ['https://*.example.com/callback']",
    good="callback_urls: ['https://app.example.com/callback']",
    tags=("oauth",),
)
def callback_wildcard(app: AppView) -> Iterator[Hit]:
    for index, url in _callbacks(app):
        if _GLOB_CHARS.search(url):
            yield _callback_hit(app, index, f"callback URL {url!r} contains a wildcard or pattern character")


@define(
    "SFC-OAUTH-002",
    "callback-insecure-http",
    "high",
    "app",
    title="Callback URL over plain HTTP",
    what="An `http://` callback URL whose host is not a loopback address (`127.0.0.1`, `[::1]`, `localhost`). "
    "CRITICAL for production apps in the `production` profile.",
    why="Authorization responses must not travel unencrypted; plain HTTP is only acceptable for native apps "
    "on the loopback interface (RFC 9700 §2.6). Salesforce requires HTTPS or a custom scheme.",
    fix="Serve the callback over HTTPS.",
    bad="callback_urls: ['http://portal.example.com/callback']",
    good="callback_urls: ['https://portal.example.com/callback']",
    tags=("oauth",),
)
def callback_insecure_http(app: AppView) -> Iterator[Hit]:
    for index, url in _callbacks(app):
        if url.strip().lower().startswith("http://") and _host(url) not in _LOOPBACK_HOSTS:
            severity: Severity = "critical" if app.regrade else "high"
            yield _callback_hit(app, index, f"callback URL {url!r} uses plain HTTP", severity)


@define(
    "SFC-OAUTH-003",
    "callback-loopback-in-production",
    "medium",
    "app",
    title="Loopback callback on a production app",
    what="A loopback or `localhost` callback URL on an app that goes to a production org (MEDIUM; LOW on "
    "other orgs; one level higher in the `production` profile).",
    why="Developer leftovers let any local process listening on the port receive codes; OAuth 2.1 prefers the "
    "IP literal to the name `localhost`.",
    fix="Move development callbacks to a sandbox or local target's overrides; real CLI clients use "
    "`http://127.0.0.1:<port>/...` with PKCE.",
    bad="callback_urls: ['https://app.example.com/cb', 'http://localhost:8080/cb']",
    good="callback_urls: ['https://app.example.com/cb']",
    tags=("oauth",),
)
def callback_loopback(app: AppView) -> Iterator[Hit]:
    for index, url in _callbacks(app):
        if url.strip().lower().startswith(("http://", "https://")) and _host(url) in _LOOPBACK_HOSTS:
            severity: Severity = "medium" if app.production else "low"
            if app.regrade:
                severity = step_up(severity)
            where = " on a production app" if app.production else ""
            yield _callback_hit(app, index, f"loopback callback URL {url!r}{where}", severity)


_UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:")
_REDIRECT_PARAMS = {"redirect", "redirect_uri", "next", "url", "return", "returnto", "return_to"}


def _unsafe_reason(url: str) -> str | None:
    if url != url.strip():
        return "has leading or trailing whitespace"
    lowered = url.lower()
    if lowered.startswith(_UNSAFE_SCHEMES):
        return "uses a script or data scheme"
    if "#" in url:
        return "has a fragment"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "cannot be parsed"
    if "@" in parts.netloc:
        return "carries user information"
    params = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if params & {"code", "state"}:
        return "carries code= or state= in its query"
    if params & _REDIRECT_PARAMS:
        return "looks like an open redirector (redirect/next/url parameter)"
    return None


@define(
    "SFC-OAUTH-004",
    "callback-unsafe-form",
    "high",
    "app",
    title="Callback URL of an unsafe form",
    what="A callback URL with a fragment, user information, a `javascript:`/`data:`/`vbscript:` scheme, "
    "`code=`/`state=` or a redirect parameter (`redirect=`, `next=`, `url=`) in its query, surrounding "
    "whitespace, or listed twice.",
    why="Redirect URIs must not carry fragments, and clients must not expose open redirectors "
    "(RFC 9700 §4.11): codes can be forwarded to an attacker.",
    fix="Register a dedicated, parameter-free callback path, once.",
    bad="callback_urls: ['https://app.example.com/login?next=/home']",
    good="callback_urls: ['https://app.example.com/oauth/callback']",
    tags=("oauth",),
)
def callback_unsafe_form(app: AppView) -> Iterator[Hit]:
    seen: set[str] = set()
    for index, url in _callbacks(app):
        reason = _unsafe_reason(url)
        if reason is None and url.strip() in seen:
            reason = "is listed twice"
        seen.add(url.strip())
        if reason is not None:
            yield _callback_hit(app, index, f"callback URL {url!r} {reason}")


@define(
    "SFC-OAUTH-005",
    "callback-private-use-scheme",
    "low",
    "app",
    title="Custom-scheme callback not in reverse-DNS form",
    what="A custom-scheme callback URL whose scheme is not a reverse domain name (`myapp://cb` rather than "
    "`com.example.app:/cb`); MEDIUM when PKCE is not required.",
    why="Any app on a device can claim a generic scheme and receive the code (RFC 8252 §7.1); PKCE is what "
    "really protects the code.",
    fix="Use a reverse-DNS scheme of a domain you control, or a claimed https link; require PKCE.",
    bad="callback_urls: ['myapp://callback']",
    good="callback_urls: ['com.example.myapp://callback']",
    tags=("oauth",),
)
def callback_private_scheme(app: AppView) -> Iterator[Hit]:
    for index, url in _callbacks(app):
        scheme, sep, _ = url.strip().partition(":")
        if (
            not sep
            or scheme.lower() in ("http", "https")
            or scheme.lower() in ("javascript", "data", "vbscript")
        ):
            continue
        if "." not in scheme:
            severity: Severity = "low" if _pkce_required(app) else "medium"
            yield _callback_hit(
                app, index, f"callback scheme {scheme!r} is not a reverse domain name", severity
            )


@define(
    "SFC-OAUTH-006",
    "scope-full",
    "high",
    "app",
    title="The Full OAuth scope",
    what="The app requests the `Full` scope.",
    why="`Full` grants everything the user can reach and contains every other scope; Salesforce rates a "
    "leaked Full-scope token as total data loss (Critical, 9.0-10.0).",
    fix="Request `Api` (plus `RefreshToken` only when needed), custom scopes, or `OpenID` for sign-in only.",
    bad="scopes: [full]",
    good="scopes: [api]",
    tags=("oauth",),
)
def scope_full(app: AppView) -> Iterator[Hit]:
    scopes = app.scopes()
    if "Full" in scopes:
        yield app.hit("requests the Full scope", f"oauth.scopes[{scopes.index('Full')}]")


@define(
    "SFC-OAUTH-007",
    "scope-refresh-on-headless",
    "medium",
    "app",
    title="Refresh scope on a headless app",
    what="The `RefreshToken` scope on an app whose only flows are JWT bearer and/or client credentials.",
    why="Those flows never return refresh tokens; the scope only adds a dormant long-lived capability.",
    fix="Drop the scope; add it back when the app gains an interactive flow.",
    bad="scopes: [api, refresh_token]  # jwt_bearer only",
    good="scopes: [api]  # jwt_bearer only",
    tags=("oauth",),
)
def scope_refresh_headless(app: AppView) -> Iterator[Hit]:
    flows = app.flows()
    scopes = app.scopes()
    if flows and flows <= _HEADLESS and "RefreshToken" in scopes:
        index = scopes.index("RefreshToken")
        yield app.hit(
            f"requests RefreshToken but only runs {', '.join(sorted(flows))}",
            f"oauth.scopes[{index}]",
        )


# --- FLOW -------------------------------------------------------------------------------------------------


@define(
    "SFC-FLOW-001",
    "pkce-not-required",
    "high",
    "app",
    title="PKCE not required",
    what="The app can run the authorization code flow (it has callback URLs and an interactive flow) but does "
    "not require PKCE.",
    why="Public clients MUST and confidential clients SHOULD use PKCE (RFC 9700 §2.1.1); Salesforce requires "
    "it for partner apps and rates the control High.",
    fix="`oauth.flows.authorization_code.require_pkce: true` (the sfconnect default).",
    bad="flows: {authorization_code: {require_pkce: false}}",
    good="flows: {authorization_code: {require_pkce: true}}",
    partner="critical",
    tags=("oauth", "flow"),
)
def pkce_not_required(app: AppView) -> Iterator[Hit]:
    if _code_flow(app) and not _pkce_required(app):
        yield app.hit(
            "does not require PKCE for the authorization code flow",
            "oauth.flows.authorization_code.require_pkce",
        )


@define(
    "SFC-FLOW-002",
    "web-server-secret-optional",
    "high",
    "app",
    title="Web-server flow without the consumer secret",
    what="The consumer secret is optional for the web-server flow. Without a `client_type` intent, an app "
    "that also does not require PKCE counts as a confidential client left open (CRITICAL); with PKCE it is "
    "taken as a public client (INFO).",
    why="Servers should authenticate clients whenever possible (RFC 9700 §2.5): without a secret and without "
    "PKCE, a stolen code is directly redeemable.",
    fix="`require_secret: true` for confidential clients; public clients require PKCE instead.",
    bad="authorization_code: {require_secret: false, require_pkce: false}",
    good="authorization_code: {require_secret: true, require_pkce: true}",
    tags=("oauth", "flow"),
)
def web_server_secret_optional(app: AppView) -> Iterator[Hit]:
    if not _code_flow(app) or not _secret_optional(app):
        return
    if _pkce_required(app):
        message = "treated as a public client: no consumer secret on the web-server flow, PKCE required"
        severity: Severity = "info"
    else:
        message = "accepts authorization codes without the consumer secret and without PKCE"
        severity = "critical"
    yield app.hit(
        message,
        "oauth.flows.authorization_code.require_secret",
        severity=severity,
    )


@define(
    "SFC-FLOW-003",
    "refresh-secret-optional",
    "high",
    "app",
    title="Refresh without the consumer secret",
    what="Refresh tokens can be redeemed without the consumer secret on a confidential client (on a public "
    "client: only when refresh-token rotation is also off).",
    why="A stolen refresh token is then usable from anywhere without the client's credential "
    "(RFC 9700 §4.14.2); Salesforce rates the control Critical (Connected Apps) / High (ECAs).",
    fix="Keep `oauth.refresh_token.require_secret: true`; public clients rely on rotation and a short idle TTL.",
    bad="refresh_token: {require_secret: false, rotation: false}",
    good="refresh_token: {require_secret: true}",
    tags=("oauth", "token"),
)
def refresh_secret_optional(app: AppView) -> Iterator[Hit]:
    if not app.issues_refresh_tokens:
        return
    required = app.enabled("oauth.refresh_token.require_secret")
    if required:
        return
    if _public_client(app) and _rotation(app):
        return
    yield app.hit(
        "redeems refresh tokens without the consumer secret",
        "oauth.refresh_token.require_secret",
    )


@define(
    "SFC-FLOW-004",
    "user-agent-flow",
    "high",
    "app",
    title="User-agent (implicit) flow",
    what="The YAML declares the user-agent flow (intent only: per-app metadata has no switch; see "
    "SFC-ORG-001 for the org-wide setting).",
    why="Tokens in the authorization response leak through URLs, history and referrers (RFC 9700 §2.1.2); "
    "OAuth 2.1 removes the grant and Salesforce recommends blocking it.",
    fix="Use the authorization code flow with PKCE.",
    bad="flows: {user_agent: {enabled: true}}",
    good="flows: {authorization_code: {require_pkce: true}}",
    tags=("oauth", "flow"),
)
def user_agent_flow(app: AppView) -> Iterator[Hit]:
    if app.spec is not None and "user_agent" in app.flows():
        yield app.hit("uses the user-agent (implicit) flow", "oauth.flows.user_agent.enabled")


@define(
    "SFC-FLOW-005",
    "username-password-flow",
    "critical",
    "app",
    title="Username-password flow",
    what="The YAML declares the username-password flow (intent only; see SFC-ORG-002 for the org setting).",
    why="The resource-owner password grant MUST NOT be used (RFC 9700 §2.4); OAuth 2.1 removes it and "
    "Salesforce blocks it by default in new orgs.",
    fix="Client credentials with a dedicated run-as user, or JWT bearer.",
    bad="flows: {username_password: {enabled: true}}",
    good="flows: {jwt_bearer: {enabled: true, certificate: file:certs/app.crt}}",
    kinds=("ConnectedApp",),
    tags=("oauth", "flow"),
)
def username_password_flow(app: AppView) -> Iterator[Hit]:
    if app.spec is not None and "username_password" in app.flows():
        yield app.hit("uses the username-password flow", "oauth.flows.username_password.enabled")


@define(
    "SFC-FLOW-006",
    "device-flow-enabled",
    "high",
    "app",
    title="Device flow enabled",
    what="The device authorization flow is on (ECA `isDeviceFlowEnabled`; Connected Apps: YAML intent).",
    why="The device flow starts with only a client id and is abused in 'enter this code' social-engineering "
    "campaigns; Salesforce recommends leaving it off (High).",
    fix="Turn it off; when a kiosk or CLI truly needs it, pre-authorize users, enforce IPs, narrow the scope "
    "and record a suppression with the reason.",
    bad="flows: {device: {enabled: true}}",
    good="flows: {device: {enabled: false}}",
    tags=("oauth", "flow"),
)
def device_flow(app: AppView) -> Iterator[Hit]:
    if "device" in app.flows():
        yield app.hit("enables the device flow", "oauth.flows.device.enabled")


@define(
    "SFC-FLOW-007",
    "client-credentials-enabled",
    "medium",
    "app",
    title="Client credentials flow enabled",
    what="The client credentials flow is on (HIGH when IP restrictions are also relaxed).",
    why="One shared secret yields unattended access without MFA; Salesforce recommends certificate-based JWT "
    "bearer instead.",
    fix="Prefer JWT bearer with a managed certificate; if kept, use an API-only run-as user and restrict IPs.",
    bad="client_credentials: {enabled: true}\naccess: {ip_relaxation: relax}",
    good="jwt_bearer: {enabled: true, certificate: file:certs/app.crt}",
    tags=("oauth", "flow"),
)
def client_credentials(app: AppView) -> Iterator[Hit]:
    if "client_credentials" in app.flows():
        severity: Severity = "high" if _ip_relaxation(app) == "relax" else "medium"
        yield app.hit(
            "enables the client credentials flow",
            "oauth.flows.client_credentials.enabled",
            severity=severity,
        )


@define(
    "SFC-FLOW-008",
    "token-exchange-secret-optional",
    "high",
    "app",
    title="Token exchange without the consumer secret",
    what="Token exchange is on and does not require the consumer secret, on a confidential client.",
    why="Token exchange mints Salesforce tokens from third-party tokens; Salesforce's control requires the "
    "secret for private clients.",
    fix="`oauth.flows.token_exchange.require_secret: true`; validate iss/aud/exp in the Apex handler.",
    bad="token_exchange: {enabled: true, require_secret: false}",
    good="token_exchange: {enabled: true, require_secret: true}",
    tags=("oauth", "flow"),
)
def token_exchange_secret(app: AppView) -> Iterator[Hit]:
    if "token_exchange" not in app.flows() or _public_client(app):
        return
    if app.spec is not None:
        required = bool(app.spec.oauth and app.spec.oauth.flows.token_exchange.require_secret)
    else:
        required = app.enabled("oauth.flows.token_exchange.require_secret")
    if not required:
        yield app.hit(
            "accepts token exchange without the consumer secret",
            "oauth.flows.token_exchange.require_secret",
        )


# --- TOKEN ------------------------------------------------------------------------------------------------

_UNIT_DAYS = {"hours": 1 / 24, "days": 1.0, "months": 30.0}


def _refresh_policy(app: AppView) -> tuple[str, int | None, str | None]:
    """``(policy, period, unit)`` in YAML terms: ``until_revoked``, ``after_inactivity``, ..."""
    if app.spec is not None:
        if app.spec.oauth is None:
            return "until_revoked", None, None
        rt = app.spec.oauth.refresh_token
        return rt.policy, rt.period, rt.unit
    names = {
        "infinite": "until_revoked",
        "zero": "immediately",
        "specific_lifetime": "after_lifetime",
        "specific_inactivity": "after_inactivity",
        "specificlifetime": "after_lifetime",
        "specificinactivity": "after_inactivity",
    }
    if app.is_ca:
        raw = str(app.setting("oauth.refresh_token.policy") or "infinite")
        keyword, _, rest = raw.partition(":")
        period_text, _, unit = rest.partition(":")
        period = int(period_text) if period_text.isdigit() else None
        return names.get(keyword.lower(), keyword), period, unit.lower() or None
    kind = str(app.setting("oauth.refresh_token.policy") or "Infinite")
    period_value = app.setting("oauth.refresh_token.period")
    unit_value = app.setting("oauth.refresh_token.unit")
    return (
        names.get(kind.lower(), kind),
        period_value if isinstance(period_value, int) else None,
        str(unit_value).lower() if unit_value else None,
    )


def _rotation(app: AppView) -> bool:
    if app.spec is not None:
        return bool(app.spec.oauth and app.spec.oauth.refresh_token.rotation)
    return app.enabled("oauth.refresh_token.rotation")


@define(
    "SFC-TOKEN-001",
    "refresh-never-expires",
    "high",
    "app",
    title="Refresh tokens never expire",
    what="The app issues refresh tokens (RefreshToken or Full scope) that are valid until revoked.",
    why="Refresh tokens SHOULD expire after client inactivity (RFC 9700 §4.14.2); Salesforce requires a "
    "30-day idle TTL for partner apps.",
    fix="`refresh_token: {policy: after_inactivity, period: 30, unit: days}` (or shorter).",
    bad="refresh_token: {policy: until_revoked}",
    good="refresh_token: {policy: after_inactivity, period: 30, unit: days}",
    partner="critical",
    tags=("token",),
)
def refresh_never_expires(app: AppView) -> Iterator[Hit]:
    if app.issues_refresh_tokens and _refresh_policy(app)[0] == "until_revoked":
        yield app.hit("issues refresh tokens that never expire", "oauth.refresh_token.policy")


@define(
    "SFC-TOKEN-002",
    "refresh-idle-too-long",
    "medium",
    "app",
    title="Refresh-token idle time or lifetime too long",
    what="Refresh tokens expire after more than 30 days of inactivity, or after a lifetime of more than 90 "
    "days without rotation.",
    why="The longer a refresh token lives unused, the longer a stolen one works; the partner ceiling is 30 "
    "days idle.",
    fix="At most 30 days of inactivity; short absolute lifetimes for high-risk apps.",
    bad="refresh_token: {policy: after_inactivity, period: 3, unit: months}",
    good="refresh_token: {policy: after_inactivity, period: 30, unit: days}",
    partner="high",
    tags=("token",),
)
def refresh_idle_too_long(app: AppView) -> Iterator[Hit]:
    if not app.issues_refresh_tokens:
        return
    policy, period, unit = _refresh_policy(app)
    if period is None or unit not in _UNIT_DAYS:
        return
    days = period * _UNIT_DAYS[unit]
    if policy == "after_inactivity" and days > 30:
        yield app.hit(
            f"refresh tokens survive {period} {unit} of inactivity (more than 30 days)",
            "oauth.refresh_token.period",
        )
    elif policy == "after_lifetime" and days > 90 and not _rotation(app):
        yield app.hit(
            f"refresh tokens live {period} {unit} (more than 90 days) without rotation",
            "oauth.refresh_token.period",
        )


@define(
    "SFC-TOKEN-003",
    "refresh-rotation-disabled",
    "high",
    "app",
    title="Refresh-token rotation off",
    what="The app issues refresh tokens without rotating them (CRITICAL for public clients).",
    why="Refresh tokens of public clients MUST be sender-constrained or rotated (RFC 9700 §4.14.2); with "
    "rotation, reuse of an old token revokes the whole family.",
    fix="`oauth.refresh_token.rotation: true`; the client must store the new token after every refresh.",
    bad="refresh_token: {rotation: false}",
    good="refresh_token: {rotation: true}",
    partner="critical",
    tags=("token",),
)
def refresh_rotation(app: AppView) -> Iterator[Hit]:
    if not app.issues_refresh_tokens or _rotation(app) or _refresh_policy(app)[0] == "immediately":
        return
    severity: Severity | None = "critical" if _public_client(app) else None
    yield app.hit(
        "does not rotate refresh tokens",
        "oauth.refresh_token.rotation",
        severity=severity,
    )


@define(
    "SFC-TOKEN-004",
    "introspect-all-tokens",
    "medium",
    "app",
    title="Introspection of every token",
    what="The app may introspect every token of the org, not just its own.",
    why="Leaked app credentials then become an oracle for stolen tokens; least privilege (RFC 9700 §2.3).",
    fix="Keep it off unless the app is a resource-server gateway; record that exception as a suppression.",
    bad="introspect_all_tokens: true",
    good="introspect_all_tokens: false",
    tags=("token",),
)
def introspect_all(app: AppView) -> Iterator[Hit]:
    if app.enabled("oauth.introspect_all_tokens"):
        yield app.hit(
            "may introspect every token of the org",
            "oauth.introspect_all_tokens",
        )


@define(
    "SFC-TOKEN-005",
    "jwt-access-token-long-ttl",
    "medium",
    "app",
    title="Long-lived JWT access tokens",
    what="JWT-based access tokens live longer than 30 minutes (ECA `namedUserJwtTimeout`; Connected Apps: "
    "YAML intent).",
    why="JWT access tokens are validated locally; revoking them takes up to 30 minutes and does not end "
    "sessions, so long lifetimes lengthen the replay window.",
    fix="15-30 minutes; rely on refresh for longevity.",
    bad="jwt_access_tokens: {enabled: true, timeout_minutes: 120}",
    good="jwt_access_tokens: {enabled: true, timeout_minutes: 15}",
    tags=("token",),
)
def jwt_access_ttl(app: AppView) -> Iterator[Hit]:
    if app.spec is not None:
        jwt = app.spec.oauth.jwt_access_tokens if app.spec.oauth else None
        enabled = bool(jwt and jwt.enabled)
        timeout: int | None = jwt.timeout_minutes if jwt else None
    else:
        enabled = app.enabled("oauth.jwt_access_tokens.enabled")
        raw = app.setting("oauth.jwt_access_tokens.timeout_minutes")
        timeout = raw if isinstance(raw, int) else None
    if enabled and timeout is not None and timeout > 30:
        yield app.hit(
            f"JWT access tokens live {timeout} minutes",
            "oauth.jwt_access_tokens.timeout_minutes",
        )


# --- SESSION ----------------------------------------------------------------------------------------------


def _high_assurance(app: AppView) -> bool:
    if app.spec is not None:
        ha = app.spec.access.high_assurance
        return bool(ha and ha.required)
    level = app.setting("access.high_assurance.required")
    return isinstance(level, str) and level.upper() == "HIGH_ASSURANCE"


def _profiles(app: AppView) -> list[str]:
    if app.spec is not None:
        return list(app.spec.access.profiles)
    if app.is_ca:
        raw = app.setting("access.profiles")
        items = raw if isinstance(raw, tuple) else (raw,) if isinstance(raw, str) else ()
        return [str(p) for p in items]
    text = app.setting("access.profiles")
    return [p.strip() for p in text.split(",") if p.strip()] if isinstance(text, str) else []


def _admin_profile(app: AppView) -> str | None:
    return next((p for p in _profiles(app) if p.strip().lower() in _ADMIN_PROFILES), None)


@define(
    "SFC-SESSION-001",
    "no-high-assurance",
    "medium",
    "app",
    title="Privileged interactive app without high assurance",
    what="An interactive app with the Full scope or pre-authorized for System Administrators does not require "
    "a high-assurance session. INFO when high assurance is set on a headless (JWT bearer / client credentials "
    "only) app, whose API logins it blocks.",
    why="Step-up MFA before token issuance is the compensating control Salesforce cites for privileged apps.",
    fix="`access.high_assurance: {required: true, action: raise_session_level}` for privileged interactive "
    "apps only.",
    bad="scopes: [full]  # no access.high_assurance",
    good="scopes: [full]\naccess: {high_assurance: {required: true}}",
    tags=("session",),
)
def no_high_assurance(app: AppView) -> Iterator[Hit]:
    flows = app.flows()
    ha = _high_assurance(app)
    level = app.path("access.high_assurance.required")  # where the missing key points without YAML
    if app.interactive and not ha and ("Full" in app.scopes() or _admin_profile(app)):
        yield app.hit(
            "privileged interactive app without a high-assurance session",
            "access.high_assurance",
            level,
            level,
        )
    elif ha and flows and flows <= _HEADLESS:
        yield app.hit(
            "high assurance on a headless app blocks its API logins",
            "access.high_assurance.required",
            severity="info",
        )


@define(
    "SFC-SESSION-002",
    "session-timeout-long",
    "medium",
    "app",
    title="Long or unset session timeout",
    what="The app's session timeout is above 120 minutes (MEDIUM) or unset, falling back to the profile and "
    "org (LOW); one level higher for production apps in the `production` profile.",
    why="Salesforce's control recommends a one-hour timeout for connected apps.",
    fix="`access.session_timeout_minutes: 60`; background refresh handles long jobs.",
    bad="access: {session_timeout_minutes: 480}",
    good="access: {session_timeout_minutes: 60}",
    tags=("session",),
)
def session_timeout(app: AppView) -> Iterator[Hit]:
    if not app.has_oauth:
        return
    raw = app.setting("access.session_timeout_minutes")
    timeout = raw if isinstance(raw, int) else None
    if timeout is None:
        severity: Severity = "low"
        message = "has no session timeout of its own (the profile's or org's applies)"
    elif timeout > 120:
        severity = "medium"
        message = f"keeps sessions {timeout} minutes (more than 120)"
    else:
        return
    if app.regrade:
        severity = step_up(severity)
    yield app.hit(
        message,
        "access.session_timeout_minutes",
        severity=severity,
    )


# --- NETWORK ----------------------------------------------------------------------------------------------

_RELAX_CA = {"ENFORCE": "enforce", "BYPASS": "relax", "BYPASS_2FACTOR": "relax_with_second_factor",
             "ENFORCE_RELAXREFRESH": "enforce_relax_refresh"}  # fmt: skip


def _ip_relaxation(app: AppView) -> str:
    if app.spec is not None:
        return app.spec.access.ip_relaxation
    raw = str(app.setting("access.ip_relaxation") or "ENFORCE")
    return _RELAX_CA.get(raw.upper(), raw.lower())


def _ranges(app: AppView) -> list[tuple[str, str]]:
    if app.spec is not None:
        return [(r.start, r.end) for r in app.spec.access.trusted_ip_ranges]
    raw = app.setting("access.trusted_ip_ranges")
    items = raw if isinstance(raw, tuple) else (raw,) if raw is not None else ()
    out = []
    for item in items:
        if isinstance(item, Record):
            start = item.get("start", item.get("startIpAddress"))
            end = item.get("end", item.get("endIpAddress"))
            if isinstance(start, str) and isinstance(end, str):
                out.append((start, end))
    return out


@define(
    "SFC-NETWORK-001",
    "ip-relaxation-bypass",
    "high",
    "app",
    title="IP restrictions relaxed",
    what="IP relaxation is `relax` (Connected App `BYPASS`, ECA `Bypass`).",
    why="Tokens become usable from any network; Salesforce recommends enforcing IP restrictions. CI guides "
    "that relax IPs for hosted runners are a common cause.",
    fix="`access.ip_relaxation: enforce` with trusted ranges or static-egress runners; otherwise a "
    "time-boxed suppression.",
    bad="access: {ip_relaxation: relax}",
    good="access: {ip_relaxation: enforce}",
    tags=("network",),
)
def ip_bypass(app: AppView) -> Iterator[Hit]:
    if app.has_oauth and _ip_relaxation(app) == "relax":
        yield app.hit(
            "relaxes IP restrictions for every network",
            "access.ip_relaxation",
        )


@define(
    "SFC-NETWORK-002",
    "ip-relaxation-relax-refresh",
    "medium",
    "app",
    title="IP restrictions relaxed for refresh",
    what="IP relaxation is `enforce_relax_refresh` (HIGH when refresh tokens never expire), or "
    "`relax_with_second_factor` without trusted ranges.",
    why="IP checks apply at login but not when a refresh token is exchanged, so a stolen non-expiring "
    "refresh token works anywhere.",
    fix="`enforce`, or pair it with a short idle TTL and rotation.",
    bad="access: {ip_relaxation: enforce_relax_refresh}",
    good="access: {ip_relaxation: enforce}",
    tags=("network",),
)
def ip_relax_refresh(app: AppView) -> Iterator[Hit]:
    if not app.has_oauth:
        return
    mode = _ip_relaxation(app)
    if mode == "enforce_relax_refresh":
        forever = app.issues_refresh_tokens and _refresh_policy(app)[0] == "until_revoked"
        yield app.hit(
            "skips IP checks when refresh tokens are used",
            "access.ip_relaxation",
            severity="high" if forever else None,
        )
    elif mode == "relax_with_second_factor" and not _ranges(app):
        yield app.hit(
            "relaxes IP restrictions with a second factor but has no trusted ranges",
            "access.ip_relaxation",
        )


@define(
    "SFC-NETWORK-003",
    "trusted-range-too-broad",
    "high",
    "app",
    title="Trusted IP range too broad",
    what="A trusted IP range spans more than a /16 (IPv4) or /48 (IPv6); LOW when wider than a /24 (IPv4) "
    "or /64 (IPv6).",
    why="Trusted ranges skip device verification for web-server logins; an over-broad range silently turns "
    "ENFORCE into BYPASS.",
    fix="List the egress addresses precisely.",
    bad="trusted_ip_ranges: [{start: 0.0.0.0, end: 255.255.255.255}]",
    good="trusted_ip_ranges: [{start: 203.0.113.10, end: 203.0.113.12}]",
    tags=("network",),
)
def range_too_broad(app: AppView) -> Iterator[Hit]:
    for index, (start, end) in enumerate(_ranges(app)):
        try:
            low, high = ipaddress.ip_address(start.strip()), ipaddress.ip_address(end.strip())
        except ValueError:
            continue
        if low.version != high.version or int(high) < int(low):
            continue
        size = int(high) - int(low) + 1
        broad, wide = (2**16, 2**8) if low.version == 4 else (2**80, 2**64)
        if size > broad:
            severity: Severity = "high"
        elif size > wide:
            severity = "low"
        else:
            continue
        yield app.hit(
            f"trusted IP range {start}-{end} spans {size} addresses",
            f"access.trusted_ip_ranges[{index}]",
            severity=severity,
        )


@define(
    "SFC-NETWORK-004",
    "trusted-range-no-flow",
    "low",
    "app",
    title="Trusted IP ranges that no flow of the app uses",
    what="The app lists trusted IP ranges but does not enable the authorization code (web-server) flow, the "
    "only flow they apply to.",
    why="Salesforce applies an app's trusted IP ranges to the OAuth web-server flow (Setup: \"Trusted IP Range "
    'for OAuth Web Server Flow"); on an app whose flows are client credentials or JWT bearer they restrict '
    "nothing, so a reader is led to believe the app is locked to those addresses.",
    fix="Restrict the run-as or integration user's profile login IP ranges instead, and drop the app's ranges.",
    bad="flows: {authorization_code: {enabled: false}, client_credentials: {enabled: true}}, with "
    "trusted_ip_ranges",
    good="trusted ranges only on apps that use the authorization code flow",
    tags=("network",),
)
def range_without_flow(app: AppView) -> Iterator[Hit]:
    ranges = _ranges(app)
    if not ranges or not app.has_oauth or "authorization_code" in app.flows():
        return
    flows = ", ".join(sorted(app.flows())) or "none"
    yield app.hit(
        f"lists {len(ranges)} trusted IP range(s), which apply to the authorization code (web-server) flow "
        f"only, but its flows are: {flows}",
        "access.trusted_ip_ranges",
    )


# --- ACCESS -----------------------------------------------------------------------------------------------


def _admin_approved(app: AppView) -> bool:
    if app.spec is not None:
        return app.spec.access.permitted_users == "admin_approved"
    if app.is_ca:
        return app.enabled("access.permitted_users")
    value = app.setting("access.permitted_users")
    return isinstance(value, str) and value == "AdminApprovedPreAuthorized"


@define(
    "SFC-ACCESS-001",
    "self-authorize",
    "medium",
    "app",
    title="Users may self-authorize",
    what="Any user may authorize the app (`permitted_users: all_users`); HIGH for production apps in the "
    "`production` profile when the app issues refresh tokens or has the Full scope.",
    why="Self-authorization lets any user grant the app access; admin pre-authorization is Salesforce's "
    "mitigation (users with Use Any API Client bypass it).",
    fix="`access: {permitted_users: admin_approved, permission_sets: [App_Users]}`.",
    bad="access: {permitted_users: all_users}",
    good="access: {permitted_users: admin_approved, permission_sets: [App_Users]}",
    tags=("access",),
)
def self_authorize(app: AppView) -> Iterator[Hit]:
    if not app.has_oauth or _admin_approved(app):
        return
    severity: Severity | None = None
    if app.regrade and app.issues_refresh_tokens:
        severity = "high"
    yield app.hit(
        "lets any user self-authorize",
        "access.permitted_users",
        severity=severity,
    )


@define(
    "SFC-ACCESS-002",
    "preauth-broad-profile",
    "high",
    "app",
    title="Pre-authorized for a broad profile",
    what="The app is pre-authorized for the System Administrator profile, or for more than 3 profiles.",
    why="Pre-authorization skips consent for everyone in the profile, and profiles are coarse.",
    fix="Pre-authorize one permission set per app.",
    bad="access: {permitted_users: admin_approved, profiles: [System Administrator]}",
    good="access: {permitted_users: admin_approved, permission_sets: [App_Users]}",
    tags=("access",),
)
def preauth_broad(app: AppView) -> Iterator[Hit]:
    profiles = _profiles(app)
    admin = _admin_profile(app)
    if admin is not None:
        yield app.hit(
            f"is pre-authorized for the {admin!r} profile",
            f"access.profiles[{profiles.index(admin)}]",
        )
    elif len(profiles) > 3:
        yield app.hit(
            f"is pre-authorized for {len(profiles)} profiles",
            "access.profiles",
        )


@define(
    "SFC-ACCESS-003",
    "client-credentials-run-as-privileged",
    "critical",
    "app",
    title="Client credentials without a dedicated run-as user",
    what="The client credentials flow is on without a run-as user. (The online checks of the catalog, a "
    "human or privileged run-as user, need user records and are not done yet.)",
    why="The run-as user must be API Only; Salesforce recommends a dedicated integration user per app with "
    "least-privilege permission sets.",
    fix="Set `oauth.flows.client_credentials.run_as` to a dedicated Salesforce Integration user.",
    bad="client_credentials: {enabled: true}",
    good="client_credentials: {enabled: true, run_as: billing.integration@example.com}",
    tags=("access",),
)
def cc_run_as(app: AppView) -> Iterator[Hit]:
    if "client_credentials" not in app.flows():
        return
    if app.spec is not None:
        user = app.spec.oauth.flows.client_credentials.run_as if app.spec.oauth else None
    else:
        raw = app.setting("oauth.flows.client_credentials.run_as")
        user = raw if isinstance(raw, str) and raw.strip() else None
    if not user:
        yield app.hit(
            "runs the client credentials flow without a run-as user",
            "oauth.flows.client_credentials.run_as",
        )


# --- CERT -------------------------------------------------------------------------------------------------


def certificate_text(app: AppView) -> str | None:
    """The app's JWT bearer certificate (PEM or base64), from the referenced file or the component."""
    if app.spec is not None:
        ref = app.spec.oauth.flows.jwt_bearer.certificate if app.spec.oauth else None
        if ref is None or app.project_dir is None:
            return None
        path = app.project_dir / ref.removeprefix("file:")
        try:
            return read_file_bytes(path, limit=MAX_REFERENCED_BYTES).decode("utf-8", "replace")
        except OSError:  # missing, not a regular file, or too large: compiling reports it
            return None
    raw = app.setting("oauth.flows.jwt_bearer.certificate")
    return raw if isinstance(raw, str) and raw.strip() else None


def load_certificate(text: str) -> x509.Certificate | None:
    """Parse a PEM certificate, or base64 DER as Salesforce sometimes returns it; None when unreadable."""
    try:
        if "-----BEGIN" in text:
            return x509.load_pem_x509_certificate(text.strip().encode("ascii", "replace"))
        return x509.load_der_x509_certificate(base64.b64decode("".join(text.split())))
    except ValueError:
        return None


@define(
    "SFC-CERT-001",
    "jwt-cert-expiry",
    "high",
    "app",
    title="JWT bearer certificate expired or expiring",
    what="The JWT bearer certificate has expired (HIGH), expires within 30 days (MEDIUM) or 90 days (LOW), "
    "or is valid for more than two years (LOW).",
    why="Expiry is a rotation deadline; long validity hides rotation debt.",
    fix="Rotate ahead of expiry (`sfconnect keygen` makes a new pair; plan shows the new certificate).",
    bad="a certificate whose notAfter is in the past",
    good="a one-year certificate rotated a month before it expires",
    tags=("cert",),
)
def cert_expiry(app: AppView) -> Iterator[Hit]:
    text = certificate_text(app)
    cert = load_certificate(text) if text else None
    if cert is None:
        return
    not_after = cert.not_valid_after_utc.date()
    left = (not_after - app.today).days
    key = "oauth.flows.jwt_bearer.certificate"
    if left < 0:
        yield app.hit(f"JWT bearer certificate expired on {not_after}", key, severity="high")
    elif left < 30:
        yield app.hit(f"JWT bearer certificate expires on {not_after}", key, severity="medium")
    elif left < 90:
        yield app.hit(f"JWT bearer certificate expires on {not_after}", key, severity="low")
    elif (cert.not_valid_after_utc - cert.not_valid_before_utc) > dt.timedelta(days=2 * 366):
        yield app.hit("JWT bearer certificate is valid for more than two years", key, severity="low")


@define(
    "SFC-CERT-002",
    "jwt-cert-weak-key",
    "high",
    "app",
    title="Weak JWT bearer certificate",
    what="The JWT bearer certificate has an RSA key below 2048 bits or a non-RSA key (HIGH), or a SHA-1 "
    "signature (MEDIUM).",
    why="RSA below 2048 bits is disallowed for signatures (NIST SP 800-131A); Salesforce's JWT bearer flow "
    "uses RS256.",
    fix="RSA 2048 or 3072 with SHA-256 (what `sfconnect keygen` creates).",
    bad="an RSA-1024 or SHA-1 certificate",
    good="an RSA-2048 SHA-256 certificate",
    tags=("cert",),
)
def cert_weak(app: AppView) -> Iterator[Hit]:
    text = certificate_text(app)
    cert = load_certificate(text) if text else None
    if cert is None:
        return
    key = cert.public_key()
    where = ("oauth.flows.jwt_bearer.certificate",)
    if not isinstance(key, rsa.RSAPublicKey):
        yield app.hit("JWT bearer certificate does not hold an RSA key (RS256 needs one)", *where)
    elif key.key_size < 2048:
        yield app.hit(f"JWT bearer certificate has a {key.key_size}-bit RSA key", *where)
    algorithm = cert.signature_hash_algorithm
    if isinstance(algorithm, hashes.SHA1):
        yield app.hit("JWT bearer certificate is signed with SHA-1", *where, severity="medium")
