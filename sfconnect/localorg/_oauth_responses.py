"""The OAuth 2.0 / OpenID Connect endpoints' wire side: parse forms and queries, render JSON, redirects, HTML.

Each handler reads a few parameters, makes one `OAuthBackend` call and renders. `OAuthError`s raised by the
token, revoke and introspect endpoints render in the base handler (route kind `oauth`) as
`{"error", "error_description"}`; the authorize endpoint reports its errors to the app's callback (query,
or fragment for the user-agent flow) or, when the callback itself is in doubt, on the error page.

The interactive pages are plain HTML forms meant to be submitted by a browser *or* a script:

* login (`POST /services/oauth2/authorize`, or `/setup/connect` for the device flow): hidden
  `request_id` and `csrf_token`, then `username`, `password` (and `user_code` on the device page);
* consent (same URL): hidden `request_id` and `csrf_token`, and `decision` = `allow` or `deny`.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlencode

from sfconnect.localorg._exceptions import InvalidSessionId, RestError
from sfconnect.localorg._models import LocalOrg
from sfconnect.localorg._oauth import (
    TEST_CLIENT_IP_HEADER,
    ConsentPage,
    DoneMessage,
    LoginPage,
    OAuthBackend,
    OAuthError,
    Redirect,
    TokenGrant,
    oauth_backend,
)
from sfconnect.localorg._responses import JSON_CONTENT_TYPE, Request, Response, json_response

__all__ = [
    "ERROR_PAGE_PATH",
    "ROUTE_SPECS",
    "authorize",
    "device_verification",
    "discovery",
    "error_page",
    "identity",
    "introspect",
    "jwks",
    "revoke",
    "token",
]

ERROR_PAGE_PATH = "/setup/secur/RemoteAccessErrorPage.apexp"
DEVICE_PAGE_PATH = "/setup/connect"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
HTML_CONTENT_TYPE = "text/html;charset=UTF-8"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


# parsing --------------------------------------------------------------------------------------------------
def _params(req: Request) -> dict[str, str]:
    """Query parameters, overridden by a form body (POST)."""
    out = {k: v[0] for k, v in req.query.items() if v}
    if req.method == "POST" and "x-www-form-urlencoded" in (req.header("content-type") or "").lower():
        out.update(req.form())
    elif req.method == "POST" and req.body and "=" in req.body.decode("utf-8", "replace"):
        out.update(req.form())  # clients that omit the content type
    return out


def _client_auth(req: Request, params: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(client_id, client_secret) from the body or an HTTP Basic header."""
    auth = req.header("authorization") or ""
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise OAuthError("invalid_client", "invalid client credentials", 401) from None
        cid, _, secret = decoded.partition(":")
        return unquote(cid), unquote(secret)
    return params.get("client_id"), params.get("client_secret")


def _client_ip(backend: OAuthBackend, req: Request) -> str:
    if backend.trust_test_ip_header:
        forced = req.header(TEST_CLIENT_IP_HEADER)
        if forced:
            return forced.strip()
    return req.client_ip


def _identity_url(org: LocalOrg, req: Request, user_id: str) -> str:
    """The identity URL, on the login host: the host the client logged in through (the embedded org is its
    own login host; Salesforce answers login.salesforce.com or test.salesforce.com)."""
    return f"{req.base_url}/id/{org.org_id}/{user_id}"


# rendering ----------------------------------------------------------------------------------------------
def token_fields(org: LocalOrg, req: Request, grant: TokenGrant) -> dict[str, str]:
    """The token response fields, in Salesforce's order (no `expires_in`)."""
    identity = _identity_url(org, req, grant.user.id)
    fields: dict[str, str] = {"access_token": grant.access_token}
    if grant.refresh_token:
        fields["refresh_token"] = grant.refresh_token
    fields["signature"] = oauth_backend(org).signature(grant.app, identity, grant.issued_at_ms)
    fields["scope"] = " ".join(grant.scopes)
    if grant.id_token:
        fields["id_token"] = grant.id_token
    fields.update(
        {
            "instance_url": req.base_url,
            # the API gateway URL that current orgs add (Salesforce Help, "OAuth 2.0 Web Server Flow",
            # token response); the embedded org is its own gateway
            "api_instance_url": req.base_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": str(grant.issued_at_ms),
        }
    )
    fields.update(grant.extra)
    return fields


def _token_response(req: Request, params: Mapping[str, str], data: Mapping[str, Any]) -> Response:
    fmt = (params.get("format") or "").lower()
    accept = (req.header("accept") or "").lower()
    if fmt == "urlencoded" or (not fmt and "application/x-www-form-urlencoded" in accept):
        body = urlencode({k: str(v) for k, v in data.items()}).encode("ascii")
        return Response(200, body, "application/x-www-form-urlencoded;charset=UTF-8", dict(_NO_STORE))
    return Response(200, json.dumps(data).encode("utf-8"), JSON_CONTENT_TYPE, dict(_NO_STORE))


