"""Nothing hangs, two commands share one org, two applies never both win (issue 20).

The org is served by a separate process here (as the shared server is), so that it can be frozen with
SIGSTOP or killed with SIGKILL. Every test is bounded in time: the timeouts under test are small, and each
subprocess has a `timeout=`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sfconnect.apply.service import DeployUnfinished, follow_deploy
from sfconnect.errors import OrgError
from sfconnect.localorg import ServerInfo, find_running
from sfconnect.localorg._service import local_org_dir
from sfconnect.org.auth import UsernamePasswordAuth
from sfconnect.org.metadata_api import DeployOptions, RetryPolicy
from sfconnect.org.session import Timeouts
from sfconnect.org.targets import Connection, connect
from tests.e2e.conftest import Cli
from tests.localorg.zips import eca_zip
from tests.served import _env, served_in_subprocess

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGSTOP and SIGKILL are POSIX")


def _admin(data_dir: Path) -> tuple[str, str]:
    from sfconnect.localorg import open_local_org

    org = open_local_org(data_dir)
    try:
        admin = org.admin_user()
        return admin.username, org.password_of(admin.username)
    finally:
        org.close()


FAST = Timeouts(connect=1.0, read=1.0, deploy=30.0)
FEW_RETRIES = RetryPolicy(attempts=2, base_delay=0.1, max_delay=0.2)


def _connect(
    data_dir: Path,
    info: ServerInfo,
    *,
    password: str | None = None,
    retry: RetryPolicy = FEW_RETRIES,
    timeouts: Timeouts = FAST,
    sleep: Callable[[float], None] = time.sleep,
) -> Connection:
    """Log in to the org served from `data_dir` as its admin (with `password` instead, when given)."""
    user, admin_password = _admin(data_dir)
    return connect(
        "local",
        UsernamePasswordAuth(info.instance_url, user, password or admin_password),
        info.ca_bundle,
        api_version="63.0",
        timeouts=timeouts,
        retry=retry,
        sleep=sleep,
    )


# --- 1. timeouts: a stalled org ------------------------------------------------------------------------


def test_a_stalled_org_ends_polling_with_the_host_and_the_deploy_id(tmp_path: Path) -> None:
    data_dir = tmp_path / "org"
    with served_in_subprocess(data_dir, "deploy_seconds=60") as (proc, info):
        connection = _connect(data_dir, info)
        api = connection.api
        deploy_id = api.deploy(eca_zip("Stalled_App"), DeployOptions())
        seen: list[str] = []

        def freeze_after_first(status: object) -> None:
            seen.append(str(getattr(status, "status", "")))
            if len(seen) == 1:  # the org freezes: it accepts connections and never answers
                os.kill(proc.pid, signal.SIGSTOP)

        began = time.monotonic()
        with pytest.raises(DeployUnfinished) as caught:
            follow_deploy(api, deploy_id, progress=freeze_after_first, interval=0.1)
        elapsed = time.monotonic() - began
        connection.close()
    message = str(caught.value)
    host = info.instance_url.removeprefix("https://")
    assert elapsed < 15, elapsed  # bounded by the read timeout and the retries, not forever
    assert host in message and deploy_id in message
    assert f"sfconnect status {deploy_id} -t local" in message
    assert f"was last {seen[0]}" in message  # its last known state
    assert "did not answer in time" in message


def test_a_stalled_org_makes_plan_fail_fast_with_the_target_timeouts(tmp_path: Path, cli: Cli) -> None:
    project = tmp_path / "project"
    (project / "apps").mkdir(parents=True)
    (project / "sfconnect.yaml").write_text(
        "targets:\n  local:\n    local: {org: default}\n    timeouts: {connect: 1, read: 1}\n"
    )
    data_dir = local_org_dir(project, "default")
    with served_in_subprocess(data_dir) as (proc, info):
        os.kill(proc.pid, signal.SIGSTOP)
        began = time.monotonic()
        result = cli("plan", "-C", str(project))
        elapsed = time.monotonic() - began
    assert result.code == 1, result.output
    assert f"cannot reach {info.instance_url.removeprefix('https://')}" in result.err
    assert "Traceback" not in result.output
    assert elapsed < 30, elapsed  # four login attempts of one second each, plus backoff


def test_a_crashed_org_ends_polling_with_the_deploy_id_and_last_state(tmp_path: Path) -> None:
    data_dir = tmp_path / "org"
    with served_in_subprocess(data_dir, "deploy_seconds=60") as (proc, info):
        connection = _connect(data_dir, info)
        deploy_id = connection.api.deploy(eca_zip("Crashed_App"), DeployOptions())
        seen: list[str] = []

        def kill_after_first(status: object) -> None:
            seen.append(str(getattr(status, "status", "")))
            if len(seen) == 1:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)

        with pytest.raises(DeployUnfinished) as caught:
            follow_deploy(connection.api, deploy_id, progress=kill_after_first, interval=0.1)
        connection.close()
    message = str(caught.value)
    assert deploy_id in message and f"sfconnect status {deploy_id}" in message
    assert f"was last {seen[0]}" in message
    assert "cannot reach" in message


# --- 2. one shared server ---------------------------------------------------------------------------


def _plan_project(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    (root / "apps").mkdir(parents=True)
    (root / "apps" / "app.yaml").write_text(
        "apps:\n  - kind: ExternalClientApp\n    name: Shared_Org_App\n    label: Shared\n"
        "    contact: {email: ops@example.com}\n"
    )
    return root


def test_the_server_outlives_the_command_that_started_it_and_is_reused(tmp_path: Path, cli: Cli) -> None:
    root = _plan_project(tmp_path, "p")
    data_dir = local_org_dir(root, "default")
    first = cli("plan", "-C", str(root))
    assert first.code == 0, first.output
    info = find_running(data_dir)
    assert info is not None and info.pid != os.getpid()  # a detached process, still serving
    second = cli("plan", "-C", str(root))
    assert second.code == 0, second.output
    again = find_running(data_dir)
    assert again is not None and again.pid == info.pid  # reused, not started again


def test_an_idle_server_stops_and_the_next_command_starts_another(tmp_path: Path, cli: Cli) -> None:
    root = _plan_project(tmp_path, "p")
    data_dir = local_org_dir(root, "default")
    environ = {"SFCONNECT_LOCALORG_IDLE_SECONDS": "1"}
    assert cli("plan", "-C", str(root), environ=environ).code == 0
    info = find_running(data_dir)
    assert info is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and find_running(data_dir) is not None:
        time.sleep(0.1)
    assert find_running(data_dir) is None  # stopped by itself, server.json removed
    assert "idle for" in (data_dir / "server.log").read_text()
    result = cli("plan", "-C", str(root), environ=environ)
    assert result.code == 0, result.output


def test_ten_pairs_of_concurrent_plans_all_succeed(tmp_path: Path) -> None:
    env = _env()
    for pair in range(10):
        root = _plan_project(tmp_path, f"pair{pair}")
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "sfconnect", "plan", "-C", str(root)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=120) for p in procs]
        for proc, (out, err) in zip(procs, outputs, strict=True):
            text = (out + err).decode()
            assert proc.returncode == 0, text
            assert "Traceback" not in text and "AlreadyServed" not in text
        assert (root / ".sfconnect/localorg/default/server.json").exists()  # one server, still up
        log = (root / ".sfconnect/localorg/default/server.log").read_text()
        assert log.count("serving ") == 1, log  # the pair shared one server


# --- 2. two applies never both win --------------------------------------------------------------------


def _apply_project(tmp_path: Path, name: str, label: str) -> Path:
    root = tmp_path / name
    (root / "apps").mkdir(parents=True)
    (root / "apps" / "app.yaml").write_text(
        "apps:\n  - kind: ExternalClientApp\n    name: Contested_App\n"
        f"    label: {label}\n    contact: {{email: ops@example.com}}\n"
    )
    return root


@pytest.mark.parametrize("deploy_seconds", [0, 1])
def test_two_concurrent_applies_never_both_report_success(tmp_path: Path, deploy_seconds: int) -> None:
    shared = tmp_path / "org"
    roots = [_apply_project(tmp_path, f"team{n}", f"Label {n}") for n in range(2)]
    env = _env()
    # Each request answers after 0.2 s, so that the two applies overlap even when one process starts late on a
    # loaded machine (one that runs after the other finished sees its result in the plan and may succeed).
    with served_in_subprocess(shared, f"deploy_seconds={deploy_seconds}", "latency_seconds=0.2"):
        for root in roots:  # both projects point at the one served org
            link = local_org_dir(root, "default")
            link.parent.mkdir(parents=True)
            link.symlink_to(shared, target_is_directory=True)
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "sfconnect", "apply", "-C", str(root), "--auto-approve"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for root in roots
        ]
        outputs = [(p.communicate(timeout=180), p.returncode) for p in procs]
    texts = [(out + err).decode() for (out, err), _ in outputs]
    codes = [code for _, code in outputs]
    succeeded = [t for t in texts if "The org matches the plan" in t]
    assert len(succeeded) <= 1, texts
    assert codes.count(0) <= 1, texts
    for text, code in zip(texts, codes, strict=True):
        assert "Traceback" not in text
        if code != 0:
            assert "0Af" in text, text  # the refusal names the other deploy


# --- 3. interrupts and status errors ---------------------------------------------------------------


def test_ctrl_c_while_the_deploy_request_is_in_flight_names_the_deploy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sfconnect.apply.run import DeployGuard, _interrupted_in_flight
    from sfconnect.org.metadata_api import MetadataApi

    data_dir = tmp_path / "org"
    with served_in_subprocess(data_dir, "deploy_seconds=60") as (_proc, info):
        user, password = _admin(data_dir)
        connection = connect(
            "local",
            UsernamePasswordAuth(info.instance_url, user, password),
            info.ca_bundle,
            api_version="63.0",
        )
        api = connection.api
        guard = DeployGuard(api)
        guard.before_read()
        real_deploy = MetadataApi.deploy

        def deploy_then_ctrl_c(self: MetadataApi, zip_bytes: bytes, options: DeployOptions) -> str:
            real_deploy(self, zip_bytes, options)  # the org has the request...
            raise KeyboardInterrupt  # ...and Ctrl-C arrives before its answer is read

        monkeypatch.setattr(MetadataApi, "deploy", deploy_then_ctrl_c)
        with pytest.raises(KeyboardInterrupt):
            api.deploy(eca_zip("Interrupted_App"), DeployOptions())
        error = _interrupted_in_flight(api, guard)
        connection.close()
    message = str(error)
    assert "0Af" in message and "sfconnect status 0Af" in message
    assert "Pending" in message or "InProgress" in message


def test_status_of_an_unknown_deploy_is_a_clear_error(tmp_path: Path, cli: Cli) -> None:
    root = _plan_project(tmp_path, "p")
    result = cli("status", "0Af000000000001AAA", "-C", str(root))
    assert result.code == 1
    assert "0Af000000000001AAA" in result.err and "sfconnect status 0Af000000000001AAA" in result.err
    assert "Traceback" not in result.output


def test_a_failure_after_a_successful_deploy_says_the_deploy_succeeded(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sfconnect.apply.run as run

    root = _apply_project(tmp_path, "p", "Verified")

    def interrupted(*_args: object, **_kwargs: object) -> list[str]:
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "verify", interrupted)
    result = cli("apply", "-C", str(root), "--auto-approve")
    assert result.code == 1
    assert "succeeded" in result.err and "0Af" in result.err and "sfconnect plan" in result.err
    assert "Aborted." not in result.err
    assert cli("plan", "-C", str(root), "--detailed-exitcode").code == 0  # it did land


# --- 4. login retries ---------------------------------------------------------------------------------


def test_login_is_retried_through_transient_faults(tmp_path: Path) -> None:
    data_dir = tmp_path / "org"
    with served_in_subprocess(data_dir, 'error_rate={"login": 1.0}', "error_code=SERVER_UNAVAILABLE") as (
        _proc,
        info,
    ):
        sleeps: list[float] = []
        with pytest.raises(OrgError) as caught:
            _connect(
                data_dir,
                info,
                retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02),
                timeouts=Timeouts(),
                sleep=sleeps.append,
            )
    assert len(sleeps) == 2  # three attempts, the same backoff as other calls
    message = str(caught.value)
    assert "SERVER_UNAVAILABLE" in message and "{content}" not in message


def test_a_refused_login_is_not_retried_and_its_message_is_complete(tmp_path: Path) -> None:
    data_dir = tmp_path / "org"
    with served_in_subprocess(data_dir) as (_proc, info):
        sleeps: list[float] = []
        with pytest.raises(OrgError) as caught:
            _connect(
                data_dir,
                info,
                password="wrong-password",
                retry=RetryPolicy(),
                timeouts=Timeouts(),
                sleep=sleeps.append,
            )
    assert sleeps == []
    message = str(caught.value)
    assert "INVALID_LOGIN" in message and "{content}" not in message
    assert "Invalid username, password" in message
