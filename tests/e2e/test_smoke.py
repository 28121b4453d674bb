"""End-to-end: `sfconnect smoke` against the embedded local org.

Every example passes after `apply`; then, for each check, the app (or its credentials, or the org) is broken
and that exact check fails with a message that says what is wrong and how to fix it. Breaking the app "in
the org" is done the way a person in Setup would: the org is changed (by applying a variant of the YAML, or
an org setting), while the YAML smoke reads stays as declared.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from defusedxml import ElementTree as ET

from sfconnect.localorg import local_org_dir, open_local_org
from tests.e2e.conftest import Cli, CliResult

SECRET_ENV = {
    "BILLING_SYNC_SECRET": "S2sTestSecretValue0123456789abcdefS2sTestSecretValue0123456789ab",
    "UAT_DEPLOY_CONSUMER_KEY": "3MVG9uatkey",
    "PROD_DEPLOY_CONSUMER_KEY": "3MVG9prodkey",
}
EXAMPLES = ["quickstart", "mobile", "multi-env", "existing-connected-app", "server-to-server"]
TOKEN_PATTERN = re.compile(r"00D\w{12,15}!\w{20,}")


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Each example keygen'd and applied once per module (a pristine copy of project and org to copy from)."""
    from sfconnect.cli.context import AppContext
    from sfconnect.cli.main import run
    from tests.conftest import REPO_ROOT

    done: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in done:
            path = tmp_path_factory.mktemp("applied") / name
            shutil.copytree(
                REPO_ROOT / "examples" / name, path, ignore=shutil.ignore_patterns(".sfconnect", "certs")
            )
            if name == "quickstart":
                assert run(["keygen", "-C", str(path)], obj=AppContext(environ={})) == 0
            code = run(["apply", "-C", str(path), "--auto-approve"], obj=AppContext(environ=dict(SECRET_ENV)))
            assert code == 0
            done[name] = path
        return done[name]

    return get


