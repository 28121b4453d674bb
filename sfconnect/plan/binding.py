"""A saved plan does what its reviewed changes show, and nothing else.

`load_saved_plan` checks the file against itself (digest, deletions and desired components listed by the
plan's apps). Two checks need more than the file and run in apply, before anything is deployed:

- `check_desired_matches_plan`: against the org as apply reads it (already checked unchanged by fingerprint),
  each desired component must change exactly the fields the plan lists, to the values the plan shows. A new
  component may also carry the structural fields the compiler derives from the app's name (its parent, its
  label, its plugin switches), which plans never list.
- `check_secret_refs`: every secret reference must be the one the project's YAML declares for that field of
  that component, so a saved plan cannot turn an unrelated environment variable or file into a secret.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from sfconnect._types import JSONValue
from sfconnect.errors import TamperedPlanError
from sfconnect.metadata.compiled import CompiledApp
from sfconnect.metadata.component import Component
from sfconnect.plan.diff import reviewed_values, unit_map
from sfconnect.plan.model import AppPlan, FieldChange
from sfconnect.plan.saved import SavedPlan

__all__ = ["check_desired_matches_plan", "check_secret_refs"]

_STRUCTURAL_SWITCHES = frozenset({"isEnabled", "isOauthPluginEnabled", "isSamlPluginEnabled"})
"""Plugin switches the compiler sets on a new External Client App's policies from the blocks present."""


def _same(a: JSONValue, b: JSONValue) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _structural(app: AppPlan, component: Component, path: str, value: JSONValue) -> bool:
    """Whether an unlisted field of a new component is one the compiler derives (never shown by plans)."""
    if path == "externalClientApplication":
        return value == app.name
    if path == "label":
        return value in (component.full_name, app.name)
    return path in _STRUCTURAL_SWITCHES and isinstance(value, bool)


def _listed(app: AppPlan, type_name: str) -> dict[str, FieldChange]:
    prefix = f"{type_name}."
    return {
        c.metadata_path[len(prefix) :]: c
        for c in app.changes
        if c.metadata_path.startswith(prefix) and not c.sensitive and not c.known_after_apply
    }


def _sensitive(app: AppPlan, type_name: str) -> set[str]:
    prefix = f"{type_name}."
    return {
        c.metadata_path[len(prefix) :]
        for c in app.changes
        if c.sensitive and c.metadata_path.startswith(prefix)
    }


def check_desired_matches_plan(saved: SavedPlan, live: Iterable[Component]) -> None:
    """Refuse a saved plan whose desired components differ from what its changes show.

    Args:
        saved: the plan as loaded (its fingerprints already checked against `live`).
        live: the org's current components of the plan (normalised, as `read_component` returns them).

    Raises:
        TamperedPlanError: names each component and field that would change without being shown.
    """
    live_by_key = {(c.type, c.full_name): c for c in live}
    desired = {(c.type, c.full_name): c for c in saved.desired}
    problems: list[str] = []
    for app in saved.plan.apps:
        for change in app.components:
            if change.action not in ("create", "update"):
                continue
            component = desired.get((change.type, change.name))
            if component is None:
                continue  # load_saved_plan refuses this already
            current = live_by_key.get((change.type, change.name))
            before = unit_map(current) if current is not None else {}
            after = unit_map(component)
            changed = {p for p in set(before) | set(after) if not _same(before.get(p), after.get(p))}
            listed = _listed(app, change.type)
            where = f"{change.type} {change.name}"
            for path in sorted(changed - set(listed)):
                if current is None and _structural(app, component, path, after.get(path)):
                    continue
                problems.append(f"{where}: {path} changes but the plan does not show it")
            for path, shown in sorted(listed.items()):
                if path not in changed:
                    if current is not None:
                        problems.append(f"{where}: the plan shows {path} changing, but it would not")
                    continue
                _, after_value = reviewed_values(
                    change.type, path, before, after, updating=current is not None
                )
                if not _same(after_value, shown.after):
                    problems.append(f"{where}: {path} would not be set to the value the plan shows")
            secrets = set(saved.secret_fields.get((change.type, change.name), {}))
            if current is None and secrets != _sensitive(app, change.type):
                problems.append(f"{where}: its secret fields are not the ones the plan shows")
    if problems:
        raise TamperedPlanError(
            "the saved plan would deploy what it does not show (" + "; ".join(problems) + "); make it again "
            "with `sfconnect plan --out` and review it"
        )


def check_secret_refs(saved: SavedPlan, declared: Iterable[CompiledApp]) -> None:
    """Refuse secret references the project's YAML does not declare for that field of that component.

    Args:
        saved: the plan as loaded.
        declared: the project's apps for the plan's target, compiled from the YAML apply sees.

    Raises:
        TamperedPlanError: names each reference the YAML does not declare there.
    """
    by_component: dict[tuple[str, str], Mapping[str, str]] = {
        (c.type, c.full_name): app.secret_refs_for(c) for app in declared for c in app.components
    }
    problems = [
        f"{type_name} {name}: {field} = {ref}"
        for (type_name, name), fields in sorted(saved.secret_fields.items())
        for field, ref in sorted(fields.items())
        if by_component.get((type_name, name), {}).get(field) != ref
    ]
    if problems:
        raise TamperedPlanError(
            "the saved plan uses secret references the project's YAML does not declare for those fields ("
            + "; ".join(problems)
            + "); declare them in the app's YAML, or make the plan again with `sfconnect plan --out`"
        )
