"""Unmodified simple-salesforce against a served local org over HTTPS."""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import socket
import ssl
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import SalesforceAuthenticationFailed
from simple_salesforce.login import SalesforceLogin

from sfconnect.localorg import AlreadyServed, LocalOrgHandle, find_running, serve_local_org
from tests.localorg.conftest import close_client, simple_salesforce_client, trusting_session
from tests.localorg.zips import connected_app_xml, eca_xml, eca_zip, make_zip, package_xml


def test_soap_login_and_rest_identity(served: LocalOrgHandle, sf: Any) -> None:
    resources = sf.restful("")
    assert resources["identity"].endswith(f"/id/{served.org_id}/{served.org.admin_user().id}")


def test_soap_login_refuses_a_wrong_password(served: LocalOrgHandle) -> None:
    with trusting_session(served.ca_bundle) as session, pytest.raises(SalesforceAuthenticationFailed) as info:
        SalesforceLogin(
            username=served.admin_username,
            password="wrong",
            security_token="",
            sf_version="60.0",
            session=session,
            scratch_url=served.instance_url,
        )
    assert info.value.code == "INVALID_LOGIN"


def test_connected_app_create_read_round_trip(served: LocalOrgHandle, sf: Any) -> None:
    served.org.set_setting("connected_app_creation_allowed", True)
    try:
        ca = sf.mdapi.ConnectedApp
        ca.create(
            [
                ca(
                    fullName="Round_Trip",
                    label="Round Trip",
                    contactEmail="ops@example.com",
                    oauthConfig={
                        "callbackUrl": "https://app.example.com/cb",
                        "scopes": ["Api", "RefreshToken"],
                    },
                )
            ]
        )
        record = ca.read("Round_Trip")
    finally:
        served.org.set_setting("connected_app_creation_allowed", False)
    assert record.fullName == "Round_Trip"
    assert record.label == "Round Trip"
    assert record.oauthConfig.scopes == ["Api", "RefreshToken"]
    assert record.oauthConfig.consumerKey.startswith("3MVG9")
    assert record.oauthConfig.consumerSecret is None


# --- full CRUD through simple-salesforce ------------------------------------------------------------------
def test_connected_app_lifecycle_and_refusals(served: LocalOrgHandle, sf: Any) -> None:
    ca = sf.mdapi.ConnectedApp
    app = ca(
        fullName="Lifecycle_App",
        label="Lifecycle",
        contactEmail="ops@example.com",
        description="before",
        oauthConfig={"callbackUrl": "https://app.example.com/cb", "scopes": ["Api"]},
    )
    with pytest.raises(Exception, match="INSUFFICIENT_ACCESS"):
        ca.create([app])
    served.org.set_setting("connected_app_creation_allowed", True)
    try:
        # a consumer key may be set at creation, 8-256 alphanumerics (Metadata API Developer Guide,
        # ConnectedAppOauthConfig.consumerKey)
        with pytest.raises(Exception, match="Consumer Key must be 8 to 256 alphanumeric"):
            ca.create(
                [
                    ca(
                        fullName="Keyed",
                        label="Keyed",
                        contactEmail="ops@example.com",
                        oauthConfig={
                            "callbackUrl": "https://x.example.com/cb",
                            "consumerKey": "3MVG9-Mine",
                        },
                    )
                ]
            )
        ca.create([app])
    finally:
        served.org.set_setting("connected_app_creation_allowed", False)
    key = ca.read("Lifecycle_App").oauthConfig.consumerKey
    ca.update([ca(fullName="Lifecycle_App", label="After", contactEmail="ops@example.com")])
    after = ca.read("Lifecycle_App")
    assert (after.label, after.description, after.oauthConfig) == ("After", None, None)  # replaced whole
    ca.upsert([ca(fullName="Lifecycle_App", label="Upserted", contactEmail="ops@example.com")])
    assert ca.read("Lifecycle_App").label == "Upserted"
    ca.rename("Lifecycle_App", "Lifecycle_Renamed")
    assert ca.read("Lifecycle_App").fullName is None
    listed = sf.mdapi.list_metadata(sf.mdapi._client.get_type("ns0:ListMetadataQuery")(type="ConnectedApp"))
    assert "Lifecycle_Renamed" in [row.fullName for row in listed]
    ca.delete(["Lifecycle_Renamed"])
    assert ca.read("Lifecycle_Renamed").fullName is None
    assert served.org.app_credentials(key) is None
    with pytest.raises(Exception, match="INVALID_CROSS_REFERENCE_KEY"):
        ca.delete(["Lifecycle_Renamed"])


