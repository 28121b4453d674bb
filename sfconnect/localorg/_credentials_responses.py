"""Connect REST OAuth usage, credentials and staged credentials: parse requests, render JSON (responses layer).

The rules (who may, which app, staging and rotation) live in `credentials_api.py`; faults render in the base
handler (route kind `rest`) as `[{"errorCode", "message"}]`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sfconnect.localorg import _credentials_api as api
from sfconnect.localorg._exceptions import InvalidSessionId, NotFound, RestError
from sfconnect.localorg._models import LocalOrg, Session
from sfconnect.localorg._responses import Request, Response, json_response
from sfconnect.localorg._store import StagedRow

__all__ = ["ROUTE_SPECS", "app_credentials", "consumer_credentials", "oauth_usage", "staged", "staged_item"]

_PARTS = ("key", "secret", "keyandsecret")
_MAX_VERSION = 66.0


def _session(org: LocalOrg, req: Request, version: str, since: float) -> Session:
    try:
        number = float(version)
    except ValueError:
        raise NotFound() from None
    if not since <= number <= _MAX_VERSION:
        raise NotFound()  # the resource does not exist in this API version
    try:
        session = org.authenticate(req.bearer())
    except InvalidSessionId:
        raise RestError("INVALID_SESSION_ID", "Session expired or invalid", 401) from None
    org.faults.before("rest")
    return session


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _base(version: str, app: api.AppRef) -> str:
    return f"/services/data/v{version}/apps/oauth/credentials/{app.id}/{app.consumer_id}"


def _consumer_json(version: str, app: api.AppRef, key: str | None, secret: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": app.consumer_id, "name": app.label}
    if key is not None:
        out["key"] = key
    if secret is not None:
        out["secret"] = secret
    out["url"] = _base(version, app)
    if app.type == "ExternalClientApplication" and float(version) >= 65.0:
        out["stagedCredentialsUrl"] = _base(version, app) + "/staged"
    return out


def _staged_json(org: LocalOrg, version: str, app: api.AppRef, row: StagedRow) -> dict[str, Any]:
    creator = org.user(row.created_by)
    return {
        "createdBy": creator.username if creator else row.created_by,
        "createdDate": _iso(row.created),
        "expirationDate": _iso(row.expires),
        "id": row.id,
        "key": row.consumer_key,
        # The former primary secret of a rotated record is never shown again.
        "secret": row.consumer_secret if row.state == "Active" else None,
        "stagedCredentialsUrl": _base(version, app) + "/staged",
        "state": row.state,
        "url": f"{_base(version, app)}/staged/{row.id}",
    }


def oauth_usage(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`GET /services/data/vXX.X/apps/oauth/usage?page=&pageSize=`: the apps with OAuth consumers (59.0)."""
    version = params["version"]
    session = _session(org, req, version, 59.0)
    api.check_access(org, session.user, secret=False)
    try:
        page = int(req.arg("page") or 0)
        size = int(req.arg("pageSize") or 100)
    except ValueError:
        raise RestError("INVALID_INPUT", "page and pageSize must be integers") from None
    if page < 0 or not 1 <= size <= 1000:
        raise RestError("INVALID_INPUT", "page must be 0 or more and pageSize between 1 and 1000")
    apps = api.usage(org)
    chunk = apps[page * size : (page + 1) * size]
    base = f"/services/data/v{version}/apps/oauth/usage"
    return json_response(
        {
            "apps": [
                {
                    "identifier": a.id,
                    "developerName": a.name,
                    "label": a.label,
                    "type": a.type,
                    "distributionState": a.distribution_state,
                    "credentialsUrl": f"/services/data/v{version}/apps/oauth/credentials/{a.id}",
                }
                for a in chunk
            ],
            "currentPageUrl": f"{base}?page={page}&pageSize={size}",
            "nextPageUrl": f"{base}?page={page + 1}&pageSize={size}"
            if (page + 1) * size < len(apps)
            else None,
        }
    )


