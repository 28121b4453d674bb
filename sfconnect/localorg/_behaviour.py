"""Behaviour profiles: an embedded org that deliberately differs from Salesforce in named ways.

They exist to check the conformance kit: an org started with a profile must be reported as differing in
exactly the probes those differences touch, and nowhere else. Each flag is one small rewrite of a request's
answer, applied after the ordinary handler (`apply_profile`, called by the server's dispatch), so the org's
models stay as they are. The active flags are the org setting ``behaviour_profile`` (a seed key, or
``serve_local_org(profile=...)`` / ``localorg serve --profile FLAG``). An org without a profile is untouched.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sfconnect.localorg._models import LocalOrg
from sfconnect.localorg._responses import Request, Response

__all__ = ["FLAGS", "SETTING", "Deviation", "apply_profile", "check_flags"]

SETTING = "behaviour_profile"


@dataclass(frozen=True)
class Deviation:
    """One deliberate difference: what it changes, and the rewrite."""

    description: str
    rewrite: Callable[[Request, Response], Response]


def _json_body(response: Response) -> object:
    try:
        return json.loads(response.body)
    except ValueError:
        return None


def _with_json(response: Response, data: object) -> Response:
    return Response(
        response.status, json.dumps(data).encode("utf-8"), response.content_type, response.headers
    )


def _token_grant(req: Request) -> str:
    if req.method != "POST" or not req.path.rstrip("/").endswith("/services/oauth2/token"):
        return ""
    return req.form().get("grant_type", "")


def _soap_operation(req: Request) -> str:
    if "/services/Soap/m/" not in req.path:
        return ""
    found = re.search(rb"<(?:[\w.-]+:)?Body[^>]*>\s*<(?:[\w.-]+:)?([A-Za-z]+)", req.body)
    return found.group(1).decode("ascii") if found else ""


def _cc_without_api_instance_url(req: Request, response: Response) -> Response:
    body = _json_body(response)
    if _token_grant(req) == "client_credentials" and isinstance(body, dict) and "api_instance_url" in body:
        return _with_json(response, {k: v for k, v in body.items() if k != "api_instance_url"})
    return response


def _wrong_secret_invalid_grant(req: Request, response: Response) -> Response:
    body = _json_body(response)
    if _token_grant(req) and isinstance(body, dict) and body.get("error") == "invalid_client":
        return _with_json(response, {**body, "error": "invalid_grant"})
    return response


def _callback_mismatch_invalid_request(req: Request, response: Response) -> Response:
    location = response.headers.get("Location", "")
    if (
        req.path.rstrip("/").endswith("/services/oauth2/authorize")
        and "error=redirect_uri_mismatch" in location
    ):
        headers = dict(response.headers)
        headers["Location"] = location.replace("error=redirect_uri_mismatch", "error=invalid_request")
        return Response(response.status, response.body, response.content_type, headers)
    return response


def _userinfo_wrong_user(req: Request, response: Response) -> Response:
    body = _json_body(response)
    if (
        req.path.rstrip("/").endswith("/services/oauth2/userinfo")
        and isinstance(body, dict)
        and "preferred_username" in body
    ):
        return _with_json(response, {**body, "preferred_username": "someone.else@localorg.invalid"})
    return response


def _device_flow_always_on(req: Request, response: Response) -> Response:
    body = _json_body(response)
    form = req.form() if _token_grant(req) == "" and req.method == "POST" else {}
    if (
        req.path.rstrip("/").endswith("/services/oauth2/token")
        and form.get("response_type") == "device_code"
        and isinstance(body, dict)
        and body.get("error") == "oauth_flow_disabled"
    ):
        started = {
            "device_code": secrets.token_urlsafe(32),
            "user_code": "PROFILE1",
            "verification_uri": f"{req.base_url}/setup/connect",
            "interval": 5,
        }
        return _with_json(Response(200, b"", response.content_type, response.headers), started)
    return response


def _refresh_reuse_accepted(req: Request, response: Response) -> Response:
    body = _json_body(response)
    if (
        _token_grant(req) == "refresh_token"
        and isinstance(body, dict)
        and body.get("error") == "invalid_grant"
    ):
        token = {
            "access_token": "00D000000000000!" + secrets.token_urlsafe(24),
            "instance_url": req.base_url,
            "token_type": "Bearer",
            "issued_at": "0",
        }
        return _with_json(Response(200, b"", response.content_type, response.headers), token)
    return response


def _soap_rewrite(
    operation: str, pattern: bytes, replacement: bytes
) -> Callable[[Request, Response], Response]:
    compiled = re.compile(pattern, re.DOTALL)

    def rewrite(req: Request, response: Response) -> Response:
        if _soap_operation(req) != operation:
            return response
        return Response(
            response.status, compiled.sub(replacement, response.body), response.content_type, response.headers
        )

    return rewrite


def _redeploy_changed(req: Request, response: Response) -> Response:
    if _soap_operation(req) != "checkDeployStatus":
        return response

    def mark(m: re.Match[bytes]) -> bytes:
        block = m.group(0)
        if b"<created>false</created>" in block:
            block = block.replace(b"<changed>false</changed>", b"<changed>true</changed>")
        return block

    body = re.sub(rb"<componentSuccesses>.*?</componentSuccesses>", mark, response.body, flags=re.DOTALL)
    return Response(response.status, body, response.content_type, response.headers)


def _versions_up_to_63(req: Request, response: Response) -> Response:
    newest = 63.0
    match = re.search(r"/services/Soap/[mu]/(\d+\.\d)", req.path)
    if match and float(match.group(1)) > newest:
        fault = (
            '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv='
            '"http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="http://soap.sforce.com/2006/04/metadata">'
            "<soapenv:Body><soapenv:Fault><faultcode>sf:UNSUPPORTED_API_VERSION</faultcode><faultstring>"
            "UNSUPPORTED_API_VERSION: Invalid Api version specified on URL</faultstring></soapenv:Fault>"
            "</soapenv:Body></soapenv:Envelope>"
        )
        return Response(500, fault.encode("utf-8"), "text/xml;charset=UTF-8")
    body = _json_body(response)
    if req.path.rstrip("/") == "/services/data" and isinstance(body, list):
        kept = [v for v in body if isinstance(v, dict) and float(str(v.get("version", "0"))) <= newest]
        return _with_json(response, kept)
    return response


FLAGS: dict[str, Deviation] = {
    "cc_token_without_api_instance_url": Deviation(
        "client-credentials token responses lack api_instance_url", _cc_without_api_instance_url
    ),
    "wrong_secret_invalid_grant": Deviation(
        "a wrong consumer secret is refused as invalid_grant instead of invalid_client",
        _wrong_secret_invalid_grant,
    ),
    "callback_mismatch_invalid_request": Deviation(
        "an unlisted callback is reported as invalid_request instead of redirect_uri_mismatch",
        _callback_mismatch_invalid_request,
    ),
    "userinfo_wrong_user": Deviation("userinfo names another user", _userinfo_wrong_user),
    "device_flow_always_on": Deviation(
        "the device flow starts even for apps that do not enable it", _device_flow_always_on
    ),
    "refresh_reuse_accepted": Deviation(
        "a refresh token already used (rotation) is accepted again", _refresh_reuse_accepted
    ),
    "check_only_not_reported": Deviation(
        "checkDeployStatus reports a check-only deploy as checkOnly=false",
        _soap_rewrite("checkDeployStatus", rb"<checkOnly>true</checkOnly>", b"<checkOnly>false</checkOnly>"),
    ),
    "crud_limit_call_wording": Deviation(
        "the CRUD-limit fault says 'into this call' instead of 'in this operation'",
        _soap_rewrite("createMetadata", rb"records in this operation", b"records into this call"),
    ),
    "redeploy_reports_changed": Deviation(
        "an identical redeploy reports its components as changed", _redeploy_changed
    ),
    "parse_errors_without_position": Deviation(
        "deploy failures carry no lineNumber or columnNumber",
        _soap_rewrite("checkDeployStatus", rb"<(lineNumber|columnNumber)>\d+</\1>", b""),
    ),
    "api_versions_up_to_63": Deviation(
        "API versions above 63.0 are not listed, and SOAP refuses them", _versions_up_to_63
    ),
}
"""Every deliberate difference a profile may name."""


def check_flags(names: Iterable[str]) -> list[str]:
    """The flags, validated.

    Raises:
        ValueError: an unknown flag (the message lists the known ones).
    """
    flags = list(names)
    unknown = [n for n in flags if n not in FLAGS]
    if unknown:
        raise ValueError(
            f"unknown behaviour profile flag(s) {', '.join(unknown)}; known: {', '.join(sorted(FLAGS))}"
        )
    return flags


def apply_profile(org: LocalOrg, req: Request, response: Response) -> Response:
    """`response` rewritten by each active flag (unchanged when the org has no profile)."""
    active = org.setting(SETTING)
    if not active:
        return response
    for name in active:
        deviation = FLAGS.get(str(name))
        if deviation is not None:
            response = deviation.rewrite(req, response)
    return response
