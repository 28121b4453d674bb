"""Request targets the server must route as Salesforce does, whatever form the client writes them in.

The sf CLI stores an instance URL as ``https://host/`` (``new URL(...)`` adds the slash) and appends
``/services/data/...``, so every REST call it makes asks for ``//services/data/...``; Salesforce serves those
(the CLI works against real orgs), and ``tests/localorg/test_sf_cli_live.py`` runs the CLI itself when it is
installed. RFC 9112 section 3.2.2: a server must accept a request target in absolute form. cheroot took the first
for an authority and refused both.
"""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from sfconnect.localorg import LocalOrgHandle, serve_local_org
from sfconnect.localorg._server import request_path


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("/services/data/v60.0/query?q=SELECT+Id+FROM+User", "/services/data/v60.0/query"),
        ("//services/data/v60.0/query?q=SELECT%20Id%20FROM%20User", "/services/data/v60.0/query"),
        ("//services//Soap/m/63.0", "/services/Soap/m/63.0"),
        ("https://127.0.0.1:8443/services/oauth2/token", "/services/oauth2/token"),
        ("https://127.0.0.1:8443", "/"),
        ("/", "/"),
        ("/services/data?next=https://elsewhere.example/x", "/services/data"),
    ],
)
def test_request_path(target: str, path: str) -> None:
    assert request_path(target) == path


@pytest.fixture
def org(tmp_path: Path) -> Iterator[LocalOrgHandle]:
    with serve_local_org(tmp_path / "org") as handle:
        yield handle


def _get(handle: LocalOrgHandle, target: str, token: str, method: str = "GET") -> tuple[int, bytes]:
    context = ssl.create_default_context(cafile=str(handle.ca_bundle))
    head = (
        f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{handle.port}\r\nAuthorization: Bearer {token}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with (
        socket.create_connection(("127.0.0.1", handle.port), timeout=20) as plain,
        context.wrap_socket(plain, server_hostname="127.0.0.1") as tls,
    ):
        tls.sendall(head)
        answer = b""
        while data := tls.recv(65536):
            answer += data
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


@pytest.mark.parametrize(
    "form",
    [
        pytest.param("/services/data/v60.0/query?q=SELECT+COUNT()+FROM+User", id="origin-form"),
        pytest.param("//services/data/v60.0/query?q=SELECT+COUNT()+FROM+User", id="double-slash (sf CLI)"),
        pytest.param("{base}/services/data/v60.0/query?q=SELECT+COUNT()+FROM+User", id="absolute-form"),
    ],
)
def test_a_query_answers_in_every_form_of_target(org: LocalOrgHandle, form: str) -> None:
    session = org.org.login(org.admin_username, org.admin_password)
    status, body = _get(org, form.format(base=org.instance_url), session.session_id)
    assert status == 200, body
    assert json.loads(body)["totalSize"] == 2


def test_connect_is_not_a_route(org: LocalOrgHandle) -> None:
    status, _ = _get(org, f"127.0.0.1:{org.port}", "none", method="CONNECT")
    assert status in (404, 405)
