"""Plans show escape-hatch structures field by field (issue 14: "Show escape-hatch structures, for example SAML
configuration, field by field, not as a repeated blob"): a Connected App's nested ``samlConfig`` record and an
External Client App's SAML policies component, created and updated."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import TypeAdapter

from sfconnect.metadata.compiled import CompiledApp
from sfconnect.metadata.compiler import compile_app
from sfconnect.plan.diff import diff_app
from sfconnect.plan.model import Plan
from sfconnect.plan.render import render_text
from sfconnect.spec.models import AppSpec

SAML = {
    "ConnectedApp": ("ConnectedApp", "samlConfig."),
    "ExternalClientApp": ("ExtlClntAppSamlConfigurablePolicies", ""),
}
FIELDS = {
    "ConnectedApp": {"acsUrl": "https://sp.example.com/acs", "entityUrl": "https://sp.example.com"},
    "ExternalClientApp": {"acsUrl": "https://sp.example.com/acs", "entityUrl": "https://sp.example.com"},
}


def _compiled(kind: str, saml: dict[str, Any]) -> CompiledApp:
    type_name, prefix = SAML[kind]
    block: dict[str, Any] = {"samlConfig": saml} if prefix else saml
    data = {
        "kind": kind,
        "name": "Sso",
        "label": "Sso",
        "contact": {"email": "sso@example.com"},
        "metadata": {type_name: block},
    }
    return compile_app(TypeAdapter(AppSpec).validate_python(data), files=lambda _ref: "")


def _text(compiled: CompiledApp, live: CompiledApp | None) -> tuple[list[tuple[str, Any, Any]], str]:
    app = diff_app(compiled, live.components if live is not None else [])
    out = io.StringIO()
    render_text(Plan.build("local", [app]), out)
    saml = [(c.path, c.before, c.after) for c in app.changes if "acsUrl" in c.path or "entityUrl" in c.path]
    return saml, out.getvalue()


@pytest.mark.parametrize("kind", sorted(SAML))
def test_a_new_saml_structure_is_shown_one_field_a_line(kind: str) -> None:
    type_name, prefix = SAML[kind]
    changes, text = _text(_compiled(kind, FIELDS[kind]), None)
    assert sorted(changes) == [
        (f"metadata.{type_name}.{prefix}acsUrl", None, "https://sp.example.com/acs"),
        (f"metadata.{type_name}.{prefix}entityUrl", None, "https://sp.example.com"),
    ]
    assert text.count("https://sp.example.com/acs") == 1  # one line, never a blob repeating the record
    assert "{" not in "".join(line for line in text.splitlines() if "acsUrl" in line)


@pytest.mark.parametrize("kind", sorted(SAML))
def test_changing_one_saml_field_shows_that_field_only(kind: str) -> None:
    type_name, prefix = SAML[kind]
    live = _compiled(kind, FIELDS[kind])
    changed = {**FIELDS[kind], "acsUrl": "https://sp2.example.com/acs"}
    changes, text = _text(_compiled(kind, changed), live)
    assert changes == [
        (f"metadata.{type_name}.{prefix}acsUrl", "https://sp.example.com/acs", "https://sp2.example.com/acs")
    ]
    assert "entityUrl" not in text


def test_a_null_inside_a_new_record_leaves_the_field_out_and_a_nil_marks_it_nil() -> None:
    """``null`` leaves a field out and ``{xsi:nil: true}`` marks it nil (docs/yaml-reference.md, "The
    `metadata:` escape hatch"), inside a record the YAML words did not start too. A null kept as nil made a plan
    that never converged: the org reads the field back as absent, so every plan showed ``certificate = null``."""
    saml = {**FIELDS["ConnectedApp"], "certificate": None, "issuer": {"xsi:nil": True}}
    compiled = _compiled("ConnectedApp", saml)
    (app,) = [c for c in compiled.components if c.type == "ConnectedApp"]
    record = app.fields["samlConfig"]
    assert isinstance(record, Mapping)
    assert "certificate" not in record
    assert record["issuer"] is None
    applied = _compiled("ConnectedApp", {**FIELDS["ConnectedApp"], "issuer": {"xsi:nil": True}})
    assert diff_app(compiled, applied.components).changes == ()  # the plan after apply: no changes
