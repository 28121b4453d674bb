"""Parse requests and render responses (moto's `responses` layer) for SOAP login, the Metadata API and REST.

Handlers are short: read a few parameters, call one `LocalOrg` method, render. Envelopes are rendered by
`render_envelope`, faults by `render_fault`; nothing else writes a SOAP envelope.
"""

from __future__ import annotations

import base64
import binascii
import email.policy
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qs
from xml.etree.ElementTree import Element

from sfconnect.localorg import _sobjects as sobjects
from sfconnect.localorg import _soql as soql
from sfconnect.localorg import _versions as versions
from sfconnect.localorg._deploys import DeployOptions
from sfconnect.localorg._exceptions import (
    InvalidSessionId,
    LocalOrgFault,
    NotFound,
    RestError,
    SoapClientFault,
    UnsupportedApiVersion,
)
from sfconnect.localorg._models import API_VERSIONS, LocalOrg, SaveResult, Session
from sfconnect.localorg._records import TYPE_KEY, Record, parse_value, render_record
from sfconnect.localorg._xml import Node, XmlError, local_name, parse_xml, serialize
from sfconnect.localorg.wsdl import MD_NS

__all__ = [
    "Request",
    "Response",
    "json_response",
    "metadata_soap",
    "partner_soap",
    "render_envelope",
    "render_fault",
    "rest_not_found",
    "rest_query",
    "rest_tooling_query",
    "rest_user",
    "rest_version",
    "rest_versions",
    "userinfo",
]

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
PARTNER_NS = "urn:partner.soap.sforce.com"
PARTNER_FAULT_NS = "urn:fault.partner.soap.sforce.com"
XML_CONTENT_TYPE = "text/xml;charset=UTF-8"
JSON_CONTENT_TYPE = "application/json;charset=UTF-8"


