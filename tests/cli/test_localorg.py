"""`sfconnect localorg serve|info|reset`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from sfconnect.cli.main import run

ROOT = Path(__file__).resolve().parents[2]


def test_info_without_an_org_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["localorg", "info", "-C", str(tmp_path)]) == 1
    assert "no local org" in capsys.readouterr().err


def test_reset_creates_then_info_json_describes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["localorg", "reset", "-C", str(tmp_path), "--org", "sandbox"]) == 0
    data_dir = tmp_path / ".sfconnect" / "localorg" / "sandbox"
    assert (data_dir / "org.db").exists()
    capsys.readouterr()
    assert run(["localorg", "info", "--json", "--data-dir", str(data_dir)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["running"] is False and info["instance_url"] is None
    assert info["admin_username"].startswith("admin@") and info["admin_password"]
    assert info["org_id"].startswith("00D")
    first_org = info["org_id"]
    assert run(["localorg", "reset", "--data-dir", str(data_dir)]) == 0
    capsys.readouterr()
    assert run(["localorg", "info", "--json", "--data-dir", str(data_dir)]) == 0
    assert json.loads(capsys.readouterr().out)["org_id"] != first_org  # fresh state


def test_reset_with_a_bad_seed_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("bogus: 1\n", encoding="utf-8")
    assert run(["localorg", "reset", "--data-dir", str(tmp_path / "org"), "--seed", str(seed)]) == 1
    assert "unknown keys" in capsys.readouterr().err


def test_serve_info_and_refusals_while_served(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "org"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sfconnect", "localorg", "serve", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while not (data_dir / "server.json").exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert run(["localorg", "info", "--json", "--data-dir", str(data_dir)]) == 0
        info = json.loads(capsys.readouterr().out)
        assert info["running"] is True and info["pid"] == proc.pid
        with requests.Session() as session:
            session.verify = info["ca_bundle"]
            session.trust_env = False
            assert session.get(f"{info['instance_url']}/services/data", timeout=10).status_code == 200
        assert run(["localorg", "serve", "--data-dir", str(data_dir)]) == 1
        assert "already served" in capsys.readouterr().err
        assert run(["localorg", "reset", "--data-dir", str(data_dir)]) == 1
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Serving local org" in out and "Stopped." in out
    assert not (data_dir / "server.json").exists()


def test_serve_refuses_bad_fault_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["localorg", "serve", "--data-dir", str(tmp_path), "--fault", "latency_seconds=-1"]) == 1
    assert "latency_seconds must be a number" in capsys.readouterr().err
    assert run(["localorg", "serve", "--data-dir", str(tmp_path), "--fault", "nonsense"]) == 1


def _project_with_a_named_seeded_org(root: Path) -> Path:
    (root / "sfconnect.yaml").write_text(
        "targets:\n  local:\n    local: {org: sandbox, seed: seed.yaml}\ndefault_target: local\n"
    )
    (root / "seed.yaml").write_text(
        "permission_sets: [Portal_Users]\n"
        "users:\n  - {username: portal.user@example.com, profile: Standard User, permission_sets: [Portal_Users]}\n"
    )
    return root


def test_reset_and_info_follow_the_targets_org_and_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sfconnect.localorg import open_local_org

    root = _project_with_a_named_seeded_org(tmp_path)
    assert run(["localorg", "reset", "-C", str(root)]) == 0
    data_dir = root / ".sfconnect" / "localorg" / "sandbox"
    assert not (root / ".sfconnect" / "localorg" / "default").exists()
    org = open_local_org(data_dir)
    try:
        assert org.user_by_username("portal.user@example.com") is not None
        assert "Portal_Users" in org.permission_sets()
    finally:
        org.close()
    capsys.readouterr()
    assert run(["localorg", "info", "--json", "-C", str(root)]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "sandbox"


def test_serve_follows_the_targets_org_and_seed(tmp_path: Path) -> None:
    from sfconnect.localorg import open_local_org

    root = _project_with_a_named_seeded_org(tmp_path)
    data_dir = root / ".sfconnect" / "localorg" / "sandbox"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sfconnect", "localorg", "serve", "-C", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 300  # a loaded CI machine can take long to start a server
        assert proc.stdout is not None
        while not proc.stdout.readline().startswith("Press Ctrl-C"):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
        assert (data_dir / "server.json").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    org = open_local_org(data_dir)
    try:
        assert org.user_by_username("portal.user@example.com") is not None
    finally:
        org.close()
