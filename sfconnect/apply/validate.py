"""``plan --validate``: send a plan's changes to the org as a check-only deploy and fold refusals into the plan.

A check-only deploy runs every server-side rule (Connected App creation blocked, the consumer-secret setting,
field values the org rejects) and changes nothing. Its component failures become errors of the app that owns
the component, so the plan shows what apply would run into.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from sfconnect.apply.prepare import input_from_result
from sfconnect.apply.run import build_request
from sfconnect.apply.service import follow_deploy, start_deploy
from sfconnect.errors import ConfigError, DeployFailed
from sfconnect.org.metadata_api import MetadataApi
from sfconnect.plan.diff import CONNECTED_APP_CREATION_BLOCKED
from sfconnect.plan.model import AppPlan, Plan
from sfconnect.plan.service import PlanResult

__all__ = ["validate_plan"]


def _lenient(resolve: Callable[[str], str]) -> Callable[[str], str]:
    """A resolver for check-only deploys: an unset secret is left out (the org would generate one)."""

    def attempt(ref: str) -> str:
        try:
            return resolve(ref)
        except ConfigError:
            return ""

    return attempt


def validate_plan(
    api: MetadataApi,
    result: PlanResult,
    resolve: Callable[[str], str],
    api_version: str,
    *,
    poll_interval: float = 0.5,
) -> PlanResult:
    """The plan with the org's check-only refusals added to the apps they concern."""
    request = build_request(input_from_result(result, api_version), _lenient(resolve))
    request = dataclasses.replace(request, check_only=True)
    errors: dict[str, list[str]] = {}
    try:
        follow_deploy(api, start_deploy(api, request), interval=poll_interval)
    except DeployFailed as failed:
        owners = {(c.type, c.name): a.name for a in result.plan.apps for c in a.components}
        for e in failed.component_errors:
            owner = owners.get((e.component_type, e.full_name))
            message = f"the org refuses {e.component_type} {e.full_name}: {e.problem}"
            for name in [owner] if owner else [a.name for a in result.plan.apps if a.action != "no-op"]:
                errors.setdefault(name, []).append(message)
        if not failed.component_errors:
            for a in result.plan.apps:
                if a.action != "no-op":
                    errors.setdefault(a.name, []).append(f"the org refuses the change: {failed}")
    apps: list[AppPlan] = []
    for a in result.plan.apps:
        kept = a.errors
        if a.name not in errors:  # the org accepted this app: it does allow creating Connected Apps
            kept = tuple(e for e in kept if not e.startswith(CONNECTED_APP_CREATION_BLOCKED))
        apps.append(
            dataclasses.replace(a, errors=kept + tuple(m for m in errors.get(a.name, []) if m not in kept))
        )
    plan = Plan.build(
        result.plan.target,
        apps,
        result.plan.unmanaged,
        partial=result.plan.partial,
        api_calls=dict(api.calls),
    )
    return dataclasses.replace(result, plan=plan)
