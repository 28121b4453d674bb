"""Raw requests in, wire responses out: replays of what jsforce, the sf CLI and simple-salesforce sent."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET
import pytest
from defusedxml import minidom

from sfconnect.localorg import LocalOrg
from sfconnect.localorg._models import Session
from sfconnect.localorg._responses import Request, Response
from sfconnect.localorg._server import dispatch
from sfconnect.localorg._urls import ROUTES
from sfconnect.localorg.wsdl import MD_NS
from tests.localorg.zips import eca_zip

REPLAYS = Path(__file__).parent / "replays"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
BASE = "https://127.0.0.1:6101"
_SESSION_RE = re.compile(r"00D\w*![\w.]+")


def _load(name: str) -> tuple[str, str, dict[str, str], bytes]:
    (path,) = REPLAYS.glob(f"*-{name}.http")
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0].startswith("# recorded answer")
    head, _, body = "\n".join(lines[1:]).partition("\n\n")
    request_line, *header_lines = head.split("\n")
    method, target = request_line.split(" ", 1)
    headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines if h.strip())}
    return method, target, headers, body.rstrip("\n").encode("utf-8")


def replay(org: LocalOrg, name: str, session: Session | None, *, body: bytes | None = None) -> Response:
    """Send a recorded request to the org in-process, with a live session id in place of the recorded one."""
    method, target, headers, recorded = _load(name)
    data = recorded if body is None else body
    if session is not None:
        data = _SESSION_RE.sub(session.session_id, data.decode("utf-8")).encode("utf-8")
        headers = {k: _SESSION_RE.sub(session.session_id, v) for k, v in headers.items()}
    parts = urlsplit(target)
    req = Request(method, parts.path, parse_qs(parts.query), headers, data, BASE)
    return dispatch(org, ROUTES, req)


def assert_jsforce_can_read(resp: Response) -> str:
    """jsforce's (and the sf CLI's) needs, clients.md section 2; returns the body text."""
    text = resp.body.decode("utf-8")
    assert re.match(r"^(text|application)/xml(;|$)", resp.content_type)
    assert re.search(r"<(\w+):Envelope\b", text), "the Envelope needs a prefix"
    assert re.search(r"<(\w+):Body>", text), "the Body needs a prefix and no attributes"
    if resp.status >= 400:
        assert re.search(r"<faultcode>\w+:\w+</faultcode>", text), "faultcode must be unprefixed"
        assert "<faultstring>" in text
    else:
        assert resp.status == 200
        assert re.search(r"<(\w+):Body><\w+Response><result", text), "payload must be xxxResponse/result"
        assert not re.search(r">(True|False)<", text), "booleans are lower-case"
    return text


def assert_zeep_can_read(resp: Response, operation: str) -> ET.Element:
    """simple-salesforce's needs: namespace-aware, response and result in the metadata namespace."""
    root = SafeET.fromstring(resp.body)
    result = root.find(f"{{{SOAP}}}Body/{{{MD_NS}}}{operation}Response/{{{MD_NS}}}result")
    assert result is not None
    return result


@pytest.fixture
def session(local_org: LocalOrg) -> Session:
    admin = local_org.admin_user()
    return local_org.login(admin.username, local_org.password_of(admin.username))


@pytest.fixture
def with_app(local_org: LocalOrg) -> LocalOrg:
    local_org.set_setting("connected_app_creation_allowed", True)
    results = local_org.create_metadata(
        [
            (
                "ConnectedApp",
                {
                    "fullName": "CaptureApp",
                    "label": "CaptureApp",
                    "contactEmail": "admin@example.com",
                    "oauthConfig": {"callbackUrl": "http://localhost:1717/OauthRedirect", "scopes": ["Api"]},
                },
            )
        ],
        local_org.admin_user(),
    )
    assert results[0].success
    local_org.set_setting("connected_app_creation_allowed", False)
    return local_org


# jsforce ------------------------------------------------------------------------------------------------
def test_jsforce_read_one_and_two_names(with_app: LocalOrg, session: Session) -> None:
    text = assert_jsforce_can_read(replay(with_app, "jsforce-readMetadata", session))
    assert re.search(r'<records xsi:type="ConnectedApp"><fullName>CaptureApp</fullName>', text)
    text = assert_jsforce_can_read(replay(with_app, "jsforce-readMetadata-two-names", session))
    assert text.count("<records") == 2
    assert '<records xsi:nil="true"/>' in text  # "Other" does not exist: an empty record, not a fault


