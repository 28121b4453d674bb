"""Validation speaks YAML, reports every issue of a file at once, and invents nothing (issue 16, items 8-9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfconnect.cli.context import AppContext
from sfconnect.cli.main import run
from sfconnect.spec.load import load_project

CONFIG = """\
targets:
  local:
    local: {org: default}
  uat:
    local: {org: uat}
    overrides:
      Customer_Portal:
        description: Customer portal (UAT)
default_target: local
"""

PORTAL = """\
apps:
  - kind: ExternalClientApp
    name: Customer_Portal
    label: Customer Portal
    contact: {email: portal@example.com}
    oauth:
      callback_urls: [http://portal.example.com/cb]
      scopes: [api]
      flows:
      authorization_code: {require_pkce: true}
    access:
      high_assurance: true
      session_timeout_minutes: 2h
"""

MOBILE = """\
apps:
  - kind: ExternalClientApp
    name: Mobile_App
    label: Mobile App
    contact: {email: mobile@example.com}
"""


def _project(tmp_path: Path, portal: str = PORTAL) -> Path:
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "portal.yaml").write_text(portal)
    (tmp_path / "apps" / "mobile.yaml").write_text(MOBILE)
    (tmp_path / "sfconnect.yaml").write_text(CONFIG)
    return tmp_path


def _validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = run(["validate", *args], obj=AppContext(environ={}))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_every_issue_of_a_file_in_one_pass_in_yaml_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _validate(capsys, "-C", str(_project(tmp_path)))
    assert code == 1
    # the http callback is reported together with the shape errors, not after they are fixed
    assert "callback URL 'http://portal.example.com/cb' uses http" in out
    # a mis-indented block: one error with the fix, and no cascade about the empty `flows:`
    assert "'authorization_code' is not a key here; it belongs under 'flows:'" in out
    assert "indent 'authorization_code'" in out
    assert "apps[0].oauth.flows:" not in out
    # YAML words, never a Python class
    assert "'high_assurance' must be {required: true, action: raise_session_level}" in out
    assert "'session_timeout_minutes' is a number of minutes, got '2h'" in out
    assert "write 120 for 2h" in out
    for python in ("instance of", "HighAssurance", "IpRange", "Input should be", "NoneType"):
        assert python not in out
    assert "invalid (4 error(s))" in out


def test_no_bogus_override_error_when_the_app_has_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _code, out = _validate(capsys, "-C", str(_project(tmp_path)))
    assert "override for unknown app" not in out


def test_the_one_file_form_validates_that_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path, PORTAL.replace("Customer_Portal", "Other_Portal"))
    code, out = _validate(capsys, "-C", str(root), str(root / "apps" / "mobile.yaml"))
    assert code == 0, out
    assert "1 app(s) valid" in out and "override for unknown app" not in out
    # the whole project still reports a real unknown override
    code, out = _validate(capsys, "-C", str(root))
    assert "override for unknown app 'Customer_Portal'" in out


def test_trusted_ranges_take_cidr_blocks(tmp_path: Path) -> None:
    app = MOBILE + (
        "    oauth: {callback_urls: ['https://mobile.example.com/cb'], scopes: [api]}\n"
        "    access:\n"
        '      trusted_ip_ranges: [203.0.113.0/24, "2001:db8::/126", {start: 198.51.100.1, end: 198.51.100.9}]\n'
    )
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "mobile.yaml").write_text(app)
    project = load_project(tmp_path, environ={})
    ranges = [(r.start, r.end) for r in project.apps[0].access.trusted_ip_ranges]
    assert ranges == [
        ("203.0.113.0", "203.0.113.255"),
        ("2001:db8::", "2001:db8::3"),
        ("198.51.100.1", "198.51.100.9"),
    ]


def test_a_bad_trusted_range_shows_both_forms(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = MOBILE + "    access:\n      trusted_ip_ranges: [office]\n"
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "mobile.yaml").write_text(app)
    code, out = _validate(capsys, "-C", str(tmp_path))
    assert code == 1
    assert "'office' is not a CIDR block" in out and "{start: 203.0.113.0, end: 203.0.113.255}" in out
    assert "Value error" not in out
