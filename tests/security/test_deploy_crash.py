"""A deploy cannot replay: its changes and its final status are saved in one transaction.

The embedded org runs in a subprocess whose SQLite connection is wrapped: once the deploy's final status is
being saved, the process kills itself with SIGKILL at the next COMMIT, just before or just after it. The org
is then served again and must report the deploy's true outcome (never run it a second time).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sfconnect.localorg._service import local_org_dir
from tests.conftest import REPO_ROOT
from tests.e2e.conftest import Cli

SERVER = r'''
import os, signal, sqlite3, sys, threading
from pathlib import Path

point = os.environ.get("CRASH_AT", "")
armed = threading.Event()


class Connection:
    """sqlite3.Connection, but SIGKILL at the COMMIT that follows a deploy's final status."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def execute(self, sql, *args):
        commit = sql.strip().upper() == "COMMIT" and armed.is_set()
        if commit and point == "before-commit":
            os.kill(os.getpid(), signal.SIGKILL)
        result = self._real.execute(sql, *args)
        if commit and point == "after-commit":
            os.kill(os.getpid(), signal.SIGKILL)
        return result


real_connect = sqlite3.connect
sqlite3.connect = lambda *a, **k: Connection(real_connect(*a, **k))

from sfconnect.localorg import _store as store
from sfconnect.localorg._service import serve_local_org

finish_job = store.Store.finish_job


def arming_finish_job(self, org_id, job_id, status, *args, **kwargs):
    if status in ("Succeeded", "SucceededPartial", "Failed"):
        armed.set()
    return finish_job(self, org_id, job_id, status, *args, **kwargs)


store.Store.finish_job = arming_finish_job
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
with serve_local_org(Path(sys.argv[1]), seed_file=Path(sys.argv[2])):
    stop.wait(120)
'''


def _serve(script: Path, data_dir: Path, seed: Path, crash_at: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {
        "PYTHONPATH": str(REPO_ROOT),
        "CRASH_AT": crash_at,
    }
    proc = subprocess.Popen(
        [sys.executable, str(script), str(data_dir), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            if json.loads((data_dir / "server.json").read_text())["pid"] == proc.pid:
                return proc
        except (OSError, ValueError, KeyError):
            pass
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the org subprocess did not start in 30 s"
        time.sleep(0.05)


@pytest.mark.parametrize("crash_at", ["before-commit", "after-commit"])
def test_a_deploy_killed_at_its_commit_is_done_or_undone_never_replayed(
    cli: Cli, tmp_path: Path, crash_at: str
) -> None:
    root = tmp_path / "existing-connected-app"
    shutil.copytree(REPO_ROOT / "examples" / "existing-connected-app", root)
    app_file = root / "apps" / "billing-sync.yaml"
    app_file.write_text(
        app_file.read_text().replace(
            "    name: Billing_Sync\n", "    name: Billing_Sync\n    state: absent\n"
        )
    )
    script = tmp_path / "serve.py"
    script.write_text(SERVER, encoding="utf-8")
    data_dir = local_org_dir(root, "existing")
    seed = root / "localorg-seed.yaml"

    crashing = _serve(script, data_dir, seed, crash_at)
    try:
        applied = cli("apply", "-C", str(root), "--auto-approve")
        try:
            crashing.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the org was never killed at a deploy's commit; apply said:\n{applied.output}")
    finally:
        if crashing.poll() is None:
            crashing.kill()
            crashing.communicate()
    assert crashing.returncode == -signal.SIGKILL, "the org was not killed at the commit point"
    assert applied.code == 1 and "Traceback" not in applied.err
    match = re.search(r"Deploying \((0Af\w+)\)", applied.err)
    assert match, applied.err
    deploy_id = match.group(1)

    again = _serve(script, data_dir, seed, "")
    try:
        status = cli("status", "-C", str(root), deploy_id)
        assert status.code == 0, status.output
        assert "Succeeded" in status.out
        assert "nothing was changed" not in status.output
        plan = cli("plan", "-C", str(root), "--detailed-exitcode")
        assert plan.code == 0 and "No changes" in plan.out, plan.output  # the app is gone, once
    finally:
        again.send_signal(signal.SIGTERM)
        again.communicate(timeout=30)
