"""Smoke reports and credential matching, without an org."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from defusedxml import ElementTree as ET

from sfconnect.smoke import (
    AppKeys,
    CheckResult,
    SmokeEnvironment,
    SmokeReport,
    SmokeUser,
    render_json,
    render_junit,
    render_markdown,
    render_text,
)
from sfconnect.smoke.environment import app_credentials, deprecated_variables
from sfconnect.spec.project import Smoke, SmokeCredentials


def _report() -> SmokeReport:
    return SmokeReport(
        "prod",
        False,
        [
            CheckResult("App_A", "client_credentials.token", "client_credentials", "a token", "passed", "ok"),
            CheckResult(
                "App_A",
                "jwt_bearer.token",
                "jwt_bearer",
                'jwt <&> "quoted"',
                "failed",
                "refused | x",
                "apply",
            ),
            CheckResult("App_B", "device.token", "device", "device", "error", "no key", "set it"),
        ],
    )


def test_status_counts_and_precedence() -> None:
    report = _report()
    assert (report.count("passed"), report.count("failed"), report.count("error")) == (1, 1, 1)
    statuses = [report.status]
    report.results.pop()
    statuses.append(report.status)
    report.results.pop()
    statuses.append(report.status)
    report.errors.append("could not connect")
    statuses.append(report.status)
    assert statuses == ["error", "failed", "passed", "error"]


def test_junit_is_well_formed_with_one_case_per_check() -> None:
    root = ET.fromstring(render_junit([_report()]))
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "3" and suite.get("failures") == "1" and suite.get("errors") == "1"
    cases = suite.findall("testcase")
    assert [c.get("classname") for c in cases] == ["prod.App_A", "prod.App_A", "prod.App_B"]
    failure = cases[1].find("failure")
    assert failure is not None and failure.get("message") == "refused | x"
    assert "fix: apply" in (failure.text or "")
    assert cases[2].find("error") is not None
    assert cases[1].get("name") == 'jwt_bearer.token: jwt <&> "quoted"'


def test_json_text_and_markdown() -> None:
    doc = json.loads(render_json([_report()]))
    assert doc["format_version"] == 1 and doc["status"] == "error"
    assert [c["status"] for c in doc["checks"]] == ["passed", "failed", "error"]
    text = render_text(_report())
    assert "FAIL App_A jwt_bearer.token: refused | x" in text and "  fix: apply" in text
    assert "3 check(s): 1 passed, 1 failed, 1 error(s)" in text
    markdown = render_markdown(_report())
    assert "refused \\| x" in markdown and "**Fix:** apply" in markdown
    assert json.loads(render_json([_report(), _report()]))[1]["target"] == "prod"


def test_credentials_first_match_and_local_fallbacks(tmp_path: Path) -> None:
    (tmp_path / "key.pem").write_text("PEM", encoding="utf-8")
    smoke = Smoke(
        credentials=(
            SmokeCredentials(target="uat", app="*", client_secret="env:UAT_SECRET"),
            SmokeCredentials(app="Billing_*", username="u@example.com", private_key="file:key.pem"),
            SmokeCredentials(app="*", client_secret="env:NEVER"),
        )
    )
    env = SmokeEnvironment(
        "local",
        "https://127.0.0.1:1",
        local=True,
        users=(SmokeUser("u@example.com", "pw"),),
        app_keys={"Billing_Sync": AppKeys("3MVG9key", "org-secret")},
    )
    creds = app_credentials(smoke, env, "Billing_Sync", environ={}, base_dir=tmp_path)
    assert creds.matched == "*/Billing_*"
    assert creds.private_key.value == "PEM" and "file:key.pem" in creds.private_key.source
    assert creds.consumer_key.value == "3MVG9key"
    assert creds.client_secret.value == "org-secret"  # no reference in the matching entry: the org's
    assert creds.password.value == "pw"  # the seeded user's
    other = app_credentials(smoke, env, "Other", environ={"NEVER": " s "}, base_dir=tmp_path)
    assert other.client_secret.value == "s" and other.consumer_key.value is None
    uat = app_credentials(smoke, SmokeEnvironment("uat", "https://x"), "Other", environ={}, base_dir=tmp_path)
    assert uat.client_secret.value is None and "env:UAT_SECRET, not set" in uat.client_secret.source
    assert "SFCONNECT_OTHER_CONSUMER_KEY" in uat.consumer_key.source


def test_published_names_and_the_deprecated_key_name(tmp_path: Path) -> None:
    env = SmokeEnvironment("uat", "https://x")
    environ = {"SFCONNECT_BILLING_SYNC_CONSUMER_KEY": "k1", "SFCONNECT_BILLING_SYNC_CONSUMER_SECRET": " s1 "}
    creds = app_credentials(Smoke(), env, "Billing_Sync", environ=environ, base_dir=tmp_path)
    assert (creds.consumer_key.value, creds.client_secret.value) == ("k1", "s1")
    assert "SFCONNECT_BILLING_SYNC_CONSUMER_SECRET" in creds.client_secret.source
    old = {"SFCONNECT_SMOKE_BILLING_SYNC_CONSUMER_KEY": "k0"}
    legacy = app_credentials(Smoke(), env, "Billing_Sync", environ=old, base_dir=tmp_path)
    assert legacy.consumer_key.value == "k0" and "deprecated" in legacy.consumer_key.source
    warnings = deprecated_variables(["Billing_Sync", "Other"], old)
    assert len(warnings) == 1 and "SFCONNECT_BILLING_SYNC_CONSUMER_KEY" in warnings[0]
    both = {**old, "SFCONNECT_BILLING_SYNC_CONSUMER_KEY": "k1"}
    assert (
        app_credentials(Smoke(), env, "Billing_Sync", environ=both, base_dir=tmp_path).consumer_key.value
        == "k1"
    )


@pytest.mark.parametrize("field", ["client_secret", "password", "private_key", "refresh_token"])
def test_credential_values_never_in_repr(field: str, tmp_path: Path) -> None:
    smoke = Smoke(credentials=(SmokeCredentials(username="u", **{field: "env:VALUE"}),))
    env = SmokeEnvironment("t", "https://x")
    creds = app_credentials(smoke, env, "A", environ={"VALUE": "TOPSECRETVALUE"}, base_dir=tmp_path)
    assert getattr(creds, field).value == "TOPSECRETVALUE"
    assert "TOPSECRETVALUE" not in repr(creds)