def app_credentials(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`GET …/apps/oauth/credentials/{appIdentifier}`: every OAuth consumer of the app, keys only (60.0)."""
    version = params["version"]
    session = _session(org, req, version, 60.0)
    api.check_access(org, session.user, secret=False)
    app = api.find_app(org, params["app"])
    key, _ = api.primary_credentials(org, app)
    return json_response({"consumers": [_consumer_json(version, app, key, None)]})


def consumer_credentials(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`GET …/credentials/{appIdentifier}/{consumerIdentifier}?part=key|secret|keyandsecret` (60.0)."""
    version = params["version"]
    part = req.arg("part") or "key"
    if part not in _PARTS:
        raise RestError("INVALID_INPUT", f"part must be one of {', '.join(_PARTS)}, not {part!r}")
    session = _session(org, req, version, 60.0)
    api.check_access(org, session.user, secret=part != "key")
    app = api.find_app(org, params["app"])
    api.consumer_of(app, params["consumer"])
    key, secret = api.primary_credentials(org, app)
    return json_response(
        _consumer_json(
            version,
            app,
            key if part in ("key", "keyandsecret") else None,
            secret if part in ("secret", "keyandsecret") else None,
        )
    )


def staged(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`GET` (list) or `POST` (create, no body) `…/{externalClientAppIdentifier}/{consumer}/staged` (65.0)."""
    version = params["version"]
    session = _session(org, req, version, 65.0)
    api.check_access(org, session.user, secret=True)
    app = api.find_app(org, params["app"])
    api.consumer_of(app, params["consumer"])
    if req.method == "POST":
        row = api.stage(org, app, session.user)
        return json_response({"stagedCredentials": [_staged_json(org, version, app, row)]}, 201)
    rows = api.staged_list(org, app)
    return json_response({"stagedCredentials": [_staged_json(org, version, app, r) for r in rows]})


def staged_item(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`GET`, `PATCH {"command": "rotate"}` or `DELETE` `…/staged/{stagedCredentialsIdentifier}` (65.0)."""
    version = params["version"]
    session = _session(org, req, version, 65.0)
    api.check_access(org, session.user, secret=True)
    app = api.find_app(org, params["app"])
    api.consumer_of(app, params["consumer"])
    staged_id = params["staged"]
    if req.method == "DELETE":
        api.delete_staged(org, app, staged_id)
        return Response(204, b"", "application/json;charset=UTF-8")
    if req.method == "PATCH":
        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            raise RestError("JSON_PARSER_ERROR", "The request body is not valid JSON") from None
        command = body.get("command") if isinstance(body, dict) else None
        if command != "rotate":
            raise RestError(
                "INVALID_INPUT", 'The body must be {"command": "rotate"} (replace the primary credentials)'
            )
        row = api.rotate_staged(org, app, staged_id)
        return json_response(_staged_json(org, version, app, row))
    return json_response(_staged_json(org, version, app, api.staged_record(org, app, staged_id)))


_V = r"v(?P<version>\d+\.\d)"
_ID = r"[A-Za-z0-9]{15,18}"
_CRED = rf"/services/data/{_V}/apps/oauth/credentials/(?P<app>{_ID})"

ROUTE_SPECS: tuple[tuple[str, str, Any, str], ...] = (
    ("GET", rf"/services/data/{_V}/apps/oauth/usage/?", oauth_usage, "rest"),
    ("GET", rf"{_CRED}/?", app_credentials, "rest"),
    ("GET", rf"{_CRED}/(?P<consumer>{_ID})/?", consumer_credentials, "rest"),
    ("GET POST", rf"{_CRED}/(?P<consumer>{_ID})/staged/?", staged, "rest"),
    ("GET PATCH DELETE", rf"{_CRED}/(?P<consumer>{_ID})/staged/(?P<staged>{_ID})/?", staged_item, "rest"),
)
"""Routes (methods, pattern, handler, fault kind) for `urls.ROUTES`."""
