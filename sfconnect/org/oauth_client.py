"""The HTTP side of the OAuth 2.0 flows, as a client (smoke) drives them against an org.

Every call returns what the org answered, as data: `Tokens` for a token, `Refusal` for an OAuth error, and
`AuthorizeAnswer` for the browser endpoints (a page, or a redirect to the callback or the error page).
Refusals are results here, not exceptions: smoke checks expect some of them. Only a failure to talk to the
org at all (connection refused, TLS, timeout, an answer that is not OAuth) raises `OrgError`.

Secrets and tokens never appear in a `repr` or a message built here.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import jwt
import requests

from sfconnect.errors import OrgError
from sfconnect.org._errors import translate
from sfconnect.org.session import trusting_session

__all__ = [
    "JWT_BEARER_GRANT",
    "AuthorizeAnswer",
    "DeviceCode",
    "OAuthClient",
    "Refusal",
    "Tokens",
    "jwt_assertion",
    "pkce_pair",
]

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ERROR_PAGE_PATH = "/setup/secur/RemoteAccessErrorPage.apexp"


@dataclass(frozen=True)
class Tokens:
    """A token response (the tokens themselves never appear in `repr`)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    scopes: tuple[str, ...] = ()
    identity_url: str = ""
    instance_url: str = ""
    has_id_token: bool = False
    state: str | None = None
    fields: tuple[str, ...] = ()
    """The names of the fields the response carried (never their values)."""

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> Tokens:
        """From the fields of a token response (JSON body or redirect fragment)."""
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=str(data["refresh_token"]) if data.get("refresh_token") else None,
            scopes=tuple(str(data.get("scope") or "").split()),
            identity_url=str(data.get("id") or ""),
            instance_url=str(data.get("instance_url") or ""),
            has_id_token=bool(data.get("id_token")),
            state=str(data["state"]) if data.get("state") is not None else None,
            fields=tuple(sorted(str(k) for k in data)),
        )


@dataclass(frozen=True)
class Refusal:
    """The org refused: an OAuth ``error`` code and its description."""

    error: str
    description: str = ""
    status: int = 400

    def __str__(self) -> str:
        return f"{self.error}: {self.description}" if self.description else self.error


@dataclass(frozen=True)
class DeviceCode:
    """The device flow's initiation answer."""

    device_code: str = field(repr=False)
    user_code: str = field(repr=False)
    verification_uri: str = ""
    interval: int = 5


@dataclass(frozen=True)
class AuthorizeAnswer:
    """What a browser endpoint answered.

    `kind` is ``page`` (a login, consent or message page, with the form's hidden fields), ``callback`` (a
    redirect to the client's callback: `params` holds its query and fragment) or ``error_page`` (a redirect
    to the org's OAuth error page: `params` holds its ``error`` and ``error_description``).
    """

    kind: str
    status: int
    form_action: str = ""
    form_fields: dict[str, str] = field(default_factory=dict, repr=False)
    params: dict[str, str] = field(default_factory=dict, repr=False)
    location: str = field(default="", repr=False)
    has_consent: bool = False
    has_login: bool = False

    @property
    def error(self) -> str | None:
        """The ``error`` of a redirect, if any."""
        return self.params.get("error")

    @property
    def description(self) -> str:
        """The ``error_description`` of a redirect."""
        return self.params.get("error_description", "")


