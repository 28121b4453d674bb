"""Smoke's negative checks follow the field map: a disabled switch gets a "refused" check exactly where the map
places it in the app's metadata or in an org-wide setting for the app's kind."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import TypeAdapter

from sfconnect.metadata import fieldmap
from sfconnect.smoke.environment import SmokeEnvironment
from sfconnect.smoke.runner import plan_checks
from sfconnect.spec.models import AppSpec

ENV = SmokeEnvironment("local", "https://127.0.0.1:1", local=True)

# flow -> the id of its negative check
NEGATIVE = {
    "device": "device.disabled",
    "user_agent": "user_agent.blocked",
    "username_password": "username_password.blocked",
    "client_credentials": "client_credentials.disabled",
}


def _app(kind: str) -> AppSpec:
    data = {
        "kind": kind,
        "name": "Smoke_App",
        "label": "Smoke",
        "contact": {"email": "a@example.com"},
        "oauth": {"callback_urls": ("https://a.example.com/cb",), "scopes": ("api",)},
    }
    return TypeAdapter(AppSpec).validate_python(data)


@pytest.mark.parametrize("kind", ["ConnectedApp", "ExternalClientApp"])
@pytest.mark.parametrize("flow", sorted(NEGATIVE))
def test_a_disabled_switch_is_checked_where_the_map_says_the_org_enforces_it(flow: str, kind: str) -> None:
    place = fieldmap.row(f"oauth.flows.{flow}.enabled").place(kind)
    ids = {c.id for c in plan_checks(_app(kind), ENV)}
    assert (NEGATIVE[flow] in ids) == (place.where in ("metadata", "org")), (flow, kind, place.where)


def test_the_checks_read_the_map(monkeypatch: pytest.MonkeyPatch) -> None:
    # a Connected App's device flow is intent only today (no field at API 63.0): no negative check; were the map
    # to give it a field, smoke would check that the org refuses the flow
    app = _app("ConnectedApp")
    assert "device.disabled" not in {c.id for c in plan_checks(app, ENV)}
    row = fieldmap.row("oauth.flows.device.enabled")
    moved = dataclasses.replace(row, connected_app=fieldmap.Place("metadata"))
    rows = tuple(moved if r is row else r for r in fieldmap.ROWS)
    monkeypatch.setattr(fieldmap, "ROWS", rows)
    assert "device.disabled" in {c.id for c in plan_checks(app, ENV)}
