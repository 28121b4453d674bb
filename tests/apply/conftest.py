"""Plans made in memory against the fake org: a Connected App whose scopes the YAML changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import pytest

from sfconnect.metadata.compiled import CompiledApp
from sfconnect.metadata.component import Component
from sfconnect.metadata.xmlio import read_component
from sfconnect.plan.diff import diff_app, family_of
from sfconnect.plan.model import Plan
from sfconnect.plan.saved import saved_plan_json
from sfconnect.plan.service import LiveState, PlanResult
from sfconnect.spec.load import Project
from tests.apply.fake_org import FakeApi

NO_PROJECT = cast(Project, None)
"""For saved plans without secret references: apply reads the project only to check those."""


def connected_app(name: str = "Legacy", **oauth: object) -> Component:
    fields: dict[str, object] = {
        "contactEmail": "ops@example.com",
        "label": name,
        "oauthConfig": {"callbackUrl": "https://app.example.com/cb", "scopes": ["Api"], **oauth},
    }
    return Component.build("ConnectedApp", name, fields)


def compiled(*components: Component, name: str = "Legacy", state: str = "present") -> CompiledApp:
    return CompiledApp(
        name=name,
        kind="ConnectedApp",
        state=state,  # type: ignore[arg-type]
        components=components,
        yaml_paths={("ConnectedApp", "oauthConfig.scopes"): "oauth.scopes"},
        source=f"apps/{name.lower()}.yaml:1",
    )


def plan_against(
    api: FakeApi, *apps: CompiledApp, target: str = "test", creation_allowed: bool = False
) -> PlanResult:
    """Plan `apps` against what `api` holds, reading it back as `plan` does (so fingerprints agree)."""
    live = [read_component(x, type_hint=t, full_name=n) for (t, n), x in sorted(api.records.items())]
    prints = {(c.type, c.full_name): c.fingerprint() for c in live}
    plans = [
        diff_app(
            app,
            family_of(app.name, app.kind, live),
            fingerprints=prints,
            connected_app_creation_allowed=creation_allowed,
        )
        for app in apps
    ]
    return PlanResult(Plan.build(target, plans), tuple(apps), LiveState((), tuple(live)))


def save(result: PlanResult, path: Path, *, org_id: str = "00D000000000001AAA") -> Path:
    path.write_text(json.dumps(saved_plan_json(result, api_version="63.0", org_id=org_id)), "utf-8")
    return path


@pytest.fixture
def api() -> FakeApi:
    org = FakeApi()
    org.put(connected_app())
    return org
