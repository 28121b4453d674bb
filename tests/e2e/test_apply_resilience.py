"""Apply on Salesforce's bad days: failed deploys roll back, sessions expire, setup is locked, Ctrl-C, status."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from sfconnect.apply.run import ApplyInput, build_request, deletions_of
from sfconnect.apply.service import DeployInterrupted, follow_deploy, start_deploy
from sfconnect.localorg import serve_local_org
from sfconnect.localorg._service import local_org_dir
from sfconnect.org.auth import UsernamePasswordAuth
from sfconnect.org.targets import connect
from sfconnect.plan.service import make_plan
from sfconnect.spec.load import load_project
from tests.e2e.conftest import Cli


def test_a_failing_deploy_changes_nothing_and_names_the_component(
    project: Callable[[str], Path], cli: Cli
) -> None:
    root = project("quickstart")
    assert cli("keygen", "-C", str(root)).code == 0
    with serve_local_org(local_org_dir(root, "default"), seed_file=root / "localorg-seed.yaml") as handle:
        handle.org.set_setting("consumer_secret_api_access", False)
        refused = cli("apply", "-C", str(root), "--auto-approve")
        assert refused.code == 1
        assert (
            "Allow Access to OAuth Consumer Secrets via Metadata API" in refused.err
        )  # stopped before deploying
        assert cli("plan", "-C", str(root), "--detailed-exitcode").code == 2


def test_deploy_failure_is_reported_per_component_with_the_deploy_id(
    project: Callable[[str], Path], cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project("existing-connected-app")
    app_file = root / "apps" / "billing-sync.yaml"
    # a run-as user the org does not have (as if removed between the plan's check and the deploy): the org
    # refuses the component at deploy time
    monkeypatch.setattr("sfconnect.plan.service.check_references", lambda *args, **kwargs: {})
    text = app_file.read_text()
    app_file.write_text(
        text.replace(
            "        authorization_code:\n",
            "        client_credentials: {enabled: true, run_as: nobody@nowhere.example}\n        authorization_code:\n",
        )
    )
    with serve_local_org(local_org_dir(root, "existing"), seed_file=root / "localorg-seed.yaml"):
        before = cli("plan", "-C", str(root), "--format", "json")
        result = cli("apply", "-C", str(root), "--auto-approve")
        assert result.code == 1, result.output
        assert (
            "ConnectedApp" in result.err
            and "Billing_Sync" in result.err
            and "nothing was changed" in result.err
        )
        assert "deploy 0Af" in result.err
        after = cli("plan", "-C", str(root), "--format", "json")
        assert before.out.split('"saved"')[0] == after.out.split('"saved"')[0]


def test_apply_waits_out_a_locked_setup(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("existing-connected-app")
    with serve_local_org(local_org_dir(root, "existing"), seed_file=root / "localorg-seed.yaml") as handle:
        handle.org.faults.update({"setup_locked": True})
        threading.Timer(0.4, handle.org.faults.reset).start()
        result = cli("apply", "-C", str(root), "--auto-approve")
        assert result.code == 0, result.output
        assert cli("plan", "-C", str(root), "--detailed-exitcode").code == 0


def _connection(root: Path, handle: object) -> object:
    auth = UsernamePasswordAuth(handle.instance_url, handle.admin_username, handle.admin_password)  # type: ignore[attr-defined]
    return connect("local", auth, str(handle.ca_bundle), api_version="63.0")  # type: ignore[attr-defined]


def test_sessions_expired_mid_apply_are_renewed(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("existing-connected-app")
    with serve_local_org(local_org_dir(root, "existing"), seed_file=root / "localorg-seed.yaml") as handle:
        handle.org.faults.update({"deploy_seconds": 0.6})
        threading.Timer(0.3, handle.org.expire_sessions).start()
        result = cli("apply", "-C", str(root), "--auto-approve")
        assert result.code == 0, result.output
        assert cli("drift", "-C", str(root)).code == 0


def test_interrupted_deploy_is_finished_by_status(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("existing-connected-app")
    with serve_local_org(local_org_dir(root, "existing"), seed_file=root / "localorg-seed.yaml") as handle:
        handle.org.faults.update({"deploy_seconds": 0.5})
        loaded = load_project(root, environ={})
        connection = _connection(root, handle)
        api = connection.api  # type: ignore[attr-defined]
        result = make_plan(loaded, "local", api)
        compiled = result.compiled
        data = ApplyInput(
            result.plan,
            tuple(c for a in compiled for c in a.components),
            deletions_of(result.plan),
            {},
            "63.0",
        )
        deploy_id = start_deploy(api, build_request(data, lambda ref: ""))

        def interrupt(_status: object) -> None:
            raise KeyboardInterrupt

        with pytest.raises(DeployInterrupted) as info:
            follow_deploy(api, deploy_id, progress=interrupt)
        assert f"sfconnect status {deploy_id}" in str(info.value)
        connection.close()  # type: ignore[attr-defined]

        status = cli("status", deploy_id, "-C", str(root))
        assert status.code == 0, status.output
        assert "Succeeded" in status.out
        assert cli("plan", "-C", str(root), "--detailed-exitcode").code == 0


def test_removing_a_connected_app_asks_for_its_name(
    project: Callable[[str], Path], cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    root = project("existing-connected-app")
    app_file = root / "apps" / "billing-sync.yaml"
    app_file.write_text(
        app_file.read_text().replace(
            "    label: Billing Sync\n", "    label: Billing Sync\n    state: absent\n"
        )
    )
    monkeypatch.setattr("sfconnect.cli.apply._interactive", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO("y\nBilling_Syn\n"))
    wrong = cli("apply", "-C", str(root))
    assert wrong.code == 1 and "did not match" in wrong.err
    monkeypatch.setattr("sys.stdin", io.StringIO("y\nBilling_Sync\n"))
    right = cli("apply", "-C", str(root))
    assert right.code == 0, right.output
    assert "deleted ConnectedApp Billing_Sync" in right.out