def test_external_client_app_lifecycle(served: LocalOrgHandle, sf: Any) -> None:
    eca = sf.mdapi.ExternalClientApplication
    glbl = sf.mdapi.ExtlClntAppGlobalOauthSettings
    policies = sf.mdapi.ExtlClntAppOauthConfigurablePolicies
    eca.create(
        [
            eca(
                fullName="Billing_Eca",
                label="Billing",
                contactEmail="ops@example.com",
                distributionState="Local",
            )
        ]
    )
    with pytest.raises(Exception, match="Consumer Key must be 8 to 256 alphanumeric"):
        glbl.create(
            [
                glbl(
                    fullName="Billing_Eca_glbl",
                    externalClientApplication="Billing_Eca",
                    consumerKey="3MVG9_x",
                )
            ]
        )
    glbl.create(
        [
            glbl(
                fullName="Billing_Eca_glbl",
                externalClientApplication="Billing_Eca",
                callbackUrl="https://billing.example.com/cb",
                consumerSecret="BillingSecret0001",
                isPkceRequired=True,
            )
        ]
    )
    policies.upsert(
        [
            policies(
                fullName="Billing_Eca_plcy",
                externalClientApplication="Billing_Eca",
                ipRelaxationPolicyType="Enforce",
                permittedUsersPolicyType="AdminApprovedPreAuthorized",
            )
        ]
    )
    read = glbl.read("Billing_Eca_glbl")
    assert read.consumerKey.startswith("3MVG9") and read.consumerSecret is None
    assert read.isPkceRequired is True
    assert policies.read("Billing_Eca_plcy").permittedUsersPolicyType == "AdminApprovedPreAuthorized"
    served.org.set_setting("consumer_secret_api_access", False)
    try:
        with pytest.raises(Exception, match="INSUFFICIENT_ACCESS"):
            glbl.update([glbl(fullName="Billing_Eca_glbl", externalClientApplication="Billing_Eca")])
    finally:
        served.org.set_setting("consumer_secret_api_access", True)
    eca.delete(["Billing_Eca"])
    assert glbl.read("Billing_Eca_glbl").fullName is None


def test_describe_calls(sf: Any) -> None:
    described = sf.mdapi.describe_metadata()
    names = {obj.xmlName for obj in described.metadataObjects}
    assert {"ConnectedApp", "ExternalClientApplication", "ExtlClntAppGlobalOauthSettings"} <= names
    value_type = sf.mdapi.ConnectedApp.describe()
    assert {f.name for f in value_type.valueTypeFields} >= {"label", "contactEmail", "oauthConfig"}


def test_faults_reach_zeep(served: LocalOrgHandle, sf: Any) -> None:
    from zeep.exceptions import Fault

    with pytest.raises(Fault, match="EXCEEDED_ID_LIMIT"):
        sf.mdapi.ConnectedApp.read([f"A{i}" for i in range(11)])
    client = simple_salesforce_client(served)
    try:
        served.org.revoke_session(client.session_id)
        with pytest.raises(Fault) as info:
            client.mdapi.ConnectedApp.read("X")
        assert info.value.code == "sf:INVALID_SESSION_ID"
    finally:
        close_client(client)


# --- the server itself ---------------------------------------------------------------------------
def _https(handle: LocalOrgHandle) -> http.client.HTTPSConnection:
    context = ssl.create_default_context(cafile=str(handle.ca_bundle))
    return http.client.HTTPSConnection("127.0.0.1", handle.port, context=context, timeout=10)


def _login_body(handle: LocalOrgHandle) -> bytes:
    return (
        '<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header/><se:Body>'
        f'<login xmlns="urn:partner.soap.sforce.com"><username>{handle.admin_username}</username>'
        f"<password>{handle.admin_password}</password></login></se:Body></se:Envelope>"
    ).encode()


