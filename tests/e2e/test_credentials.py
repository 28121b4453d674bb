"""End-to-end: `credentials`, `rotate` and smoke's credentials through the Connect REST API, local org served.

Salesforce behaviour checked here is documented in the Connect REST API Developer Guide, "OAuth Credentials
Resources" (and "OAuth Staged Credentials", "OAuth Staged Credentials ID"), and in Salesforce Help "Stage,
Rotate, and Delete OAuth Credentials for an External Client App" (xcloud.eca_stage_oauth_credentials).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sfconnect.localorg import LocalOrg, local_org_dir, open_local_org, serve_local_org
from sfconnect.localorg import _credentials_api as org_api
from tests.e2e.conftest import Cli, CliResult

APP = "Billing_Sync"
SECRET = "S2sTestSecretValue0123456789abcdefS2sTestSecretValue0123456789ab"
ENV = {"BILLING_SYNC_SECRET": SECRET}
KEY_VAR, SECRET_VAR = "SFCONNECT_BILLING_SYNC_CONSUMER_KEY", "SFCONNECT_BILLING_SYNC_CONSUMER_SECRET"


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sfconnect.cli.context import AppContext
    from sfconnect.cli.main import run
    from tests.conftest import REPO_ROOT

    path = tmp_path_factory.mktemp("applied") / "server-to-server"
    shutil.copytree(
        REPO_ROOT / "examples" / "server-to-server", path, ignore=shutil.ignore_patterns(".sfconnect")
    )
    assert run(["apply", "-C", str(path), "--auto-approve"], obj=AppContext(environ=dict(ENV))) == 0
    return path


@pytest.fixture
def proj(applied: Path, tmp_path: Path) -> Path:
    target = tmp_path / "server-to-server"
    shutil.copytree(applied, target)
    return target


def _org(path: Path) -> LocalOrg:
    return open_local_org(local_org_dir(path, "default"))


def _primary(path: Path) -> tuple[str, str]:
    org = _org(path)
    try:
        found = org.credentials_of("ExternalClientApplication", APP)
        assert found is not None
        return found.consumer_key, found.consumer_secret
    finally:
        org.close()


def _snapshot(path: Path) -> dict[str, Any]:
    org = _org(path)
    try:
        return {
            table: sorted(map(tuple, org.store._all(f"SELECT * FROM {table}", ())))  # noqa: S608
            for table in ("credentials", "staged_credentials", "components", "settings")
        }
    finally:
        org.close()


def _set(path: Path, **settings: object) -> None:
    org = _org(path)
    try:
        for key, value in settings.items():
            org.set_setting(key, value)
    finally:
        org.close()


def _all_secrets(path: Path) -> set[str]:
    org = _org(path)
    try:
        found = {str(r[0]) for r in org.store._all("SELECT consumer_secret FROM credentials", ())}
        found |= {str(r[0]) for r in org.store._all("SELECT consumer_secret FROM staged_credentials", ())}
        return found | {SECRET}
    finally:
        org.close()


# --- credentials and its sinks -----------------------------------------------------------------------------------
def test_credentials_prints_keys_and_hides_secrets_unless_revealed(cli: Cli, proj: Path) -> None:
    key, secret = _primary(proj)
    shown = cli("credentials", "-C", str(proj), environ=ENV)
    assert shown.code == 0, shown.output
    assert f"{KEY_VAR}={key}" in shown.out and secret not in shown.output
    assert f"{SECRET_VAR}=(sensitive" in shown.out
    revealed = cli("credentials", APP, "-C", str(proj), "--reveal", environ=ENV)
    assert f"{SECRET_VAR}={secret}" in revealed.out
    keys_only = cli("credentials", "-C", str(proj), "--part", "key", "--reveal", environ=ENV)
    assert SECRET_VAR not in keys_only.out and key in keys_only.out


@pytest.mark.parametrize("name", ["creds.json", "ci/creds.env"])
def test_file_sink_json_and_dotenv_mode_0600(cli: Cli, proj: Path, tmp_path: Path, name: str) -> None:
    key, secret = _primary(proj)
    out = tmp_path / name
    if name.endswith(".env"):
        out.parent.mkdir()
        out.write_text("OTHER=kept\n", encoding="utf-8")
        out.chmod(0o644)
    result = cli("credentials", "-C", str(proj), "--to", f"file:{out}", environ=ENV)
    assert result.code == 0, result.output
    assert secret not in result.output and f"{KEY_VAR}={key}" in result.out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = out.read_text(encoding="utf-8")
    if name.endswith(".env"):
        assert f"{KEY_VAR}={key}\n" in text and f"{SECRET_VAR}={secret}\n" in text and "OTHER=kept" in text
    else:
        assert json.loads(text) == {KEY_VAR: key, SECRET_VAR: secret}


@pytest.fixture
def fake_gh(tmp_path: Path) -> Iterator[dict[str, str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    source = (Path(__file__).parent.parent / "ci_kit" / "fake_gh.py").read_text(encoding="utf-8")
    gh = bin_dir / "gh"
    gh.write_text(f"#!{sys.executable}\n{source}", encoding="utf-8")
    gh.chmod(0o755)
    state, log = tmp_path / "gh-state.json", tmp_path / "gh-calls.jsonl"
    state.write_text(json.dumps({"repo": "acme/sf", "login": "bot", "other_repos": ["acme/other"]}))
    yield {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "GH_TOKEN": "ghs_fake",
        "FAKE_GH_STATE": str(state),
        "FAKE_GH_LOG": str(log),
    }


def test_github_sink_sets_secrets_with_values_on_stdin(cli: Cli, proj: Path, fake_gh: dict[str, str]) -> None:
    key, secret = _primary(proj)
    for sink, repo in (("github", "acme/sf"), ("github:acme/other", "acme/other")):
        result = cli("credentials", "-C", str(proj), "--to", sink, environ={**ENV, **fake_gh})
        assert result.code == 0, result.output
        state = json.loads(Path(fake_gh["FAKE_GH_STATE"]).read_text())
        assert state["secrets"][repo] == {KEY_VAR: key, SECRET_VAR: secret}
    calls = [json.loads(line) for line in Path(fake_gh["FAKE_GH_LOG"]).read_text().splitlines()]
    assert calls and all(secret not in " ".join(c["argv"]) for c in calls)  # never on a command line
    assert {c["stdin"] for c in calls} == {key, secret}
    failed = cli("credentials", "-C", str(proj), "--to", "github:acme/missing", environ={**ENV, **fake_gh})
    assert failed.code == 1 and "gh secret set" in failed.err and secret not in failed.output
    bad = cli("credentials", "-C", str(proj), "--to", "s3:bucket", environ=ENV)
    assert bad.code == 1 and "unknown sink" in bad.err


def test_credentials_refused_when_the_org_setting_is_off(cli: Cli, proj: Path) -> None:
    # Help: "Allow access to External Client App consumer secrets via REST API must be turned on".
    _set(proj, client_secret_rest_api_access=False)
    result = cli("credentials", "-C", str(proj), environ=ENV)
    assert result.code == 1
    assert "Allow access to External Client App consumer secrets via REST API" in result.err
    assert "Traceback" not in result.output


# --- smoke gets its credentials through the API ----------------------------------------------------------------
def test_smoke_reads_credentials_through_the_api_not_the_database(
    cli: Cli, proj: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sfconnect.cli._runtime as runtime
    from sfconnect.org.credentials import CredentialsClient

    def no_db(*_a: object, **_k: object) -> None:
        raise AssertionError("smoke read the org's database")

    monkeypatch.setattr(runtime, "_local_db_keys", no_db)
    reads: list[str] = []
    original = CredentialsClient.read

    def spy(self: CredentialsClient, name: str, part: Any = "key") -> Any:
        reads.append(f"{name}:{part}")
        return original(self, name, part)

    monkeypatch.setattr(CredentialsClient, "read", spy)
    # No smoke.credentials secret either: the API is the only source of the consumer secret.
    config = proj / "sfconnect.yaml"
    config.write_text(config.read_text().replace("      client_secret: env:BILLING_SYNC_SECRET\n", ""))
    config.write_text(
        config.read_text().replace("  credentials:\n    - app: Billing_Sync\n", "  credentials: []\n")
    )
    result = cli("smoke", "-C", str(proj), "--format", "json", environ={})
    assert result.code == 0, result.output
    assert reads == [f"{APP}:keyandsecret"]
    assert "through the org's credentials API" in result.err


def test_smoke_falls_back_to_the_environment_when_rest_access_is_off(cli: Cli, proj: Path) -> None:
    key, _ = _primary(proj)
    _set(proj, client_secret_rest_api_access=False)
    result = cli("smoke", "-C", str(proj), "--format", "json", environ={**ENV, KEY_VAR: key})
    assert result.code == 0, result.output
    assert "FUNCTIONALITY_NOT_ENABLED" in result.err and "falling back" in result.err
    wrong = cli("smoke", "-C", str(proj), "--format", "json", environ={**ENV, KEY_VAR: "3MVG9notthekey"})
    assert wrong.code != 0  # the environment's key is what smoke used
    legacy = cli(
        "smoke",
        "-C",
        str(proj),
        "--format",
        "json",
        environ={**ENV, "SFCONNECT_SMOKE_BILLING_SYNC_CONSUMER_KEY": key},
    )
    assert legacy.code == 0 and "deprecated" in legacy.err


# --- rotate ----------------------------------------------------------------------------------------------------
def test_rotate_happy_path(cli: Cli, proj: Path, tmp_path: Path) -> None:
    old_key, old_secret = _primary(proj)
    sink = tmp_path / "rotated.env"
    result = cli("rotate", APP, "-C", str(proj), "--to", f"file:{sink}", environ=ENV)
    assert result.code == 0, result.output
    new_key, new_secret = _primary(proj)
    assert (new_key, new_secret) != (old_key, old_secret)
    assert f"{KEY_VAR}={new_key}\n" in sink.read_text() and f"{SECRET_VAR}={new_secret}\n" in sink.read_text()
    for n in range(1, 7):
        assert f"  {n}. done" in result.out, result.out
    assert "refused (invalid_client_id)" in result.out
    assert _snapshot(proj)["staged_credentials"] == []
    for value in (old_secret, new_secret):
        assert value not in result.output
    # smoke with the new credentials (the API; the env reference now names the former secret, so drop it)
    after = cli("smoke", "-C", str(proj), environ={**ENV, "BILLING_SYNC_SECRET": new_secret})
    assert after.code == 0, after.output


def test_rotate_promotes_nothing_when_smoke_fails_on_the_staged_credentials(
    cli: Cli, proj: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _primary(proj)
    original = LocalOrg.app_credentials

    def no_staged(self: LocalOrg, consumer_key: str) -> Any:  # an org that does not honour staged credentials
        if self.store.credentials_by_key(consumer_key) is None:
            return None
        return original(self, consumer_key)

    monkeypatch.setattr(LocalOrg, "app_credentials", no_staged)
    sink = tmp_path / "never.json"
    # served in this process, so that the patched org answers (commands otherwise share a detached server)
    with serve_local_org(local_org_dir(proj, "default")):
        result = cli("rotate", APP, "-C", str(proj), "--to", f"file:{sink}", environ=ENV)
    assert result.code == 1
    assert "2. FAILED" in result.out and "nothing promoted" in result.out
    assert _primary(proj) == before and not sink.exists()
    assert _snapshot(proj)["staged_credentials"] == []


def test_rotate_interrupted_after_promotion_finishes_when_run_again(
    cli: Cli, proj: Path, tmp_path: Path
) -> None:
    old_key, _ = _primary(proj)
    org = _org(proj)  # what a run that died right after step 4 leaves in the org
    try:
        app = next(a for a in org_api.usage(org) if a.name == APP)
        staged = org_api.stage(org, app, org.admin_user())
        org_api.rotate_staged(org, app, staged.id)
    finally:
        org.close()
    new_key, new_secret = _primary(proj)
    assert new_key != old_key
    sink = tmp_path / "again.json"
    result = cli("rotate", APP, "-C", str(proj), "--to", f"file:{sink}", environ=ENV)
    assert result.code == 0, result.output
    assert "1. skip" in result.out and "4. skip" in result.out
    assert "5. done" in result.out and "6. done" in result.out
    assert json.loads(sink.read_text()) == {KEY_VAR: new_key, SECRET_VAR: new_secret}
    assert _snapshot(proj)["staged_credentials"] == []


def test_rotate_dry_run_changes_nothing(cli: Cli, proj: Path, tmp_path: Path) -> None:
    before = _snapshot(proj)
    sink = tmp_path / "dry.json"
    result = cli("rotate", APP, "-C", str(proj), "--to", f"file:{sink}", "--dry-run", environ=ENV)
    assert result.code == 0, result.output
    assert "Dry run" in result.out and all(f"  {n}. would" in result.out for n in range(1, 7))
    assert _snapshot(proj) == before and not sink.exists()


# --- no secret leaks ------------------------------------------------------------------------------------------
def test_no_secret_in_any_output_log_plan_or_report(
    cli: Cli, proj: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sink = tmp_path / "sink.env"
    runs: list[CliResult] = [
        cli("credentials", "-C", str(proj), "-v", environ=ENV),
        cli("credentials", "-C", str(proj), "--to", f"file:{sink}", "-vv", environ=ENV),
        cli("plan", "-C", str(proj), "--out", str(tmp_path / "plan.json"), environ=ENV),
        cli("smoke", "-C", str(proj), "-v", "--junit", str(tmp_path / "smoke.xml"), environ=ENV),
        cli("rotate", APP, "-C", str(proj), "-v", "--to", f"file:{sink}", environ=ENV),
        cli("rotate", APP, "-C", str(proj), "--dry-run", environ=ENV),
        cli("apply", "-C", str(proj), "--auto-approve", "--out", str(tmp_path / "apply.json"), environ=ENV),
    ]
    secrets = _all_secrets(proj)
    assert len(secrets) >= 2  # the declared secret (rotated away) and the new one
    written = [p.read_text(encoding="utf-8") for p in tmp_path.glob("*.*") if p.name != "sink.env"]
    texts = [r.output for r in runs] + [caplog.text] + written
    for secret in secrets:
        for text in texts:
            assert secret not in text
    assert any(s in sink.read_text() for s in secrets)  # the sink, and only the sink, holds them


# --- apply's outputs -------------------------------------------------------------------------------------------
def test_apply_prints_created_keys_and_writes_out(
    cli: Cli, project: Callable[[str], Path], tmp_path: Path
) -> None:
    path = project("server-to-server")
    out = tmp_path / "apply.json"
    result = cli("apply", "-C", str(path), "--auto-approve", "--out", str(out), environ=ENV)
    assert result.code == 0, result.output
    key, secret = _primary(path)
    assert f"{APP} consumer key: {key}" in result.out
    doc = json.loads(out.read_text())
    assert doc["deploy_id"] and doc["target"] == "local"
    assert any(APP in c for c in doc["changes"]["created"])
    assert doc["outputs"] == {APP: {"consumer_key": key, "consumer_key_variable": KEY_VAR}}
    assert secret not in out.read_text() and secret not in result.output
    again = cli("apply", "-C", str(path), "--auto-approve", "--out", str(out), environ=ENV)
    assert again.code == 0 and json.loads(out.read_text())["outputs"] == {}


def test_rotate_interrupted_after_staging_reuses_the_staged_credentials(cli: Cli, proj: Path) -> None:
    org = _org(proj)  # what a run that died after step 1 leaves in the org
    try:
        app = next(a for a in org_api.usage(org) if a.name == APP)
        staged = org_api.stage(org, app, org.admin_user())
    finally:
        org.close()
    result = cli("rotate", APP, "-C", str(proj), environ=ENV)
    assert result.code == 0, result.output
    assert f"1. skip   stage new credentials: reusing the active staged credentials {staged.id}" in result.out
    assert "3. skip" in result.out and "published nowhere" in result.out  # no --to
    assert _primary(proj) == (staged.consumer_key, staged.consumer_secret)
