"""Project-scope rules, suppressions, and linting a whole project (per target, with positions)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from sfconnect.lint.runner import lint_project, project_files
from sfconnect.spec.load import load_project
from tests.conftest import generated_private_key_pem
from tests.lint.certs import make_cert

TODAY = dt.date(2026, 6, 1)

APP = """\
apps:
  - kind: ExternalClientApp
    name: {name}
    label: App
    contact: {{email: team@example.com}}
    oauth:
      callback_urls: [https://app.example.com/oauth/callback]
      scopes: [{scope}]
      flows:
        authorization_code: {{enabled: false}}
        jwt_bearer: {{enabled: true, certificate: "file:{cert}"}}
    access:
      permitted_users: admin_approved
      permission_sets: [App_Users]
      session_timeout_minutes: 60
"""


def _project(tmp_path: Path, config: str = "", apps: dict[str, str] | None = None) -> Path:
    (tmp_path / "apps").mkdir()
    (tmp_path / "sfconnect.yaml").write_text('api_version: "63.0"\n' + config)
    for name, text in (apps or {"a.yaml": APP.format(name="App_A", scope="api", cert="certs/a.crt")}).items():
        (tmp_path / "apps" / name).write_text(text)
    return tmp_path


def _lint(root: Path):
    return lint_project(load_project(root, environ={}, require_values=False), today=TODAY)


def _rules(report) -> list[str]:
    return [f.rule_id for f in report.findings]


def test_clean_project_has_no_findings(tmp_path: Path) -> None:
    assert _rules(_lint(_project(tmp_path))) == []


def test_private_key_and_global_oauth_file_in_the_tree(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "certs").mkdir()
    (root / "certs" / "a.key").write_text(generated_private_key_pem())
    src = root / "force-app" / "extlClntAppGlobalOauthSets"
    src.mkdir(parents=True)
    (src / "App_A_glbloauth.ecaGlblOauth-meta.xml").write_text("<ExtlClntAppGlobalOauthSettings/>")
    (root / "legacy.connectedApp-meta.xml").write_text(
        "<ConnectedApp>\n<oauthConfig>\n<consumerSecret>s3cr3t</consumerSecret>\n</oauthConfig>\n</ConnectedApp>\n"
    )
    report = _lint(root)
    by_rule = {(f.rule_id, f.file, f.line) for f in report.findings}
    assert ("SFC-SECRET-002", "certs/a.key", 1) in by_rule
    assert (
        "SFC-SECRET-001",
        "force-app/extlClntAppGlobalOauthSets/App_A_glbloauth.ecaGlblOauth-meta.xml",
        0,
    ) in by_rule
    assert ("SFC-SECRET-001", "legacy.connectedApp-meta.xml", 3) in by_rule
    assert all("s3cr3t" not in f.message for f in report.findings)


def test_gitignored_keys_are_not_reported(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / ".gitignore").write_text("certs/\n")
    (root / "certs").mkdir()
    (root / "certs" / "a.key").write_text(generated_private_key_pem(traditional=True))
    assert "certs/a.key" not in project_files(root)
    assert "SFC-SECRET-002" not in _rules(_lint(root))
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    assert "certs/a.key" not in project_files(root)
    (root / ".gitignore").write_text("")
    assert "certs/a.key" in project_files(root)
    assert "SFC-SECRET-002" in _rules(_lint(root))


def test_shared_certificate_across_apps(tmp_path: Path) -> None:
    apps = {
        "a.yaml": APP.format(name="App_A", scope="api", cert="certs/shared.crt"),
        "b.yaml": APP.format(name="App_B", scope="api", cert="certs/shared.crt"),
    }
    root = _project(tmp_path, apps=apps)
    (root / "certs").mkdir()
    pem = make_cert(not_before=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), days=365)
    (root / "certs" / "shared.crt").write_text(pem)
    found = [f for f in _lint(root).findings if f.rule_id == "SFC-CERT-003"]
    assert len(found) == 1 and "App_A, App_B" in found[0].message
    assert found[0].file == "apps/a.yaml" and found[0].line == 11
    # one certificate per app: clean
    (root / "apps" / "b.yaml").write_text(APP.format(name="App_B", scope="api", cert="certs/b.crt"))
    (root / "certs" / "b.crt").write_text(
        make_cert(not_before=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), days=365)
    )
    assert "SFC-CERT-003" not in _rules(_lint(root))


def test_findings_point_at_the_yaml_key_and_at_overrides(tmp_path: Path) -> None:
    config = """\
targets:
  local:
    local: {org: default}
    overrides:
      App_A:
        oauth:
          scopes: [full]
"""
    root = _project(tmp_path, config)
    report = _lint(root)
    [full] = [f for f in report.findings if f.rule_id == "SFC-OAUTH-006"]
    assert (full.file, full.line, full.column, full.field) == ("sfconnect.yaml", 8, 20, "oauth.scopes[0]")
    assert full.target == "local"
    (root / "apps" / "a.yaml").write_text(APP.format(name="App_A", scope="full", cert="certs/a.crt"))
    report = _lint(root)
    found = sorted((f.file, f.line, f.column) for f in report.findings if f.rule_id == "SFC-OAUTH-006")
    assert found == [("apps/a.yaml", 8, 16), ("sfconnect.yaml", 8, 20)]


SUPPRESSIONS = """\
lint:
  suppressions:
    - rule: scope-full
      app: App_*
      reason: "accepted for the test"
      expires: {expires}
    - rule: SFC-NETWORK-001
      app: Nobody
      reason: "matches nothing"
"""


@pytest.mark.parametrize("expires", ["2099-01-01", "2026-05-31"])
def test_suppressions_active_expired_and_unused(tmp_path: Path, expires: str) -> None:
    root = _project(
        tmp_path,
        SUPPRESSIONS.format(expires=expires),
        {"a.yaml": APP.format(name="App_A", scope="full", cert="certs/a.crt")},
    )
    report = _lint(root)
    rules = _rules(report)
    unused = [f for f in report.findings if f.rule_id == "SFC-META-002"]
    assert len(unused) == 1 and (unused[0].file, unused[0].line) == ("sfconnect.yaml", 8)
    if expires == "2099-01-01":
        assert "SFC-OAUTH-006" not in rules and "SFC-META-001" not in rules
        [suppressed] = report.suppressed
        assert suppressed.finding.rule_id == "SFC-OAUTH-006" and suppressed.reason == "accepted for the test"
    else:
        assert "SFC-OAUTH-006" in rules
        [expired] = [f for f in report.findings if f.rule_id == "SFC-META-001"]
        assert "expired on 2026-05-31" in expired.message and (expired.file, expired.line) == (
            "sfconnect.yaml",
            4,
        )
        assert report.suppressed == ()


def test_paths_limit_the_report(tmp_path: Path) -> None:
    apps = {
        "a.yaml": APP.format(name="App_A", scope="full", cert="certs/a.crt"),
        "b.yaml": APP.format(name="App_B", scope="full", cert="certs/b.crt"),
    }
    root = _project(tmp_path, apps=apps)
    project = load_project(root, environ={}, require_values=False)
    report = lint_project(project, today=TODAY, paths=[root / "apps" / "b.yaml"])
    assert {f.app for f in report.findings} == {"App_B"}


def test_one_certificate_on_production_and_sandbox_targets(tmp_path: Path) -> None:
    config = """\
targets:
  sandbox:
    salesforce:
      url: https://acme--uat.sandbox.my.salesforce.com
      environment: sandbox
      auth: {access_token: {token: env:UAT_TOKEN}}
  production:
    salesforce:
      url: https://acme.my.salesforce.com
      auth: {access_token: {token: env:PROD_TOKEN}}
default_target: sandbox
"""
    root = _project(tmp_path, config)
    (root / "certs").mkdir()
    (root / "certs" / "a.crt").write_text(
        make_cert(not_before=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), days=365)
    )
    [shared] = [f for f in _lint(root).findings if f.rule_id == "SFC-CERT-003"]
    assert "production and non-production" in shared.message and shared.app == "App_A"
