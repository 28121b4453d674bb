"""Benchmark `plan`: API calls against the lower bound, wall time against the ideal, peak memory.

Run: python -m bench.bench_plan [--sizes 1,10,100,500] [--latency 0.1] [--concurrency 4]

For each N, a project of N External Client Apps is applied to a fresh embedded org (served by a separate
`sfconnect localorg serve` process, so that this process measures only the client); then the org gets an
injected latency per request and the plan is made in-process. Printed per N:

- calls: Metadata API calls the plan made; bound: the lower bound (one listMetadata per three types, plus
  ceil(N_type / 10) readMetadata per type);
- setup: one-time cost (the login) reported separately;
- plan: the rest of the wall time; ideal: (sum of reads / concurrency + list calls) x latency; ratio = plan / ideal;
- rss: the peak resident memory of this process.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

APP = """  - kind: ExternalClientApp
    name: Bench_App_{i:04d}
    label: Bench App {i}
    contact: {{email: bench@example.com}}
    oauth:
      callback_urls: [https://bench.example.com/{i}/callback]
      scopes: [api, refresh_token]
"""


def _wait_for_server(project: Path, proc: subprocess.Popen[bytes]) -> dict[str, object]:
    info_file = project / ".sfconnect" / "localorg" / "default" / "server.json"
    for _ in range(300):
        if info_file.exists():
            try:
                return dict(json.loads(info_file.read_text()))
            except ValueError:
                pass
        if proc.poll() is not None:
            raise SystemExit("the local org server exited")
        time.sleep(0.05)
    raise SystemExit("the local org server did not start")


def run(size: int, latency: float, concurrency: int) -> dict[str, float]:
    from sfconnect.org.auth import UsernamePasswordAuth
    from sfconnect.org.targets import connect
    from sfconnect.plan.service import MANAGED_TYPES, make_plan
    from sfconnect.spec.load import load_project

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "apps").mkdir()
        (project / "apps" / "apps.yaml").write_text("apps:\n" + "".join(APP.format(i=i) for i in range(size)))
        server = subprocess.Popen(
            [sys.executable, "-m", "sfconnect", "localorg", "serve", "-C", str(project)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            info = _wait_for_server(project, server)
            seeded = subprocess.run(
                [sys.executable, "-m", "sfconnect", "apply", "-C", str(project), "--auto-approve"],
                capture_output=True,
                text=True,
            )
            if seeded.returncode != 0:
                raise SystemExit(f"seeding {size} apps failed: {seeded.stderr[-500:]}")
            details = subprocess.run(
                [sys.executable, "-m", "sfconnect", "localorg", "info", "--json", "-C", str(project)],
                capture_output=True,
                text=True,
                check=True,
            )
            admin = json.loads(details.stdout)
            started = time.perf_counter()
            auth = UsernamePasswordAuth(
                str(info["instance_url"]), admin["admin_username"], admin["admin_password"]
            )
            connection = connect("bench", auth, str(info["ca_bundle"]), api_version="63.0")
            setup = time.perf_counter() - started
            import requests

            with requests.Session() as http:
                http.verify = str(info["ca_bundle"])
                http.trust_env = False
                response = http.post(
                    f"{info['instance_url']}/_localorg/faults",
                    json={"latency_seconds": latency},
                    headers={"Authorization": f"Bearer {connection.session.session_id}"},
                    timeout=30,
                )
                response.raise_for_status()
            loaded = load_project(project, environ={})
            connection.api.calls.clear()
            started = time.perf_counter()
            result = make_plan(loaded, "local", connection.api, concurrency=concurrency)
            elapsed = time.perf_counter() - started
            connection.close()
            assert not result.plan.has_changes(), "the seeded org should match the YAML"
        finally:
            server.terminate()
            server.wait(timeout=30)
    calls = sum(result.plan.api_calls.values())
    child_types = len(MANAGED_TYPES) - 2  # ECA header and children (no Connected Apps here)
    reads = (child_types + 1) * math.ceil(size / 10)
    lists = math.ceil(len(MANAGED_TYPES) / 3)
    ideal = (reads / concurrency + lists) * latency
    return {
        "n": size,
        "calls": calls,
        "bound": reads + lists,
        "setup": setup,
        "plan": elapsed,
        "ideal": ideal,
        "ratio": elapsed / ideal if ideal else 0.0,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100,500")
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    started = time.perf_counter()
    import sfconnect.cli.main
    import sfconnect.plan.service  # noqa: F401

    print(
        f"imports: {time.perf_counter() - started:.2f}s; latency {args.latency * 1000:.0f} ms; concurrency {args.concurrency}"
    )
    print(
        f"{'N':>5} {'calls':>6} {'bound':>6} {'setup s':>8} {'plan s':>7} {'ideal s':>8} {'ratio':>6} {'peak rss MB':>12}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        r = run(size, args.latency, args.concurrency)
        print(
            f"{r['n']:>5} {r['calls']:>6} {r['bound']:>6} {r['setup']:>8.2f} {r['plan']:>7.2f} "
            f"{r['ideal']:>8.2f} {r['ratio']:>6.2f} {r['rss_mb']:>12.1f}"
        )


if __name__ == "__main__":
    main()
