"""Ways to obtain an `OrgSession`: one class per auth method a target can declare.

Every method takes resolved credential values (the spec resolves `env:`/`file:` references) and never puts
them into messages, logs or `repr`. OAuth grants are posted directly to the target's token endpoint (any
login or My Domain URL, a local org included); SOAP login goes through simple-salesforce.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import unquote, urlsplit

import requests

from sfconnect.errors import AuthError
from sfconnect.org._errors import TransientError, translate
from sfconnect.org.session import OrgSession

__all__ = [
    "LAST_SOAP_LOGIN_VERSION",
    "AccessTokenAuth",
    "Authenticator",
    "ClientCredentialsAuth",
    "JwtBearerAuth",
    "SfdxAuthUrlAuth",
    "UsernamePasswordAuth",
    "org_id_of_session",
    "parse_sfdx_auth_url",
    "soap_login_version",
]

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class Authenticator(Protocol):
    """Logs in to one org and returns a session."""

    @property
    def method(self) -> str:
        """The auth method's name, e.g. ``jwt_bearer``."""
        ...

    def login(self, http: requests.Session, api_version: str, *, target: str = "") -> OrgSession:
        """Obtain a fresh session; raises `AuthError` when the org refuses."""
        ...


def _verify(http: requests.Session) -> str | bool:
    """The TLS trust the caller configured on `http` (a CA bundle path, or the system store)."""
    return http.verify if isinstance(http.verify, str | bool) else True


def _ids_from_identity_url(identity_url: str) -> tuple[str, str]:
    parts = urlsplit(identity_url).path.rstrip("/").split("/")
    if len(parts) >= 3 and parts[-3] == "id":
        return parts[-2], parts[-1]
    return "", ""


