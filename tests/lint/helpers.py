"""Building apps for rule tests: from YAML-shaped data (spec + compiled) or as read from an org (components)."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from sfconnect.lint.model import AppView, Finding
from sfconnect.lint.runner import run_app_rules
from sfconnect.metadata.compiler import compile_app
from sfconnect.spec.models import AppSpec

TODAY = dt.date(2026, 6, 1)
DUMMY_CERT = "-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----"

BASE: dict[str, Any] = {
    "name": "Test_App",
    "label": "Test",
    "contact": {"email": "team@example.com"},
    "oauth": {
        "callback_urls": ["https://app.example.com/oauth/callback"],
        "scopes": ["api", "refresh_token"],
        "refresh_token": {"policy": "after_inactivity", "period": 7, "unit": "days", "rotation": True},
    },
    "access": {
        "permitted_users": "admin_approved",
        "permission_sets": ["App_Users"],
        "session_timeout_minutes": 60,
    },
}
"""A clean app: no rule fires on it, for either kind."""


def merge(base: Any, extra: Any) -> Any:
    """Deep-merge mappings; anything else in `extra` replaces."""
    if isinstance(base, dict) and isinstance(extra, dict):
        out = dict(base)
        for key, value in extra.items():
            out[key] = merge(base.get(key), value) if key in base else value
        return out
    return copy.deepcopy(extra)


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def spec_of(kind: str, extra: dict[str, Any] | None = None) -> AppSpec:
    data = merge(BASE, extra or {})
    data["kind"] = kind
    return TypeAdapter(AppSpec).validate_python(_freeze(data))


def views(
    kind: str,
    extra: dict[str, Any] | None = None,
    *,
    production: bool = False,
    profile: str = "default",
    project_dir: Path | None = None,
    certificate: str = DUMMY_CERT,
) -> tuple[AppView, AppView]:
    """The app as YAML (spec + compiled) and as read from an org (components only)."""
    spec = spec_of(kind, extra)

    def files(ref: str) -> str:
        if project_dir is not None:
            return (project_dir / ref.removeprefix("file:")).read_text()
        return certificate

    compiled = compile_app(spec, files=files)
    components = {c.type: c for c in compiled.components}
    common: dict[str, Any] = {
        "name": spec.name,
        "kind": spec.kind,
        "components": components,
        "production": production,
        "profile": profile,
        "today": TODAY,
    }
    yaml_view = AppView(spec=spec, compiled=compiled, project_dir=project_dir, **common)
    org_view = AppView(**common)
    return yaml_view, org_view


def findings(view: AppView, rule_id: str | None = None) -> list[Finding]:
    found = run_app_rules(view)
    return [f for f in found if rule_id is None or f.rule_id == rule_id]
