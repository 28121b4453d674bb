"""`sfconnect schema` and the committed JSON Schemas: current, valid, and accepting every example."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from sfconnect.cli.main import run
from sfconnect.spec.schema import SCHEMA_FILES, app_schema, project_schema, render

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
EXAMPLE_FILES = sorted(
    [*(ROOT / "examples").glob("*/sfconnect.yaml"), *(ROOT / "examples").glob("*/apps/**/*.yaml")]
)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@pytest.mark.parametrize("file_name", sorted(SCHEMA_FILES))
def test_committed_schemas_are_current(file_name: str) -> None:
    expected = render({"apps": app_schema, "project": project_schema}[SCHEMA_FILES[file_name]]())
    assert (SCHEMAS / file_name).read_text(encoding="utf-8") == expected, (
        "stale schema: run `python -m sfconnect schema --out schemas/`"
    )


@pytest.mark.parametrize("file_name", sorted(SCHEMA_FILES))
def test_schemas_are_valid_json_schema(file_name: str) -> None:
    schema = json.loads((SCHEMAS / file_name).read_text(encoding="utf-8"))
    meta = jsonschema.Draft202012Validator(jsonschema.Draft202012Validator.META_SCHEMA)
    assert [error.message for error in meta.iter_errors(schema)] == []


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: str(p.relative_to(ROOT / "examples")))
def test_examples_validate_against_the_schema_and_name_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    file_name = "project.schema.json" if path.name == "sfconnect.yaml" else "apps.schema.json"
    schema = json.loads((SCHEMAS / file_name).read_text(encoding="utf-8"))
    jsonschema.validate(_plain(yaml.safe_load(text)), schema, cls=jsonschema.Draft202012Validator)
    first = text.splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    assert (path.parent / first.split("$schema=", 1)[1]).resolve() == (SCHEMAS / file_name).resolve()


def test_schema_rejects_what_validate_rejects() -> None:
    schema = json.loads((SCHEMAS / "apps.schema.json").read_text(encoding="utf-8"))
    app = {"kind": "ExternalClientApp", "name": "A", "label": "A"}
    jsonschema.validate({"apps": [app]}, schema)
    for bad in (
        {**app, "labl": "x"},
        {**app, "kind": "Nope"},
        {**app, "oauth": {"scopes": [""]}},
        {**app, "oauth": {"consumer_secret": "plain"}},
        {**app, "metadata": {"ExtlClntAppOauthSettings": {"oauthLink": "x"}}},
        {**app, "access": {"ip_relaxation": "sometimes"}},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"apps": [bad]}, schema)


def test_schema_command_prints_and_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "sfconnect app file"
    assert run(["schema", "--which", "project"]) == 0
    assert json.loads(capsys.readouterr().out)["title"].startswith("sfconnect project file")
    assert run(["schema", "--out", str(tmp_path)]) == 0
    assert "wrote" in capsys.readouterr().out
    for file_name in SCHEMA_FILES:
        assert (tmp_path / file_name).read_text(encoding="utf-8") == (SCHEMAS / file_name).read_text(
            encoding="utf-8"
        )
    assert run(["schema", "--out", str(tmp_path)]) == 0
    assert "wrote" not in capsys.readouterr().out
