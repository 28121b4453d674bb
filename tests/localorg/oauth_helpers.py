"""Helpers for the OAuth tests: a served org on a hand-moved clock, apps made through the model, and a
scripted browser that submits the login and consent forms with plain `requests`."""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from sfconnect.localorg import LocalOrgHandle, serve_local_org
from sfconnect.localorg._oauth import TEST_CLIENT_IP_HEADER, configure_oauth
from sfconnect.metadata.certificates import new_key_and_certificate
from tests.localorg.conftest import FakeClock, trusting_session

CALLBACK = "https://app.example.com/oauth/callback"
_names = itertools.count(1)


@dataclass
class App:
    """An app made for a test: its name, kind and client credentials."""

    name: str
    kind: str
    client_id: str
    client_secret: str


@dataclass
class KeyPair:
    """A test-time RSA key and its self-signed certificate (PEM)."""

    key: rsa.RSAPrivateKey
    cert_pem: str

    def assertion(self, iss: str, sub: str, aud: str, exp: float) -> str:
        return jwt.encode({"iss": iss, "sub": sub, "aud": aud, "exp": int(exp)}, self.key, algorithm="RS256")


def make_key_pair() -> KeyPair:
    return KeyPair(*new_key_and_certificate("sfconnect test", days=30))


def _wire(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(v) for v in value]
    return value


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class OAuthOrg:
    """A served org plus helpers: make apps, call the endpoints, drive the interactive pages."""

    def __init__(self, handle: LocalOrgHandle, clock: FakeClock) -> None:
        self.handle = handle
        self.org = handle.org
        self.clock = clock
        self.base = handle.instance_url
        self.http = trusting_session(handle.ca_bundle)
        self.admin = handle.admin_username
        self.admin_password = handle.admin_password
        self.integration = next(u.username for u in self.org.users() if u.api_only)
        self.integration_password = self.org.password_of(self.integration)

    # apps -------------------------------------------------------------------------------------------------
    def _create(self, type_: str, record: dict[str, Any]) -> None:
        results = self.org.create_metadata([(type_, _wire(record))], self.org.admin_user())
        assert results[0].success, results[0].errors

    def connected_app(
        self,
        scopes: tuple[str, ...] = ("Api", "RefreshToken", "OpenID", "Basic"),
        callback: str = CALLBACK,
        **oauth: Any,
    ) -> App:
        """A Connected App; `oauth` adds oauthConfig fields, and `record__X` top-level fields."""
        name = f"Test_App_{next(_names)}"
        top = {k.removeprefix("record__"): v for k, v in oauth.items() if k.startswith("record__")}
        config = {k: v for k, v in oauth.items() if not k.startswith("record__")}
        record = {
            "fullName": name,
            "label": name.replace("_", " "),
            "contactEmail": "ops@example.com",
            "oauthConfig": {"callbackUrl": callback, "scopes": list(scopes), **config},
            **top,
        }
        self._create("ConnectedApp", record)
        creds = self.org.credentials_of("ConnectedApp", name)
        assert creds is not None
        return App(name, "ConnectedApp", creds.consumer_key, creds.consumer_secret)

    def external_client_app(
        self,
        scopes: str = "Api, RefreshToken, OpenID, Basic",
        callback: str = CALLBACK,
        global_settings: dict[str, Any] | None = None,
        policies: dict[str, Any] | None = None,
        plugin: dict[str, Any] | None = None,
    ) -> App:
        """An External Client App: header, OAuth settings, global settings and (optional) policies."""
        name = f"Test_Eca_{next(_names)}"
        self._create(
            "ExternalClientApplication",
            {
                "fullName": name,
                "label": name,
                "contactEmail": "ops@example.com",
                "distributionState": "Local",
            },
        )
        self._create(
            "ExtlClntAppOauthSettings",
            {
                "fullName": f"{name}_oauth",
                "externalClientApplication": name,
                "commaSeparatedOauthScopes": scopes,
            },
        )
        self._create(
            "ExtlClntAppGlobalOauthSettings",
            {
                "fullName": f"{name}_glbl",
                "externalClientApplication": name,
                "callbackUrl": callback,
                **(global_settings or {}),
            },
        )
        if policies is not None:
            self._create(
                "ExtlClntAppOauthConfigurablePolicies",
                {"fullName": f"{name}_oauthPlcy", "externalClientApplication": name, **policies},
            )
        if plugin is not None:
            self._create(
                "ExtlClntAppConfigurablePolicies",
                {"fullName": f"{name}_plcy", "externalClientApplication": name, **plugin},
            )
        creds = self.org.credentials_of("ExternalClientApplication", name)
        assert creds is not None
        return App(name, "ExternalClientApplication", creds.consumer_key, creds.consumer_secret)

    # endpoints --------------------------------------------------------------------------------------------
    def token(self, ip: str | None = None, **form: str) -> requests.Response:
        headers = {TEST_CLIENT_IP_HEADER: ip} if ip else {}
        return self.http.post(f"{self.base}/services/oauth2/token", data=form, headers=headers)

    def password_grant(self, app: App, username: str, password: str, **extra: str) -> requests.Response:
        return self.token(
            grant_type="password",
            client_id=app.client_id,
            client_secret=app.client_secret,
            username=username,
            password=password,
            **extra,
        )

    def userinfo(self, access_token: str) -> requests.Response:
        return self.http.get(
            f"{self.base}/services/oauth2/userinfo", headers={"Authorization": f"Bearer {access_token}"}
        )

    def authorize(self, app: App, **params: str) -> requests.Response:
        query = {"response_type": "code", "client_id": app.client_id, "redirect_uri": CALLBACK, **params}
        return self.http.get(f"{self.base}/services/oauth2/authorize", params=query, allow_redirects=False)

    def submit(self, page: requests.Response, ip: str | None = None, **fields: str) -> requests.Response:
        """Submit the page's form: its hidden fields plus `fields`."""
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action is not None, page.text
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
        headers = {TEST_CLIENT_IP_HEADER: ip} if ip else {}
        return self.http.post(
            self.base + action.group(1), data={**hidden, **fields}, headers=headers, allow_redirects=False
        )

    def login_and_consent(
        self, page: requests.Response, username: str, password: str, ip: str | None = None, allow: bool = True
    ) -> requests.Response:
        """Log in on a login page and, when asked, answer the consent page; return the final response."""
        assert page.status_code == 200, page.text
        answer = self.submit(page, ip, username=username, password=password)
        if answer.status_code == 200 and 'name="decision"' in answer.text:
            answer = self.submit(answer, ip, decision="allow" if allow else "deny")
        return answer

    def code_flow(
        self,
        app: App,
        username: str | None = None,
        password: str | None = None,
        ip: str | None = None,
        pkce: bool = True,
        params: dict[str, str] | None = None,
    ) -> tuple[dict[str, str], str | None]:
        """Run authorize + login + consent; return the callback's query and the PKCE verifier."""
        verifier, challenge = pkce_pair()
        extra = {"code_challenge": challenge, "code_challenge_method": "S256"} if pkce else {}
        page = self.authorize(app, state="s-1", **extra, **(params or {}))
        final = self.login_and_consent(page, username or self.admin, password or self.admin_password, ip=ip)
        return callback_params(final), (verifier if pkce else None)

    def exchange(self, app: App, code: str, verifier: str | None, secret: bool = True) -> requests.Response:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app.client_id,
            "redirect_uri": CALLBACK,
        }
        if secret:
            form["client_secret"] = app.client_secret
        if verifier:
            form["code_verifier"] = verifier
        return self.token(**form)

    def tokens_by_code(self, app: App, ip: str | None = None, **params: str) -> dict[str, Any]:
        query, verifier = self.code_flow(app, ip=ip, params=params)
        assert "code" in query, query
        answer = self.exchange(app, query["code"], verifier)
        assert answer.status_code == 200, answer.text
        data: dict[str, Any] = answer.json()
        return data


def callback_params(resp: requests.Response) -> dict[str, str]:
    """The parameters a redirect to the callback carries (query, or fragment)."""
    assert resp.status_code == 302, (resp.status_code, resp.text)
    parts = urlsplit(resp.headers["Location"])
    raw = parts.fragment or parts.query
    return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def location(resp: requests.Response) -> str:
    assert resp.status_code == 302, (resp.status_code, resp.text)
    return resp.headers["Location"]


@pytest.fixture(scope="module")
def oauth_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OAuthOrg]:
    clock = FakeClock()
    with serve_local_org(Path(tmp_path_factory.mktemp("oauth-org")), clock=clock) as handle:
        handle.org.set_setting("connected_app_creation_allowed", True)
        configure_oauth(handle.org, trust_test_ip_header=True)
        o = OAuthOrg(handle, clock)
        yield o
        o.http.close()


@pytest.fixture
def oo(oauth_org: OAuthOrg) -> Iterator[OAuthOrg]:
    """The module's org, with the org settings each test may change restored afterwards."""
    saved = oauth_org.org.settings()
    yield oauth_org
    for key, value in saved.items():
        oauth_org.org.set_setting(key, value)