@dataclass
class Request:
    """An HTTP request as handlers see it. Header names are lower-case."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    base_url: str
    """`https://host:port` as the client addressed the server."""
    client_ip: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        """A header value (case-insensitive name)."""
        return self.headers.get(name.lower())

    def arg(self, name: str) -> str | None:
        """The first query-string value of `name`."""
        values = self.query.get(name)
        return values[0] if values else None

    def bearer(self) -> str | None:
        """The token of an `Authorization: Bearer` (or `OAuth`) header."""
        auth = self.header("authorization") or ""
        scheme, _, token = auth.partition(" ")
        return token.strip() if scheme.lower() in ("bearer", "oauth") and token.strip() else None

    def form(self) -> dict[str, str]:
        """An `application/x-www-form-urlencoded` body (first value of each key)."""
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}


@dataclass
class Response:
    """What a handler returns."""

    status: int
    body: bytes
    content_type: str = XML_CONTENT_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def json_response(data: Any, status: int = 200) -> Response:
    """A JSON response."""
    return Response(status, json.dumps(data).encode("utf-8"), JSON_CONTENT_TYPE)


# rendering ---------------------------------------------------------------------------------------------
def render_envelope(payload: Node, default_ns: str = MD_NS, status: int = 200) -> Response:
    """Wrap `payload` in `soapenv:Envelope/soapenv:Body`, namespaces declared on the Envelope only."""
    envelope = Node(
        "soapenv:Envelope",
        attrs={"xmlns:soapenv": SOAP_NS, "xmlns": default_ns, "xmlns:xsi": XSI},
    )
    envelope.add("soapenv:Body").children.append(payload)
    return Response(status, serialize(envelope))


def render_fault(fault: LocalOrgFault, kind: str) -> Response:
    """Render a fault for its endpoint kind: `soap-partner`, `soap-metadata`, `rest` or `oauth`."""
    if kind == "rest":
        body = [{"message": fault.message, "errorCode": fault.fault_code}]
        status = (
            fault.http_status if fault.http_status != 500 or fault.fault_code == "UNKNOWN_EXCEPTION" else 400
        )
        if fault.fault_code == "REQUEST_LIMIT_EXCEEDED":
            status = 403
        elif fault.fault_code == "INVALID_SESSION_ID":
            status = 401
            body = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
        return json_response(body, status)
    if kind == "oauth":
        return json_response(
            {"error": fault.fault_code, "error_description": fault.message},
            fault.http_status if fault.http_status < 500 else 400,
        )
    partner = kind == "soap-partner"
    envelope = Node(
        "soapenv:Envelope",
        attrs={
            "xmlns:soapenv": SOAP_NS,
            "xmlns:sf": PARTNER_FAULT_NS if partner else MD_NS,
            "xmlns:xsi": XSI,
        },
    )
    node = envelope.add("soapenv:Body").add("soapenv:Fault")
    if isinstance(fault, SoapClientFault):
        node.add("faultcode", "soapenv:Client")
        node.add("faultstring", fault.faultstring)
    else:
        node.add("faultcode", f"sf:{fault.fault_code}")
        node.add("faultstring", fault.faultstring)
        if partner:
            kind_name = "LoginFault" if fault.fault_code == "INVALID_LOGIN" else "UnexpectedErrorFault"
            detail = node.add("detail").add(f"sf:{kind_name}", **{"xsi:type": f"sf:{kind_name}"})
            detail.add("sf:exceptionCode", fault.fault_code)
            detail.add("sf:exceptionMessage", fault.message)
    return Response(fault.http_status, serialize(envelope))


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1000) % 1000:03d}Z"


def _bool(value: bool) -> str:
    return "true" if value else "false"


# SOAP parsing --------------------------------------------------------------------------------------------
@dataclass
class SoapCall:
    """A parsed SOAP request: operation element, session id, headers."""

    operation: str
    body: Element
    session_id: str | None
    all_or_none: bool


def _parse_soap(req: Request) -> SoapCall:
    if not req.body.strip():
        raise SoapClientFault("Premature end of file. The request has no SOAP envelope.")
    try:
        root = parse_xml(req.body)
    except XmlError as exc:
        raise SoapClientFault(f"Unable to parse the SOAP request: {exc}") from None
    if root.tag != f"{{{SOAP_NS}}}Envelope":
        raise SoapClientFault(f"Expected a SOAP 1.1 Envelope, found {local_name(str(root.tag))}")
    header = root.find(f"{{{SOAP_NS}}}Header")
    body = root.find(f"{{{SOAP_NS}}}Body")
    if body is None:
        raise SoapClientFault("The SOAP Envelope has no Body")
    operations = [c for c in body if isinstance(c.tag, str)]
    if not operations:
        raise SoapClientFault("The SOAP Body is empty")
    session_id: str | None = None
    all_or_none = False
    if header is not None:
        for h in header:
            if not isinstance(h.tag, str):
                continue
            name = local_name(h.tag)
            if name == "SessionHeader":
                for c in h:
                    if isinstance(c.tag, str) and local_name(c.tag) == "sessionId":
                        session_id = (c.text or "").strip() or None
            elif name == "AllOrNoneHeader":
                for c in h:
                    if isinstance(c.tag, str) and local_name(c.tag) == "allOrNone":
                        all_or_none = (c.text or "").strip().lower() in ("true", "1")
    return SoapCall(local_name(str(operations[0].tag)), operations[0], session_id, all_or_none)


def _check_version(version: str) -> None:
    if version not in API_VERSIONS:
        raise UnsupportedApiVersion(f"Unsupported API version: {version}")


# SOAP partner login -----------------------------------------------------------------------------------------
def partner_soap(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`POST /services/Soap/u/{version}`: `login()` (the only partner call the local org serves)."""
    version = params["version"]
    _check_version(version)
    call = _parse_soap(req)
    org.faults.before("login")
    if call.operation != "login":
        raise LocalOrgFault(
            "INVALID_OPERATION",
            f"The local org serves only login() on the partner API, not {call.operation}()",
        )
    fields = {local_name(str(c.tag)): (c.text or "") for c in call.body if isinstance(c.tag, str)}
    session = org.login(fields.get("username", "").strip(), fields.get("password", ""))
    user = session.user
    org_id15 = org.org_id[:15]
    result = Node("result")
    result.add("metadataServerUrl", f"{req.base_url}/services/Soap/m/{version}/{org_id15}")
    result.add("passwordExpired", "false")
    result.add("sandbox", "false")
    result.add("serverUrl", f"{req.base_url}/services/Soap/u/{version}/{org_id15}")
    result.add("sessionId", session.session_id)
    result.add("userId", user.id)
    info = result.add("userInfo")
    for name, value in (
        ("accessibilityMode", "false"),
        ("currencySymbol", "$"),
        ("orgAttachmentFileSizeLimit", "5242880"),
        ("orgDefaultCurrencyIsoCode", "USD"),
        ("orgDisallowHtmlAttachments", "false"),
        ("orgHasPersonAccounts", "false"),
        ("organizationId", org.org_id),
        ("organizationMultiCurrency", "false"),
        ("organizationName", org.org_name),
        ("profileId", user.profile_id),
        ("roleId", None),
        ("sessionSecondsValid", str(int(session.timeout_seconds))),
        ("userDefaultCurrencyIsoCode", None),
        ("userEmail", user.email),
        ("userFullName", user.name),
        ("userId", user.id),
        ("userLanguage", "en_US"),
        ("userLocale", "en_US"),
        ("userName", user.username),
        ("userTimeZone", "Etc/UTC"),
        ("userType", "Standard"),
        ("userUiSkin", "Theme3"),
    ):
        if value is None:
            info.add(name, **{"xsi:nil": "true"})
        else:
            info.add(name, value)
    response = Node("loginResponse")
    response.children.append(result)
    return render_envelope(response, PARTNER_NS)