def test_jsforce_list_metadata(with_app: LocalOrg, session: Session) -> None:
    text = assert_jsforce_can_read(replay(with_app, "jsforce-listMetadata", session))
    assert "<fileName>connectedApps/CaptureApp.connectedApp</fileName>" in text
    assert "<type>ConnectedApp</type>" in text


def test_jsforce_upsert_is_refused_per_record(local_org: LocalOrg, session: Session) -> None:
    # The recorded upsert creates a Connected App (refused: creation is blocked) and sends a consumer key,
    # which a creation may set (Metadata API Developer Guide, ConnectedAppOauthConfig.consumerKey).
    text = assert_jsforce_can_read(replay(local_org, "jsforce-upsertMetadata", session))
    assert "<success>false</success>" in text
    assert "<statusCode>INSUFFICIENT_ACCESS</statusCode>" in text
    local_org.set_setting("connected_app_creation_allowed", True)
    text = assert_jsforce_can_read(replay(local_org, "jsforce-upsertMetadata", session))
    assert "<created>true</created>" in text and "<success>true</success>" in text
    (record,) = local_org.read_metadata("ConnectedApp", ["CaptureApp"])
    assert record is not None and record["oauthConfig"]["consumerKey"] == "3MVG9Key"


def test_jsforce_delete_and_describe(with_app: LocalOrg, session: Session) -> None:
    text = assert_jsforce_can_read(replay(with_app, "jsforce-deleteMetadata", session))
    assert "<fullName>CaptureApp</fullName><success>true</success>" in text
    text = assert_jsforce_can_read(replay(with_app, "jsforce-describeMetadata", session))
    assert (
        "<xmlName>ConnectedApp</xmlName>" in text and "<xmlName>ExternalClientApplication</xmlName>" in text
    )


def test_jsforce_login_gives_what_the_regexes_look_for(local_org: LocalOrg) -> None:
    admin = local_org.admin_user()
    method, target, headers, body = _load("jsforce-login")
    body = body.replace(b"u@example.com", admin.username.encode()).replace(
        b"p&amp;&lt;w", local_org.password_of(admin.username).encode()
    )
    resp = dispatch(local_org, ROUTES, Request(method, target, {}, headers, body, BASE))
    text = assert_jsforce_can_read(resp)
    server_url = re.search(r"<serverUrl>([^<]+)</serverUrl>", text)
    session_id = re.search(r"<sessionId>([^<]+)</sessionId>", text)
    user_id = re.search(r"<userId>([^<]+)</userId>", text)
    org_id = re.search(r"<organizationId>([^<]+)</organizationId>", text)
    assert server_url and session_id and user_id and org_id
    assert "/".join(server_url.group(1).split("/")[:3]) == BASE  # instanceUrl = our scheme, host, port
    assert org_id.group(1) == local_org.org_id and user_id.group(1) == admin.id
    assert "<passwordExpired>false</passwordExpired>" in text
    # the session just issued is accepted (else jsforce's re-login loop never ends)
    assert local_org.authenticate(session_id.group(1)).user.id == admin.id


def test_jsforce_login_fault(local_org: LocalOrg) -> None:
    resp = replay(local_org, "jsforce-login", None)
    text = assert_jsforce_can_read(resp)
    assert resp.status == 500
    assert "<faultcode>sf:INVALID_LOGIN</faultcode>" in text
    assert re.search(r"<faultstring>INVALID_LOGIN: Invalid username, password", text)


def test_expired_session_is_the_fault_jsforce_recognises(local_org: LocalOrg, session: Session) -> None:
    local_org.expire_sessions()
    resp = replay(local_org, "jsforce-listMetadata", session)
    text = assert_jsforce_can_read(resp)
    assert resp.status == 500
    assert re.search(r"<faultcode>[a-zA-Z]+:INVALID_SESSION_ID</faultcode>", text)


