"""Renderers: pinned text, Markdown and JSON output; schema validity; secrets never shown."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

from sfconnect.errors import PlanError, UnsupportedFormatVersion
from sfconnect.plan.json_format import plan_from_json, plan_to_json
from sfconnect.plan.model import AppPlan, ComponentChange, FieldChange, Plan, UnmanagedApp
from sfconnect.plan.render import render_json, render_markdown, render_text
from tests.conftest import REPO_ROOT, Golden

GOLDEN = Path(__file__).parent / "golden" / "render"
SCHEMA = json.loads((REPO_ROOT / "schemas" / "plan.schema.json").read_text())


def sample_plan() -> Plan:
    return Plan.build(
        "sandbox",
        [
            AppPlan(
                name="Web_Portal",
                kind="ExternalClientApp",
                action="create",
                components=(
                    ComponentChange("ExternalClientApplication", "Web_Portal", "create"),
                    ComponentChange("ExtlClntAppGlobalOauthSettings", "Web_Portal_glbloauth", "create"),
                ),
                changes=(
                    FieldChange("label", "ExternalClientApplication.label", None, "Web Portal"),
                    FieldChange(
                        "oauth.scopes",
                        "ExtlClntAppOauthSettings.commaSeparatedOauthScopes",
                        None,
                        ["api", "openid"],
                    ),
                    FieldChange(
                        "oauth.consumer_key",
                        "ExtlClntAppGlobalOauthSettings.consumerKey",
                        known_after_apply=True,
                    ),
                    FieldChange(
                        "oauth.consumer_secret",
                        "ExtlClntAppGlobalOauthSettings.consumerSecret",
                        sensitive=True,
                    ),
                ),
            ),
            AppPlan(
                name="Legacy_Sync",
                kind="ConnectedApp",
                action="update",
                components=(ComponentChange("ConnectedApp", "Legacy_Sync", "update", "sha256:ab12"),),
                changes=(
                    FieldChange(
                        "access.session_timeout_minutes", "ConnectedApp.sessionPolicy.sessionTimeout", 120, 60
                    ),
                    FieldChange(
                        "oauth.scopes", "ConnectedApp.oauthConfig.scopes", ["api"], ["api", "refresh_token"]
                    ),
                ),
            ),
            AppPlan(
                name="Old_App",
                kind="ConnectedApp",
                action="delete",
                irreversible=True,
                components=(ComponentChange("ConnectedApp", "Old_App", "delete", "sha256:cd34"),),
            ),
            AppPlan(name="Steady", kind="ExternalClientApp", action="no-op"),
        ],
        [
            UnmanagedApp("ConnectedApp", "Salesforce_CLI_Helper"),
            UnmanagedApp("ConnectedApp", "ns__Thing", "ns"),
        ],
        api_calls={"readMetadata": 3, "listMetadata": 1},
    )


def _render(fn, plan: Plan, **kw) -> str:
    out = io.StringIO()
    fn(plan, out, **kw)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "fn", "kw"),
    [
        ("plan.txt", render_text, {}),
        ("drift.txt", render_text, {"mode": "drift"}),
        ("plan.md", render_markdown, {}),
        ("plan.json", render_json, {}),
    ],
)
def test_golden_rendering(golden: Golden, name: str, fn, kw) -> None:
    golden.check(GOLDEN / name, _render(fn, sample_plan(), **kw))


def test_identical_plans_render_identically() -> None:
    assert _render(render_markdown, sample_plan()) == _render(render_markdown, sample_plan())


def test_json_validates_against_schema_and_reads_back() -> None:
    plan = sample_plan()
    doc = json.loads(_render(render_json, plan))
    jsonschema.validate(doc, SCHEMA)
    again, warnings = plan_from_json(doc)
    assert again == plan
    assert warnings == []


def test_colour_only_when_asked() -> None:
    assert "\x1b[" not in _render(render_text, sample_plan())
    assert "\x1b[32m" in _render(render_text, sample_plan(), color=True)


def test_sensitive_change_cannot_carry_values() -> None:
    with pytest.raises(ValueError, match="sensitive"):
        FieldChange("oauth.consumer_secret", "x", None, "s3cr3t", sensitive=True)


def test_no_changes_summary() -> None:
    plan = Plan.build("prod", [AppPlan(name="A", kind="ConnectedApp", action="no-op")])
    assert not plan.has_changes()
    assert _render(render_text, plan).strip().endswith("No changes. The org matches the YAML.")


def test_newer_major_format_is_refused_and_newer_minor_warns() -> None:
    doc = plan_to_json(sample_plan())
    with pytest.raises(UnsupportedFormatVersion):
        plan_from_json({**doc, "format_version": "2.0"})
    _, warnings = plan_from_json({**doc, "format_version": "1.9"})
    assert warnings and "1.9" in warnings[0]
    with pytest.raises(PlanError):
        plan_from_json({"format_version": "1.0"})