def test_chunked_login_and_keep_alive(served: LocalOrgHandle) -> None:
    conn = _https(served)
    try:
        body = _login_body(served)
        conn.request(
            "POST",
            "/services/Soap/u/60.0",
            body=iter([body[:50], body[50:]]),
            headers={"Content-Type": "text/xml", "SOAPAction": '""'},
            encode_chunked=True,
        )
        resp = conn.getresponse()
        text = resp.read().decode()
        assert resp.status == 200 and "<sessionId>" in text
        sock = conn.sock
        conn.request("GET", "/services/data")
        second = conn.getresponse()
        assert second.status == 200 and second.read()
        assert conn.sock is sock  # same connection: keep-alive
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"POST /services/Soap/u/60.0 HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n", 413),
        (b"POST /services/Soap/u/60.0 HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n", 400),
        (b"POST /services/Soap/u/60.0 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        (b"POST /services/Soap/u/60.0 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        (b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", 404),
    ],
)
def test_garbage_gets_a_4xx_and_the_server_lives_on(served: LocalOrgHandle, raw: bytes, status: int) -> None:
    context = ssl.create_default_context(cafile=str(served.ca_bundle))
    with (
        socket.create_connection(("127.0.0.1", served.port), timeout=10) as plain,
        context.wrap_socket(plain, server_hostname="127.0.0.1") as tls,
    ):
        tls.sendall(raw)
        answer = tls.recv(4096)
    assert answer.startswith(f"HTTP/1.1 {status} ".encode()) or answer.startswith(
        f"HTTP/1.0 {status} ".encode()
    )
    with trusting_session(served.ca_bundle) as session:
        assert session.get(f"{served.instance_url}/services/data", timeout=10).status_code == 200


def test_plain_http_and_broken_tls_do_not_hurt_the_server(served: LocalOrgHandle) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as plain:
        plain.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        with contextlib.suppress(ConnectionError):
            assert not plain.recv(100).startswith(b"HTTP/")  # the TLS handshake fails; nothing is served
    with trusting_session(served.ca_bundle) as session:
        assert session.get(f"{served.instance_url}/services/data", timeout=10).status_code == 200


def test_untrusted_clients_fail_tls(served: LocalOrgHandle) -> None:
    session = requests.Session()
    session.trust_env = False
    with session, pytest.raises(requests.exceptions.SSLError):
        session.get(f"{served.instance_url}/services/data", timeout=10)


def test_twenty_concurrent_clients_get_consistent_answers(served: LocalOrgHandle) -> None:
    md = "http://soap.sforce.com/2006/04/metadata"

    def envelope(session_id: str, body: str) -> bytes:
        return (
            '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<s:Header><SessionHeader xmlns="{md}"><sessionId>{session_id}</sessionId></SessionHeader>'
            "</s:Header>"
            f'<s:Body xmlns="{md}">{body}</s:Body></s:Envelope>'
        ).encode()

    def client(n: int) -> tuple[int, str, int]:
        with trusting_session(served.ca_bundle) as http:
            login = http.post(
                f"{served.instance_url}/services/Soap/u/60.0", data=_login_body(served), timeout=30
            )
            session_id = login.text.split("<sessionId>")[1].split("<")[0]
            url = f"{served.instance_url}/services/Soap/m/60.0"
            label = f"Client {n}"
            upsert = (
                '<upsertMetadata><metadata xsi:type="ExternalClientApplication">'
                f"<fullName>Conc_{n}</fullName>"
                f"<label>{label}</label></metadata></upsertMetadata>"
            )
            created = http.post(url, data=envelope(session_id, upsert), timeout=30)
            assert "<created>true</created>" in created.text, created.text
            read = http.post(
                url,
                data=envelope(
                    session_id,
                    f"<readMetadata><type>ExternalClientApplication</type><fullNames>Conc_{n}</fullNames>"
                    "</readMetadata>",
                ),
                timeout=30,
            )
            listed = http.post(
                url,
                data=envelope(
                    session_id,
                    "<listMetadata><queries><type>ExternalClientApplication</type></queries>"
                    "<asOfVersion>60.0</asOfVersion></listMetadata>",
                ),
                timeout=30,
            )
            return n, read.text.split("<label>")[1].split("<")[0], listed.text.count("<fullName>Conc_")

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(client, range(20)))
    assert [(n, label) for n, label, _ in results] == [(n, f"Client {n}") for n in range(20)]
    assert all(1 <= seen <= 20 for _, _, seen in results)
    assert (
        len(
            [r for r in served.org.components("ExternalClientApplication") if r.full_name.startswith("Conc_")]
        )
        == 20
    )