def test_jsforce_version_resources_give_the_identity_url(local_org: LocalOrg, session: Session) -> None:
    resp = replay(local_org, "jsforce-version-resources", session)
    assert resp.status == 200 and resp.content_type.startswith("application/json")
    identity = json.loads(resp.body)["identity"]
    assert identity == f"{BASE}/id/{local_org.org_id}/{session.user.id}"


# the sf CLI ---------------------------------------------------------------------------------------------
def test_sf_cli_login_sequence(local_org: LocalOrg, session: Session) -> None:
    info = json.loads(replay(local_org, "sf-login-userinfo", session).body)
    assert (info["user_id"], info["organization_id"]) == (session.user.id, local_org.org_id)
    user = replay(local_org, "sf-login-user", session)  # recorded id 005000000000001AAA = the seeded admin
    assert user.status == 200 and json.loads(user.body)["Username"] == session.user.username
    scratch = replay(local_org, "sf-login-query-scratchorginfo", session)
    assert scratch.status == 400 and json.loads(scratch.body)[0]["errorCode"] == "INVALID_TYPE"
    versions = json.loads(replay(local_org, "sf-login-versions", session).body)
    # current orgs list 66.0 (Spring '26) under /services/data (REST API Developer Guide, "Versions")
    assert max(versions, key=lambda v: float(v["version"]))["version"] == "66.0"
    org = json.loads(replay(local_org, "sf-login-query-organization", session).body)
    record = org["records"][0]
    assert record["Name"] == local_org.org_name and record["IsSandbox"] is False
    assert record["OrganizationType"]


def test_sf_cli_access_token_format(session: Session) -> None:
    assert re.fullmatch(r"(00D\w{12,15})![.\w]*", session.session_id)


def test_sf_cli_list_with_call_options(with_app: LocalOrg, session: Session) -> None:
    text = assert_jsforce_can_read(replay(with_app, "sf-listMetadata", session))
    assert "<fullName>CaptureApp</fullName>" in text


def test_sf_cli_source_member_probe_is_a_404(local_org: LocalOrg, session: Session) -> None:
    resp = replay(local_org, "sf-sourcemember-describe", session)
    assert resp.status == 404 and json.loads(resp.body)[0]["errorCode"] == "NOT_FOUND"


def test_rest_needs_a_session(local_org: LocalOrg) -> None:
    req = Request("GET", "/services/oauth2/userinfo", {}, {"authorization": "Bearer 00Dx!nope"}, b"", BASE)
    resp = dispatch(local_org, ROUTES, req)
    assert resp.status == 401 and json.loads(resp.body)[0]["errorCode"] == "INVALID_SESSION_ID"


# simple-salesforce --------------------------------------------------------------------------------------
def test_simple_salesforce_read_is_namespaced_with_xsi_type(with_app: LocalOrg, session: Session) -> None:
    result = assert_zeep_can_read(replay(with_app, "simple-salesforce-readMetadata", session), "readMetadata")
    records = result.findall(f"{{{MD_NS}}}records")
    assert len(records) == 1
    assert records[0].get("{http://www.w3.org/2001/XMLSchema-instance}type") == "ConnectedApp"
    names = [child.tag.split("}")[1] for child in records[0]]
    assert names == ["fullName", "contactEmail", "label", "oauthConfig"]  # WSDL (alphabetical) order


def test_simple_salesforce_crud_replays(with_app: LocalOrg, session: Session) -> None:
    upsert = assert_zeep_can_read(
        replay(with_app, "simple-salesforce-upsertMetadata", session), "upsertMetadata"
    )
    assert upsert.findtext(f"{{{MD_NS}}}success") == "false"  # update with a foreign consumer key
    assert upsert.findtext(f"{{{MD_NS}}}errors/{{{MD_NS}}}message") == "You cannot provide a Consumer Key"
    create = assert_zeep_can_read(
        replay(with_app, "simple-salesforce-createMetadata", session), "createMetadata"
    )
    assert create.findtext(f"{{{MD_NS}}}errors/{{{MD_NS}}}statusCode") == "INSUFFICIENT_ACCESS"
    delete = assert_zeep_can_read(
        replay(with_app, "simple-salesforce-deleteMetadata", session), "deleteMetadata"
    )
    assert delete.findtext(f"{{{MD_NS}}}success") == "true"


