"""Token requests per second against a served local org, over HTTPS with keep-alive.

Run: `python -m bench.bench_oauth [--seconds 3] [--threads 1,4]`. Prints one line per grant and thread count.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

from sfconnect.localorg import LocalOrgHandle, serve_local_org


def _session(handle: LocalOrgHandle) -> requests.Session:
    session = requests.Session()
    session.verify = str(handle.ca_bundle)
    session.trust_env = False
    return session


def _make_app(handle: LocalOrgHandle) -> tuple[str, str]:
    org = handle.org
    org.set_setting("connected_app_creation_allowed", True)
    org.set_setting("username_password_flows_blocked", False)
    integration = next(u.username for u in org.users() if u.api_only)
    record = {
        "fullName": "Bench_App",
        "label": "Bench App",
        "contactEmail": "ops@example.com",
        "oauthConfig": {
            "callbackUrl": "https://app.example.com/cb",
            "scopes": ["Api", "RefreshToken"],
            "isClientCredentialEnabled": "true",
            "oauthClientCredentialUser": integration,
        },
    }
    result = org.create_metadata([("ConnectedApp", record)], org.admin_user())[0]
    if not result.success:
        raise RuntimeError(f"could not create the bench app: {result.errors}")
    creds = org.credentials_of("ConnectedApp", "Bench_App")
    if creds is None:
        raise RuntimeError("the bench app has no credentials")
    return creds.consumer_key, creds.consumer_secret


def _rate(handle: LocalOrgHandle, form: dict[str, str], threads: int, seconds: float) -> tuple[float, int]:
    url = f"{handle.instance_url}/services/oauth2/token"
    counts = [0] * threads
    failures = [0] * threads
    deadline = time.perf_counter() + seconds

    def worker(i: int) -> None:
        with _session(handle) as session:
            while time.perf_counter() < deadline:
                answer = session.post(url, data=form)
                if answer.status_code == 200:
                    counts[i] += 1
                else:
                    failures[i] += 1

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(counts) / (time.perf_counter() - started), sum(failures)


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> None:
    """Serve a fresh org, make one app, and print token requests per second per grant."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--threads", default="1,4")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, serve_local_org(Path(tmp) / "org") as handle:
        key, secret = _make_app(handle)
        grants = {
            "client_credentials": {
                "grant_type": "client_credentials",
                "client_id": key,
                "client_secret": secret,
            },
            "password": {
                "grant_type": "password",
                "client_id": key,
                "client_secret": secret,
                "username": handle.admin_username,
                "password": handle.admin_password,
            },
        }
        for name, form in grants.items():
            for threads in (int(t) for t in args.threads.split(",")):
                rate, failures = _rate(handle, form, threads, args.seconds)
                out(f"{name:20s} threads={threads:<3d} {rate:8.1f} token requests/s  failures={failures}")


if __name__ == "__main__":
    main()
