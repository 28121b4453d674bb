"""Benchmark the embedded local org: startup cost, readMetadata and deploy round trips per second.

Run: python -m bench.bench_localorg [--seconds 3] [--clients 4]

Requests go over real HTTPS with keep-alive (one requests.Session per client thread), as raw SOAP, so the
figures measure the server, not a client library's own parsing.
"""

from __future__ import annotations

import argparse
import base64
import io
import statistics
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from sfconnect.localorg import LocalOrgHandle, serve_local_org
from sfconnect.localorg.wsdl import load_schema

MD = "http://soap.sforce.com/2006/04/metadata"


def _envelope(session_id: str, body: str) -> bytes:
    return (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<s:Header><SessionHeader xmlns="{MD}"><sessionId>{session_id}</sessionId></SessionHeader>'
        "</s:Header>"
        f'<s:Body xmlns="{MD}">{body}</s:Body></s:Envelope>'
    ).encode()


def _session(handle: LocalOrgHandle) -> requests.Session:
    http = requests.Session()
    http.verify = str(handle.ca_bundle)
    http.trust_env = False
    return http


def _login(handle: LocalOrgHandle, http: requests.Session) -> str:
    body = (
        '<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body>'
        f'<login xmlns="urn:partner.soap.sforce.com"><username>{handle.admin_username}</username>'
        f"<password>{handle.admin_password}</password></login></se:Body></se:Envelope>"
    ).encode()
    text = http.post(f"{handle.instance_url}/services/Soap/u/60.0", data=body, timeout=30).text
    return text.split("<sessionId>")[1].split("<")[0]


def _zip(name: str) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "package.xml",
            f'<Package xmlns="{MD}"><types><members>{name}</members><name>ExternalClientApplication</name>'
            "</types><version>60.0</version></Package>",
        )
        archive.writestr(
            f"externalClientApps/{name}.eca",
            f'<ExternalClientApplication xmlns="{MD}"><label>{name}</label></ExternalClientApplication>',
        )
    return base64.b64encode(buffer.getvalue()).decode()


def _run(clients: int, seconds: float, work: Callable[[int], int]) -> tuple[float, list[float]]:
    """Run `work(client)` in `clients` threads for `seconds`; `work` returns its number of round trips."""
    stop = time.monotonic() + seconds
    counts = [0] * clients
    latencies: list[float] = []
    lock = threading.Lock()

    def loop(n: int) -> None:
        while time.monotonic() < stop:
            start = time.perf_counter()
            counts[n] += work(n)
            with lock:
                latencies.append(time.perf_counter() - start)

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(loop, range(clients)))
    return sum(counts) / (time.monotonic() - began), latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each measurement")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        load_schema()
        parse = time.perf_counter() - started
        started = time.perf_counter()
        load_schema()
        again = time.perf_counter() - started
        print(f"WSDL parse (once per process): {parse * 1000:.0f} ms; again: {again * 1000:.1f} ms")

        started = time.perf_counter()
        with serve_local_org(Path(tmp) / "org") as handle:
            elapsed = (time.perf_counter() - started) * 1000
            print(f"first serve (seed, CA, server cert, listen): {elapsed:.0f} ms")
            handle.org.create_metadata(
                [("ExternalClientApplication", {"fullName": "Bench_Read", "label": "Bench"})],
                handle.org.admin_user(),
            )
            sessions = [_session(handle) for _ in range(args.clients)]
            ids = [_login(handle, s) for s in sessions]
            url = f"{handle.instance_url}/services/Soap/m/60.0"
            read_body = [
                _envelope(
                    sid,
                    "<readMetadata><type>ExternalClientApplication</type><fullNames>Bench_Read</fullNames>"
                    "</readMetadata>",
                )
                for sid in ids
            ]

            def read(n: int) -> int:
                response = sessions[n].post(url, data=read_body[n], timeout=30)
                assert response.status_code == 200
                return 1

            rate, latencies = _run(args.clients, args.seconds, read)
            print(
                f"readMetadata: {rate:.0f} round trips/s with {args.clients} clients "
                f"(median {statistics.median(latencies) * 1000:.1f} ms)"
            )
            counter = iter(range(10**9))

            def deploy(n: int) -> int:
                name = f"Bench_{n}_{next(counter)}"
                answer = (
                    sessions[n]
                    .post(
                        url,
                        data=_envelope(
                            ids[n],
                            f"<deploy><ZipFile>{_zip(name)}</ZipFile><DeployOptions><singlePackage>true"
                            "</singlePackage></DeployOptions></deploy>",
                        ),
                        timeout=30,
                    )
                    .text
                )
                job = answer.split("<id>")[1].split("<")[0]
                status = (
                    sessions[n]
                    .post(
                        url,
                        data=_envelope(
                            ids[n],
                            f"<checkDeployStatus><asyncProcessId>{job}</asyncProcessId>"
                            "<includeDetails>true</includeDetails></checkDeployStatus>",
                        ),
                        timeout=30,
                    )
                    .text
                )
                assert "<status>Succeeded</status>" in status, status[:500]
                return 1

            rate, latencies = _run(args.clients, args.seconds, deploy)
            print(
                f"deploy + checkDeployStatus: {rate:.0f} deploys/s with {args.clients} clients "
                f"(median {statistics.median(latencies) * 1000:.1f} ms per deploy, 2 requests)"
            )
            for s in sessions:
                s.close()


if __name__ == "__main__":
    main()