def test_simple_salesforce_login_reads_unprefixed_tags(local_org: LocalOrg) -> None:
    admin = local_org.admin_user()
    method, target, headers, body = _load("simple-salesforce-login")
    body = body.replace(b"u@example.com", admin.username.encode()).replace(
        b"pwtok", local_org.password_of(admin.username).encode()
    )
    resp = dispatch(local_org, ROUTES, Request(method, target, {}, headers, body, BASE))
    assert resp.status == 200
    dom = minidom.parseString(resp.body)
    assert dom.getElementsByTagName("sessionId")[0].firstChild.nodeValue.startswith(local_org.org_id[:15])
    assert dom.getElementsByTagName("serverUrl")[0].firstChild.nodeValue.startswith(
        BASE + "/services/Soap/u/60.0"
    )


def test_simple_salesforce_login_fault_has_sf_exception_tags(local_org: LocalOrg) -> None:
    resp = replay(local_org, "simple-salesforce-login", None)
    assert resp.status == 500
    dom = minidom.parseString(resp.body)
    assert dom.getElementsByTagName("sf:exceptionCode")[0].firstChild.nodeValue == "INVALID_LOGIN"
    assert dom.getElementsByTagName("sf:exceptionMessage")[0].firstChild.nodeValue


# exact envelopes ------------------------------------------------------------------------------------------
def test_read_envelope_is_exactly_the_documented_shape(with_app: LocalOrg, session: Session) -> None:
    resp = replay(with_app, "jsforce-readMetadata", session)
    key = with_app.credentials_of("ConnectedApp", "CaptureApp")
    assert key is not None
    assert resp.body.decode() == (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/'
        'envelope/" xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-'
        'instance"><soapenv:Body><readMetadataResponse><result><records xsi:type="ConnectedApp"><fullName>'
        "CaptureApp</fullName><contactEmail>admin@example.com</contactEmail><label>CaptureApp</label>"
        "<oauthConfig><callbackUrl>http://localhost:1717/OauthRedirect</callbackUrl><consumerKey>"
        f"{key.consumer_key}</consumerKey><scopes>Api</scopes></oauthConfig></records></result>"
        "</readMetadataResponse></soapenv:Body></soapenv:Envelope>"
    )


def test_fault_envelope_is_exactly_the_documented_shape(local_org: LocalOrg) -> None:
    method, target, headers, body = _load("jsforce-readMetadata")
    resp = dispatch(local_org, ROUTES, Request(method, target, {}, headers, body, BASE))
    assert resp.status == 500
    assert resp.body.decode() == (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/'
        'envelope/" xmlns:sf="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/'
        'XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_SESSION_ID</faultcode>'
        "<faultstring>INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session"
        "</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )


# request parsing --------------------------------------------------------------------------------------------
def _soap(session: Session, body: str, header_ns: str = MD_NS) -> bytes:
    return (
        f'<e:Envelope xmlns:e="{SOAP}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<e:Header><m:SessionHeader xmlns:m="{header_ns}"><m:sessionId>{session.session_id}</m:sessionId>'
        f'</m:SessionHeader></e:Header><e:Body xmlns="{MD_NS}">{body}</e:Body></e:Envelope>'
    ).encode()


def _post(org: LocalOrg, body: bytes, path: str = "/services/Soap/m/63.0") -> Response:
    return dispatch(org, ROUTES, Request("POST", path, {}, {"content-type": "text/xml"}, body, BASE))


def test_any_child_order_and_both_xsi_type_spellings(local_org: LocalOrg, session: Session) -> None:
    unprefixed = (
        '<createMetadata><metadata xsi:type="ExternalClientApplication"><label>A</label>'
        "<contactEmail>a@example.com</contactEmail><fullName>Eca_A</fullName></metadata></createMetadata>"
    )
    prefixed = (
        f'<createMetadata xmlns:q="{MD_NS}"><metadata xsi:type="q:ExternalClientApplication">'
        "<fullName>Eca_B</fullName><label>B</label></metadata></createMetadata>"
    )
    for body in (unprefixed, prefixed):
        text = assert_jsforce_can_read(_post(local_org, _soap(session, body)))
        assert "<success>true</success>" in text
    assert [r.full_name for r in local_org.components("ExternalClientApplication")] == ["Eca_A", "Eca_B"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (
            "<readMetadata><type>ConnectedApp</type><bogus>x</bogus></readMetadata>",
            "invalid at this location",
        ),
        ("<noSuchCall/>", "No operation available"),
        (
            '<createMetadata><metadata xsi:type="ConnectedApp"><fullName>X</fullName><label>X</label>'
            "<contactEmail>x@y.z</contactEmail><oauthConfig><callbackUrl>https://x</callbackUrl>"
            "<scopes>Everything</scopes></oauthConfig></metadata></createMetadata>",
            "not a valid value for the enum",
        ),
        (
            '<createMetadata><metadata xsi:type="NoSuchType"><fullName>X</fullName></metadata>'
            "</createMetadata>",
            "Unknown type",
        ),
    ],
)
def test_malformed_requests_are_client_faults(
    local_org: LocalOrg, session: Session, body: str, needle: str
) -> None:
    resp = _post(local_org, _soap(session, body))
    text = assert_jsforce_can_read(resp)
    assert resp.status == 500
    assert "<faultcode>soapenv:Client</faultcode>" in text and needle in text


