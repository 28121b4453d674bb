"""OAuth 2.0 and OpenID Connect of the local org: every flow, and each app's settings enforced (models layer).

`org.oauth` is the org's `OAuthBackend`: the `LocalOrg` makes it on first use, as moto's `BackendDict` makes
a backend on first lookup (no module-level registry; `oauth_backend(org)` is the same object). Its state lives
in the store's OAuth tables (`store.py`, schema version 2): authorization codes, pending interactive requests,
refresh-token families, device codes and users' approvals. Access tokens are ordinary org sessions (`LocalOrg.create_session`) whose `data` records the
app, the scopes and the refresh-token family, so that they work wherever a session does (and the Metadata
API and REST resources accept them only with the `api` or `full` scope).

Refusals are `OAuthError`s carrying Salesforce's `error` code and `error_description`; an error of the
authorize endpoint also carries where it must be reported (the app's callback, or the error page when the
callback itself is in doubt).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
import threading
from dataclasses import dataclass, field, replace
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sfconnect.localorg._exceptions import LocalOrgFault
from sfconnect.localorg._models import LocalOrg, User
from sfconnect.localorg._oauth_apps import REFRESH_SCOPES, OAuthApp, in_ranges, read_app
from sfconnect.localorg._private import token_digest
from sfconnect.localorg._store import AuthCodeRow, DeviceRow, PendingRow, RefreshRow
from sfconnect.localorg.migration import record_username_password_use

__all__ = [
    "AUTH_CODE_SECONDS",
    "DEVICE_CODE_SECONDS",
    "DEVICE_POLL_INTERVAL",
    "TEST_CLIENT_IP_HEADER",
    "ConsentPage",
    "DevicePage",
    "DoneMessage",
    "LoginPage",
    "OAuthBackend",
    "OAuthError",
    "Redirect",
    "TokenGrant",
    "configure_oauth",
    "oauth_backend",
]

AUTH_CODE_SECONDS = 15 * 60
PENDING_SECONDS = 15 * 60
DEVICE_CODE_SECONDS = 10 * 60
DEVICE_POLL_INTERVAL = 5
TEST_CLIENT_IP_HEADER = "X-Sfconnect-Test-Client-Ip"
"""Sets the apparent client IP, honoured only when `configure_oauth(org, trust_test_ip_header=True)`."""


class OAuthError(LocalOrgFault):
    """An OAuth refusal: rendered as `{"error", "error_description"}` (or into the callback URL).

    Args:
        error: Salesforce's `error` code.
        description: the `error_description`.
        http_status: status of a JSON answer (400 unless said otherwise).
        redirect_uri: for the authorize endpoint, the validated callback to report to (None: error page).
        fragment: report in the URL fragment (user-agent flow) rather than the query.
        state: the client's `state`, echoed with the error.
    """

    def __init__(
        self,
        error: str,
        description: str,
        http_status: int = 400,
        *,
        redirect_uri: str | None = None,
        fragment: bool = False,
        state: str | None = None,
    ) -> None:
        super().__init__(error, description, http_status)
        self.error = error
        self.description = description
        self.redirect_uri = redirect_uri
        self.fragment = fragment
        self.state = state


@dataclass(frozen=True)
class TokenGrant:
    """An issued access token and what comes with it (the responses layer renders the wire fields)."""

    app: OAuthApp
    user: User
    access_token: str
    issued_at_ms: int
    scopes: tuple[str, ...]
    refresh_token: str | None = None
    id_token: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LoginPage:
    """Show the login form of a pending request (`device`: also ask for the user code)."""

    request_id: str
    csrf_token: str
    app_label: str
    device: bool = False
    error: str | None = None
    status: int = 200


@dataclass(frozen=True)
class ConsentPage:
    """Ask the logged-in user to allow or deny the app."""

    request_id: str
    csrf_token: str
    app_label: str
    username: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class Redirect:
    """Send the browser to the app's callback with these parameters (query, or fragment)."""

    redirect_uri: str
    params: dict[str, str]
    fragment: bool = False
    grant: TokenGrant | None = None


@dataclass(frozen=True)
class DoneMessage:
    """A final page (device flow: "you can return to your device")."""

    title: str
    message: str
    status: int = 200


DevicePage = LoginPage


@dataclass(frozen=True)
class DeviceStart:
    """The device-flow initiation answer."""

    device_code: str
    user_code: str
    interval: int


