"""Row 14: API versions 31.0 to 66.0 are served everywhere a version appears, and each type or field is accepted
only from the version it arrived in.

Sources: REST API Developer Guide, "Versions" (`/services/data` lists every served version; Spring '26 is
66.0); Metadata API Developer Guide, each type's "Version" section and the fields' "Available in API version
N and later" notes (ConnectedApp, ConnectedAppOauthConfig, ExternalClientApplication,
ExtlClntAppGlobalOauthSettings, ExtlClntAppOauthSettings, ExtlClntAppOauthConfigurablePolicies,
ExtlClntAppConfigurablePolicies, ExtlClntAppSamlConfigurablePolicies).
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from typing import Any

import pytest

from sfconnect.localorg import LocalOrg
from sfconnect.localorg._exceptions import InvalidType, SoapClientFault
from sfconnect.localorg._models import API_VERSIONS, Session
from sfconnect.localorg._responses import Request, Response
from sfconnect.localorg._server import dispatch
from sfconnect.localorg._urls import ROUTES
from sfconnect.localorg._versions import FIELD_SINCE, TYPE_SINCE, check_record, check_type
from sfconnect.localorg.wsdl import MetadataSchema
from tests.localorg.zips import component_xml, package_xml

BASE = "https://127.0.0.1:6101"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
MD = "http://soap.sforce.com/2006/04/metadata"
_PARENT = {"ConnectedAppOauthConfig": ("ConnectedApp", "oauthConfig")}


@pytest.fixture
def session(local_org: LocalOrg) -> Session:
    admin = local_org.admin_user()
    return local_org.login(admin.username, local_org.password_of(admin.username))


def _value(schema: MetadataSchema, type_name: str, field: str) -> Any:
    f = schema.complex_types[type_name].by_name[field]
    if not f.builtin and f.type_name in schema.complex_types:
        return {}
    return "true" if f.type_name == "boolean" else "1" if f.type_name == "int" else "x"


@pytest.mark.parametrize(("type_name", "field"), sorted(FIELD_SINCE), ids=lambda v: str(v))
def test_each_field_boundary(schema: MetadataSchema, type_name: str, field: str) -> None:
    since = FIELD_SINCE[(type_name, field)]
    record: dict[str, Any] = {field: _value(schema, type_name, field)}
    top = type_name
    if type_name in _PARENT:
        top, holder = _PARENT[type_name]
        record = {holder: record}
    at_type = max(since - 1.0, TYPE_SINCE[top], 31.0)
    if at_type < since:
        with pytest.raises(SoapClientFault, match=f"{field} invalid at this location"):
            check_record(schema, top, record, at_type)
    check_record(schema, top, record, since)
    check_record(schema, top, record, 66.0)


@pytest.mark.parametrize("type_name", sorted(t for t, v in TYPE_SINCE.items() if v > 31.0))
def test_each_type_boundary(type_name: str) -> None:
    since = TYPE_SINCE[type_name]
    with pytest.raises(InvalidType):
        check_type(type_name, since - 1.0)
    check_type(type_name, since)


def test_every_version_from_31_to_66_is_listed(local_org: LocalOrg) -> None:
    resp = dispatch(local_org, ROUTES, Request("GET", "/services/data", {}, {}, b"", BASE))
    listed = [v["version"] for v in json.loads(resp.body)]
    assert listed == [f"{v}.0" for v in range(31, 67)] == list(API_VERSIONS)
    assert json.loads(resp.body)[-1]["label"] == "Spring '26"


def _soap(org: LocalOrg, version: str, body: str, session: Session | None = None) -> Response:
    header = (
        f"<soapenv:Header><SessionHeader><sessionId>{session.session_id}</sessionId></SessionHeader></soapenv:Header>"
        if session
        else ""
    )
    envelope = (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP}" xmlns="{MD}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"{header}<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    )
    kind = "u" if session is None else "m"
    req = Request("POST", f"/services/Soap/{kind}/{version}", {}, {}, envelope.encode(), BASE)
    return dispatch(org, ROUTES, req)


@pytest.mark.parametrize("version", ["31.0", "63.0", "64.0", "66.0"])
def test_login_and_metadata_at_every_served_version(local_org: LocalOrg, version: str) -> None:
    admin = local_org.admin_user()
    password = local_org.password_of(admin.username)
    login = _soap(
        local_org,
        version,
        f'<login xmlns="urn:partner.soap.sforce.com"><username>{admin.username}</username>'
        f"<password>{password}</password></login>",
    )
    assert login.status == 200 and f"/services/Soap/m/{version}/" in login.body.decode()
    session = local_org.login(admin.username, password)
    described = _soap(
        local_org, version, "<describeMetadata><asOfVersion>0</asOfVersion></describeMetadata>", session
    )
    assert described.status == 200
    # External Client Apps arrived in 59.0: not listed before
    assert ("<xmlName>ExternalClientApplication</xmlName>" in described.body.decode()) == (
        float(version) >= 59.0
    )
    assert (
        dispatch(local_org, ROUTES, Request("GET", "/services/data/v67.0", {}, {}, b"", BASE)).status == 404
    )


def test_crud_refuses_a_type_or_field_newer_than_the_request(local_org: LocalOrg, session: Session) -> None:
    eca = (
        '<createMetadata><metadata xsi:type="ExternalClientApplication"><fullName>V_Eca</fullName>'
        "<contactEmail>o@x.io</contactEmail><distributionState>Local</distributionState><label>V</label>"
        "</metadata></createMetadata>"
    )
    old = _soap(local_org, "58.0", eca, session)
    assert old.status == 500 and b"INVALID_TYPE" in old.body
    assert b"<success>true</success>" in _soap(local_org, "59.0", eca, session).body
    glbl = (
        '<createMetadata><metadata xsi:type="ExtlClntAppGlobalOauthSettings"><fullName>V_Eca_glbl</fullName>'
        "<callbackUrl>https://x.io/cb</callbackUrl><externalClientApplication>V_Eca</externalClientApplication>"
        "<isDeviceFlowEnabled>true</isDeviceFlowEnabled></metadata></createMetadata>"
    )
    refused = _soap(local_org, "59.0", glbl, session)
    assert refused.status == 500 and b"isDeviceFlowEnabled invalid at this location" in refused.body
    assert b"<success>true</success>" in _soap(local_org, "60.0", glbl, session).body


def _zip(version: str, device: bool) -> bytes:
    files = {
        "package.xml": package_xml(
            {"ExternalClientApplication": ["Z"], "ExtlClntAppGlobalOauthSettings": ["Z_glbl"]}, version
        ),
        "externalClientApps/Z.eca": component_xml(
            "ExternalClientApplication",
            "<contactEmail>o@x.io</contactEmail><distributionState>Local</distributionState><label>Z</label>",
        ),
        "extlClntAppGlobalOauthSets/Z_glbl.ecaGlblOauth": component_xml(
            "ExtlClntAppGlobalOauthSettings",
            "<callbackUrl>https://x.io/cb</callbackUrl><externalClientApplication>Z</externalClientApplication>"
            + ("<isDeviceFlowEnabled>true</isDeviceFlowEnabled>" if device else ""),
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_deploy_reads_files_at_the_package_version(local_org: LocalOrg, session: Session) -> None:
    def deploy(data: bytes) -> dict[str, Any]:
        body = (
            f"<deploy><ZipFile>{base64.b64encode(data).decode()}</ZipFile>"
            "<DeployOptions><singlePackage>true</singlePackage></DeployOptions></deploy>"
        )
        resp = _soap(local_org, "66.0", body, session)
        job_id = resp.body.decode().split("<id>")[1].split("</id>")[0]
        return local_org.deployments.deploy_result(job_id, True)

    failed = deploy(_zip("59.0", device=True))
    assert failed["status"] == "Failed"
    problems = [f["problem"] for f in failed["details"]["componentFailures"]]
    assert any("isDeviceFlowEnabled invalid at this location" in p for p in problems)
    assert deploy(_zip("60.0", device=True))["status"] == "Succeeded"
    assert deploy(_zip("66.0", device=True))["status"] == "Succeeded"