@pytest.mark.parametrize(
    "body", [b"", b"not xml", b"<a><b></a>", b"<x/>", b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>']
)
def test_garbage_is_a_fault_not_a_crash(local_org: LocalOrg, body: bytes) -> None:
    resp = _post(local_org, body)
    assert resp.status == 500 and b"<faultcode>soapenv:Client</faultcode>" in resp.body


def test_unsupported_api_version(local_org: LocalOrg, session: Session) -> None:
    resp = _post(
        local_org,
        _soap(session, "<describeMetadata><asOfVersion>20.0</asOfVersion></describeMetadata>"),
        "/services/Soap/m/20.0",
    )
    assert resp.status == 500 and b"sf:UNSUPPORTED_API_VERSION" in resp.body


def test_more_than_ten_names_is_a_fault(local_org: LocalOrg, session: Session) -> None:
    names = "".join(f"<fullNames>A{i}</fullNames>" for i in range(11))
    resp = _post(local_org, _soap(session, f"<readMetadata><type>ConnectedApp</type>{names}</readMetadata>"))
    assert resp.status == 500 and b"<faultcode>sf:EXCEEDED_ID_LIMIT</faultcode>" in resp.body


def test_unknown_type_fault(local_org: LocalOrg, session: Session) -> None:
    resp = _post(
        local_org, _soap(session, "<readMetadata><type>Bogus</type><fullNames>a</fullNames></readMetadata>")
    )
    assert resp.status == 500 and b"<faultcode>sf:INVALID_TYPE</faultcode>" in resp.body


def test_describe_value_type(local_org: LocalOrg, session: Session) -> None:
    body = f"<describeValueType><type>{{{MD_NS}}}ConnectedApp</type></describeValueType>"
    result = assert_zeep_can_read(_post(local_org, _soap(session, body)), "describeValueType")
    fields = {f.findtext(f"{{{MD_NS}}}name"): f for f in result.findall(f"{{{MD_NS}}}valueTypeFields")}
    assert fields["label"].findtext(f"{{{MD_NS}}}valueRequired") == "true"
    assert fields["description"].findtext(f"{{{MD_NS}}}valueRequired") == "false"


def test_session_may_come_in_a_partner_namespace_header_or_bearer(
    local_org: LocalOrg, session: Session
) -> None:
    body = (
        "<listMetadata><queries><type>ConnectedApp</type></queries>"
        "<asOfVersion>63.0</asOfVersion></listMetadata>"
    )
    partner = _soap(session, body, header_ns="urn:partner.soap.sforce.com")
    assert _post(local_org, partner).status == 200
    bare = (f'<e:Envelope xmlns:e="{SOAP}"><e:Body xmlns="{MD_NS}">{body}</e:Body></e:Envelope>').encode()
    req = Request(
        "POST",
        "/services/Soap/m/63.0/deployRequest/x",
        {},
        {"authorization": f"Bearer {session.session_id}"},
        bare,
        BASE,
    )
    assert dispatch(local_org, ROUTES, req).status == 200


# deploy and retrieve replays ----------------------------------------------------------------------------
_ZIP_RE = re.compile(rb"(<(?:\w+:)?ZipFile>)[^<]*(</(?:\w+:)?ZipFile>)")
_ASYNC_RE = re.compile(rb"(<(?:\w+:)?asyncProcessId>)[^<]*(</(?:\w+:)?asyncProcessId>)")


def _with_zip(name: str, data: bytes) -> bytes:
    body = _load(name)[3]
    return _ZIP_RE.sub(lambda m: m.group(1) + base64.b64encode(data) + m.group(2), body)


def _with_id(name: str, job_id: str) -> bytes:
    return _ASYNC_RE.sub(lambda m: m.group(1) + job_id.encode() + m.group(2), _load(name)[3])


def _result_text(text: str, tag: str) -> str:
    """The text of a direct child of the response's `result` (any namespace)."""
    root = SafeET.fromstring(text.encode())
    body = root.find(f"{{{SOAP}}}Body")
    assert body is not None
    result = body[0].find(f"{{{MD_NS}}}result")
    assert result is not None
    value = result.findtext(f"{{{MD_NS}}}{tag}")
    assert value is not None, f"no {tag} in {text[:300]}"
    return value


@pytest.mark.parametrize("client", ["jsforce", "sf", "simple-salesforce"])
def test_soap_deploy_then_status_replays(local_org: LocalOrg, session: Session, client: str) -> None:
    text = assert_jsforce_can_read(
        replay(local_org, f"{client}-deploy", session, body=_with_zip(f"{client}-deploy", eca_zip()))
    )
    assert "<done>false</done>" in text and "<state>Queued</state>" in text
    job_id = _result_text(text, "id")
    assert assert_zeep_can_read(
        replay(local_org, f"{client}-deploy", session, body=_with_zip(f"{client}-deploy", eca_zip("Other"))),
        "deploy",
    ).findtext(f"{{{MD_NS}}}id")
    status = replay(
        local_org,
        f"{client}-checkDeployStatus",
        session,
        body=_with_id(f"{client}-checkDeployStatus", job_id),
    )
    text = assert_jsforce_can_read(status)
    for tag, value in (("done", "true"), ("status", "Succeeded"), ("success", "true"), ("id", job_id)):
        assert _result_text(text, tag) == value
    assert _result_text(text, "numberComponentsDeployed") == "1"
    assert (
        "<componentSuccesses>" in text and "<fileName>externalClientApps/Deployed_Eca.eca</fileName>" in text
    )
    assert "<runTestResult><numFailures>0</numFailures><numTestsRun>0</numTestsRun>" in text
    assert local_org.read_metadata("ExternalClientApplication", ["Deployed_Eca"])[0] is not None


@pytest.mark.parametrize(
    ("client", "prefix"), [("jsforce", "unpackaged/"), ("sf", "unpackaged/"), ("simple-salesforce", "")]
)
def test_soap_retrieve_then_status_replays(
    with_app: LocalOrg, session: Session, client: str, prefix: str
) -> None:
    text = assert_jsforce_can_read(replay(with_app, f"{client}-retrieve", session))
    job_id = _result_text(text, "id")
    assert job_id.startswith("09S")
    check = f"{client}-checkRetrieveStatus" if client != "sf" else "jsforce-checkRetrieveStatus"
    text = assert_jsforce_can_read(replay(with_app, check, session, body=_with_id(check, job_id)))
    assert _result_text(text, "done") == "true" and _result_text(text, "status") == "Succeeded"
    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(_result_text(text, "zipFile"))))
    assert sorted(archive.namelist()) == [
        f"{prefix}connectedApps/CaptureApp.connectedApp",
        f"{prefix}package.xml",
    ]
    assert f"<fileName>{prefix}package.xml</fileName>" in text and "<type>Package</type>" in text
    content = archive.read(f"{prefix}connectedApps/CaptureApp.connectedApp").decode()
    assert content.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<ConnectedApp xmlns=')
    assert "<fullName>" not in content and "<consumerKey>3MVG9" in content