class _FormParser(HTMLParser):
    """The first form of a page: its action, hidden fields, and whether it asks for a login or a consent."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.in_form = False
        self.seen_form = False
        self.login = False
        self.consent = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.seen_form:
            self.in_form = self.seen_form = True
            self.action = a.get("action", "")
        elif self.in_form and tag == "input":
            name = a.get("name", "")
            if a.get("type") == "hidden" and name:
                self.fields[name] = a.get("value", "")
            if name == "password":
                self.login = True
        elif self.in_form and tag == "button" and a.get("name") == "decision":
            self.consent = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def jwt_assertion(
    private_key_pem: str, *, issuer: str, subject: str, audience: str, lifetime_seconds: int = 180
) -> str:
    """A JWT bearer assertion (RS256) for `subject`, issued by the consumer key `issuer`.

    Raises:
        ValueError: the key is not a usable private key (the message never contains it).
    """
    try:
        return jwt.encode(
            {"iss": issuer, "sub": subject, "aud": audience, "exp": int(time.time()) + lifetime_seconds},
            private_key_pem,
            algorithm="RS256",
        )
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        raise ValueError(f"the private key cannot sign an RS256 assertion ({type(exc).__name__})") from None


class OAuthClient:
    """OAuth calls against one org (`base_url`: a login host, My Domain or a local org's instance URL).

    Args:
        base_url: where the OAuth endpoints live.
        verify: TLS trust (a CA bundle path for a local org, True for the system store).
        target: the target's name, for error messages.
    """

    def __init__(self, base_url: str, verify: str | bool, *, target: str = "", timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.target = target
        self.timeout = timeout
        self.http = trusting_session(verify)
        self.calls = 0

    def close(self) -> None:
        """Release network resources."""
        self.http.close()

    def __enter__(self) -> OAuthClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # transport ----------------------------------------------------------------------------------------
    def _request(self, method: str, url: str, operation: str, **kwargs: Any) -> requests.Response:
        self.calls += 1
        try:
            return self.http.request(method, url, timeout=self.timeout, allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            raise translate(exc, target=self.target, operation=operation) from exc

    def _url(self, path: str) -> str:
        return path if path.startswith("https://") or path.startswith("http://") else self.base_url + path

    @staticmethod
    def _json(response: requests.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    def _refusal(self, response: requests.Response, operation: str) -> Refusal:
        body = self._json(response)
        if "error" not in body:
            raise OrgError(
                f"{operation}: the org answered HTTP {response.status_code} without an OAuth error",
                target=self.target,
                operation=operation,
            )
        return Refusal(str(body["error"]), str(body.get("error_description") or ""), response.status_code)

    def token(self, data: dict[str, str], operation: str = "token") -> Tokens | Refusal:
        """POST a grant to the token endpoint."""
        response = self._request(
            "POST",
            self._url("/services/oauth2/token"),
            operation,
            data=data,
            headers={"Accept": "application/json"},
        )
        body = self._json(response)
        if response.status_code == 200 and "access_token" in body:
            return Tokens.from_fields(body)
        return self._refusal(response, operation)

    # grants -------------------------------------------------------------------------------------------
    def client_credentials(self, client_id: str, client_secret: str) -> Tokens | Refusal:
        """``grant_type=client_credentials``."""
        return self.token(
            {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret},
            "client credentials grant",
        )

    def jwt_bearer(self, assertion: str) -> Tokens | Refusal:
        """The JWT bearer grant."""
        return self.token({"grant_type": JWT_BEARER_GRANT, "assertion": assertion}, "JWT bearer grant")

    def password(
        self, client_id: str, client_secret: str | None, username: str, password: str
    ) -> Tokens | Refusal:
        """``grant_type=password``."""
        data = {"grant_type": "password", "client_id": client_id, "username": username, "password": password}
        if client_secret:
            data["client_secret"] = client_secret
        return self.token(data, "username-password grant")

    def refresh(self, client_id: str, client_secret: str | None, refresh_token: str) -> Tokens | Refusal:
        """``grant_type=refresh_token``."""
        data = {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": refresh_token}
        if client_secret:
            data["client_secret"] = client_secret
        return self.token(data, "refresh token grant")

    def authorization_code(
        self,
        client_id: str,
        client_secret: str | None,
        code: str,
        redirect_uri: str,
        code_verifier: str | None,
    ) -> Tokens | Refusal:
        """``grant_type=authorization_code`` (the code exchange)."""
        data = {
            "grant_type": "authorization_code",
            "client_id": client_id,
            "code": code,
            "redirect_uri": redirect_uri,
        }
        if client_secret:
            data["client_secret"] = client_secret
        if code_verifier:
            data["code_verifier"] = code_verifier
        return self.token(data, "authorization code exchange")

    def device_start(self, client_id: str, scope: str | None = None) -> DeviceCode | Refusal:
        """Device-flow initiation (``response_type=device_code``)."""
        data = {"response_type": "device_code", "client_id": client_id}
        if scope:
            data["scope"] = scope
        operation = "device flow initiation"
        response = self._request(
            "POST",
            self._url("/services/oauth2/token"),
            operation,
            data=data,
            headers={"Accept": "application/json"},
        )
        body = self._json(response)
        if response.status_code == 200 and "device_code" in body:
            return DeviceCode(
                str(body["device_code"]),
                str(body.get("user_code") or ""),
                str(body.get("verification_uri") or ""),
                int(body.get("interval") or 5),
            )
        return self._refusal(response, operation)

    def device_poll(self, client_id: str, client_secret: str | None, device_code: str) -> Tokens | Refusal:
        """``grant_type=device`` (one poll)."""
        data = {"grant_type": "device", "client_id": client_id, "code": device_code}
        if client_secret:
            data["client_secret"] = client_secret
        return self.token(data, "device flow poll")

    # browser endpoints --------------------------------------------------------------------------------
    def _answer(self, response: requests.Response) -> AuthorizeAnswer:
        if response.status_code in (301, 302, 303, 307):
            location = response.headers.get("Location", "")
            parts = urlsplit(location)
            params = dict(parse_qsl(parts.query)) | dict(parse_qsl(parts.fragment))
            kind = "error_page" if parts.path.endswith(ERROR_PAGE_PATH) else "callback"
            return AuthorizeAnswer(kind, response.status_code, params=params, location=location)
        parser = _FormParser()
        parser.feed(response.text)
        return AuthorizeAnswer(
            "page",
            response.status_code,
            form_action=urljoin(self.base_url + "/", parser.action) if parser.action else "",
            form_fields=parser.fields,
            has_consent=parser.consent,
            has_login=parser.login,
        )

    def authorize(self, params: dict[str, str]) -> AuthorizeAnswer:
        """GET the authorize endpoint (redirects are returned, never followed)."""
        return self._answer(
            self._request("GET", self._url("/services/oauth2/authorize"), "authorize", params=params)
        )

    def open_page(self, url: str) -> AuthorizeAnswer:
        """GET a browser page (e.g. the device flow's verification URI)."""
        return self._answer(self._request("GET", self._url(url), "open page"))

    def submit(self, page: AuthorizeAnswer, values: dict[str, str]) -> AuthorizeAnswer:
        """Submit a page's form with its hidden fields plus `values`."""
        if not page.form_action:
            raise OrgError("the page has no form to submit", target=self.target, operation="authorize")
        return self._answer(
            self._request("POST", page.form_action, "authorize", data={**page.form_fields, **values})
        )

    def login_and_consent(self, page: AuthorizeAnswer, username: str, password: str) -> AuthorizeAnswer:
        """Log in on a login page and allow on the consent page if one follows; returns the last answer."""
        answer = self.submit(page, {"username": username, "password": password})
        if answer.kind == "page" and answer.has_consent:
            answer = self.submit(answer, {"decision": "allow"})
        return answer

    # token use ----------------------------------------------------------------------------------------
    def userinfo(self, access_token: str) -> dict[str, Any] | Refusal:
        """OpenID userinfo of a token's user."""
        response = self._request(
            "GET",
            self._url("/services/oauth2/userinfo"),
            "userinfo",
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        )
        if response.status_code == 200:
            return self._json(response)
        body = self._json(response)
        if isinstance(body, dict) and "error" in body:
            return Refusal(str(body["error"]), str(body.get("error_description") or ""), response.status_code)
        return Refusal(
            "invalid_token", f"userinfo answered HTTP {response.status_code}", response.status_code
        )

    def introspect(self, token: str, client_id: str, client_secret: str) -> dict[str, Any] | Refusal:
        """RFC 7662 introspection, authenticated as the app."""
        response = self._request(
            "POST",
            self._url("/services/oauth2/introspect"),
            "introspect",
            data={"token": token, "client_id": client_id, "client_secret": client_secret},
            headers={"Accept": "application/json"},
        )
        if response.status_code == 200:
            return self._json(response)
        return self._refusal(response, "introspect")

    def revoke(self, token: str) -> Refusal | None:
        """Revoke an access or refresh token; None when the org accepted."""
        response = self._request(
            "POST", self._url("/services/oauth2/revoke"), "revoke", data={"token": token}
        )
        if response.status_code == 200:
            return None
        body = self._json(response)
        return Refusal(
            str(body.get("error") or f"HTTP {response.status_code}"), str(body.get("error_description") or "")
        )