@pytest.fixture
def ready(applied: Callable[[str], Path], tmp_path: Path) -> Callable[[str], Path]:
    """A fresh copy of an applied example (project files, keys and its local org)."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(applied(name), target)
        return target

    return copy


def _smoke(cli: Cli, path: Path, *args: str, environ: dict[str, str] | None = None) -> CliResult:
    return cli("smoke", "-C", str(path), "--format", "json", *args, environ={**SECRET_ENV, **(environ or {})})


def _checks(result: CliResult) -> dict[tuple[str, str], dict[str, str]]:
    doc = json.loads(result.out)
    return {(c["app"], c["check"]): c for c in doc["checks"]}


def _break_in_org(
    cli: Cli, path: Path, app_file: str, old: str, new: str, *, environ: dict[str, str] | None = None
) -> None:
    """Apply a variant of an app file to the org, then put the declared file back."""
    file = path / "apps" / app_file
    declared = file.read_text(encoding="utf-8")
    assert old in declared
    file.write_text(declared.replace(old, new), encoding="utf-8")
    result = cli("apply", "-C", str(path), "--auto-approve", environ={**SECRET_ENV, **(environ or {})})
    assert result.code == 0, result.output
    file.write_text(declared, encoding="utf-8")


def _set_org(path: Path, **settings: object) -> None:
    org = open_local_org(local_org_dir(path, "default"))
    try:
        for key, value in settings.items():
            org.set_setting(key, value)
    finally:
        org.close()


def _add_permission_set(path: Path, name: str) -> None:
    org = open_local_org(local_org_dir(path, "default"))
    try:
        org.store.add_permission_set(org.org_id, org.ids.new_id("0PS"), name)
    finally:
        org.close()


def _secrets_of(path: Path) -> list[str]:
    """Every secret the run could leak: app secrets and user passwords from the org, keys on disk."""
    found = list(SECRET_ENV.values())[:1]
    for org_dir in (path / ".sfconnect" / "localorg").iterdir():
        org = open_local_org(org_dir)
        try:
            found += [org.password_of(u.username) for u in org.users()]
            found += [str(r[0]) for r in org.store._all("SELECT consumer_secret FROM credentials", ())]
        finally:
            org.close()
    for key in path.glob("certs/*.key"):
        body = key.read_text(encoding="utf-8").splitlines()
        found += [line for line in body if len(line) > 40]
    return found


def _assert_failed(result: CliResult, app: str, check: str, *fragments: str) -> dict[str, str]:
    assert result.code == 2, result.output
    found = _checks(result)[(app, check)]
    assert found["status"] == "failed", found
    text = found["message"] + " " + found["fix"]
    for fragment in fragments:
        assert fragment in text, (fragment, found)
    assert found["fix"], "a failure says how to fix it"
    return found


# --- every example passes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_passes_after_apply(
    cli: Cli, ready: Callable[[str], Path], name: str, tmp_path: Path
) -> None:
    path = ready(name)
    junit = tmp_path / "smoke.xml"
    result = _smoke(cli, path, "--junit", str(junit))
    assert result.code == 0, result.output
    doc = json.loads(result.out)
    assert doc["status"] == "passed"
    assert doc["summary"]["checks"] == doc["summary"]["passed"] > 0
    # JUnit: well-formed, one test case per check, no failures
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == doc["summary"]["checks"]
    assert not suite.findall("testcase/failure") and not suite.findall("testcase/error")
    # each token obtained was revoked
    assert all(c["status"] == "passed" for c in doc["checks"] if c["check"] == "tokens.revoked")


def test_quickstart_checks_and_text_report(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("quickstart")
    result = cli("smoke", "-C", str(path))
    assert result.code == 0, result.output
    for check in (
        "authorization_code.token",
        "authorization_code.callbacks",
        "authorization_code.unregistered_callback",
        "authorization_code.pkce_required",
        "refresh_token.refresh",
        "jwt_bearer.token",
        "jwt_bearer.wrong_key",
        "client_credentials.disabled",
        "device.disabled",
        "user_agent.blocked",
        "tokens.revoked",
    ):
        assert check in result.out
    assert "0 failed, 0 error(s)" in result.out
    # the intent-only switch (authorization_code.enabled: false on CI_Integration) gets no negative check
    assert not re.search(r"CI_Integration\s+authorization_code", result.out)


def test_no_secret_token_or_key_in_any_output(cli: Cli, ready: Callable[[str], Path], tmp_path: Path) -> None:
    path = ready("quickstart")
    outputs: list[str] = []
    for fmt in ("text", "json", "markdown"):
        result = cli("smoke", "-C", str(path), "--format", fmt, "-v")
        assert result.code == 0, result.output
        outputs.append(result.output)
    junit, out = tmp_path / "r.xml", tmp_path / "r.md"
    assert (
        cli("smoke", "-C", str(path), "--junit", str(junit), "--format", "markdown", "--out", str(out)).code
        == 0
    )
    outputs += [junit.read_text(encoding="utf-8"), out.read_text(encoding="utf-8")]
    # a failing run too (messages quote the org's answers)
    shutil.rmtree(path / "certs")
    assert cli("keygen", "-C", str(path)).code == 0
    failing = cli("smoke", "-C", str(path), "--format", "json")
    assert failing.code == 2
    outputs.append(failing.output)
    secrets = _secrets_of(path)
    assert len(secrets) >= 4
    for text in outputs:
        assert not TOKEN_PATTERN.search(text)
        for secret in secrets:
            assert secret not in text


# --- each check fails when the app is broken ------------------------------------------------------------------


def test_wrong_callback_in_org(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("quickstart")
    _break_in_org(
        cli,
        path,
        "web-portal.yaml",
        "- https://portal.example.com/oauth/callback",
        "- https://portal.example.com/oauth/callbak",
    )
    result = _smoke(cli, path)
    _assert_failed(
        result,
        "Partner_Portal",
        "authorization_code.callbacks",
        "https://portal.example.com/oauth/callback",
        "redirect_uri_mismatch",
        "sfconnect apply",
    )
    _assert_failed(result, "Partner_Portal", "authorization_code.token", "login page")


def test_unregistered_callback_accepted(cli: Cli, ready: Callable[[str], Path]) -> None:
    from sfconnect.smoke._authorization_code import UNREGISTERED_CALLBACK

    path = ready("quickstart")
    _break_in_org(
        cli,
        path,
        "web-portal.yaml",
        "- http://localhost:8080/oauth/callback",
        f"- http://localhost:8080/oauth/callback\n        - {UNREGISTERED_CALLBACK}",
    )
    result = _smoke(cli, path)
    _assert_failed(
        result,
        "Partner_Portal",
        "authorization_code.unregistered_callback",
        "accepted the unregistered callback",
    )


def test_pkce_off_in_org(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("quickstart")
    _break_in_org(cli, path, "web-portal.yaml", "require_pkce: true", "require_pkce: false")
    result = _smoke(cli, path)
    _assert_failed(
        result, "Partner_Portal", "authorization_code.pkce_required", "PKCE is not required", "isPkceRequired"
    )
    assert _checks(result)[("Partner_Portal", "authorization_code.token")]["status"] == "passed"


def test_rotation_off_in_org(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("quickstart")
    _break_in_org(cli, path, "web-portal.yaml", "rotation: true", "rotation: false")
    result = _smoke(cli, path)
    _assert_failed(result, "Partner_Portal", "refresh_token.refresh", "rotation is off in the org", "apply")


def test_device_flow_enabled_in_org_but_not_declared(cli: Cli, ready: Callable[[str], Path]) -> None:
    # CI_Integration: Partner_Portal requires a high-assurance session, which refuses the device flow anyway
    path = ready("quickstart")
    _break_in_org(
        cli,
        path,
        "ci-integration.yaml",
        "        authorization_code: {enabled: false}\n",
        "        authorization_code: {enabled: false}\n        device: {enabled: true}\n",
    )
    result = _smoke(cli, path)
    _assert_failed(result, "CI_Integration", "device.disabled", "returned a user code", "isDeviceFlowEnabled")


def test_device_flow_disabled_in_org(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("mobile")
    _break_in_org(cli, path, "mobile.yaml", "device: {enabled: true}", "device: {enabled: false}")
    result = _smoke(cli, path)
    _assert_failed(result, "Lobby_Kiosk", "device.token", "oauth_flow_disabled", "apply")


def test_wrong_certificate(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("quickstart")
    shutil.rmtree(path / "certs")  # a new key pair: the org still holds the old certificate
    assert cli("keygen", "-C", str(path)).code == 0
    result = _smoke(cli, path)
    _assert_failed(
        result,
        "CI_Integration",
        "jwt_bearer.token",
        "invalid assertion",
        "smoke.credentials private_key (file:certs/ci-integration.key)",
        "sfconnect apply",
    )
    assert _checks(result)[("CI_Integration", "jwt_bearer.wrong_key")]["status"] == "passed"


def test_jwt_user_not_pre_authorized(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("quickstart")
    _add_permission_set(path, "Other_Set")  # named permission sets must exist (for both app kinds)
    _break_in_org(
        cli,
        path,
        "ci-integration.yaml",
        "permission_sets: [CI_Deployer]",
        "permission_sets: [Connected_App_Users]",
    )
    result = _smoke(cli, path)
    _assert_failed(
        result,
        "CI_Integration",
        "jwt_bearer.token",
        "user hasn't approved this consumer",
        "not pre-authorized",
    )


def test_missing_private_key_is_an_error(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("quickstart")
    (path / "certs" / "ci-integration.key").unlink()
    result = _smoke(cli, path)
    assert result.code == 1, result.output
    found = _checks(result)[("CI_Integration", "jwt_bearer.token")]
    assert found["status"] == "error"
    assert "file:certs/ci-integration.key" in found["message"] and "smoke.credentials" in found["fix"]


def test_client_credentials_disabled_in_org(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("server-to-server")
    _break_in_org(
        cli,
        path,
        "billing-sync.yaml",
        "client_credentials:\n          enabled: true\n          run_as: billing.integration@example.com",
        "client_credentials:\n          enabled: false",
    )
    result = _smoke(cli, path)
    _assert_failed(result, "Billing_Sync", "client_credentials.token", "flow is off in the org", "apply")


def test_run_as_user_removed(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("server-to-server")
    org = open_local_org(local_org_dir(path, "default"))
    try:
        org.store._exec("DELETE FROM users WHERE username = ?", ("billing.integration@example.com",))
    finally:
        org.close()
    result = _smoke(cli, path)
    _assert_failed(
        result,
        "Billing_Sync",
        "client_credentials.token",
        "no usable run-as user",
        "billing.integration@example.com",
        "create or activate the user",
    )


def test_wrong_client_secret_reference(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("server-to-server")
    result = _smoke(cli, path, environ={"BILLING_SYNC_SECRET": "not-the-secret"})
    _assert_failed(
        result,
        "Billing_Sync",
        "client_credentials.token",
        "consumer secret is refused",
        "env:BILLING_SYNC_SECRET",
    )


def test_scopes_differ_in_org(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("server-to-server")
    _break_in_org(cli, path, "billing-sync.yaml", "scopes: [api]", "scopes: [api, chatter_api]")
    result = _smoke(cli, path)
    _assert_failed(result, "Billing_Sync", "client_credentials.token", "granted scopes", "chatter_api")


def test_client_credentials_enabled_in_org_but_not_declared(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("quickstart")
    _break_in_org(
        cli,
        path,
        "ci-integration.yaml",
        "        authorization_code: {enabled: false}\n",
        "        authorization_code: {enabled: false}\n"
        "        client_credentials: {enabled: true, run_as: ci.deployer@localorg.sfconnect.test}\n",
    )
    result = _smoke(cli, path)
    _assert_failed(
        result, "CI_Integration", "client_credentials.disabled", "issued a client credentials token"
    )


def test_high_assurance_missing_in_org(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("server-to-server")
    file = path / "apps" / "billing-sync.yaml"
    declared = file.read_text(encoding="utf-8").replace(
        "      session_timeout_minutes: 15",
        "      session_timeout_minutes: 15\n      high_assurance: {required: true}",
    )
    file.write_text(declared, encoding="utf-8")  # the org (applied before) lacks it
    result = _smoke(cli, path)
    _assert_failed(
        result,
        "Billing_Sync",
        "session_policy.client_credentials",
        "requires a high-assurance session",
        "apply",
    )
    assert ("Billing_Sync", "client_credentials.token") not in _checks(result)
    # once applied, the flow is refused for the session level and the check passes
    assert cli("apply", "-C", str(path), "--auto-approve", environ=SECRET_ENV).code == 0
    assert _smoke(cli, path).code == 0


def test_user_agent_allowed_by_org(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("quickstart")
    _set_org(path, user_agent_flows_blocked=False)
    result = _smoke(cli, path)
    _assert_failed(result, "Partner_Portal", "user_agent.blocked", "user-agent flow", "blockOAuthUsrAgtFlow")


def test_user_agent_declared_but_blocked(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("quickstart")
    file = path / "apps" / "web-portal.yaml"
    file.write_text(
        file.read_text(encoding="utf-8").replace(
            "          require_secret: true\n",
            "          require_secret: true\n        user_agent: {enabled: true}\n",
        ),
        encoding="utf-8",
    )
    assert cli("apply", "-C", str(path), "--auto-approve").code == 0
    result = _smoke(cli, path)
    _assert_failed(
        result, "Partner_Portal", "user_agent.token", "blocks the user-agent flow", "Allow OAuth User-Agent"
    )
    _set_org(path, user_agent_flows_blocked=False)
    result = _smoke(cli, path)
    assert result.code == 0, result.output
    checks = _checks(result)
    assert checks[("Partner_Portal", "user_agent.token")]["status"] == "passed"
    # the switch is org-wide: the other app gets no "refused" check while one app needs the flow
    assert ("CI_Integration", "user_agent.blocked") not in checks


def test_username_password_allowed_by_org(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("existing-connected-app")
    org_dir = local_org_dir(path, "existing")
    org = open_local_org(org_dir)
    try:
        org.set_setting("username_password_flows_blocked", False)
    finally:
        org.close()
    result = _smoke(cli, path)
    _assert_failed(
        result, "Billing_Sync", "username_password.blocked", "username-password flow", "blockOAuthUnPwFlow"
    )


def test_waits_while_a_new_app_propagates(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("server-to-server")
    _set_org(path, oauth_propagation_delay_seconds=5)  # smoke now logs in first: leave room to wait
    _break_in_org(
        cli, path, "billing-sync.yaml", "session_timeout_minutes: 15", "session_timeout_minutes: 20"
    )
    refused = _smoke(cli, path, "--wait-minutes", "0")
    _assert_failed(
        refused,
        "Billing_Sync",
        "client_credentials.token",
        "does not know the app's consumer key",
        "wait_minutes",
    )
    _break_in_org(
        cli, path, "billing-sync.yaml", "session_timeout_minutes: 15", "session_timeout_minutes: 25"
    )
    waited = _smoke(cli, path, "--wait-minutes", "1")
    assert waited.code == 0, waited.output
    assert "propagate" in waited.err and "Retrying in" in waited.err
    assert json.loads(waited.out)["summary"]["waited_seconds"] > 0


def test_app_option_and_unknown_target(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("quickstart")
    result = _smoke(cli, path, "--app", "CI_*")
    assert result.code == 0
    assert {app for app, _ in _checks(result)} == {"CI_Integration"}
    assert _smoke(cli, path, "--app", "Nope").code == 1
    assert cli("smoke", "-C", str(path), "-t", "nope").code == 1


def test_secret_optional_in_org(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("quickstart")
    _break_in_org(cli, path, "web-portal.yaml", "require_secret: true", "require_secret: false")
    result = _smoke(cli, path)
    _assert_failed(
        result,
        "Partner_Portal",
        "authorization_code.secret_required",
        "secret is optional",
        "isConsumerSecretOptional",
    )


def test_user_not_admin_approved_for_code_flow(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("multi-env")
    _add_permission_set(path, "Other")  # named permission sets must exist (for both app kinds)
    _break_in_org(
        cli,
        path,
        "order-sync.yaml",
        "permission_sets: [Order_Service_User]",
        "permission_sets: [Connected_App_Users]",
    )
    result = _smoke(cli, path)
    _assert_failed(
        result, "Order_Sync", "authorization_code.token", "invalid_app_access", "access.permission_sets"
    )
    _assert_failed(
        result, "Order_Sync", "refresh_token.refresh", "no flow of this run issued a refresh token"
    )


def test_username_password_declared_but_blocked(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("existing-connected-app")
    file = path / "apps" / "billing-sync.yaml"
    file.write_text(
        file.read_text(encoding="utf-8").replace(
            "          require_secret: true\n",
            "          require_secret: true\n        username_password: {enabled: true}\n",
            1,
        ),
        encoding="utf-8",
    )
    result = _smoke(cli, path)
    _assert_failed(
        result, "Billing_Sync", "username_password.token", "authentication failure", "blockOAuthUnPwFlow"
    )
    org = open_local_org(local_org_dir(path, "existing"))
    try:
        org.set_setting("username_password_flows_blocked", False)
    finally:
        org.close()
    assert _smoke(cli, path).code == 0


def test_jwt_high_assurance_missing_in_org(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("quickstart")
    file = path / "apps" / "ci-integration.yaml"
    file.write_text(
        file.read_text(encoding="utf-8").replace(
            "      session_timeout_minutes: 60",
            "      session_timeout_minutes: 60\n      high_assurance: {required: true}",
        ),
        encoding="utf-8",
    )
    result = _smoke(cli, path)
    _assert_failed(result, "CI_Integration", "session_policy.jwt_bearer", "high-assurance", "apply")


def test_refresh_policy_immediately_not_in_org(cli: Cli, ready: Callable[[str], Path]) -> None:
    path = ready("quickstart")
    file = path / "apps" / "web-portal.yaml"
    text = file.read_text(encoding="utf-8")
    old = "        policy: after_inactivity\n        period: 7\n        unit: days\n"
    assert old in text
    file.write_text(text.replace(old, "        policy: immediately\n"), encoding="utf-8")
    result = _smoke(cli, path)
    _assert_failed(
        result, "Partner_Portal", "refresh_token.refresh", "expires refresh tokens immediately", "apply"
    )