def _multipart(name: str, data: bytes) -> tuple[dict[str, str], bytes]:
    _method, _target, headers, body = _load(name)
    before, _, after = body.partition(b"\n<")
    after = after.split(b">\n", 1)[1]
    crlf = before.replace(b"\n", b"\r\n") + b"\r\n" + data + b"\r\n" + after.replace(b"\n", b"\r\n")
    return headers, crlf


@pytest.mark.parametrize("client", ["jsforce", "sf"])
def test_rest_deploy_replays(local_org: LocalOrg, session: Session, client: str) -> None:
    headers, body = _multipart(f"{client}-rest-deploy", eca_zip())
    headers = {k: _SESSION_RE.sub(session.session_id, v) for k, v in headers.items()}
    version = "60.0" if client == "jsforce" else "62.0"
    path = f"/services/data/v{version}/metadata/deployRequest"
    created = dispatch(local_org, ROUTES, Request("POST", path, {}, headers, body, BASE))
    assert created.status == 201, created.body
    job = json.loads(created.body)
    assert job["deployResult"]["done"] is False and job["deployOptions"]["singlePackage"] is True
    _method, _target, status_headers, _ = _load("jsforce-rest-deploy-status")
    status_headers = {k: _SESSION_RE.sub(session.session_id, v) for k, v in status_headers.items()}
    req = Request("GET", f"{path}/{job['id']}", {"includeDetails": ["true"]}, status_headers, b"", BASE)
    answer = json.loads(dispatch(local_org, ROUTES, req).body)
    assert answer["id"] == job["id"]
    result = answer["deployResult"]
    assert (result["done"], result["status"], result["success"]) == (True, "Succeeded", True)
    assert [m["fileName"] for m in result["details"]["componentSuccesses"]] == [
        "externalClientApps/Deployed_Eca.eca",
        "package.xml",
    ]


