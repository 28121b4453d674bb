"""Load on the served local org: closed-loop clients, half `readMetadata`, half JWT bearer token requests.

Run: ``python -m bench.bench_server_load [--clients 50] [--seconds 30]``. The org is served by its own process
(`python -m sfconnect.localorg`, as commands share it), on 127.0.0.1 only; the clients run in this process,
each on its own keep-alive HTTPS connection, with no think time. Prints requests per second, p50 and p99 per
kind, errors, and the server's resident memory before and after (targets: p99 under 500 ms, memory after
within 20% of before).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from sfconnect.localorg import find_running, open_local_org

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
APP = "Bench_Load_App"
MD = "http://soap.sforce.com/2006/04/metadata"


def _key_and_cert() -> tuple[rsa.RSAPrivateKey, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sfconnect bench")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _prepare(data_dir: Path, cert_pem: str) -> tuple[str, str, str]:
    """Create the org with a JWT-enabled app; returns (consumer key, admin username, admin password)."""
    org = open_local_org(data_dir)
    try:
        org.set_setting("connected_app_creation_allowed", True)
        admin = org.admin_user()
        record = {
            "fullName": APP,
            "label": "Bench Load App",
            "contactEmail": "ops@example.com",
            "profileName": ["System Administrator"],
            "oauthConfig": {
                "callbackUrl": "https://app.example.com/cb",
                "scopes": ["Api"],
                "certificate": cert_pem,
                "isAdminApproved": "true",
            },
        }
        result = org.create_metadata([("ConnectedApp", record)], admin)[0]
        if not result.success:
            raise RuntimeError(f"could not create the bench app: {result.errors}")
        creds = org.credentials_of("ConnectedApp", APP)
        if creds is None:
            raise RuntimeError("the bench app has no consumer key")
        return creds.consumer_key, admin.username, org.password_of(admin.username)
    finally:
        org.close()


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class _Client:
    """One keep-alive HTTPS connection to the org."""

    def __init__(self, port: int, context: ssl.SSLContext) -> None:
        self.port = port
        self.context = context
        self.conn = self._open()

    def _open(self) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=30)

    def post(self, path: str, body: bytes, content_type: str) -> int:
        for attempt in range(2):
            try:
                self.conn.request("POST", path, body=body, headers={"Content-Type": content_type})
                response = self.conn.getresponse()
                response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = self._open()
                return response.status
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = self._open()
                if attempt:
                    raise
        return 0


def run(clients: int, seconds: float, out: Callable[[str], None] = print) -> dict[str, float]:
    """Serve an org in a child process, load it, print and return the figures."""
    key, cert_pem = _key_and_cert()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "org"
        consumer_key, username, password = _prepare(data_dir, cert_pem)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sfconnect.localorg",
                "--data-dir",
                str(data_dir),
                "--idle-seconds",
                "3600",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            info = None
            while time.monotonic() < deadline and (info is None or info.pid != server.pid):
                info = find_running(data_dir)
                time.sleep(0.05)
            if info is None or info.pid != server.pid:
                raise RuntimeError("the local org server did not start")
            context = ssl.create_default_context(cafile=info.ca_bundle)
            login = (
                '<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body>'
                f'<login xmlns="urn:partner.soap.sforce.com"><username>{username}</username>'
                f"<password>{password}</password></login></se:Body></se:Envelope>"
            ).encode()
            first = _Client(info.port, context)
            first.conn.request(
                "POST", "/services/Soap/u/63.0", body=login, headers={"Content-Type": "text/xml"}
            )
            session_id = first.conn.getresponse().read().decode().split("<sessionId>")[1].split("<")[0]
            read = (
                '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
                f'<s:Header><SessionHeader xmlns="{MD}"><sessionId>{session_id}</sessionId></SessionHeader>'
                f'</s:Header><s:Body xmlns="{MD}"><readMetadata><type>ConnectedApp</type>'
                f"<fullNames>{APP}</fullNames></readMetadata></s:Body></s:Envelope>"
            ).encode()
            exp = int(time.time()) + int(seconds) + 600
            assertion = jwt.encode(
                {"iss": consumer_key, "sub": username, "aud": info.instance_url, "exp": exp}, key, "RS256"
            )
            token = urlencode({"grant_type": JWT_GRANT, "assertion": assertion}).encode()
            for path, body, ctype in (
                ("/services/Soap/m/63.0", read, "text/xml"),
                ("/services/oauth2/token", token, "application/x-www-form-urlencoded"),
            ):
                status = first.post(path, body, ctype)
                if status != 200:
                    raise RuntimeError(f"warm-up {path} answered HTTP {status}")
            first.conn.close()
            time.sleep(1.0)
            memory_before = _rss_kib(server.pid)
            latencies: dict[str, list[float]] = {"readMetadata": [], "token": []}
            errors: dict[str, int] = {"readMetadata": 0, "token": 0}
            lock = threading.Lock()
            start_gate = threading.Barrier(clients + 1)
            stop_at = [0.0]

            def worker(n: int) -> None:
                client = _Client(info.port, context)
                kind = "readMetadata" if n % 2 == 0 else "token"
                path, body, ctype = (
                    ("/services/Soap/m/63.0", read, "text/xml")
                    if kind == "readMetadata"
                    else ("/services/oauth2/token", token, "application/x-www-form-urlencoded")
                )
                mine: list[float] = []
                failed = 0
                start_gate.wait()
                while time.perf_counter() < stop_at[0]:
                    began = time.perf_counter()
                    try:
                        ok = client.post(path, body, ctype) == 200
                    except (ConnectionError, http.client.HTTPException, OSError):
                        ok = False
                    mine.append(time.perf_counter() - began)
                    failed += not ok
                client.conn.close()
                with lock:
                    latencies[kind] += mine
                    errors[kind] += failed

            threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
            for t in threads:
                t.start()
            stop_at[0] = time.perf_counter() + seconds
            began = time.perf_counter()
            start_gate.wait()
            for t in threads:
                t.join(timeout=seconds + 120)
            elapsed = time.perf_counter() - began
            time.sleep(1.0)
            memory_after = _rss_kib(server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=20)
    total = sum(len(v) for v in latencies.values())
    figures: dict[str, float] = {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests_per_second": round(total / elapsed, 1),
        "memory_before_mib": round(memory_before / 1024, 1),
        "memory_after_mib": round(memory_after / 1024, 1),
    }
    out(
        f"{clients} closed-loop clients for {elapsed:.1f}s on {os.cpu_count()} cores: {total / elapsed:.0f} req/s"
    )
    for kind, values in latencies.items():
        p50, p99 = _percentile(values, 0.50) * 1000, _percentile(values, 0.99) * 1000
        figures[f"{kind}_p50_ms"] = round(p50, 1)
        figures[f"{kind}_p99_ms"] = round(p99, 1)
        figures[f"{kind}_requests"] = len(values)
        figures[f"{kind}_errors"] = errors[kind]
        mean = statistics.fmean(values) * 1000 if values else float("nan")
        out(
            f"  {kind:<13} {len(values) / elapsed:7.1f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   "
            f"mean {mean:6.1f} ms   errors {errors[kind]}"
        )
    growth = (memory_after - memory_before) / memory_before * 100 if memory_before else float("nan")
    figures["memory_growth_percent"] = round(growth, 1)
    out(
        f"  server memory (RSS): {memory_before / 1024:.1f} MiB before, {memory_after / 1024:.1f} MiB after "
        f"({growth:+.1f}%)"
    )
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = parser.parse_args(argv)
    figures = run(args.clients, args.seconds)
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
