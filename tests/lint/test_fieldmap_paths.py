"""Lint findings point at metadata through the field map: a rule never names a metadata path by hand where the
map has the row, and every finding read from an org points at a field the map has (the YAML key's own field)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from sfconnect.lint.model import metadata_path
from sfconnect.metadata import fieldmap
from tests.conftest import REPO_ROOT
from tests.lint.helpers import findings, views
from tests.lint.test_app_rules import CASE_PARAMS, CASES

LINT = REPO_ROOT / "sfconnect" / "lint"
_APP_TYPES = sorted(
    {
        f.type
        for kind in (fieldmap.CA, fieldmap.ECA)
        for _, place in fieldmap.rows_for(kind)
        for f in place.fields
    }
)
_LITERAL = re.compile(rf"^({'|'.join(_APP_TYPES)})\.([A-Za-z][A-Za-z0-9.]*)")


def _strings(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            out.append((node.lineno, str(node.values[0].value)))
    return out


def test_no_rule_writes_a_metadata_path_the_map_has() -> None:
    found = []
    for path in sorted(LINT.glob("*.py")):
        for line, text in _strings(path):
            match = _LITERAL.match(text)
            if match and fieldmap.row_at(match.group(1), match.group(2).rstrip(".")) is not None:
                found.append(f"{path.name}:{line}: {text!r} (read it from the map: AppView.path / setting)")
    assert found == []


def _field_in_map(field: str) -> bool:
    type_name, _, rest = re.sub(r"\[\d+\]", "", field).partition(".")
    return fieldmap.row_at(type_name, rest) is not None


# the cases whose setting is in metadata for the kind (an org shows nothing of intent-only ones)
_IN_METADATA = [p for p in CASE_PARAMS if p.values[1] in CASES[str(p.values[0])][0]]


@pytest.mark.parametrize(("rule_id", "kind"), _IN_METADATA)
def test_a_finding_read_from_an_org_points_at_the_map_field_of_its_yaml_key(rule_id: str, kind: str) -> None:
    _, _, bad = CASES[rule_id]
    yaml_view, org_view = views(kind, bad)
    [as_yaml] = findings(yaml_view, rule_id)
    [as_org] = findings(org_view, rule_id)
    assert _field_in_map(as_org.field), (
        f"{rule_id} points at {as_org.field}, which the field map does not have"
    )
    expected = metadata_path(kind, as_yaml.field)
    if expected:  # the YAML key has a row: the finding points at that row's field
        assert as_org.field == expected


def test_metadata_path_follows_the_map() -> None:
    assert metadata_path("ConnectedApp", "access.trusted_ip_ranges[2]") == "ConnectedApp.ipRanges[2]"
    assert metadata_path("ExternalClientApp", "oauth.callback_urls[1]") == (
        "ExtlClntAppGlobalOauthSettings.callbackUrl"  # one text field: the index stays in YAML
    )
    assert metadata_path("ExternalClientApp", "oauth.refresh_token.period") == (
        "ExtlClntAppOauthConfigurablePolicies.refreshTokenValidityPeriod"
    )
    assert metadata_path("ConnectedApp", "oauth.flows.device.enabled") == ""  # intent only