def _token_request(
    http: requests.Session, url: str, data: dict[str, str], *, target: str, method: str
) -> dict[str, str]:
    """POST a grant to a token endpoint and return the JSON answer, or raise `AuthError` with the org's reason."""
    try:
        response = http.post(url, data=data, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise translate(exc, target=target, operation=f"login ({method})") from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or "access_token" not in body:
        error = body.get("error", f"HTTP {response.status_code}")
        description = body.get("error_description", "")
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientError(
                f"{method} login to {urlsplit(url).netloc} failed: {error}"
                + (f": {description}" if description else "")
                + " (the org may be busy; retried)",
                target=target,
                operation="login",
            )
        raise AuthError(
            f"{method} login to {urlsplit(url).netloc} refused: {error}"
            + (f": {description}" if description else ""),
            target=target,
            operation="login",
        )
    return {str(k): str(v) for k, v in body.items()}


_SESSION_ORG = re.compile(r"(00D[0-9A-Za-z]{12})(?:[0-9A-Za-z]{3})?!")


def org_id_of_session(session_id: str) -> str:
    """The org id a session id starts with (``00D…!…``: the 15-character org id, then ``!``), or "".

    A SOAP login and a bare access token say nothing else about the org; the id lets a saved plan refuse an org
    other than the one it was made for."""
    match = _SESSION_ORG.match(session_id)
    return match.group(1) if match else ""


def _session_from_token(body: dict[str, str], api_version: str, verify: str | bool) -> OrgSession:
    org_id, user_id = _ids_from_identity_url(body.get("id", ""))
    org_id = org_id or org_id_of_session(body["access_token"])
    return OrgSession(
        instance_url=body["instance_url"].rstrip("/"),
        session_id=body["access_token"],
        api_version=api_version,
        verify=verify,
        org_id=org_id,
        user_id=user_id,
    )


@dataclass(frozen=True)
class AccessTokenAuth:
    """An access token obtained elsewhere (e.g. ``sf org display``); it cannot be renewed."""

    instance_url: str
    access_token: str = field(repr=False)
    method: str = "access_token"

    def login(self, http: requests.Session, api_version: str, *, target: str = "") -> OrgSession:
        return OrgSession(
            instance_url=self.instance_url.rstrip("/"),
            session_id=self.access_token,
            api_version=api_version,
            verify=_verify(http),
            org_id=org_id_of_session(self.access_token),
        )


LAST_SOAP_LOGIN_VERSION = "64.0"
"""The last API version with SOAP ``login()``: "SOAP API login() is not available in API versions 65.0 and later"
(Salesforce Help, "Platform SOAP API login() Retirement", article 005132110). The session it gives works at any
version, so a project at 65.0 or later logs in at this one and makes its calls at its own."""


def soap_login_version(api_version: str) -> str:
    """The API version to send ``login()`` at: the project's, or `LAST_SOAP_LOGIN_VERSION` when that is later."""
    from sfconnect.metadata.schema import api_version_tuple

    later = api_version_tuple(api_version) > api_version_tuple(LAST_SOAP_LOGIN_VERSION)
    return LAST_SOAP_LOGIN_VERSION if later else api_version


@dataclass(frozen=True)
class UsernamePasswordAuth:
    """SOAP partner login with username, password and security token (legacy; Salesforce retires it)."""

    login_url: str
    username: str
    password: str = field(repr=False)
    security_token: str = field(default="", repr=False)
    method: str = "username_password"

    def login(self, http: requests.Session, api_version: str, *, target: str = "") -> OrgSession:
        from simple_salesforce.login import SalesforceLogin

        try:
            session_id, instance = SalesforceLogin(
                username=self.username,
                password=self.password,
                security_token=self.security_token,
                sf_version=soap_login_version(api_version),
                session=http,
                scratch_url=self.login_url.rstrip("/"),
            )
        except Exception as exc:
            raise translate(exc, target=target, operation="login (username_password)") from exc
        scheme = urlsplit(self.login_url).scheme or "https"
        return OrgSession(
            instance_url=f"{scheme}://{instance}",
            session_id=session_id,
            api_version=api_version,
            verify=_verify(http),
            username=self.username,
            org_id=org_id_of_session(session_id),
        )


@dataclass(frozen=True)
class JwtBearerAuth:
    """OAuth 2.0 JWT bearer: an assertion signed with the app's private key, for a pre-authorized user."""

    login_url: str
    consumer_key: str
    username: str
    private_key_pem: bytes = field(repr=False)
    audience: str = ""
    method: str = "jwt_bearer"

    def assertion(self, now: float | None = None) -> str:
        """The signed JWT (RS256), valid for three minutes."""
        import jwt

        issued = int(now if now is not None else time.time())
        claims = {
            "iss": self.consumer_key,
            "sub": self.username,
            "aud": self.audience or self.login_url.rstrip("/"),
            "exp": issued + 180,
        }
        return jwt.encode(claims, self.private_key_pem, algorithm="RS256")

    def login(self, http: requests.Session, api_version: str, *, target: str = "") -> OrgSession:
        import jwt

        try:
            assertion = self.assertion()
        except (ValueError, TypeError, jwt.PyJWTError) as exc:  # InvalidKeyError: not an RSA key
            raise AuthError(
                f"the private key for {self.username} is not a usable RSA key: {type(exc).__name__}",
                target=target,
                operation="login",
            ) from None
        body = _token_request(
            http,
            f"{self.login_url.rstrip('/')}/services/oauth2/token",
            {"grant_type": JWT_BEARER_GRANT, "assertion": assertion},
            target=target,
            method=self.method,
        )
        session = _session_from_token(body, api_version, _verify(http))
        return OrgSession(**{**session.__dict__, "username": self.username})


@dataclass(frozen=True)
class ClientCredentialsAuth:
    """OAuth 2.0 client credentials: runs as the app's run-as user; must use the org's My Domain URL."""

    instance_url: str
    consumer_key: str
    consumer_secret: str = field(repr=False)
    method: str = "client_credentials"

    def login(self, http: requests.Session, api_version: str, *, target: str = "") -> OrgSession:
        body = _token_request(
            http,
            f"{self.instance_url.rstrip('/')}/services/oauth2/token",
            {
                "grant_type": "client_credentials",
                "client_id": self.consumer_key,
                "client_secret": self.consumer_secret,
            },
            target=target,
            method=self.method,
        )
        return _session_from_token(body, api_version, _verify(http))


def parse_sfdx_auth_url(auth_url: str) -> tuple[str, str, str, str]:
    """Split ``force://<clientId>:<clientSecret>:<refreshToken>@<instanceUrl>`` into its parts.

    Returns ``(client_id, client_secret, refresh_token, instance_url)``; the secret may be empty.

    Raises:
        AuthError: the value is not an SFDX auth URL (the value itself is never echoed).
    """
    if not auth_url.startswith("force://") or "@" not in auth_url:
        raise AuthError(
            "the SFDX auth URL must look like force://<clientId>:<secret>:<refreshToken>@<instance>"
        )
    credentials, _, host = auth_url[len("force://") :].rpartition("@")
    parts = credentials.split(":")
    if len(parts) == 3:
        client_id, client_secret, refresh_token = parts
    elif len(parts) == 2:
        client_id, refresh_token = parts
        client_secret = ""
    else:
        raise AuthError(
            "the SFDX auth URL must look like force://<clientId>:<secret>:<refreshToken>@<instance>"
        )
    if not client_id or not refresh_token or not host:
        raise AuthError("the SFDX auth URL is missing its client id, refresh token or instance")
    instance_url = host if host.startswith("http") else f"https://{host}"
    return unquote(client_id), unquote(client_secret), unquote(refresh_token), instance_url.rstrip("/")


@dataclass(frozen=True)
class SfdxAuthUrlAuth:
    """An SFDX auth URL (``sf org display --verbose``): a refresh token exchanged for an access token."""

    auth_url: str = field(repr=False)
    method: str = "sfdx_auth_url"

    def login(self, http: requests.Session, api_version: str, *, target: str = "") -> OrgSession:
        client_id, client_secret, refresh_token, instance_url = parse_sfdx_auth_url(self.auth_url)
        data = {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": refresh_token}
        if client_secret:
            data["client_secret"] = client_secret
        body = _token_request(
            http, f"{instance_url}/services/oauth2/token", data, target=target, method=self.method
        )
        return _session_from_token(body, api_version, _verify(http))