# --- where an org lives, restarts, one server per org ---------------------------------------------
def test_state_survives_a_restart(tmp_path: Path) -> None:
    with serve_local_org(tmp_path) as first:
        first.org.create_metadata(
            [("ExternalClientApplication", {"fullName": "Kept", "label": "Kept"})], first.org.admin_user()
        )
        org_id, password = first.org_id, first.admin_password
    assert not (tmp_path / "server.json").exists()
    with serve_local_org(tmp_path) as second:
        assert (second.org_id, second.admin_password) == (org_id, password)
        with trusting_session(second.ca_bundle) as session:
            session_id, instance = SalesforceLogin(
                username=second.admin_username,
                password=second.admin_password,
                security_token="",
                sf_version="60.0",
                session=session,
                scratch_url=second.instance_url,
            )
        assert second.org.authenticate(session_id).user.username == second.admin_username
        assert instance == second.instance_url.removeprefix("https://")
        assert second.org.read_metadata("ExternalClientApplication", ["Kept"])[0] is not None


def test_a_second_serve_of_the_same_org_is_refused(tmp_path: Path) -> None:
    with serve_local_org(tmp_path) as handle:
        info = json.loads((tmp_path / "server.json").read_text())
        assert (info["port"], info["pid"], info["ca_bundle"]) == (
            handle.port,
            os.getpid(),
            str(handle.ca_bundle),
        )
        running = find_running(tmp_path)
        assert running is not None and running.instance_url == handle.instance_url
        with pytest.raises(AlreadyServed, match=handle.instance_url), serve_local_org(tmp_path):
            pass
    assert find_running(tmp_path) is None


def test_a_stale_server_json_is_detected_and_removed(tmp_path: Path) -> None:
    (tmp_path / "server.json").write_text(
        json.dumps(
            {
                "pid": 999999,
                "port": 1,
                "instance_url": "https://127.0.0.1:1",
                "ca_bundle": "x",
                "org_id": "x",
                "started": 0.0,
            }
        )
    )
    assert find_running(tmp_path) is None
    assert not (tmp_path / "server.json").exists()
    with serve_local_org(tmp_path) as handle:
        assert handle.port > 0


def test_non_loopback_addresses_need_allow_remote(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="non-loopback"), serve_local_org(tmp_path, host="0.0.0.0"):  # noqa: S104
        pass


# --- deploy and retrieve through simple-salesforce, injected faults -------------------------------
def test_simple_salesforce_deploy_and_check_status(served: LocalOrgHandle, sf: Any, tmp_path: Path) -> None:
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    good.write_bytes(eca_zip("Ss_Deployed"))
    bad.write_bytes(
        make_zip(
            {
                "package.xml": package_xml(
                    {"ExternalClientApplication": ["Ss_Good"], "ConnectedApp": ["Ss_New_Ca"]}
                ),
                "externalClientApps/Ss_Good.eca": eca_xml(),
                "connectedApps/Ss_New_Ca.connectedApp": connected_app_xml(),
            }
        )
    )
    deployed = sf.deploy(str(good), sandbox=False)
    assert deployed["state"] == "Queued"
    status = sf.checkDeployStatus(deployed["asyncId"])
    assert status["state"] == "Succeeded"
    assert status["deployment_detail"]["deployed_count"] == "1"
    assert served.org.read_metadata("ExternalClientApplication", ["Ss_Deployed"])[0] is not None
    failed = sf.checkDeployStatus(sf.deploy(str(bad), sandbox=False)["asyncId"])
    assert failed["state"] == "Failed"
    (error,) = failed["deployment_detail"]["errors"]
    assert error["file"] == "connectedApps/Ss_New_Ca.connectedApp" and "connected app" in error["message"]
    assert served.org.read_metadata("ExternalClientApplication", ["Ss_Good"]) == [None]


