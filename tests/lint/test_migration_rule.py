"""SFC-MIGRATE-001: in a live audit, a local Connected App eligible for Setup's migration is a finding.

Eligibility: Salesforce Help, "Create an External Client App from a Connected App"
(xcloud.migrate_connected_app_to_external_client_app.htm): local apps that do not use the username-password flow.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from sfconnect.lint.model import AppView
from sfconnect.lint.runner import run_app_rules
from sfconnect.metadata.compiler import compile_app
from tests.lint.helpers import spec_of

RULE = "SFC-MIGRATE-001"


def _view(**kwargs: Any) -> AppView:
    spec = spec_of("ConnectedApp")
    compiled = compile_app(spec, files=lambda _ref: "")
    base = AppView(spec.name, "ConnectedApp", {c.type: c for c in compiled.components}, live=True)
    return dataclasses.replace(base, **kwargs)


def _hits(view: AppView) -> list[str]:
    return [f.message for f in run_app_rules(view) if f.rule_id == RULE]


def test_an_eligible_local_connected_app_is_a_finding_with_the_check_command() -> None:
    [message] = _hits(_view())
    assert "sfconnect migrate Test_App --check" in message


@pytest.mark.parametrize(
    "kwargs",
    [
        {"live": False},  # linting YAML: not a live audit
        {"migrated": True},  # Setup's migration already ran
        {"namespace": "acme"},  # installed from a package: not local
        {"declared": spec_of("ConnectedApp", {"oauth": {"flows": {"username_password": {"enabled": True}}}})},
    ],
    ids=["yaml", "migrated", "installed", "username-password"],
)
def test_no_finding_for_an_ineligible_app_or_outside_a_live_audit(kwargs: dict[str, Any]) -> None:
    assert _hits(_view(**kwargs)) == []
