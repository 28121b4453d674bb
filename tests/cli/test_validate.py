"""`sfconnect validate`: one test per bad input, each naming file:line and the key path."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sfconnect.cli.context import AppContext
from sfconnect.cli.main import run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir())

GOOD_APP = """\
apps:
  - kind: ExternalClientApp
    name: Billing_Sync
    label: Billing Sync
    oauth:
      callback_urls: [https://billing.example.com/callback]
      scopes: [api]
"""


def _project(tmp_path: Path, app: str | bytes, config: str | None = None) -> Path:
    (tmp_path / "apps").mkdir()
    target = tmp_path / "apps" / "app.yaml"
    if isinstance(app, bytes):
        target.write_bytes(app)
    else:
        target.write_text(textwrap.dedent(app), encoding="utf-8")
    if config is not None:
        (tmp_path / "sfconnect.yaml").write_text(textwrap.dedent(config), encoding="utf-8")
    return tmp_path


def _validate(
    capsys: pytest.CaptureFixture[str], *args: str, environ: dict[str, str] | None = None
) -> tuple[int, str]:
    code = run(["validate", *args], obj=AppContext(environ=environ or {}))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


BAD_INPUTS = {
    "unknown_key": (
        GOOD_APP.replace("    label: Billing Sync\n", "    label: Billing Sync\n    descripton: x\n"),
        "app.yaml:5:5",
        "apps[0].descripton",
        "did you mean 'description'",
    ),
    "wrong_type": (
        GOOD_APP + "      introspect_all_tokens: 'yes'\n",
        "app.yaml:8:30",
        "apps[0].oauth.introspect_all_tokens",
        "expected true or false",
    ),
    "bad_enum": (
        GOOD_APP + "    access: {ip_relaxation: sometimes}\n",
        "app.yaml:8:29",
        "apps[0].access.ip_relaxation",
        "unexpected value 'sometimes'",
    ),
    "http_callback": (
        GOOD_APP.replace(
            "[https://billing.example.com/callback]", "[https://a.example.com/cb, http://b.example.com/cb]"
        ),
        "app.yaml:6:49",
        "apps[0].oauth.callback_urls[1]",
        "uses http",
    ),
    "duplicate_key": (
        GOOD_APP.replace("    label: Billing Sync\n", "    label: Billing Sync\n    label: Other\n"),
        "app.yaml:5:5",
        "apps[0].label",
        "duplicate key 'label'",
    ),
    "duplicate_app_name": (
        GOOD_APP + GOOD_APP.replace("apps:\n", ""),
        "app.yaml:9:11",
        "apps[1].name",
        "already declared at",
    ),
    "reversed_ip_range": (
        GOOD_APP + "    access:\n      trusted_ip_ranges:\n        - {start: 10.0.0.9, end: 10.0.0.1}\n",
        "app.yaml:10:34",
        "apps[0].access.trusted_ip_ranges[0].end",
        "below its start",
    ),
    "inline_secret": (
        GOOD_APP + "      consumer_secret: Sup3rS3cretValue\n",
        "app.yaml:8:24",
        "apps[0].oauth.consumer_secret",
        "env:NAME",
    ),
    "tab_indentation": (
        GOOD_APP.replace("    label: Billing Sync", "\tlabel: Billing Sync"),
        "app.yaml:4:",
        "",
        "tab character",
    ),
    "username_password_on_eca": (
        GOOD_APP + "      flows: {username_password: {enabled: true}}\n",
        "app.yaml:8:",
        "apps[0].oauth.flows.username_password.enabled",
        "not supported by ExternalClientApp",
    ),
    # client credentials without run_as is a warning (real apps name the user later): test_rules_imported.py
    "missing_kind": (
        GOOD_APP.replace("  - kind: ExternalClientApp\n    name", "  - name"),
        "app.yaml:2:",
        "apps[0]",
        "missing 'kind'",
    ),
    "missing_label": (
        GOOD_APP.replace("    label: Billing Sync\n", ""),
        "app.yaml:2:",
        "apps[0].label",
        "missing required key 'label'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_reported_with_position_and_path(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, where, path, words = BAD_INPUTS[case]
    project = _project(tmp_path, text)
    code, output = _validate(capsys, str(project))
    assert code == 1, output
    assert f"{project}/apps/{where}" in output
    assert path in output
    assert words in output


def test_alias_bomb_fails_fast(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    lines.append("apps: *j")
    project = _project(tmp_path, "\n".join(lines) + "\n")
    code, output = _validate(capsys, str(project))
    assert code == 1
    assert f"{project}/apps/app.yaml:" in output
    assert "expands to more than" in output


def test_non_utf8_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = GOOD_APP.replace("Billing Sync", "Billing \xe9").encode("latin-1")
    project = _project(tmp_path, raw)
    code, output = _validate(capsys, str(project))
    assert code == 1
    assert f"{project}/apps/app.yaml:4:20" in output
    assert "not valid UTF-8" in output


def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, "# nothing yet\n")
    code, output = _validate(capsys, str(project))
    assert code == 1
    assert f"{project}/apps/app.yaml:1:1" in output
    assert "file is empty" in output


def test_twenty_megabyte_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    padding = "# " + "x" * 98 + "\n"
    project = _project(tmp_path, GOOD_APP + padding * (20 * 1024 * 1024 // len(padding)))
    code, output = _validate(capsys, str(project))
    assert code == 1
    assert f"{project}/apps/app.yaml" in output
    assert "over the 5 MiB limit" in output


def test_unset_variable_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = GOOD_APP.replace(
        "[https://billing.example.com/callback]", '["https://${env:BILLING_HOST}/callback"]'
    )
    project = _project(tmp_path, app)
    code, output = _validate(capsys, str(project))
    assert code == 0, output
    assert f"{project}/apps/app.yaml:6:23 warning apps[0].oauth.callback_urls[0]" in output
    assert "BILLING_HOST is not set" in output
    code, output = _validate(capsys, str(project), environ={"BILLING_HOST": "billing.example.com"})
    assert code == 0
    assert "warning" not in output


def test_an_unknown_scope_is_kept_with_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # real files name scopes this version does not know (ID, SfapApi, Chatbot); a typo gets a suggestion
    project = _project(tmp_path, GOOD_APP.replace("[api]", "[api, refresh_tokn, SfapApi]"))
    code, output = _validate(capsys, str(project))
    assert code == 0, output
    assert f"{project}/apps/app.yaml:7:21 warning apps[0].oauth.scopes[1]" in output
    assert "did you mean 'refresh_token'" in output
    assert "apps[0].oauth.scopes[2]: unknown OAuth scope 'SfapApi'" in output


def test_all_errors_of_all_files_are_reported_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path, GOOD_APP + "      consumer_secret: plain\n")
    (project / "apps" / "other.yaml").write_text("apps:\n  - kind: Nope\n", encoding="utf-8")
    (project / "sfconnect.yaml").write_text("default_target: prod\n", encoding="utf-8")
    code, output = _validate(capsys, str(project))
    assert code == 1
    assert "apps/app.yaml:8:24" in output
    assert "apps/other.yaml:2:11" in output
    assert "sfconnect.yaml:1:17" in output
    # grouped per file: each file's header appears once, before its issues
    assert output.index("app.yaml:\n") < output.index("other.yaml:\n") < output.index("sfconnect.yaml:\n")


def test_json_format_is_stable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, GOOD_APP + "    access: {ip_relaxation: sometimes}\n")
    code, output = _validate(capsys, str(project), "--format", "json")
    assert code == 1
    report = json.loads(output)
    assert report["valid"] is False
    assert report["summary"] == {"errors": 1, "warnings": 0}
    [issue] = report["projects"][0]["issues"]
    assert issue == {
        "severity": "error",
        "code": "literal_error",
        "message": issue["message"],
        "file": f"{project}/apps/app.yaml",
        "line": 8,
        "column": 29,
        "path": "apps[0].access.ip_relaxation",
        "hint": "",
    }
    code2, output2 = _validate(capsys, str(project), "--format", "json")
    assert (code2, output2) == (code, output)


def test_secret_values_never_appear_in_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, GOOD_APP + "      consumer_secret: 9f8e7d6c5b4a\n")
    _, text = _validate(capsys, str(project))
    _, as_json = _validate(capsys, str(project), "--format", "json")
    assert "9f8e7d6c5b4a" not in text + as_json


def test_app_files_and_project_dir_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, GOOD_APP)
    code, output = _validate(capsys, "-C", str(project))
    assert code == 0
    assert "1 app(s) valid" in output
    code, output = _validate(capsys, "-C", str(project), str(project / "apps" / "app.yaml"))
    assert code == 0


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_validates(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = _validate(capsys, str(example))
    assert code == 0, output
    assert " error " not in output


def test_all_examples_in_one_run(capsys: pytest.CaptureFixture[str]) -> None:
    code, output = _validate(capsys, *map(str, EXAMPLES))
    assert code == 0, output
    assert "0 error(s)" in output


def test_startup_imports_nothing_heavy() -> None:
    heavy = ["simple_salesforce", "zeep", "xmlschema", "requests", "deepdiff"]
    script = (
        "import sys\n"
        "from sfconnect.cli.main import run\n"
        f"assert run(['--help']) == 0\n"
        f"assert run(['validate', {str(ROOT / 'examples' / 'quickstart')!r}]) == 0\n"
        f"loaded = [m for m in {heavy!r} if m in sys.modules]\n"
        "print('LOADED', loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert "LOADED []" in result.stdout, result.stdout + result.stderr
