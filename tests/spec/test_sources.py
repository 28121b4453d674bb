"""Loading in steps: sources give plain data with positions, overrides merge, validation runs once per app."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import Any

from sfconnect.spec._sources import app_entries, app_file_issue, read_file, with_override
from sfconnect.spec._validation import validate_app
from sfconnect.spec.models import AppSource

APP = """\
apps:
  - kind: ExternalClientApp
    name: Alpha
    label: Alpha ${env:SUFFIX}
    oauth:
      callback_urls: [https://alpha.example.com/cb]
      scopes: [api]
"""

CONFIG = """\
targets:
  sandbox:
    local: {org: sandbox}
    overrides:
      Alpha:
        oauth: {scopes: [api, refresh_token]}
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_file_source_gives_plain_data_with_the_environment_applied(tmp_path: Path) -> None:
    document, issues = read_file(_write(tmp_path / "app.yaml", APP), {"SUFFIX": "dev"}, require_values=False)

    assert issues == []
    assert document is not None and app_file_issue(document) is None
    [entry], more = app_entries(document)
    assert more == []
    assert entry.data == {
        "kind": "ExternalClientApp",
        "name": "Alpha",
        "label": "Alpha dev",
        "oauth": {"callback_urls": ["https://alpha.example.com/cb"], "scopes": ["api"]},
    }
    assert entry.source.loc == ("apps", 0)
    assert entry.source.position(("oauth", "scopes", 0)) == (str(tmp_path / "app.yaml"), 7, 16)


def test_an_unset_variable_is_a_warning_at_its_value_or_an_error_when_values_are_required(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path / "app.yaml", APP)

    _, lenient = read_file(path, {}, require_values=False)
    _, strict = read_file(path, {}, require_values=True)

    assert [(i.severity, i.message, i.line, i.column) for i in lenient] == [
        ("warning", "environment variable SUFFIX is not set", 4, 12)
    ]
    assert [i.severity for i in strict] == ["error"]


def test_an_override_merges_into_the_entry_and_each_key_is_located_where_it_is_written(
    tmp_path: Path,
) -> None:
    app_doc, _ = read_file(_write(tmp_path / "app.yaml", APP), {"SUFFIX": "x"}, require_values=False)
    config_doc, _ = read_file(_write(tmp_path / "sfconnect.yaml", CONFIG), {}, require_values=False)
    assert app_doc is not None and config_doc is not None
    [entry], _ = app_entries(app_doc)
    config: Any = config_doc.data
    override = config["targets"]["sandbox"]["overrides"]["Alpha"]

    merged = with_override(entry, override, project_file=config_doc, target="sandbox", app="Alpha")

    assert merged.data["oauth"] == {
        "callback_urls": ["https://alpha.example.com/cb"],
        "scopes": ["api", "refresh_token"],
    }
    assert entry.data["oauth"]["scopes"] == ["api"]  # the entry itself is unchanged
    assert merged.source.loc == ("targets", "sandbox", "overrides", "Alpha")
    assert merged.source.position(("oauth", "scopes", 1)) == (str(tmp_path / "sfconnect.yaml"), 6, 31)
    assert merged.source.position(("oauth", "callback_urls", 0)) == (str(tmp_path / "app.yaml"), 6, 23)
    assert merged.source.position(("label",), key=True) == (str(tmp_path / "app.yaml"), 4, 5)


def test_validation_hands_the_source_to_the_app_and_locates_its_errors(tmp_path: Path) -> None:
    document, _ = read_file(_write(tmp_path / "app.yaml", APP), {"SUFFIX": "x"}, require_values=False)
    assert document is not None
    [entry], _ = app_entries(document)

    app, issues = validate_app(entry.data, entry.source, api_version="63.0")
    bad, bad_issues = validate_app({**entry.data, "label": 5}, entry.source, api_version="63.0")

    assert issues == [] and app is not None
    assert app.source is entry.source
    assert isinstance(app.source, AppSource) and app.source.line == 2
    assert bad is None
    assert [(i.code, i.line, i.column, i.loc) for i in bad_issues] == [
        ("string_type", 4, 12, ("apps", 0, "label"))
    ]


def test_nothing_outside_the_model_sets_an_apps_source() -> None:
    package = Path(__file__).resolve().parents[2] / "sfconnect"
    writers = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AnnAssign | ast.AugAssign):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "_source":
                    inside_model = isinstance(target.value, ast.Name) and target.value.id == "self"
                    if not inside_model:
                        writers.append(f"{path.relative_to(package)}:{target.lineno}")
    assert writers == []