def test_simple_salesforce_deploy_quirks_are_tolerated(local_org: LocalOrg, session: Session) -> None:
    body = _with_zip("simple-salesforce-deploy", eca_zip())
    assert b"None" in body and b"<met:checkOnly>False</met:checkOnly>" in body
    result = assert_zeep_can_read(replay(local_org, "simple-salesforce-deploy", session, body=body), "deploy")
    job_id = result.findtext(f"{{{MD_NS}}}id")
    assert job_id
    job = local_org.store.job(local_org.org_id, job_id)
    assert job is not None and job.request["options"]["rollbackOnError"] is True
    assert job.request["options"]["checkOnly"] is False


def test_cancel_deploy_over_soap(local_org: LocalOrg, session: Session) -> None:
    local_org.faults.update({"deploy_seconds": 60})
    text = assert_jsforce_can_read(
        replay(local_org, "jsforce-deploy", session, body=_with_zip("jsforce-deploy", eca_zip()))
    )
    job_id = _result_text(text, "id")
    cancel = _soap(session, f"<cancelDeploy><String>{job_id}</String></cancelDeploy>")
    text = assert_jsforce_can_read(_post(local_org, cancel))
    assert f"<done>false</done><id>{job_id}</id>" in text  # Canceling: not done yet
    status = _post(
        local_org,
        _soap(
            session,
            f"<checkDeployStatus><asyncProcessId>{job_id}</asyncProcessId>"
            "<includeDetails>true</includeDetails></checkDeployStatus>",
        ),
    )
    assert "<status>Canceled</status>" in status.body.decode()
    again = _post(local_org, cancel)
    assert again.status == 500 and b"sf:INVALID_ID_FIELD" in again.body


# fault injection endpoint -----------------------------------------------------------------------
def _faults(org: LocalOrg, session: Session, body: dict[str, Any] | None = None) -> Response:
    method = "POST" if body is not None else "GET"
    data = json.dumps(body).encode() if body is not None else b""
    req = Request(
        method, "/_localorg/faults", {}, {"authorization": f"Bearer {session.session_id}"}, data, BASE
    )
    return dispatch(org, ROUTES, req)


