"""Desired vs live components, field by field, into an `AppPlan` per app.

Both sides arrive normalised (`metadata.normalize`), so two components Salesforce treats as the same compare
equal. Values are compared in *units*: a scalar, or a whole repeated element (a list of scopes, a list of IP
ranges), which is how a reviewer reads them. deepdiff does the comparison of the unit maps; its output is
turned into `FieldChange` records here and goes no further. Write-only and org-generated fields never produce
a change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from deepdiff import DeepDiff

from sfconnect._types import JSONValue
from sfconnect.metadata import fieldmap
from sfconnect.metadata.compiled import CompiledApp
from sfconnect.metadata.component import Component, Record, Value
from sfconnect.metadata.schema import (
    ComponentType,
    boolean_default,
    field_at,
    is_org_generated,
    is_write_only,
    string_default,
)
from sfconnect.plan.model import Action, AppPlan, ComponentChange, FieldChange

__all__ = [
    "CONNECTED_APP_CREATION_BLOCKED",
    "diff_app",
    "family_of",
    "group_families",
    "reviewed_values",
    "unit_map",
]

CONNECTED_APP_CREATION_BLOCKED = "the org does not allow creating Connected Apps"
"""How a plan error about a blocked Connected App creation starts (`plan --validate` may lift it)."""

_IGNORED_PATHS = {"fullName"}


def _json(value: Value) -> JSONValue:
    if isinstance(value, Record):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    return value


def unit_map(component: Component) -> dict[str, JSONValue]:
    """The comparable units of a component, keyed by metadata path (``oauthConfig.scopes``)."""
    units: dict[str, JSONValue] = {}

    def walk(prefix: str, record: Record) -> None:
        for key, value in record.items():
            if is_write_only(key) or is_org_generated(key):
                continue
            path = f"{prefix}.{key}" if prefix else key
            if path in _IGNORED_PATHS:
                continue
            if isinstance(value, Record):
                walk(path, value)
            else:
                units[path] = _json(value)

    walk("", component.fields)
    return units


def _with_default(type_name: str, path: str, value: JSONValue, other: JSONValue) -> JSONValue:
    """`value`, or the documented default of the field when `value` is absent and `other` is not."""
    if value is not None or not isinstance(other, bool | str):
        return value
    parent, _, name = path.rpartition(".")
    owner = type_name
    if parent:
        spec = field_at(type_name, parent)
        if spec is None or spec.complex_type is None:
            return value
        owner = spec.complex_type
    if isinstance(other, str):
        return string_default(owner, name)
    return boolean_default(owner, name)


def _shown(path: str, value: JSONValue) -> JSONValue:
    """A value as a reviewer needs it: a certificate by its digest, not its PEM text."""
    if isinstance(value, str) and path.rsplit(".", 1)[-1] == "certificate" and "BEGIN CERTIFICATE" in value:
        body = "".join(line for line in value.splitlines() if line and not line.startswith("-----"))
        return f"(certificate sha256:{hashlib.sha256(body.encode()).hexdigest()[:16]})"
    return value


def reviewed_values(
    type_name: str,
    path: str,
    before: Mapping[str, JSONValue],
    after: Mapping[str, JSONValue],
    *,
    updating: bool,
) -> tuple[JSONValue, JSONValue]:
    """A change's before and after as the plan shows them: the YAML value of the field map's row (read from
    every field of the row in the component's units, so ``id_token.include`` is a list), defaults filled in,
    certificate digests.

    Args:
        type_name: the component type.
        path: the changed metadata path.
        before: the live component's units (`unit_map`), empty when it is created.
        after: the desired component's units.
        updating: the component exists (an absent value then means its documented default).
    """
    old_units, new_units = dict(before), dict(after)
    if updating:  # an absent boolean is its documented default: show `false -> true`, not `+ true`
        for units, other in ((old_units, after), (new_units, before)):
            for name in set(other) - set(units):
                units[name] = _with_default(type_name, name, None, other[name])
    return (
        _shown(path, fieldmap.row_value(type_name, path, old_units)),
        _shown(path, fieldmap.row_value(type_name, path, new_units)),
    )


def family_of(app_name: str, kind: str, live: Iterable[Component]) -> list[Component]:
    """The live components that make up one app: the Connected App, or the ECA header and its children."""
    if kind == "ConnectedApp":
        return [c for c in live if c.type == ComponentType.CONNECTED_APP and c.full_name == app_name]
    return [
        c
        for c in live
        if (c.type == ComponentType.EXTERNAL_CLIENT_APP and c.full_name == app_name)
        or (c.type != ComponentType.CONNECTED_APP and c.parent == app_name)
    ]


def group_families(live: Iterable[Component]) -> dict[tuple[str, str], list[Component]]:
    """Live components grouped by app, ``(kind, app name)`` -> components (one pass, for many apps)."""
    groups: dict[tuple[str, str], list[Component]] = {}
    for c in live:
        if c.type == ComponentType.CONNECTED_APP:
            groups.setdefault(("ConnectedApp", c.full_name), []).append(c)
        elif c.type == ComponentType.EXTERNAL_CLIENT_APP:
            groups.setdefault(("ExternalClientApp", c.full_name), []).append(c)
        elif (parent := c.parent) is not None:
            groups.setdefault(("ExternalClientApp", parent), []).append(c)
    return groups


def _component_changes(app: CompiledApp, desired: Component, live: Component | None) -> list[FieldChange]:
    before = unit_map(live) if live is not None else {}
    after = unit_map(desired)
    changed: set[str] = set()
    if live is not None and before == after:
        return []
    for levels in DeepDiff(before, after, ignore_order=False, view="tree").values():
        for level in levels:
            path = level.path(output_format="list")
            if path:
                changed.add(str(path[0]))
            else:  # the whole map differs (one side empty)
                changed |= set(before) | set(after)
    if live is None:  # a new component: structural fields follow from the app and are not listed
        changed = {p for p in changed if app.has_yaml_path(desired.type, p)}
    changes = []
    for path in sorted(changed):
        shown_before, shown_after = reviewed_values(
            desired.type, path, before, after, updating=live is not None
        )
        changes.append(
            FieldChange(
                path=app.yaml_path(desired.type, path),
                metadata_path=f"{desired.type}.{path}",
                before=shown_before,
                after=shown_after,
            )
        )
    if live is None:
        changes += [
            FieldChange(
                path=app.yaml_path(desired.type, field_name),
                metadata_path=f"{desired.type}.{field_name}",
                sensitive=True,
            )
            for field_name in sorted(app.secret_refs_for(desired))
        ]
    return changes


def _known_after_apply(app: CompiledApp) -> list[FieldChange]:
    """The consumer key, which the org generates when it creates an app with OAuth enabled."""
    if app.kind == "ConnectedApp":
        owner, field_path = ComponentType.CONNECTED_APP, "oauthConfig.consumerKey"
        has_oauth = any(c.type == owner and "oauthConfig" in c.fields for c in app.components)
    else:
        owner, field_path = ComponentType.ECA_GLOBAL_OAUTH_SETTINGS, "consumerKey"
        has_oauth = any(c.type == owner for c in app.components)
    if not has_oauth:
        return []
    return [
        FieldChange(
            path=app.yaml_path(owner, field_path),
            metadata_path=f"{owner}.{field_path}",
            known_after_apply=True,
        )
    ]


def diff_app(
    app: CompiledApp,
    live: Sequence[Component],
    *,
    fingerprints: Mapping[tuple[str, str], str] | None = None,
    connected_app_creation_allowed: bool = False,
) -> AppPlan:
    """Compare one app's desired components with what the org holds.

    Args:
        app: the compiled app (its components, YAML paths and secret references).
        live: the org's components of this app (see `family_of`), normalised.
        fingerprints: fingerprint per ``(type, name)`` of the components as read (for staleness checks).
        connected_app_creation_allowed: whether the org lets new Connected Apps be created.
    """
    prints = fingerprints or {}
    live_by_key = {(c.type, c.full_name): c for c in live}
    if app.state == "absent":
        if not live:
            return AppPlan(name=app.name, kind=app.kind, action="no-op", reason="absent, and not in the org")
        return AppPlan(
            name=app.name,
            kind=app.kind,
            action="delete",
            irreversible=app.kind == "ConnectedApp",
            components=tuple(
                ComponentChange(c.type, c.full_name, "delete", prints.get((c.type, c.full_name), ""))
                for c in live
            ),
        )

    components: list[ComponentChange] = []
    changes: list[FieldChange] = []
    for desired in app.components:
        key = (desired.type, desired.full_name)
        current = live_by_key.pop(key, None)
        component_changes = _component_changes(app, desired, current)
        action: Action = "create" if current is None else ("update" if component_changes else "no-op")
        components.append(ComponentChange(desired.type, desired.full_name, action, prints.get(key, "")))
        changes += component_changes
    # an installed app's header and other children belong to its package: never deleted
    for leftover in () if app.installed else live_by_key.values():
        components.append(
            ComponentChange(
                leftover.type,
                leftover.full_name,
                "delete",
                prints.get((leftover.type, leftover.full_name), ""),
            )
        )
        changes.append(
            FieldChange(
                path=f"metadata.{leftover.type}",
                metadata_path=f"{leftover.type}:{leftover.full_name}",
                before=_json(leftover.fields),
                after=None,
            )
        )

    created = not live
    errors: list[str] = []
    if app.installed and not any(c.type == ComponentType.EXTERNAL_CLIENT_APP for c in live):
        errors.append(
            f"External Client App {app.name} is not in the org: install its package first (this entry manages "
            "only the app's policies)" + (f" ({app.source})" if app.source else "")
        )
    if created:
        changes += _known_after_apply(app)
        if app.kind == "ConnectedApp" and not connected_app_creation_allowed:
            errors.append(
                f"{CONNECTED_APP_CREATION_BLOCKED} (Salesforce blocks new ones since Spring '26): "
                f"declare {app.name!r} as `kind: ExternalClientApp` instead"
                + (f" ({app.source})" if app.source else "")
            )
    app_action: Action = (
        "create" if created else ("update" if any(c.action != "no-op" for c in components) else "no-op")
    )
    return AppPlan(
        name=app.name,
        kind=app.kind,
        action=app_action,
        components=tuple(components),
        changes=tuple(changes),
        errors=tuple(errors),
    )