def _redirect(location: str) -> Response:
    return Response(302, b"", HTML_CONTENT_TYPE, {"Location": location, **_NO_STORE})


def _callback_url(redirect_uri: str, params: Mapping[str, str], fragment: bool) -> str:
    sep = "#" if fragment else ("&" if "?" in redirect_uri else "?")
    return redirect_uri + sep + urlencode(params)


def _render_redirect(org: LocalOrg, req: Request, result: Redirect) -> Response:
    params = dict(result.params)
    if result.grant is not None:
        state = params.pop("state", None)
        params = token_fields(org, req, result.grant)
        if state is not None:
            params["state"] = state
    return _redirect(_callback_url(result.redirect_uri, params, result.fragment))


def _authorize_error(exc: OAuthError) -> Response:
    if exc.redirect_uri is None:
        return _redirect(
            ERROR_PAGE_PATH + "?" + urlencode({"error": exc.error, "error_description": exc.description})
        )
    params = {"error": exc.error, "error_description": exc.description}
    if exc.state is not None:
        params["state"] = exc.state
    return _redirect(_callback_url(exc.redirect_uri, params, exc.fragment))


def _page(title: str, body: str, status: int = 200) -> Response:
    text = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>'
        f"{html.escape(title)} | Local Org</title></head>\n<body>\n<h1>{html.escape(title)}</h1>\n{body}\n"
        "</body></html>\n"
    )
    headers = {"X-Frame-Options": "DENY", **_NO_STORE}
    return Response(status, text.encode("utf-8"), HTML_CONTENT_TYPE, headers)


def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{name}" value="{html.escape(value)}">'


def _render_login(page: LoginPage) -> Response:
    action = DEVICE_PAGE_PATH if page.device else "/services/oauth2/authorize"
    error = f'<p class="error" role="alert">{html.escape(page.error)}</p>\n' if page.error else ""
    code = '<p><label>Code <input name="user_code" autocomplete="off"></label></p>\n' if page.device else ""
    title = "Connect your device" if page.device else f"Log in to {page.app_label}"
    return _page(
        title,
        f'{error}<form method="post" action="{action}">\n'
        f"{_hidden('request_id', page.request_id)}{_hidden('csrf_token', page.csrf_token)}\n{code}"
        '<p><label>Username <input name="username" autocomplete="username"></label></p>\n'
        '<p><label>Password <input type="password" name="password"></label></p>\n'
        '<p><button type="submit">Log In</button></p>\n</form>',
        page.status,
    )


def _render_consent(page: ConsentPage, action: str) -> Response:
    scopes = "".join(f"<li>{html.escape(s)}</li>" for s in page.scopes)
    return _page(
        "Allow Access?",
        f"<p>{html.escape(page.app_label)} is asking to access {html.escape(page.username)}'s data:</p>\n"
        f'<ul class="scopes">{scopes}</ul>\n<form method="post" action="{action}">\n'
        f"{_hidden('request_id', page.request_id)}{_hidden('csrf_token', page.csrf_token)}\n"
        '<button type="submit" name="decision" value="allow">Allow</button>\n'
        '<button type="submit" name="decision" value="deny">Deny</button>\n</form>',
    )


def _render_step(
    org: LocalOrg, req: Request, result: LoginPage | ConsentPage | Redirect | DoneMessage, action: str
) -> Response:
    if isinstance(result, LoginPage):
        return _render_login(result)
    if isinstance(result, ConsentPage):
        return _render_consent(result, action)
    if isinstance(result, Redirect):
        return _render_redirect(org, req, result)
    return _page(result.title, f"<p>{html.escape(result.message)}</p>", result.status)


def _interactive_step(org: LocalOrg, req: Request, form: Mapping[str, str], action: str) -> Response:
    """A submitted login or consent form (either page)."""
    backend = oauth_backend(org)
    request_id, csrf = form.get("request_id", ""), form.get("csrf_token", "")
    if "decision" in form:
        return _render_step(
            org, req, backend.consent(request_id, csrf, form["decision"], req.base_url), action
        )
    result = backend.login(
        request_id,
        csrf,
        form.get("username", ""),
        form.get("password", ""),
        _client_ip(backend, req),
        req.base_url,
        form.get("user_code"),
    )
    return _render_step(org, req, result, action)


