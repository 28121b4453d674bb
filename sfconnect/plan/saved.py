"""Saved plans: the JSON document `plan --out` writes and `apply PLANFILE` reads.

A saved plan is the plan's JSON form plus a ``saved`` section: the desired components exactly as the deploy
will carry them (XML, without secrets), the components to delete, and the *names* of the secret references
apply resolves again. The org is the state: apply re-reads the org and refuses when any component's
fingerprint differs from the one recorded (`StalePlanError`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, cast

from sfconnect._types import JSONValue
from sfconnect.errors import PlanError, StalePlanError
from sfconnect.metadata.component import Component
from sfconnect.metadata.formats import ComponentRef
from sfconnect.metadata.xmlio import read_component, write_component
from sfconnect.plan.json_format import plan_from_json, plan_to_json
from sfconnect.plan.model import Plan
from sfconnect.plan.service import PlanResult

__all__ = ["SavedPlan", "check_fresh", "load_saved_plan", "saved_plan_json", "sfconnect_version"]


def sfconnect_version() -> str:
    """The installed sfconnect version."""
    try:
        return version("sfconnect")
    except PackageNotFoundError:
        return "0+unknown"


@dataclass(frozen=True)
class SavedPlan:
    """A plan read back from a file, ready to apply."""

    plan: Plan
    desired: tuple[Component, ...]
    deletions: tuple[ComponentRef, ...]
    secret_fields: dict[tuple[str, str], dict[str, str]]
    api_version: str
    warnings: tuple[str, ...] = ()

    def fingerprints(self) -> dict[tuple[str, str], str]:
        """The fingerprint of every component the plan read, by ``(type, name)`` ("" = did not exist)."""
        return {(c.type, c.name): c.fingerprint for a in self.plan.apps for c in a.components}


def saved_plan_json(
    result: PlanResult, *, api_version: str, org_id: str = "", mode: str = "plan"
) -> dict[str, JSONValue]:
    """The saved-plan document for a plan result (never any secret value)."""
    doc = plan_to_json(result.plan, mode=mode)
    changing = {a.name for a in result.plan.apps if a.action in ("create", "update")}
    deleting = {a.name for a in result.plan.apps if a.action == "delete"}
    desired: list[JSONValue] = []
    for app in result.compiled:
        if app.name not in changing:
            continue
        for component in app.components:
            entry: dict[str, JSONValue] = {
                "type": component.type,
                "name": component.full_name,
                "xml": write_component(component, api_version).decode("utf-8"),
            }
            secret_fields = app.secret_refs_for(component)
            if secret_fields:
                entry["secret_fields"] = cast(JSONValue, dict(sorted(secret_fields.items())))
            desired.append(entry)
    deletions: list[JSONValue] = []
    for plan_app in result.plan.apps:
        if plan_app.name in deleting:
            deletions += [{"type": c.type, "name": c.name} for c in plan_app.components]
        else:
            deletions += [
                {"type": c.type, "name": c.name} for c in plan_app.components if c.action == "delete"
            ]
    refs = sorted(
        {ref for app in result.compiled if app.name in changing for ref in app.secret_refs.values()}
    )
    doc["saved"] = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "sfconnect_version": sfconnect_version(),
        "api_version": api_version,
        "org_id": org_id,
        "desired": desired,
        "deletions": deletions,
        "secret_refs": cast(JSONValue, refs),
    }
    return doc


def load_saved_plan(path: Path) -> SavedPlan:
    """Read a saved plan.

    Raises:
        PlanError: the file is missing, not JSON, not a saved plan, or damaged.
        UnsupportedFormatVersion: written by a newer sfconnect.
    """
    try:
        doc: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError(f"{path}: no such plan file") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PlanError(
            f"{path} is not a saved plan (it is not a plan file that `sfconnect plan --out` writes); "
            f"make one with `sfconnect plan --out {path.name}`, then `sfconnect apply {path.name}`"
        ) from exc
    if not isinstance(doc, dict) or "saved" not in doc:
        raise PlanError(
            f"{path}: a plan rendered for reading, not a saved plan; save one with `sfconnect plan --out FILE.json`"
        )
    plan, warnings = plan_from_json(doc)
    saved = doc["saved"]
    try:
        desired = tuple(
            read_component(
                d["xml"].encode("utf-8"),
                path=f"{path}:{d['type']}:{d['name']}",
                type_hint=d["type"],
                full_name=d["name"],
            )
            for d in saved["desired"]
        )
        secret_fields = {(d["type"], d["name"]): dict(d.get("secret_fields", {})) for d in saved["desired"]}
        deletions = tuple(ComponentRef(d["type"], d["name"]) for d in saved["deletions"])
        api_version = str(saved["api_version"])
    except (KeyError, TypeError, AttributeError) as exc:
        raise PlanError(
            f"{path}: the saved plan is damaged ({type(exc).__name__}: {exc}); make it again"
        ) from exc
    return SavedPlan(plan, desired, deletions, secret_fields, api_version, tuple(warnings))


def check_fresh(recorded: dict[tuple[str, str], str], current: dict[tuple[str, str], str]) -> None:
    """Refuse a plan when any component it read changed in the org since.

    Raises:
        StalePlanError: names what changed.
    """
    changed = sorted(
        f"{t} {n}" for (t, n), fingerprint in recorded.items() if current.get((t, n), "") != fingerprint
    )
    if changed:
        raise StalePlanError(
            "the plan is stale: the org changed since it was made (" + ", ".join(changed) + "); re-run plan"
        )
