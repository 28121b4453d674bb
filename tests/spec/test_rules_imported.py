"""Rules relaxed for what real (imported) apps contain: start URLs and the client credentials run-as user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from sfconnect.cli.context import AppContext
from sfconnect.cli.main import run
from sfconnect.errors import Issue
from sfconnect.spec.models import AppSpec
from sfconnect.spec.rules import app_rules

_ADAPTER: TypeAdapter[AppSpec] = TypeAdapter(AppSpec)


def _issues(**fields: Any) -> list[Issue]:
    data = {
        "kind": "ConnectedApp",
        "name": "A",
        "label": "A",
        "contact": {"email": "a@example.com"},
        **fields,
    }
    app = _ADAPTER.validate_python(data)
    return app_rules(app, api_version="63.0", prefix=("apps", 0), locate=lambda loc: ("a.yaml", 1, 1))


@pytest.mark.parametrize("url", ["/sf_devops/DevOpsCenter.app", "/lightning/n/My_Tab", "zsmsmobile://"])
def test_start_url_may_be_an_org_path_or_a_custom_scheme(url: str) -> None:
    assert _issues(urls={"start": url}) == []


def test_http_start_url_is_a_warning_and_http_logo_an_error() -> None:
    [start] = _issues(urls={"start": "http://example.com"})
    assert (start.severity, start.code) == ("warning", "url_insecure")
    [logo] = _issues(urls={"logo": "http://example.com/logo.png"})
    assert (logo.severity, logo.code) == ("error", "url_insecure")


@pytest.mark.parametrize("url", ["//evil.example.com/x", "sf_devops/relative"])
def test_start_url_that_is_neither_a_path_nor_absolute_is_an_error(url: str) -> None:
    assert [i.severity for i in _issues(urls={"start": url})] == ["error"]


def test_client_credentials_without_run_as_is_a_warning() -> None:
    oauth = {
        "callback_urls": ("https://a.example.com/cb",),
        "flows": {"client_credentials": {"enabled": True}},
    }
    [issue] = _issues(oauth=oauth)
    assert (issue.severity, issue.code) == ("warning", "run_as_required")


def test_eca_only_scopes_are_accepted_for_external_client_apps_only() -> None:
    oauth = {"callback_urls": ("https://a.example.com/cb",), "scopes": ("Api", "MCP", "SFApiPlatform")}
    issues = _issues(oauth=oauth)
    assert [(i.code, i.loc) for i in issues] == [
        ("kind_unsupported", ("apps", 0, "oauth", "scopes", 1)),
        ("kind_unsupported", ("apps", 0, "oauth", "scopes", 2)),
    ]
    eca = _ADAPTER.validate_python({"kind": "ExternalClientApp", "name": "E", "label": "E", "oauth": oauth})
    assert app_rules(eca, api_version="63.0", prefix=(), locate=lambda loc: ("a.yaml", 1, 1)) == []


def test_validate_reports_the_run_as_warning_with_its_position_and_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "app.yaml").write_text(
        "apps:\n"
        "  - kind: ExternalClientApp\n"
        "    name: Billing_Sync\n"
        "    label: Billing Sync\n"
        "    oauth:\n"
        "      callback_urls: [https://billing.example.com/callback]\n"
        "      flows: {client_credentials: {enabled: true}}\n"
    )
    code = run(["validate", str(tmp_path)], obj=AppContext(environ={}))
    output = capsys.readouterr()
    text = output.out + output.err
    assert code == 0, text
    assert "app.yaml:7:" in text and "warning apps[0].oauth.flows.client_credentials" in text
    assert "run-as user" in text