def test_simple_salesforce_check_only_and_destructive_deploys(
    served: LocalOrgHandle, sf: Any, tmp_path: Path
) -> None:
    served.org.create_metadata(
        [("ExternalClientApplication", {"fullName": "Ss_Doomed", "label": "D"})], served.org.admin_user()
    )
    check_only = tmp_path / "check.zip"
    check_only.write_bytes(eca_zip("Ss_Checked"))
    status = sf.checkDeployStatus(sf.deploy(str(check_only), sandbox=False, checkOnly=True)["asyncId"])
    assert status["state"] == "Succeeded"
    assert served.org.read_metadata("ExternalClientApplication", ["Ss_Checked"]) == [None]
    destructive = tmp_path / "destructive.zip"
    destructive.write_bytes(
        make_zip(
            {
                "package.xml": package_xml({}),
                "destructiveChanges.xml": package_xml({"ExternalClientApplication": ["Ss_Doomed"]}),
            }
        )
    )
    assert sf.checkDeployStatus(sf.deploy(str(destructive), sandbox=False)["asyncId"])["state"] == "Succeeded"
    assert served.org.read_metadata("ExternalClientApplication", ["Ss_Doomed"]) == [None]


def test_simple_salesforce_retrieve_and_check_status(served: LocalOrgHandle, sf: Any) -> None:
    served.org.create_metadata(
        [("ExternalClientApplication", {"fullName": "Ss_Kept", "label": "Kept"})], served.org.admin_user()
    )
    async_id, state = sf.mdapi.retrieve("ignored", unpackaged={"ExternalClientApplication": ["Ss_Kept"]})
    assert state == "Queued"
    assert sf.mdapi.check_retrieve_status(async_id) == ("Succeeded", None, [])
    state, error, _messages, data = sf.mdapi.retrieve_zip(async_id)
    assert (state, error) == ("Succeeded", None)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == [
        "externalClientApps/Ss_Kept.eca",
        "package.xml",
    ]  # singlePackage=True
    assert b"<label>Kept</label>" in archive.read("externalClientApps/Ss_Kept.eca")


def test_faults_set_at_startup_and_through_the_endpoint(tmp_path: Path) -> None:
    from zeep.exceptions import Fault

    startup = {"error_rate": {"readMetadata": 1.0}, "error_code": "SERVER_UNAVAILABLE"}
    with serve_local_org(tmp_path, faults=startup) as handle:
        client = simple_salesforce_client(handle)
        try:
            with pytest.raises(Fault) as info:
                client.mdapi.ConnectedApp.read("X")
            assert info.value.code == "sf:SERVER_UNAVAILABLE"
            with trusting_session(handle.ca_bundle) as http:
                http.headers["Authorization"] = f"Bearer {client.session_id}"
                url = f"{handle.instance_url}/_localorg/faults"
                answer = http.post(url, json={"reset": True, "request_limit_exceeded": True}, timeout=10)
                assert answer.status_code == 200 and answer.json()["error_rate"] == {}
                with pytest.raises(Fault) as limited:
                    client.mdapi.ConnectedApp.read("X")
                assert limited.value.code == "sf:REQUEST_LIMIT_EXCEEDED"
                assert http.post(url, json={"reset": True}, timeout=10).status_code == 200
            assert client.mdapi.ConnectedApp.read("X").fullName is None
        finally:
            close_client(client)


def test_query_strings_never_reach_the_log(served: LocalOrgHandle, caplog: pytest.LogCaptureFixture) -> None:
    secret = "00DSECRETtokenValue123"
    with (
        caplog.at_level("DEBUG", logger="sfconnect.localorg._server"),
        trusting_session(served.ca_bundle) as s,
    ):
        s.get(f"{served.instance_url}/services/data/v60.0/?oauth_token={secret}", timeout=10)
    assert any("/services/data/v60.0/" in r.getMessage() for r in caplog.records)
    assert secret not in caplog.text
