"""The server under cheap attacks (issue 20, item 5): bodies before authentication, slow and silent
connections, the Host header, the CA's reach, expired sessions."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sfconnect.localorg import LocalOrg, LocalOrgHandle, serve_local_org
from sfconnect.localorg._models import SESSION_PURGE_SECONDS
from sfconnect.localorg._server import (
    THREADS,
    UNAUTHENTICATED_BODY_BYTES,
    LocalOrgServer,
)
from sfconnect.localorg._tls import ensure_tls_files
from tests.localorg.conftest import FakeClock, trusting_session
from tests.served import served_in_subprocess


@pytest.fixture
def org(tmp_path: Path) -> Iterator[LocalOrgHandle]:
    with serve_local_org(tmp_path / "org") as handle:
        yield handle


def _tls(handle: LocalOrgHandle) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(handle.ca_bundle))


def _raw(handle: LocalOrgHandle, head: bytes, body_bytes: int = 0, timeout: float = 20) -> bytes:
    """Send a request head, then up to `body_bytes` of body in chunks (stopping when the server closes)."""
    with (
        socket.create_connection(("127.0.0.1", handle.port), timeout=timeout) as plain,
        _tls(handle).wrap_socket(plain, server_hostname="127.0.0.1") as tls,
    ):
        tls.sendall(head)
        chunk = b"x" * 65536
        sent = 0
        try:
            while sent < body_bytes:
                tls.sendall(chunk)
                sent += len(chunk)
        except (ConnectionError, ssl.SSLError, OSError):
            pass  # the server stopped reading and closed: what we want
        answer = b""
        try:
            while not answer.endswith(b"}]") and len(answer) < 65536:
                data = tls.recv(65536)
                if not data:
                    break
                answer += data
        except (ConnectionError, ssl.SSLError, OSError):
            pass
    return answer


# --- unauthenticated bodies ------------------------------------------------------------------------


def test_a_large_login_body_is_refused_before_it_is_read(org: LocalOrgHandle) -> None:
    head = (
        b"POST /services/Soap/u/60.0 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
        b"Content-Length: 62914560\r\n\r\n"
    )
    began = time.monotonic()
    answer = _raw(org, head)  # no body sent at all: the answer must not wait for it
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert time.monotonic() - began < 5


def test_a_large_metadata_body_without_a_live_session_is_refused_after_a_peek(org: LocalOrgHandle) -> None:
    start = b"<Envelope><Header><SessionHeader><sessionId>00Dbogus!AQnope</sessionId></SessionHeader>"
    head = (
        b"POST /services/Soap/m/60.0 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
        b"Content-Length: 8388608\r\n\r\n" + start
    )
    began = time.monotonic()
    answer = _raw(org, head)  # the session is judged on what came first; the 8 MiB never arrive
    assert answer.startswith(b"HTTP/1.1 500 "), answer[:200]
    assert time.monotonic() - began < 5
    assert b"INVALID_SESSION_ID" in answer


def test_a_large_rest_body_without_a_bearer_is_refused(org: LocalOrgHandle) -> None:
    head = (
        b"POST /services/data/v60.0/metadata/deployRequest HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 8388608\r\n\r\n"
    )
    answer = _raw(org, head)
    assert answer.startswith(b"HTTP/1.1 401 "), answer[:200]


def test_small_unauthenticated_bodies_still_work(org: LocalOrgHandle) -> None:
    body = (
        '<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body>'
        f'<login xmlns="urn:partner.soap.sforce.com"><username>{org.admin_username}</username>'
        f"<password>{org.admin_password}</password></login></se:Body></se:Envelope>"
    ).encode()
    assert len(body) < UNAUTHENTICATED_BODY_BYTES
    with trusting_session(org.ca_bundle) as http:
        resp = http.post(f"{org.instance_url}/services/Soap/u/60.0", data=body, timeout=10)
    assert resp.status_code == 200 and "<sessionId>" in resp.text


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_six_parallel_60_mib_unauthenticated_bodies_leave_the_server_memory_flat(tmp_path: Path) -> None:
    data_dir = tmp_path / "org"
    with served_in_subprocess(data_dir) as (proc, info):
        handle = LocalOrgHandle(
            info.instance_url,
            Path(info.ca_bundle),
            "",
            "",
            info.org_id,
            info.port,
            data_dir,
            None,  # type: ignore[arg-type]  # only the address is used: the org runs in the subprocess
            None,  # type: ignore[arg-type]
        )
        before = _rss_kib(proc.pid)
        heads = [
            b"POST /services/Soap/u/60.0 HTTP/1.1\r\nHost: x\r\nContent-Length: 62914560\r\n\r\n",
            b"POST /services/Soap/m/60.0 HTTP/1.1\r\nHost: x\r\nContent-Length: 62914560\r\n\r\n",
        ]
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda n: _raw(handle, heads[n % 2], 60 * 1024 * 1024), range(6)))
        after = _rss_kib(proc.pid)
    # refused (or reset while the client was still sending what the server would not read)
    assert all(a.startswith((b"HTTP/1.1 413 ", b"HTTP/1.1 500 ")) or a == b"" for a in answers), answers
    assert after - before < 20 * 1024, (before, after)  # under 20 MiB more, not the 750 MiB of before


# --- connections: thread pool and timeouts ---------------------------------------------------------


def test_silent_connections_neither_take_threads_nor_block_others(org: LocalOrgHandle) -> None:
    threads_before = threading.active_count()
    silent = [socket.create_connection(("127.0.0.1", org.port), timeout=10) for _ in range(3 * THREADS)]
    try:
        time.sleep(0.3)
        with trusting_session(org.ca_bundle) as http:
            began = time.monotonic()
            assert http.get(f"{org.instance_url}/services/data", timeout=10).status_code == 200
            assert time.monotonic() - began < 5
        assert threading.active_count() <= threads_before + 2  # a fixed pool, not a thread per connection
    finally:
        for s in silent:
            s.close()


def test_a_silent_connection_is_closed_after_the_connection_timeout(tmp_path: Path) -> None:
    org = LocalOrg(tmp_path / "org.db")
    tls = ensure_tls_files(tmp_path)
    server = LocalOrgServer(org, tls=(tls.server_cert, tls.server_key), timeout=1.0)
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as plain:
            plain.sendall(b"\x16\x03\x01")  # the first bytes of a ClientHello, then nothing
            began = time.monotonic()
            try:
                data = plain.recv(100)
            except ConnectionError:
                data = b""
            assert data == b"" or not data.startswith(b"HTTP/")
            assert time.monotonic() - began < 8
    finally:
        server.stop()
        org.close()


# --- the Host header -------------------------------------------------------------------------------


def test_urls_handed_out_use_the_configured_host_not_the_host_header(org: LocalOrgHandle) -> None:
    with trusting_session(org.ca_bundle) as http:
        body = (
            '<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body>'
            f'<login xmlns="urn:partner.soap.sforce.com"><username>{org.admin_username}</username>'
            f"<password>{org.admin_password}</password></login></se:Body></se:Envelope>"
        )
        login = http.post(
            f"{org.instance_url}/services/Soap/u/60.0",
            data=body,
            headers={"Host": "evil.example", "Content-Type": "text/xml"},
            timeout=10,
        )
        session_id = login.text.split("<sessionId>")[1].split("<")[0]
        resp = http.get(
            f"{org.instance_url}/services/data/v60.0",
            headers={"Host": "evil.example:443", "Authorization": f"Bearer {session_id}"},
            timeout=10,
        )
    assert resp.status_code == 200 and "evil.example" not in resp.text
    assert f"{org.instance_url}/id/" in resp.text
    assert "<serverUrl>" in login.text and "evil.example" not in login.text
    assert f"<serverUrl>{org.instance_url}/" in login.text


# --- the CA ----------------------------------------------------------------------------------------


def _leaf(ca_dir: Path, name: x509.GeneralName) -> x509.Certificate:
    ca = x509.load_pem_x509_certificate((ca_dir / "ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key((ca_dir / "ca-key.pem").read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leaf")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([name]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def test_the_ca_is_name_constrained_to_loopback(tmp_path: Path) -> None:
    from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

    files = ensure_tls_files(tmp_path)
    ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    constraints = ca.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    permitted = set(constraints.value.permitted_subtrees or ())
    assert x509.DNSName("localhost") in permitted
    assert x509.IPAddress(ipaddress.ip_network("127.0.0.0/8")) in permitted
    verifier = PolicyBuilder().store(Store([ca])).build_server_verifier(x509.DNSName("localhost"))
    server = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
    verifier.verify(server, [])  # the org's own certificate is fine
    evil = _leaf(tmp_path, x509.DNSName("login.salesforce.com"))
    foreign = PolicyBuilder().store(Store([ca])).build_server_verifier(x509.DNSName("login.salesforce.com"))
    with pytest.raises(VerificationError):
        foreign.verify(evil, [])  # even if trusted system-wide, it cannot vouch for another site


def test_a_ca_made_before_name_constraints_is_replaced(tmp_path: Path) -> None:
    files = ensure_tls_files(tmp_path)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "old CA")])
    now = dt.datetime.now(dt.UTC)
    old = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=100))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    files.ca_cert.write_bytes(old.public_bytes(serialization.Encoding.PEM))
    ensure_tls_files(tmp_path)
    renewed = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    assert renewed != old
    assert [e.value for e in renewed.extensions if isinstance(e.value, x509.NameConstraints)] != []


# --- sessions --------------------------------------------------------------------------------------


def test_expired_sessions_are_purged(tmp_path: Path) -> None:
    clock = FakeClock()
    org = LocalOrg(tmp_path / "org.db", clock)
    try:
        admin = org.admin_user()
        for _ in range(50):
            org.create_session(admin, timeout_seconds=60)
        clock.advance(SESSION_PURGE_SECONDS + 61)
        org.create_session(admin, timeout_seconds=60)
        count = org.store._one("SELECT COUNT(*) FROM sessions", ())
        assert count is not None and int(count[0]) == 1
    finally:
        org.close()