# handlers -------------------------------------------------------------------------------------------------
def authorize(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`GET|POST /services/oauth2/authorize`: validate, then the login and consent pages, then redirect."""
    values = _params(req)
    try:
        if req.method == "POST" and "request_id" in values:
            return _interactive_step(org, req, values, "/services/oauth2/authorize")
        return _render_login(oauth_backend(org).start_authorize(values))
    except OAuthError as exc:
        return _authorize_error(exc)


def device_verification(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`GET|POST /setup/connect`: the device flow's verification page (user code, login, consent)."""
    values = _params(req)
    try:
        if req.method == "POST" and "request_id" in values:
            return _interactive_step(org, req, values, DEVICE_PAGE_PATH)
        return _render_login(oauth_backend(org).start_device_verification())
    except OAuthError as exc:
        return _page("Error", f"<p>{html.escape(exc.error)}: {html.escape(exc.description)}</p>", 400)


def error_page(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """The authorize endpoint's error page (its query names the error)."""
    error, description = req.arg("error") or "", req.arg("error_description") or ""
    return _page(
        "Error",
        f'<p class="error"><span class="code">{html.escape(error)}</span>: {html.escape(description)}</p>',
        400,
    )


def token(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`POST /services/oauth2/token`: all grants; device-flow initiation (`response_type=device_code`)."""
    values = _params(req)
    backend = oauth_backend(org)
    client_id, secret = _client_auth(req, values)
    issuer, ip = req.base_url, _client_ip(backend, req)
    grant_type = values.get("grant_type", "")
    if values.get("response_type") == "device_code" and not grant_type:
        start = backend.device_start(client_id, values.get("scope"))
        return _token_response(
            req,
            values,
            {
                "device_code": start.device_code,
                "user_code": start.user_code,
                "verification_uri": f"{req.base_url}{DEVICE_PAGE_PATH}",
                "interval": start.interval,
            },
        )
    grant: TokenGrant
    if grant_type == "authorization_code":
        grant = backend.authorization_code(
            client_id,
            secret,
            values.get("code", ""),
            values.get("redirect_uri"),
            values.get("code_verifier"),
            issuer,
        )
    elif grant_type == "refresh_token":
        grant = backend.refresh(client_id, secret, values.get("refresh_token", ""), ip, issuer)
    elif grant_type == "password":
        grant = backend.password(
            client_id,
            secret,
            values.get("username", ""),
            values.get("password", ""),
            ip,
            issuer,
            values.get("scope"),
        )
    elif grant_type == "client_credentials":
        grant = backend.client_credentials(client_id, secret, ip, issuer)
        grant = TokenGrant(**{**grant.__dict__, "extra": {"token_format": "opaque"}})
    elif grant_type == JWT_BEARER:
        # `aud` is login.salesforce.com for production and Developer Edition orgs, test.salesforce.com for
        # sandboxes (Salesforce Help, "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration"); the
        # embedded org is also its own login host.
        login_host = (
            "https://test.salesforce.com" if org.setting("is_sandbox") else "https://login.salesforce.com"
        )
        audiences = (req.base_url, login_host)
        grant = backend.jwt_bearer(values.get("assertion", ""), ip, issuer, audiences)
    elif grant_type == "device":
        grant = backend.device_poll(client_id, secret, values.get("code", ""), issuer)
    else:
        raise OAuthError("unsupported_grant_type", "grant type not supported")
    return _token_response(req, values, token_fields(org, req, grant))


def revoke(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`POST /services/oauth2/revoke` (`token=`; `GET ?token=` too): 200 and an empty body."""
    value = _params(req).get("token", "")
    if not value:
        raise OAuthError("invalid_request", "token is required")
    oauth_backend(org).revoke(value)
    return Response(200, b"", JSON_CONTENT_TYPE, dict(_NO_STORE))


def introspect(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`POST /services/oauth2/introspect`: RFC 7662, client authentication required."""
    values = _params(req)
    client_id, secret = _client_auth(req, values)
    result = oauth_backend(org).introspect(client_id, secret, values.get("token", ""))
    if not result.active:
        return json_response({"active": False})
    return json_response(
        {
            "active": True,
            "scope": result.scope,
            "client_id": result.client_id,
            "username": result.username,
            "sub": _identity_url(org, req, result.user_id),
            "token_type": result.token_type,
            "exp": result.exp,
            "iat": result.iat,
            "nbf": result.iat,
        }
    )


def identity(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`GET /id/{org}/{user}` (Bearer or `oauth_token=`): the identity service's user and org data."""
    token_value = req.bearer() or req.arg("oauth_token")
    try:
        session = org.authenticate(token_value, api=False)
    except InvalidSessionId:
        raise RestError("INVALID_SESSION_ID", "Session expired or invalid", 401) from None
    if params["org"][:15] != org.org_id[:15]:
        raise RestError("NOT_FOUND", "Bad_Id", 404)
    user = org.user(params["user"])
    if user is None:
        raise RestError("NOT_FOUND", "Bad_Id", 404)
    scopes = set(session.data.get("scopes", [])) if session.data.get("oauth") else {"full"}
    if user.id != session.user.id and not scopes & {"api", "full"}:
        raise RestError("FORBIDDEN", "Bad_Id", 403)
    version = req.arg("version") or "{version}"
    base, org15 = req.base_url, org.org_id[:15]
    urls = {
        "enterprise": f"{base}/services/Soap/c/{version}/{org15}",
        "metadata": f"{base}/services/Soap/m/{version}/{org15}",
        "partner": f"{base}/services/Soap/u/{version}/{org15}",
        "rest": f"{base}/services/data/v{version}/",
        "sobjects": f"{base}/services/data/v{version}/sobjects/",
        "search": f"{base}/services/data/v{version}/search/",
        "query": f"{base}/services/data/v{version}/query/",
        "tooling_soap": f"{base}/services/Soap/T/{version}/{org15}",
        "tooling_rest": f"{base}/services/data/v{version}/tooling/",
        "profile": f"{base}/{user.id}",
        "custom_domain": base,
    }
    return json_response(
        {
            "id": _identity_url(org, req, user.id),
            "asserted_user": user.id == session.user.id,
            "user_id": user.id,
            "organization_id": org.org_id,
            "username": user.username,
            "nick_name": user.username.split("@", 1)[0],
            "display_name": user.name,
            "email": user.email,
            "email_verified": True,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "timezone": "Etc/UTC",
            "active": user.is_active,
            "user_type": "STANDARD",
            "language": "en_US",
            "locale": "en_US",
            "utcOffset": 0,
            "is_app_installed": True,
            "urls": urls,
        }
    )


def discovery(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`GET /.well-known/openid-configuration` (no authentication)."""
    base = req.base_url
    return json_response(
        {
            "issuer": base,
            "authorization_endpoint": f"{base}/services/oauth2/authorize",
            "token_endpoint": f"{base}/services/oauth2/token",
            "revocation_endpoint": f"{base}/services/oauth2/revoke",
            "userinfo_endpoint": f"{base}/services/oauth2/userinfo",
            "jwks_uri": f"{base}/id/keys",
            "introspection_endpoint": f"{base}/services/oauth2/introspect",
            "scopes_supported": [
                "id",
                "api",
                "web",
                "full",
                "chatter_api",
                "visualforce",
                "refresh_token",
                "openid",
                "profile",
                "email",
                "address",
                "phone",
                "offline_access",
                "custom_permissions",
                "wave_api",
                "eclair_api",
            ],
            "response_types_supported": ["code", "token", "token id_token"],
            "grant_types_supported": [
                "authorization_code",
                "refresh_token",
                "password",
                "client_credentials",
                JWT_BEARER,
                "device",
            ],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": [
                "active",
                "address",
                "email",
                "email_verified",
                "family_name",
                "given_name",
                "is_app_installed",
                "language",
                "locale",
                "name",
                "nickname",
                "organization_id",
                "phone_number",
                "picture",
                "preferred_username",
                "profile",
                "sub",
                "updated_at",
                "user_id",
                "user_type",
                "zoneinfo",
            ],
            "display_values_supported": ["page", "popup", "touch"],
        }
    )


def jwks(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`GET /id/keys`: the public key(s) that verify this org's ID tokens."""
    return json_response(oauth_backend(org).jwks())


_ID = r"[A-Za-z0-9]{15,18}"

ROUTE_SPECS: tuple[tuple[str, str, Callable[[LocalOrg, Request, Mapping[str, str]], Response], str], ...] = (
    ("GET POST", r"/services/oauth2/authorize/?", authorize, "oauth"),
    ("POST", r"/services/oauth2/token/?", token, "oauth"),
    ("GET POST", r"/services/oauth2/revoke/?", revoke, "oauth"),
    ("POST", r"/services/oauth2/introspect/?", introspect, "oauth"),
    ("GET", r"/\.well-known/openid-configuration/?", discovery, "oauth"),
    ("GET", r"/id/keys/?", jwks, "oauth"),
    ("GET", rf"/id/(?P<org>{_ID})/(?P<user>{_ID})/?", identity, "rest"),
    ("GET POST", r"/setup/connect/?", device_verification, "oauth"),
    ("GET", r"/setup/secur/RemoteAccessErrorPage\.apexp", error_page, "oauth"),
)
"""(methods, path pattern, handler, fault kind) of every OAuth / OpenID route; `urls.py` adds them."""