def test_fault_endpoint_is_for_the_admin_only(local_org: LocalOrg, session: Session) -> None:
    integration = next(u for u in local_org.users() if u.api_only)
    other = local_org.login(integration.username, local_org.password_of(integration.username))
    refused = _faults(local_org, other, {"setup_locked": True})
    assert refused.status == 403 and json.loads(refused.body)[0]["errorCode"] == "INSUFFICIENT_ACCESS"
    assert local_org.faults.settings.setup_locked is False
    bad = _faults(local_org, session, {"bogus": 1})
    assert bad.status == 400 and "unknown fault setting" in json.loads(bad.body)[0]["message"]
    ok = _faults(local_org, session, {"setup_locked": True})
    assert ok.status == 200 and json.loads(ok.body)["setup_locked"] is True
    assert json.loads(_faults(local_org, session).body)["setup_locked"] is True


def test_injected_faults_reach_the_wire(local_org: LocalOrg, session: Session) -> None:
    _faults(local_org, session, {"setup_locked": True})
    locked = replay(local_org, "jsforce-deploy", session, body=_with_zip("jsforce-deploy", eca_zip()))
    assert locked.status == 500 and b"<faultcode>sf:ALREADY_IN_PROCESS</faultcode>" in locked.body
    assert replay(local_org, "jsforce-listMetadata", session).status == 200  # reads are not locked
    _faults(local_org, session, {"setup_locked": False, "request_limit_exceeded": True})
    limited = replay(local_org, "jsforce-listMetadata", session)
    assert b"<faultcode>sf:REQUEST_LIMIT_EXCEEDED</faultcode>" in limited.body
    rest = replay(local_org, "sf-login-userinfo", session)
    assert rest.status == 403 and json.loads(rest.body)[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    _faults(
        local_org,
        session,
        {"reset": True, "error_rate": {"listMetadata": 1.0}, "error_code": "SERVER_UNAVAILABLE"},
    )
    failed = replay(local_org, "jsforce-listMetadata", session)
    assert b"<faultcode>sf:SERVER_UNAVAILABLE</faultcode>" in failed.body
    assert replay(local_org, "jsforce-describeMetadata", session).status == 200
    answer = json.loads(_faults(local_org, session, {"reset": True, "expire_sessions": True}).body)
    assert answer["expired_sessions"] >= 1
    expired = replay(local_org, "jsforce-listMetadata", session)
    assert b"INVALID_SESSION_ID" in expired.body


def test_a_due_deploy_runs_before_the_next_metadata_call(local_org: LocalOrg, session: Session) -> None:
    text = assert_jsforce_can_read(
        replay(local_org, "jsforce-deploy", session, body=_with_zip("jsforce-deploy", eca_zip()))
    )
    assert _result_text(text, "state") == "Queued"
    body = (
        "<readMetadata><type>ExternalClientApplication</type>"
        "<fullNames>Deployed_Eca</fullNames></readMetadata>"
    )
    read = assert_jsforce_can_read(_post(local_org, _soap(session, body)))
    assert '<records xsi:type="ExternalClientApplication">' in read


def test_the_metadata_api_needs_the_modify_metadata_permission(local_org: LocalOrg) -> None:
    integration = next(u for u in local_org.users() if u.api_only)
    assert not integration.modify_metadata and local_org.admin_user().modify_metadata
    session = local_org.login(integration.username, local_org.password_of(integration.username))
    resp = _post(
        local_org, _soap(session, "<describeMetadata><asOfVersion>60.0</asOfVersion></describeMetadata>")
    )
    assert resp.status == 500 and b"<faultcode>sf:INSUFFICIENT_ACCESS</faultcode>" in resp.body
    info = replay(local_org, "sf-login-userinfo", session)  # REST around login still works
    assert info.status == 200


def test_access_tokens_need_the_api_scope_for_the_apis(local_org: LocalOrg) -> None:
    admin = local_org.admin_user()
    openid_only = local_org.create_session(admin, data={"scopes": ["openid", "refresh_token"]})
    with_api = local_org.create_session(admin, data={"scopes": ["api"]})
    body = "<describeMetadata><asOfVersion>60.0</asOfVersion></describeMetadata>"
    refused = _post(local_org, _soap(openid_only, body))
    assert refused.status == 500 and b"This session is not valid for use with the API" in refused.body
    assert replay(local_org, "sf-login-userinfo", openid_only).status == 200
    assert replay(local_org, "sf-login-user", openid_only).status == 401
    assert _post(local_org, _soap(with_api, body)).status == 200