@dataclass(frozen=True)
class Introspection:
    """What introspection may reveal about a token (None fields: inactive)."""

    active: bool
    scope: str = ""
    client_id: str = ""
    username: str = ""
    user_id: str = ""
    token_type: str = ""
    exp: int = 0
    iat: int = 0


def _secret_eq(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_challenge(verifier: str) -> str:
    """BASE64URL(SHA256(verifier)), the S256 code challenge."""
    return _b64url(hashlib.sha256(verifier.encode("ascii", "replace")).digest())


def configure_oauth(
    org: LocalOrg, *, trust_test_ip_header: bool | None = None, propagation_delay_seconds: float | None = None
) -> OAuthBackend:
    """Set the org's OAuth test options (in-process; nothing is configured by a request).

    Args:
        trust_test_ip_header: honour `X-Sfconnect-Test-Client-Ip` as the client's address (tests only;
            off by default: the client IP is the socket peer).
        propagation_delay_seconds: seconds a new or changed app stays unknown to OAuth (stored as the org
            setting `oauth_propagation_delay_seconds`; default 0).
    """
    backend = oauth_backend(org)
    if trust_test_ip_header is not None:
        backend.trust_test_ip_header = trust_test_ip_header
    if propagation_delay_seconds is not None:
        org.set_setting("oauth_propagation_delay_seconds", propagation_delay_seconds)
    return backend


def oauth_backend(org: LocalOrg) -> OAuthBackend:
    """The OAuth backend of `org` (`org.oauth`: one per `LocalOrg` instance, made by the org on first use)."""
    return org.oauth


class OAuthBackend:
    """The org's authorization server: flows, enforcement and token state.

    Args:
        org: the org whose users, apps and sessions it serves.
    """

    def __init__(self, org: LocalOrg) -> None:
        self.org = org
        self.store = org.store
        self.trust_test_ip_header = False
        self._key: rsa.RSAPrivateKey | None = None
        self._key_lock = threading.Lock()

    def _purge(self) -> None:
        now = self.org.clock()
        self.store.purge_oauth(now - PENDING_SECONDS, now - AUTH_CODE_SECONDS, now - DEVICE_CODE_SECONDS)

    # apps and checks ------------------------------------------------------------------------------------
    def app(self, client_id: str | None, *, error: str = "invalid_client_id") -> OAuthApp:
        """The app for a client id, once propagated.

        Raises:
            OAuthError: unknown client id, an app still propagating, or the app's OAuth switched off.
        """
        creds = self.org.app_credentials(client_id) if client_id else None
        app = read_app(self.org, creds) if creds is not None else None
        delay = float(self.org.setting("oauth_propagation_delay_seconds") or 0)
        if app is None or not app.oauth_enabled or self.org.clock() < app.modified + delay:
            raise OAuthError(error, "client identifier invalid")
        return app

    @staticmethod
    def check_usable(app: OAuthApp, **where: Any) -> None:
        """Refuse an app blocked by its session policy or switched off."""
        if app.blocked or not app.enabled:
            raise OAuthError("app_blocked", "this app is blocked by an admin", **where)

    @staticmethod
    def check_client(app: OAuthApp, secret: str | None, *, required: bool) -> None:
        """A supplied secret must match; a required one must be supplied."""
        if secret is None or secret == "":
            if required:
                raise OAuthError("invalid_client", "invalid client credentials")
            return
        if not _secret_eq(secret, app.consumer_secret):
            raise OAuthError("invalid_client", "invalid client credentials")

    @staticmethod
    def check_session_level(app: OAuthApp, flow: str) -> None:
        """A high-assurance app (session policy `RaiseSessionLevel`) admits only the flows that can step the
        user up: web server, user-agent and refresh token. API logins through every other flow (username-
        password, client credentials, JWT bearer, device, token exchange) are blocked (Salesforce Help,
        "Manage OAuth Access Policies for a Connected App", High assurance session required)."""
        if app.high_assurance:
            raise OAuthError(
                "invalid_grant",
                f"this app requires a high assurance session, which the {flow} flow cannot establish",
            )

    def check_permitted(self, app: OAuthApp, user: User, **where: Any) -> None:
        """Admin-approved apps admit only users with a listed profile or permission set."""
        if app.admin_approved and not self.pre_authorized(app, user):
            raise OAuthError("invalid_app_access", "user is not admin approved to access this app", **where)

    @staticmethod
    def pre_authorized(app: OAuthApp, user: User) -> bool:
        """Whether an admin-approved app lists the user's profile or one of their permission sets."""
        return app.admin_approved and (
            user.profile in app.profiles or any(p in app.permission_sets for p in user.permission_sets)
        )

    def check_ip(self, app: OAuthApp, user: User, client_ip: str, flow: str, **where: Any) -> None:
        """Profile login-IP ranges (org setting `profile_login_ip_ranges`), relaxed per the app's policy."""
        table = self.org.setting("profile_login_ip_ranges") or {}
        ranges = [(str(r[0]), str(r[1])) for r in table.get(user.profile, []) if len(r) == 2]
        if not ranges or in_ranges(client_ip, ranges):
            return
        mode = app.ip_relaxation
        relaxed = flow != "jwt" and (
            mode == "BYPASS"
            or (mode == "ENFORCE_RELAXREFRESH" and flow == "refresh")
            or (mode == "BYPASS_2FACTOR" and self._second_factor_relaxes(app, client_ip, flow))
        )
        if not relaxed:
            raise OAuthError("invalid_grant", "IP restricted or invalid login hours", **where)

    @staticmethod
    def _second_factor_relaxes(app: OAuthApp, client_ip: str, flow: str) -> bool:
        """`BYPASS_2FACTOR` ("Relax IP restrictions with second factor"): inside the app's trusted ranges the
        web-server flow is relaxed (the ranges apply to that flow only); an app with no ranges relaxes once
        the user passed identity verification, which here is the interactive login of the web-server and
        user-agent flows (Salesforce Help, "Trusted IP Range for OAuth Web Server Flow"; ipRelaxation)."""
        if app.trusted_ranges:
            return flow == "web_server" and in_ranges(client_ip, app.trusted_ranges)
        return flow in ("web_server", "user_agent")

    @staticmethod
    def granted_scopes(app: OAuthApp, requested: str | None, **where: Any) -> tuple[str, ...]:
        """The requested scopes (all of the app's when none), each within the app's scopes."""
        if requested is None or not requested.strip():
            return app.scopes
        tokens: list[str] = []
        for token in requested.split():
            if not app.allows_scope(token):
                raise OAuthError("invalid_scope", "the requested scope is not allowed", **where)
            if token not in tokens:
                tokens.append(token)
        return tuple(tokens)

    # issuing ----------------------------------------------------------------------------------------------
    def _new_family(self) -> str:
        return self.org.ids.token(24)

    def issue(
        self,
        app: OAuthApp,
        user: User,
        scopes: tuple[str, ...],
        flow: str,
        issuer: str,
        *,
        refresh: bool = False,
        family: str | None = None,
        nonce: str | None = None,
    ) -> TokenGrant:
        """Open a session for the app and user; add a refresh token (`refresh`) and an ID token when due."""
        refresh_token = None
        if refresh and any(s in REFRESH_SCOPES for s in scopes):
            family = family or self._new_family()
            refresh_token = self._new_refresh(app, user, scopes, family)
        timeout = app.session_timeout_minutes * 60.0 if app.session_timeout_minutes else None
        session = self.org.create_session(
            user,
            timeout_seconds=timeout,
            data={
                "oauth": True,
                "client_id": app.consumer_key,
                "app": app.name,
                "scopes": list(scopes),
                "family": family,
                "flow": flow,
            },
        )
        issued_ms = int(session.created * 1000)
        id_token = None
        if "openid" in scopes:
            id_token = self.id_token(app, user, issuer, session.session_id, nonce)
        return TokenGrant(app, user, session.session_id, issued_ms, scopes, refresh_token, id_token)

    def _new_refresh(self, app: OAuthApp, user: User, scopes: tuple[str, ...], family: str) -> str:
        token = "5Aep861" + self.org.ids.token(80)
        now = self.org.clock()
        self.store.add_refresh(
            RefreshRow(
                token_digest(token),
                self.org.org_id,
                family,
                app.consumer_key,
                user.id,
                " ".join(scopes),
                now,
                now,
                "active",
            )
        )
        return token

    def signature(self, app: OAuthApp, identity_url: str, issued_at_ms: int) -> str:
        """base64(HMAC-SHA256(consumer secret, id + issued_at)), as Salesforce signs token responses."""
        mac = hmac.new(
            app.consumer_secret.encode(), (identity_url + str(issued_at_ms)).encode(), hashlib.sha256
        )
        return base64.b64encode(mac.digest()).decode("ascii")

    # ID tokens and keys -------------------------------------------------------------------------------------
    def signing_key(self) -> rsa.RSAPrivateKey:
        """The org's RS256 key for ID tokens, generated once and kept in the org's database."""
        with self._key_lock:
            if self._key is None:
                pem = self.store.get_meta("oauth_signing_key")
                if pem is None:
                    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                    pem = key.private_bytes(
                        serialization.Encoding.PEM,
                        serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption(),
                    ).decode("ascii")
                    self.store.set_meta("oauth_signing_key", pem)
                loaded = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
                if not isinstance(loaded, rsa.RSAPrivateKey):
                    raise RuntimeError("the org's OAuth signing key is not an RSA key")
                self._key = loaded
            return self._key

    def key_id(self) -> str:
        """The `kid` of the signing key."""
        der = (
            self.signing_key()
            .public_key()
            .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
        return hashlib.sha256(der).hexdigest()[:16]

    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set of `/id/keys`."""
        jwk: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(
            self.signing_key().public_key(), as_dict=True
        )
        jwk.update({"kid": self.key_id(), "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}

    def id_token(self, app: OAuthApp, user: User, issuer: str, access_token: str, nonce: str | None) -> str:
        """An OpenID Connect ID token for the user, signed RS256 with the org's key."""
        now = int(self.org.clock())
        digest = hashlib.sha256(access_token.encode("ascii")).digest()
        claims: dict[str, Any] = {
            "iss": issuer,
            "sub": f"{issuer}/id/{self.org.org_id}/{user.id}",
            "aud": [app.consumer_key, *app.id_token_audiences]
            if app.id_token_audiences
            else app.consumer_key,
            "exp": now + app.id_token_minutes * 60,
            "iat": now,
            "auth_time": now,
            "at_hash": _b64url(digest[:16]),
            "preferred_username": user.username,
            "name": user.name,
            "email": user.email,
            "email_verified": True,
            "given_name": user.first_name,
            "family_name": user.last_name,
        }
        if nonce:
            claims["nonce"] = nonce
        return jwt.encode(claims, self.signing_key(), algorithm="RS256", headers={"kid": self.key_id()})

    # authorize: the interactive flows ---------------------------------------------------------------
    def start_authorize(self, params: dict[str, str]) -> LoginPage:
        """Validate an authorize request and open a pending request showing the login page.

        Raises:
            OAuthError: with `redirect_uri` None for the error page (unknown app, bad callback), else
                to be reported to the callback.
        """
        client_id = params.get("client_id")
        if not client_id:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        app = self.app(client_id)
        redirect_uri = params.get("redirect_uri")
        if not redirect_uri:
            raise OAuthError("redirect_uri_missing", "redirect_uri must be provided")
        if redirect_uri not in app.callback_urls:
            raise OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration")
        response_type = " ".join(sorted((params.get("response_type") or "").split()))
        user_agent = response_type in ("token", "id_token token")
        where: dict[str, Any] = {
            "redirect_uri": redirect_uri,
            "fragment": user_agent,
            "state": params.get("state"),
        }
        if response_type not in ("code", "token", "id_token token"):
            raise OAuthError("unsupported_response_type", "response type not supported", **where)
        self.check_usable(app, **where)
        if user_agent and self.org.setting("user_agent_flows_blocked"):
            raise OAuthError("oauth_flow_disabled", "the user-agent flow is blocked in this org", **where)
        self.granted_scopes(app, params.get("scope"), **where)
        if response_type == "code":
            challenge = params.get("code_challenge")
            pkce = app.pkce_required or bool(self.org.setting("pkce_required_org_wide"))
            if pkce and not challenge:
                raise OAuthError("invalid_request", "missing required code challenge", **where)
            if challenge and (params.get("code_challenge_method") or "S256") != "S256":
                raise OAuthError("invalid_request", "unsupported code challenge method", **where)
        if (params.get("immediate") or "").lower() == "true":
            raise OAuthError("immediate_unsuccessful", "immediate unsuccessful", **where)
        return self._pending("authorize", dict(params), app.label)

    def start_device_verification(self) -> LoginPage:
        """The device verification page (`verification_uri`): user code plus login."""
        return self._pending("device", {}, "", device=True)

    def _pending(self, kind: str, params: dict[str, str], label: str, device: bool = False) -> LoginPage:
        self._purge()
        request_id, csrf = self.org.ids.token(32), secrets.token_urlsafe(24)
        self.store.add_pending(
            PendingRow(request_id, self.org.org_id, csrf, kind, dict(params), None, self.org.clock())
        )
        return LoginPage(request_id, csrf, label, device=device)

    def _load_pending(self, request_id: str, csrf: str) -> tuple[str, dict[str, str], str | None]:
        row = self.store.pending(self.org.org_id, request_id)
        if row is None or not _secret_eq(row.csrf, csrf) or self.org.clock() - row.created > PENDING_SECONDS:
            raise OAuthError("invalid_request", "this login request is invalid or has expired", 403)
        return row.kind, row.params, row.user_id

    def login(
        self,
        request_id: str,
        csrf: str,
        username: str,
        password: str,
        client_ip: str,
        issuer: str,
        user_code: str | None = None,
    ) -> LoginPage | ConsentPage | Redirect | DoneMessage:
        """The login form was submitted: check the user, then ask consent or finish."""
        kind, params, _ = self._load_pending(request_id, csrf)
        if kind == "device":
            device = self._device_by_user_code(user_code or "")
            if device is None:
                return LoginPage(request_id, csrf, "", True, "That code is invalid or has expired.", 400)
            params = {"client_id": device[1], "scope": device[2], "device_code": device[0]}
        app = self.app(params["client_id"])
        user = self.org.check_password(username.strip(), password)
        if user is None:
            return LoginPage(
                request_id,
                csrf,
                app.label,
                kind == "device",
                "Please check your username and password. If you still can't log in, contact your "
                "Salesforce administrator.",
                401,
            )
        user_agent = kind == "authorize" and "token" in params.get("response_type", "").split()
        where: dict[str, Any] = (
            {"redirect_uri": params["redirect_uri"], "fragment": user_agent, "state": params.get("state")}
            if kind == "authorize"
            else {}
        )
        flow = "device" if kind == "device" else ("user_agent" if user_agent else "web_server")
        try:
            self.check_usable(app, **where)
            self.check_ip(app, user, client_ip, flow, **where)
            self.check_permitted(app, user, **where)
        except OAuthError as exc:
            if kind == "device":
                self._finish_device(params["device_code"], None)
                return DoneMessage("Access denied", exc.description, 403)
            raise
        scopes = self.granted_scopes(app, params.get("scope"), **where)
        new_csrf = secrets.token_urlsafe(24)
        self.store.update_pending(request_id, user.id, new_csrf, params)
        if self.pre_authorized(app, user) or self._approved(app, user, scopes):
            return self._complete(request_id, app, user, params, issuer)
        return ConsentPage(request_id, new_csrf, app.label, user.username, scopes)

    def consent(self, request_id: str, csrf: str, decision: str, issuer: str) -> Redirect | DoneMessage:
        """The consent form was submitted (`decision` = `allow` or `deny`)."""
        kind, params, user_id = self._load_pending(request_id, csrf)
        user = self.org.user(user_id or "")
        if user is None:
            raise OAuthError("invalid_request", "this login request is invalid or has expired", 403)
        app = self.app(params["client_id"])
        if decision != "allow":
            self.store.delete_pending(request_id)
            if kind == "device":
                self._finish_device(params["device_code"], None)
                return DoneMessage("Access denied", "You denied access to the app.", 403)
            user_agent = "token" in params.get("response_type", "").split()
            raise OAuthError(
                "access_denied",
                "end-user denied authorization",
                redirect_uri=params["redirect_uri"],
                fragment=user_agent,
                state=params.get("state"),
            )
        scopes = self.granted_scopes(app, params.get("scope"))
        self.store.set_approval(self.org.org_id, app.consumer_key, user.id, " ".join(scopes))
        return self._complete(request_id, app, user, params, issuer)

    def _approved(self, app: OAuthApp, user: User, scopes: tuple[str, ...]) -> bool:
        approved = self.store.approval(self.org.org_id, app.consumer_key, user.id)
        return approved is not None and set(scopes) <= set(approved.split())

    def _complete(
        self, request_id: str, app: OAuthApp, user: User, params: dict[str, str], issuer: str
    ) -> Redirect | DoneMessage:
        self.store.delete_pending(request_id)
        scopes = self.granted_scopes(app, params.get("scope"))
        if "device_code" in params:
            self._finish_device(params["device_code"], user.id)
            return DoneMessage("You're connected", "You can now return to your device.")
        state = {"state": params["state"]} if params.get("state") is not None else {}
        if params.get("response_type") == "code":
            code = "aPrx" + self.org.ids.token(60)
            self.store.add_code(
                AuthCodeRow(
                    code,
                    self.org.org_id,
                    app.consumer_key,
                    user.id,
                    params["redirect_uri"],
                    " ".join(scopes),
                    params.get("code_challenge") or None,
                    params.get("nonce") or None,
                    self.org.clock(),
                ),
            )
            return Redirect(params["redirect_uri"], {"code": code, **state})
        grant = self.issue(app, user, scopes, "user_agent", issuer, nonce=params.get("nonce"))
        return Redirect(params["redirect_uri"], state, fragment=True, grant=grant)

    # token endpoint grants ---------------------------------------------------------------------------------
    def authorization_code(
        self,
        client_id: str | None,
        secret: str | None,
        code: str,
        redirect_uri: str | None,
        verifier: str | None,
        issuer: str,
    ) -> TokenGrant:
        """`grant_type=authorization_code` (web-server flow, with PKCE when a challenge was sent)."""
        with self.store.serialized():  # check-then-act on codes and tokens: one request at a time
            app = self.app(client_id)
            self.check_usable(app)
            self.check_client(app, secret, required=not app.secret_optional)
            row = self.store.code(self.org.org_id, code)
            if row is None or row.client_id != app.consumer_key:
                raise OAuthError("invalid_grant", "invalid authorization code")
            self.store.delete_code(code)  # single use
            if self.org.clock() - row.created > AUTH_CODE_SECONDS:
                raise OAuthError("invalid_grant", "expired authorization code")
            if redirect_uri != row.redirect_uri:
                raise OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration")
            challenge = row.challenge
            # RFC 7636 section 4.6: a verifier must match the challenge of the authorization request; one
            # sent for a code requested without a challenge, a missing one and a wrong one are all refused.
            matched = bool(verifier and challenge and _secret_eq(pkce_challenge(verifier), str(challenge)))
            if (challenge or verifier) and not matched:
                raise OAuthError("invalid_grant", "invalid code verifier")
            user = self.org.user(row.user_id)
            if user is None or not user.is_active:
                raise OAuthError("inactive_user", "user is inactive")
            scopes = tuple(row.scopes.split())
            return self.issue(app, user, scopes, "web_server", issuer, refresh=True, nonce=row.nonce)

    def refresh(
        self, client_id: str | None, secret: str | None, token: str, client_ip: str, issuer: str
    ) -> TokenGrant:
        """`grant_type=refresh_token`: policy, rotation (reuse of a rotated token revokes the family)."""
        with self.store.serialized():  # check-then-act on codes and tokens: one request at a time
            app = self.app(client_id)
            self.check_usable(app)
            self.check_client(app, secret, required=app.secret_required_for_refresh)
            row = self.store.refresh(self.org.org_id, token_digest(token))
            expired = OAuthError("invalid_grant", "expired access/refresh token")
            if row is None or row.client_id != app.consumer_key:
                raise expired
            family, status = row.family, row.status
            if status == "rotated":
                self.revoke_family(family)
                raise expired
            if status != "active":
                raise expired
            now, policy = self.org.clock(), app.refresh_policy
            if (
                policy.kind == "zero"
                or (policy.kind == "specific_lifetime" and now - row.created > policy.seconds)
                or (policy.kind == "specific_inactivity" and now - row.last_used > policy.seconds)
            ):
                raise expired
            user = self.org.user(row.user_id)
            if user is None or not user.is_active:
                raise OAuthError("inactive_user", "user is inactive")
            self.check_ip(app, user, client_ip, "refresh")
            self.check_permitted(app, user)
            scopes = tuple(row.scopes.split())
            new_refresh = None
            if app.rotation:
                self.store.set_refresh_status(row.token, "rotated")
                new_refresh = self._new_refresh(app, user, scopes, family)
            else:
                self.store.touch_refresh(row.token, now)
            grant = self.issue(app, user, scopes, "refresh", issuer, family=family)
            return replace(grant, refresh_token=new_refresh)

    def password(
        self,
        client_id: str | None,
        secret: str | None,
        username: str,
        password: str,
        client_ip: str,
        issuer: str,
        scope: str | None,
    ) -> TokenGrant:
        """`grant_type=password` (blocked org-wide by default)."""
        if self.org.setting("username_password_flows_blocked"):
            raise OAuthError("invalid_grant", "authentication failure")
        app = self.app(client_id)
        if app.kind == "ExternalClientApplication":
            # External Client Apps do not support the username-password flow (Salesforce Help, "OAuth Flows
            # Supported by External Client Apps")
            raise OAuthError("unsupported_grant_type", "grant type not supported by external client apps")
        self.check_usable(app)
        self.check_client(app, secret, required=not app.secret_optional)
        user = self.org.check_password(username.strip(), password)
        if user is None:
            raise OAuthError("invalid_grant", "authentication failure")
        self.check_session_level(app, "username-password")
        self.check_ip(app, user, client_ip, "password")
        self.check_permitted(app, user)
        scopes = tuple(s for s in self.granted_scopes(app, scope) if s not in REFRESH_SCOPES)
        record_username_password_use(self.org, app.kind, app.name)  # migration eligibility
        return self.issue(app, user, scopes, "password", issuer)

    def client_credentials(
        self, client_id: str | None, secret: str | None, client_ip: str, issuer: str
    ) -> TokenGrant:
        """`grant_type=client_credentials`: the flow on, a run-as user, the secret mandatory."""
        app = self.app(client_id)
        self.check_usable(app)
        self.check_client(app, secret, required=True)
        if not app.client_credentials:
            raise OAuthError("invalid_grant", "client credentials flow is not enabled for this app")
        user = self.org.user_by_username(app.run_as) if app.run_as else None
        if user is None or not user.is_active:
            raise OAuthError("invalid_grant", "no client credentials user enabled")
        self.check_session_level(app, "client credentials")
        self.check_ip(app, user, client_ip, "client_credentials")
        scopes = tuple(s for s in app.scopes if s not in {"full", "web", *REFRESH_SCOPES})
        return self.issue(app, user, scopes, "client_credentials", issuer)

    def jwt_bearer(
        self, assertion: str, client_ip: str, issuer: str, audiences: tuple[str, ...]
    ) -> TokenGrant:
        """The JWT bearer grant, verified against the app's certificate (`iss`, `sub`, `aud`, `exp`)."""
        invalid = OAuthError("invalid_grant", "invalid assertion")
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise invalid from None
        app = self.app(str(unverified.get("iss") or ""))
        self.check_usable(app)
        if not app.certificate:
            raise invalid
        try:
            cert = x509.load_pem_x509_certificate(app.certificate.encode("ascii"))
            claims = jwt.decode(
                assertion,
                cert.public_key(),  # type: ignore[arg-type]
                algorithms=["RS256"],
                options={"verify_exp": False, "verify_aud": False, "verify_iat": False, "verify_nbf": False},
            )
        except (ValueError, jwt.PyJWTError):
            raise invalid from None
        aud = claims.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        if not any(str(a).rstrip("/") in audiences for a in auds):
            raise OAuthError("invalid_grant", "audience is invalid")
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp < self.org.clock():
            raise OAuthError("invalid_grant", "expired authorization code")
        user = self.org.user_by_username(str(claims.get("sub") or ""))
        if user is None or not user.is_active:
            raise OAuthError("invalid_grant", "user hasn't approved this consumer")
        scopes = tuple(s for s in app.scopes if s not in REFRESH_SCOPES)
        if not self.pre_authorized(app, user) and (app.admin_approved or not self._approved_any(app, user)):
            raise OAuthError("invalid_grant", "user hasn't approved this consumer")
        self.check_session_level(app, "JWT bearer")
        self.check_ip(app, user, client_ip, "jwt")
        return self.issue(app, user, scopes, "jwt_bearer", issuer)

    def _approved_any(self, app: OAuthApp, user: User) -> bool:
        return self.store.approval(self.org.org_id, app.consumer_key, user.id) is not None

    # device flow -------------------------------------------------------------------------------------------
    def device_start(self, client_id: str | None, scope: str | None) -> DeviceStart:
        """`response_type=device_code`: a device code and a user code."""
        app = self.app(client_id)
        self.check_usable(app)
        if not app.device_flow:
            raise OAuthError("oauth_flow_disabled", "the device flow is not enabled for this app")
        self.check_session_level(app, "device")
        scopes = self.granted_scopes(app, scope)
        device_code = self.org.ids.token(64)
        alphabet = string.ascii_uppercase.replace("O", "").replace("I", "") + "23456789"
        user_code = "".join(secrets.choice(alphabet) for _ in range(8))
        now = self.org.clock()
        self.store.add_device(
            DeviceRow(
                device_code,
                user_code,
                self.org.org_id,
                app.consumer_key,
                " ".join(scopes),
                now,
                0.0,
                None,
                "pending",
            )
        )
        return DeviceStart(device_code, user_code, DEVICE_POLL_INTERVAL)

    def _device_by_user_code(self, user_code: str) -> tuple[str, str, str] | None:
        row = self.store.device_by_user_code(self.org.org_id, user_code.strip().upper().replace("-", ""))
        if row is None or row.status != "pending" or self.org.clock() - row.created > DEVICE_CODE_SECONDS:
            return None
        return row.device_code, row.client_id, row.scopes

    def _finish_device(self, device_code: str, user_id: str | None) -> None:
        self.store.finish_device(device_code, user_id, "approved" if user_id else "denied")

    def device_poll(
        self, client_id: str | None, secret: str | None, device_code: str, issuer: str
    ) -> TokenGrant:
        """`grant_type=device`: pending, slow down, denied, expired, or the tokens (once)."""
        with self.store.serialized():  # check-then-act on codes and tokens: one request at a time
            app = self.app(client_id)
            self.check_usable(app)
            self.check_client(app, secret, required=False)
            row = self.store.device(self.org.org_id, device_code)
            if row is None or row.client_id != app.consumer_key:
                raise OAuthError("invalid_grant", "invalid device code")
            now = self.org.clock()
            if now - row.created > DEVICE_CODE_SECONDS:
                raise OAuthError("invalid_grant", "expired device code")
            status = row.status
            if status == "denied":
                raise OAuthError("access_denied", "end-user denied authorization")
            if status == "pending":
                too_fast = now - row.last_poll < DEVICE_POLL_INTERVAL
                self.store.touch_device(device_code, now)
                if too_fast:
                    raise OAuthError("slow_down", "polling too frequently")
                raise OAuthError("authorization_pending", "authorization pending")
            self.store.delete_device(device_code)
            user = self.org.user(row.user_id or "")
            if user is None or not user.is_active:
                raise OAuthError("inactive_user", "user is inactive")
            return self.issue(app, user, tuple(row.scopes.split()), "device", issuer, refresh=True)

    # revoke, introspect ------------------------------------------------------------------------------
    def revoke_family(self, family: str) -> None:
        """Revoke every refresh token of a family and end the access tokens issued from it."""
        with self.store.transaction():
            self.store.revoke_refresh_family(family)
            self.store.delete_sessions_of_family(self.org.org_id, family)

    def revoke(self, token: str) -> None:
        """Revoke an access token (its session) or a refresh token (with its family's access tokens).

        Raises:
            OAuthError: `invalid_token` for a token this org never issued or already revoked.
        """
        with self.store.serialized():
            row = self.store.refresh(self.org.org_id, token_digest(token))
            if row is not None and row.status == "active":
                self.revoke_family(row.family)
                return
        session = self.store.session(token)
        if session is not None and session.org_id == self.org.org_id:
            self.org.revoke_session(token)
            return
        raise OAuthError("invalid_token", "invalid token")

    def introspect(self, client_id: str | None, secret: str | None, token: str) -> Introspection:
        """RFC 7662 introspection by an app: its own tokens, or any with introspect-all-tokens."""
        app = self.app(client_id, error="invalid_client")
        self.check_client(app, secret, required=True)
        inactive = Introspection(active=False)
        now = self.org.clock()
        refresh = self.store.refresh(self.org.org_id, token_digest(token))
        if refresh is not None:
            owner, user_id, scopes, created, kind = (
                refresh.client_id,
                refresh.user_id,
                refresh.scopes,
                refresh.created,
                "refresh_token",
            )
            if refresh.status != "active":
                return inactive
            exp = 0
        else:
            session = self.store.session(token)
            if (
                session is None
                or session.org_id != self.org.org_id
                or now - session.last_used > session.timeout_seconds
            ):
                return inactive
            owner = str(session.data.get("client_id", ""))
            user_id, scopes, created = (
                session.user_id,
                " ".join(session.data.get("scopes", [])),
                session.created,
            )
            exp, kind = int(session.last_used + session.timeout_seconds), "access_token"
        if owner != app.consumer_key and not app.introspect_all:
            return inactive
        user = self.org.user(user_id)
        if user is None:
            return inactive
        return Introspection(True, scopes, owner, user.username, user.id, kind, exp, int(created))