# Metadata API ---------------------------------------------------------------------------------------
_ALIASES = {
    "retrieve": {"request": "retrieveRequest"},
    # jsforce (and so the sf CLI) sends <cancelDeploy><id>…</id></cancelDeploy>; the WSDL names it <String>.
    "cancelDeploy": {"id": "String"},
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def metadata_soap(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`POST /services/Soap/m/{version}[/anything]`: dispatch on the Body's first element, not the URL."""
    _check_version(params["version"])
    call = _parse_soap(req)
    element = org.schema.elements.get(call.operation)
    handler = getattr(MetadataResponses, _snake(call.operation), None)
    if element is None or handler is None or call.operation.endswith("Response"):
        raise SoapClientFault(f"No operation available for request {{{MD_NS}}}{call.operation}")
    session = org.authenticate(call.session_id or req.bearer())
    org.check_metadata_access(session.user)
    org.faults.before(call.operation)
    org.deployments.advance()  # queued deploys whose time has come run before anything reads the org
    args = parse_value(org.schema, element, call.body, _ALIASES.get(call.operation))
    responses = MetadataResponses(org, session, call, req, versions.parse_version(params["version"]))
    payload: Node = handler(responses, args)
    return render_envelope(payload)


class MetadataResponses:
    """One method per Metadata API operation (CamelCase operation -> snake_case method)."""

    def __init__(
        self, org: LocalOrg, session: Session, call: SoapCall, req: Request, version: float | None = None
    ) -> None:
        self.org = org
        self.session = session
        self.call = call
        self.req = req
        self.version = version
        """The request's API version: types and fields newer than it are refused (`versions.py`)."""

    def _wrap(self, results: list[Node]) -> Node:
        response = Node(f"{self.call.operation}Response")
        response.children.extend(results)
        return response

    @staticmethod
    def _save_result(r: SaveResult) -> Node:
        node = Node("result")
        if r.created is not None:
            node.add("created", _bool(r.created))
        for e in r.errors:
            err = node.add("errors")
            for f in e.fields:
                err.add("fields", f)
            err.add("message", e.message)
            err.add("statusCode", e.status_code)
        node.add("fullName", r.full_name)
        node.add("success", _bool(r.success))
        return node

    def _items(self, args: Record) -> list[tuple[str, Record]]:
        items: list[tuple[str, Record]] = []
        for m in args.get("metadata", []):
            type_ = m.get(TYPE_KEY)
            if not type_:
                raise SoapClientFault("The metadata element needs an xsi:type naming its metadata type")
            versions.check_record(self.org.schema, str(type_), m, self.version)
            items.append((str(type_), m))
        return items

    def read_metadata(self, args: Record) -> Node:
        type_ = str(args.get("type", ""))
        versions.check_type(type_, self.version)
        records = self.org.read_metadata(type_, list(args.get("fullNames", [])))
        result = Node("result")
        for record in records:
            if record is None:
                result.add("records", **{"xsi:nil": "true"})
            else:
                render_record(self.org.schema, type_, record, result.add("records", **{"xsi:type": type_}))
        return self._wrap([result])

    def create_metadata(self, args: Record) -> Node:
        results = self.org.create_metadata(self._items(args), self.session.user, self.call.all_or_none)
        return self._wrap([self._save_result(r) for r in results])

    def update_metadata(self, args: Record) -> Node:
        results = self.org.update_metadata(self._items(args), self.session.user, self.call.all_or_none)
        return self._wrap([self._save_result(r) for r in results])

    def upsert_metadata(self, args: Record) -> Node:
        results = self.org.upsert_metadata(self._items(args), self.session.user, self.call.all_or_none)
        return self._wrap([self._save_result(r) for r in results])

    def delete_metadata(self, args: Record) -> Node:
        versions.check_type(str(args.get("type", "")), self.version)
        results = self.org.delete_metadata(
            str(args.get("type", "")), list(args.get("fullNames", [])), self.call.all_or_none
        )
        return self._wrap([self._save_result(r) for r in results])

    def rename_metadata(self, args: Record) -> Node:
        result = self.org.rename_metadata(
            str(args.get("type", "")),
            str(args.get("oldFullName", "")),
            str(args.get("newFullName", "")),
            self.session.user,
        )
        return self._wrap([self._save_result(result)])

    def list_metadata(self, args: Record) -> Node:
        queries = [(str(q.get("type", "")), q.get("folder")) for q in args.get("queries", [])]
        for type_, _ in queries:
            versions.check_type(type_, self.version)
        nodes: list[Node] = []
        for fp in self.org.list_metadata(queries):
            node = Node("result")
            node.add("createdById", fp.created_by_id)
            node.add("createdByName", fp.created_by_name)
            node.add("createdDate", _iso(fp.created_date))
            node.add("fileName", fp.file_name)
            node.add("fullName", fp.full_name)
            node.add("id", fp.id)
            node.add("lastModifiedById", fp.last_modified_by_id)
            node.add("lastModifiedByName", fp.last_modified_by_name)
            node.add("lastModifiedDate", _iso(fp.last_modified_date))
            node.add("manageableState", "unmanaged")
            node.add("type", fp.type)
            nodes.append(node)
        return self._wrap(nodes)

    def describe_metadata(self, args: Record) -> Node:
        result = Node("result")
        for info in self.org.describe_types():
            if not versions.type_available(info.name, self.version):
                continue
            obj = result.add("metadataObjects")
            obj.add("directoryName", info.directory)
            obj.add("inFolder", "false")
            obj.add("metaFile", "false")
            obj.add("suffix", info.suffix)
            obj.add("xmlName", info.name)
        result.add("organizationNamespace", "")
        result.add("partialSaveAllowed", "true")
        result.add("testRequired", "false")
        return self._wrap([result])

    def deploy(self, args: Record) -> Node:
        try:
            data = base64.b64decode("".join(str(args.get("ZipFile", "")).split()), validate=True)
        except (binascii.Error, ValueError):
            raise SoapClientFault("ZipFile is not valid base64") from None
        options = DeployOptions.from_values(args.get("DeployOptions", {}))
        job = self.org.deployments.start_deploy(
            data,
            options,
            self.session.user,
            self.org.faults.settings.deploy_seconds,
            api_version=self.version,
        )
        return self._wrap([_async_result(job.id, "Queued")])

    def check_deploy_status(self, args: Record) -> Node:
        include = str(args.get("includeDetails", "false")) == "true"
        result = self.org.deployments.deploy_result(str(args.get("asyncProcessId", "")), include)
        node = Node("result")
        render_record(self.org.schema, "DeployResult", to_record(result), node)
        return self._wrap([node])

    def cancel_deploy(self, args: Record) -> Node:
        result = self.org.deployments.cancel(str(args.get("String", "")))
        node = Node("result")
        render_record(self.org.schema, "CancelDeployResult", to_record(result), node)
        return self._wrap([node])

    def deploy_recent_validation(self, args: Record) -> Node:
        job = self.org.deployments.deploy_recent_validation(
            str(args.get("validationId", "")), self.session.user
        )
        response = Node(f"{self.call.operation}Response")
        response.add("result", job.id)
        return response

    def retrieve(self, args: Record) -> Node:
        job = self.org.deployments.start_retrieve(args.get("retrieveRequest", {}), self.session.user)
        return self._wrap([_async_result(job.id, "Queued")])

    def check_retrieve_status(self, args: Record) -> Node:
        include = str(args.get("includeZip", "true")) == "true"
        result = self.org.deployments.retrieve_result(str(args.get("asyncProcessId", "")), include)
        node = Node("result")
        render_record(self.org.schema, "RetrieveResult", to_record(result), node)
        return self._wrap([node])

    def describe_value_type(self, args: Record) -> Node:
        raw = str(args.get("type", ""))
        type_ = raw.rsplit("}", 1)[-1].split(":")[-1]
        self.org.check_type(type_)
        schema = self.org.schema
        result = Node("result")
        for flag in ("apiCreatable", "apiDeletable", "apiReadable", "apiUpdatable"):
            result.add(flag, "true")

        def describe(parent: Node, tag: str, type_name: str, depth: int) -> None:
            ct = schema.complex_types[type_name]
            for f in ct.fields:
                node = parent.add(tag)
                if not f.builtin and f.type_name in schema.complex_types and depth < 3:
                    describe(node, "fields", f.type_name, depth + 1)
                node.add("isForeignKey", "false")
                node.add("isNameField", _bool(f.name == "fullName"))
                node.add("minOccurs", str(f.min_occurs))
                node.add("name", f.name)
                simple = schema.simple_types.get(f.type_name) if not f.builtin else None
                for value in simple.enumeration if simple else ():
                    pick = node.add("picklistValues")
                    pick.add("active", "true")
                    pick.add("defaultValue", "false")
                    pick.add("label", value)
                    pick.add("value", value)
                node.add("soapType", f"xsd:{f.type_name}" if f.builtin else f"tns:{f.type_name}")
                node.add("valueRequired", _bool(f.min_occurs >= 1))

        describe(result, "valueTypeFields", type_, 0)
        return self._wrap([result])


def to_record(value: Any) -> Any:
    """Plain Python values (a `DeployResult` dict, ...) as a record of WSDL strings for `render_record`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return {k: to_record(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [to_record(v) for v in value]
    return str(value)


def _async_result(job_id: str, state: str) -> Node:
    node = Node("result")
    node.add("done", "false")
    node.add("id", job_id)
    node.add("state", state)
    return node


# REST -----------------------------------------------------------------------------------------------
_VERSION_LABELS = {
    "59.0": "Winter '24",
    "60.0": "Spring '24",
    "61.0": "Summer '24",
    "62.0": "Winter '25",
    "63.0": "Spring '25",
    "64.0": "Summer '25",
    "65.0": "Winter '26",
    "66.0": "Spring '26",
}


def _rest_session(org: LocalOrg, req: Request, operation: str = "rest", *, api: bool = True) -> Session:
    try:
        session = org.authenticate(req.bearer(), api=api)
    except InvalidSessionId:
        raise RestError("INVALID_SESSION_ID", "Session expired or invalid", 401) from None
    org.faults.before(operation)
    return session


def _rest_version(version: str) -> None:
    if version not in API_VERSIONS:
        raise NotFound()


def rest_versions(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`GET /services/data`: the API versions (no session needed)."""
    return json_response(
        [
            {"label": _VERSION_LABELS.get(v, f"API {v}"), "url": f"/services/data/v{v}", "version": v}
            for v in API_VERSIONS
        ]
    )


def rest_version(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`GET /services/data/vXX.X`: the resource map, with the caller's identity URL."""
    version = params["version"]
    _rest_version(version)
    session = _rest_session(org, req)
    base = f"/services/data/v{version}"
    return json_response(
        {
            "identity": f"{req.base_url}/id/{org.org_id}/{session.user.id}",
            "metadata": f"{base}/metadata",
            "query": f"{base}/query",
            "sobjects": f"{base}/sobjects",
            "tooling": f"{base}/tooling",
        }
    )


def _user_json(org: LocalOrg, user_id: str, version: str) -> dict[str, Any]:
    user = org.user(user_id)
    if user is None:
        raise NotFound()
    return {
        "attributes": {"type": "User", "url": f"/services/data/v{version}/sobjects/User/{user.id}"},
        "Id": user.id,
        "Username": user.username,
        "Name": user.name,
        "FirstName": user.first_name,
        "LastName": user.last_name,
        "Email": user.email,
        "ProfileId": user.profile_id,
        "IsActive": user.is_active,
        "UserType": "Standard",
    }


def rest_user(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`GET /services/data/vXX.X/sobjects/User/{id}`."""
    _rest_version(params["version"])
    _rest_session(org, req)
    return json_response(_user_json(org, params["id"], params["version"]))


def rest_query(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`GET /services/data/vXX.X/query?q=SOQL[&columns=true]`: the SOQL subset of `soql.py` over `sobjects.DATA`."""
    return _query(org, req, params, sobjects.DATA)


def rest_tooling_query(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`GET /services/data/vXX.X/tooling/query?q=SOQL`: the same engine over `sobjects.TOOLING`."""
    return _query(org, req, params, sobjects.TOOLING)


def _query(
    org: LocalOrg, req: Request, params: Mapping[str, str], registry: soql.SObjectRegistry[LocalOrg]
) -> Response:
    version = params["version"]
    _rest_version(version)
    _rest_session(org, req)
    text = req.arg("q")
    if text is None:
        raise RestError("MALFORMED_QUERY", "A query string has to be specified")
    if (req.arg("columns") or "").lower() == "true":
        return json_response(soql.columns(registry, text))
    return json_response(soql.run(registry, org, text, version))


def userinfo(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`GET /services/oauth2/userinfo`: OpenID Connect user info of the session's user (any scope)."""
    session = _rest_session(org, req, api=False)
    user = session.user
    return json_response(
        {
            "sub": f"{req.base_url}/id/{org.org_id}/{user.id}",
            "user_id": user.id,
            "organization_id": org.org_id,
            "preferred_username": user.username,
            "nickname": user.username.split("@", 1)[0],
            "name": user.name,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "email": user.email,
            "email_verified": True,
            "zoneinfo": "Etc/UTC",
            "locale": "en_US",
            "language": "en_US",
            "user_type": "STANDARD",
            "active": user.is_active,
            "is_app_installed": True,
            "urls": {
                "rest": f"{req.base_url}/services/data/v{{version}}/",
                "metadata": f"{req.base_url}/services/Soap/m/{{version}}/{org.org_id[:15]}",
                "partner": f"{req.base_url}/services/Soap/u/{{version}}/{org.org_id[:15]}",
            },
        }
    )


def rest_not_found(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """Any other REST path: 404 `NOT_FOUND` (e.g. the sf CLI's SourceMember probe)."""
    raise NotFound()


def _multipart(req: Request) -> dict[str, tuple[bytes, str]]:
    """The parts of a `multipart/form-data` body: name -> (content, content type)."""
    content_type = req.header("content-type") or ""
    if not content_type.lower().startswith("multipart/"):
        raise RestError("INVALID_MULTIPART_REQUEST", "Expected a multipart/form-data request")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + req.body)
    parts: dict[str, tuple[bytes, str]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            parts[name] = (payload, part.get_content_type())
    return parts


def _rest_deploy_json(
    org: LocalOrg, version: str, job_id: str, include: bool, result: dict[str, Any] | None = None
) -> dict[str, Any]:
    if result is None:
        result = org.deployments.deploy_result(job_id, include)
    job = org.store.job(org.org_id, job_id)
    options = job.request.get("options", {}) if job else {}
    return {
        "id": result["id"],
        "validatedDeployRequestId": job.request.get("validated_id") if job else None,
        "url": f"/services/data/v{version}/metadata/deployRequest/{result['id']}",
        "deployOptions": options,
        "deployResult": result,
    }


def rest_deploy(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`POST /services/data/vXX.X/metadata/deployRequest`: a multipart zip plus `{"deployOptions": {...}}`."""
    version = params["version"]
    _rest_version(version)
    session = _rest_session(org, req, "rest-deploy")
    if (req.header("content-type") or "").lower().startswith("application/json"):
        # quick deploy: {"validatedDeployRequestId": "0Af..."} (jsforce's REST deployRecentValidation)
        try:
            entity = json.loads(req.body or b"{}")
        except ValueError:
            raise RestError("JSON_PARSER_ERROR", "The body is not valid JSON") from None
        validated = entity.get("validatedDeployRequestId") if isinstance(entity, dict) else None
        if not isinstance(validated, str) or not validated:
            raise RestError("INVALID_FIELD", "A JSON deploy request needs validatedDeployRequestId")
        job = org.deployments.deploy_recent_validation(validated, session.user)
        return json_response(
            _rest_deploy_json(org, version, job.id, False, org.deployments.queued_result(job)), 201
        )
    parts = _multipart(req)
    zip_part = parts.get("file")
    if zip_part is None:
        raise RestError("INVALID_MULTIPART_REQUEST", "The request needs a `file` part holding the zip")
    raw_options = parts.get("entity_content") or parts.get("json")
    try:
        entity = json.loads(raw_options[0]) if raw_options else {}
    except ValueError:
        raise RestError("JSON_PARSER_ERROR", "The entity_content part is not valid JSON") from None
    options = entity.get("deployOptions", {}) if isinstance(entity, dict) else {}
    if not isinstance(options, dict):
        raise RestError("JSON_PARSER_ERROR", "deployOptions must be an object")
    job = org.deployments.start_deploy(
        zip_part[0],
        DeployOptions.from_values(options),
        session.user,
        org.faults.settings.deploy_seconds,
        api_version=versions.parse_version(version),
    )
    body = _rest_deploy_json(org, version, job.id, False, org.deployments.queued_result(job))
    return json_response(body, 201)


def rest_deploy_status(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`GET` (status) or `PATCH` (cancel) `/services/data/vXX.X/metadata/deployRequest/{id}`."""
    version = params["version"]
    _rest_version(version)
    _rest_session(org, req)
    job_id = params["id"]
    if req.method == "PATCH":
        try:
            wanted = json.loads(req.body or b"{}").get("deployResult", {}).get("status")
        except (ValueError, AttributeError):
            raise RestError("JSON_PARSER_ERROR", "The body is not valid JSON") from None
        if wanted != "Canceling":
            raise RestError("INVALID_FIELD", "Only a change of deployResult.status to Canceling is supported")
        org.deployments.cancel(job_id)
        current = org.deployments.current_result(job_id)
        return json_response(_rest_deploy_json(org, version, job_id, False, current), 202)
    include = (req.arg("includeDetails") or "false").lower() == "true"
    return json_response(_rest_deploy_json(org, version, job_id, include))


def fault_settings(org: LocalOrg, req: Request, params: Mapping[str, str]) -> Response:
    """`GET|POST /_localorg/faults`: read or change injected faults (the seeded admin's session only)."""
    try:
        session = org.authenticate(req.bearer())
    except InvalidSessionId:
        raise RestError("INVALID_SESSION_ID", "Session expired or invalid", 401) from None
    if session.user.id != org.admin_user().id:
        raise RestError("INSUFFICIENT_ACCESS", "Only the local org's admin may inject faults", 403)
    expired = 0
    if req.method == "POST":
        try:
            values = json.loads(req.body or b"{}")
        except ValueError:
            raise RestError("JSON_PARSER_ERROR", "The body is not valid JSON") from None
        if not isinstance(values, dict):
            raise RestError("JSON_PARSER_ERROR", "The body must be a JSON object")
        expire = values.pop("expire_sessions", False)
        if values.pop("reset", False):
            org.faults.reset()
        try:
            org.faults.update(values)
        except ValueError as exc:
            raise RestError("INVALID_FIELD", str(exc)) from None
        if expire is True:
            expired = org.expire_sessions()
    return json_response({**asdict(org.faults.settings), "expired_sessions": expired})
