"""The runner against a stand-in org (no HTTP): checks only a misbehaving org can fail, Salesforce
preflights, missing credentials, and waiting while an app propagates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sfconnect.org.oauth_client import AuthorizeAnswer, OAuthClient, Refusal, Tokens
from sfconnect.smoke import AppKeys, SmokeEnvironment, SmokeUser, plan_checks, run_smoke
from sfconnect.spec.models import ExternalClientAppSpec
from sfconnect.spec.project import Smoke, SmokeCredentials


class FakeOrg:
    """Answers like a permissive org: every grant succeeds; tokens stay valid unless `revoke_works`."""

    def __init__(self, *, revoke_works: bool = True, unknown_for: int = 0) -> None:
        self.revoke_works = revoke_works
        self.revoked: set[str] = set()
        self.unknown_for = unknown_for
        self.issued = 0
        self.calls: list[str] = []

    def _tokens(self, refresh: bool = False) -> Tokens | Refusal:
        if self.unknown_for > 0:
            self.unknown_for -= 1
            return Refusal("invalid_client_id", "client identifier invalid")
        self.issued += 1
        return Tokens(f"00Dfake!access{self.issued}", f"5Aep{self.issued}" if refresh else None, ("api",))

    def jwt_bearer(self, assertion: str) -> Tokens | Refusal:
        self.calls.append("jwt_bearer")
        return self._tokens()

    def client_credentials(self, client_id: str, client_secret: str) -> Tokens | Refusal:
        self.calls.append("client_credentials")
        return self._tokens()

    def device_start(self, client_id: str, scope: str | None = None) -> Refusal:
        return Refusal("oauth_flow_disabled", "off")

    def authorize(self, params: dict[str, str]) -> AuthorizeAnswer:
        self.calls.append("authorize")
        if params["response_type"] == "token":
            return AuthorizeAnswer("callback", 302, params={"error": "oauth_flow_disabled"})
        if params["redirect_uri"].endswith(".invalid/not-a-registered-callback"):
            return AuthorizeAnswer("error_page", 302, params={"error": "redirect_uri_mismatch"})
        if "code_challenge" not in params:
            return AuthorizeAnswer("callback", 302, params={"error": "invalid_request"})
        return AuthorizeAnswer("page", 200, form_action="https://x/a", has_login=True)

    def userinfo(self, access_token: str) -> dict[str, Any] | Refusal:
        if access_token in self.revoked:
            return Refusal("invalid_token", "revoked", 401)
        return {"preferred_username": "ci@example.com"}

    def revoke(self, token: str) -> Refusal | None:
        if self.revoke_works:
            self.revoked.add(token)
        return None


def _pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _app(**oauth: Any) -> ExternalClientAppSpec:
    return ExternalClientAppSpec.model_validate(
        {
            "kind": "ExternalClientApp",
            "name": "CI_App",
            "label": "CI App",
            "oauth": {"callback_urls": ["https://ci.example.com/cb"], "scopes": ["Api"], **oauth},
        },
        strict=False,
    )


JWT = {
    "flows": {
        "authorization_code": {"enabled": False},
        "jwt_bearer": {"enabled": True, "certificate": "file:c.crt"},
    }
}
LOCAL = SmokeEnvironment(
    "local",
    "https://127.0.0.1:1",
    local=True,
    users=(SmokeUser("ci@example.com", "pw"),),
    app_keys={"CI_App": AppKeys("3MVG9key", "secret")},
)


def _run(org: FakeOrg, env: SmokeEnvironment, app: ExternalClientAppSpec, tmp_path: Path, **kw: Any) -> Any:
    (tmp_path / "k.pem").write_text(_pem(), encoding="utf-8")
    settings = Smoke(credentials=(SmokeCredentials(private_key="file:k.pem"),))
    fake: OAuthClient = org  # type: ignore[assignment]
    return run_smoke([app], env, settings, environ={}, base_dir=tmp_path, client=fake, **kw)


def _result(report: Any, check: str) -> Any:
    return next(r for r in report.results if r.check == check)


def test_wrong_key_check_fails_when_the_org_accepts_any_assertion(tmp_path: Path) -> None:
    report = _run(FakeOrg(), LOCAL, _app(**JWT), tmp_path)
    assert _result(report, "jwt_bearer.token").status == "passed"
    failed = _result(report, "jwt_bearer.wrong_key")
    assert failed.status == "failed"
    assert "never seen" in failed.message and "apply" in failed.fix
    assert report.status == "failed"


def test_revocation_check_fails_when_tokens_survive(tmp_path: Path) -> None:
    report = _run(FakeOrg(revoke_works=False), LOCAL, _app(**JWT), tmp_path)
    failed = _result(report, "tokens.revoked")
    assert failed.status == "failed" and "still works" in failed.message and failed.fix
    report = _run(FakeOrg(), LOCAL, _app(**JWT), tmp_path)
    assert _result(report, "tokens.revoked").status == "passed"


def test_salesforce_target_gets_preflights_and_needs_a_consumer_key(tmp_path: Path) -> None:
    env = SmokeEnvironment(
        "prod", "https://acme.my.salesforce.com", jwt_audience="https://login.salesforce.com"
    )
    app = _app()
    ids = [c.id for c in plan_checks(app, env)]
    assert "authorization_code.token" not in ids and "authorization_code.secret_required" not in ids
    assert {"authorization_code.callbacks", "authorization_code.pkce_required"} <= set(ids)
    report = _run(FakeOrg(), env, app, tmp_path)
    assert report.status == "error"
    assert [(r.check, r.status) for r in report.results] == [("app.consumer_key", "error")]
    first = report.results[0]
    assert "SFCONNECT_CI_APP_CONSUMER_KEY" in first.message + first.fix
    keyed = run_smoke(
        [app],
        env,
        Smoke(),
        environ={"SFCONNECT_SMOKE_CI_APP_CONSUMER_KEY": "3MVG9k"},
        base_dir=tmp_path,
        client=FakeOrg(),  # type: ignore[arg-type]
    )
    statuses = {r.check: r.status for r in keyed.results}
    assert statuses["authorization_code.callbacks"] == "passed"
    assert statuses["authorization_code.unregistered_callback"] == "passed"
    assert statuses["authorization_code.pkce_required"] == "passed"
    # no client secret given: the negative check is skipped (reported), not an error
    assert statuses["client_credentials.disabled"] == "skipped"
    assert keyed.status == "passed"


def test_unreachable_org_stops_the_run(tmp_path: Path) -> None:
    from sfconnect.errors import OrgError

    class Down(FakeOrg):
        def authorize(self, params: dict[str, str]) -> AuthorizeAnswer:
            raise OrgError("network error: connection refused", target="prod", operation="authorize")

    env = SmokeEnvironment("prod", "https://acme.my.salesforce.com")
    report = run_smoke(
        [_app(), _app()],
        env,
        Smoke(),
        environ={"SFCONNECT_SMOKE_CI_APP_CONSUMER_KEY": "3MVG9k"},
        base_dir=tmp_path,
        client=Down(),  # type: ignore[arg-type]
    )
    assert report.status == "error" and not report.results
    assert len(report.errors) == 1 and "connection refused" in report.errors[0]


@pytest.mark.parametrize(("wait", "status"), [(0.0, "failed"), (600.0, "passed")])
def test_waits_with_backoff_while_the_app_propagates(tmp_path: Path, wait: float, status: str) -> None:
    clock = [0.0]
    slept: list[float] = []
    messages: list[str] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    env = SmokeEnvironment(
        "local", "https://x", local=True, users=LOCAL.users, app_keys=LOCAL.app_keys, wait_seconds=wait
    )
    report = _run(
        FakeOrg(unknown_for=3),
        env,
        _app(**JWT),
        tmp_path,
        now=lambda: clock[0],
        sleep=sleep,
        progress=messages.append,
    )
    result = _result(report, "jwt_bearer.token")
    assert result.status == status
    if wait:
        assert slept == [2.0, 4.0, 8.0]
        assert report.waited_seconds == 14.0
        assert sum("propagate" in m for m in messages) == 3
    else:
        assert not slept and "consumer key" in result.message and "wait_minutes" in result.fix
