"""Connected App -> External Client App: where each setting goes, what cannot carry over, and eligibility.

Pure data and functions (no org, no files): `migrate/` (the ``sfconnect migrate`` service) and the live-audit
lint rule use them.

- `ca_fields()` walks every field of the ``ConnectedApp`` metadata type (the v63 WSDL table).
- `destination()` says where one of them goes in the External Client App family. It is derived from the field
  map (`sfconnect.metadata.fieldmap`: per YAML key, the Connected App fields and the External Client App
  fields), plus `ESCAPE_HATCH` for fields with no YAML key. A field the map gives no External
  Client App field has **no destination**; `NO_DESTINATION` explains each one (consequence and alternative).
- `MIGRATION_LIMITS` lists what Setup's migration itself does not carry (Salesforce Help, "Connected App to
  External Client App Migration" and "Create an External Client App from a Connected App").
- `assess()` decides eligibility from what can be known: the app's component, its YAML, and facts from the org.
- `to_external_client_app()` rewrites a Connected App's YAML entry as an External Client App's.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sfconnect._wsdl_table import COMPLEX_TYPES
from sfconnect.metadata.component import Component, Record, Value
from sfconnect.metadata.fieldmap import ROWS
from sfconnect.spec.models import AppSpec

__all__ = [
    "ESCAPE_HATCH",
    "MIGRATION_LIMITS",
    "NO_DESTINATION",
    "Destination",
    "Limit",
    "MapRow",
    "Problem",
    "assess",
    "ca_fields",
    "destination",
    "eligible",
    "fields_without_destination",
    "map_rows",
    "set_fields",
    "to_external_client_app",
    "yaml_only_destinations",
]

_CA = "ConnectedApp"
_GLB = "ExtlClntAppGlobalOauthSettings"


# --- the field walk --------------------------------------------------------------------------------------


def _walk(xsd_type: str, prefix: str) -> Iterator[str]:
    for name, xsd, _min, _max in COMPLEX_TYPES.get(xsd_type, ()):
        path = f"{prefix}.{name}"
        child = xsd.removeprefix("tns:")
        if child in COMPLEX_TYPES:
            yield from _walk(child, path)
        else:
            yield path


def ca_fields() -> tuple[str, ...]:
    """Every leaf field of the ``ConnectedApp`` type, as ``ConnectedApp.oauthConfig.isPkceRequired``."""
    return tuple(_walk(_CA, _CA))


# --- destinations ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """Where a Connected App field goes in the External Client App family.

    Attributes:
        ca_field: the Connected App field (``ConnectedApp.oauthConfig.scopes``).
        yaml_path: the YAML key that sets it, when there is one.
        eca_fields: the External Client App fields it becomes (empty: no destination).
        consequence: for no destination, what is lost.
        alternative: for no destination, what to do instead.
        note: how the value changes on the way (``inverted``, a different default, ...).
    """

    ca_field: str
    yaml_path: str | None
    eca_fields: tuple[str, ...]
    consequence: str = ""
    alternative: str = ""
    note: str = ""

    @property
    def carried(self) -> bool:
        """Whether the field has a destination."""
        return bool(self.eca_fields)


ESCAPE_HATCH: dict[str, tuple[str, ...]] = {
    "ConnectedApp.fullName": ("ExternalClientApplication.fullName",),
    "ConnectedApp.oauthConfig.consumerKey": (f"{_GLB}.consumerKey",),
    "ConnectedApp.oauthConfig.consumerSecret": (f"{_GLB}.consumerSecret",),
}
"""Connected App fields with no YAML key of their own that still have a destination."""

_SAML = (
    "SAML single sign-on is not converted: Setup's migration documents only OAuth settings",
    "recreate the SAML settings on the External Client App as `metadata: {ExtlClntAppSamlConfigurablePolicies: "
    "{...}}` (API 63.0), or keep the Connected App for SAML",
)
_CANVAS = (
    "the canvas app settings are dropped",
    "configure the External Client App canvas plugin (ExtlClntAppCanvasSettings, API 66.0) in Setup, or keep "
    "the Connected App for canvas",
)
_MOBILE = (
    "the mobile app distribution settings (binary, bundle, platform, version) are dropped",
    "configure the External Client App mobile plugin (ExtlClntAppMobileSettings, API 64.0, beta) in Setup",
)

NO_DESTINATION: dict[str, tuple[str, str]] = {
    "ConnectedApp.oauthPolicy.singleLogoutUrl": (
        "the OAuth policy's copy of the single logout URL is not carried as such",
        "set `oauth.single_logout_url` (ExtlClntAppOauthSettings.singleLogoutUrl) on the External Client App",
    ),
    "ConnectedApp.mobileStartUrl": (
        "the mobile start URL is dropped",
        "set the start page in the External Client App's mobile settings in Setup",
    ),
}
"""Consequence and alternative for Connected App fields with no destination (prefix match on the path)."""
NO_DESTINATION_PREFIXES: dict[str, tuple[str, str]] = {
    "ConnectedApp.samlConfig.": _SAML,
    "ConnectedApp.canvas.": _CANVAS,
    "ConnectedApp.canvasConfig.": _CANVAS,
    "ConnectedApp.mobileAppConfig.": _MOBILE,
}
_GENERIC = (
    "the value is not carried over",
    "set the equivalent in Setup on the External Client App after the migration",
)


@dataclass(frozen=True)
class MapRow:
    """One Connected App field of the field map: its YAML key and the External Client App fields it becomes."""

    yaml_path: str
    ca_field: str
    eca_fields: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class _Place:
    where: str
    fields: tuple[str, ...]
    note: str


def _field_map() -> Iterator[tuple[str, _Place, _Place]]:
    """(YAML path, Connected App place, External Client App place) for every row of the field map.

    The one place that reads the field map (`sfconnect.metadata.fieldmap.ROWS`).
    """
    for row in ROWS:
        ca, eca = row.connected_app, row.external_client_app
        yield (
            row.yaml,
            _Place(ca.where, tuple(str(f) for f in ca.fields), ca.note),
            _Place(eca.where, tuple(str(f) for f in eca.fields), eca.note),
        )


def map_rows() -> tuple[MapRow, ...]:
    """The field map, seen from the Connected App side: every Connected App field a YAML key sets.

    A row whose External Client App place is not a metadata field (unsupported, intent, org-wide) gives its
    Connected App fields no destination.
    """
    out: list[MapRow] = []
    for path, ca, eca in _field_map():
        if ca.where != "metadata" or ca.note == "presence":
            continue
        targets = eca.fields if eca.where == "metadata" else ()
        out.extend(MapRow(path, field, targets, ca.note) for field in ca.fields)
    return tuple(out)


def _explain(field: str) -> tuple[str, str]:
    if field in NO_DESTINATION:
        return NO_DESTINATION[field]
    for prefix, text in NO_DESTINATION_PREFIXES.items():
        if field.startswith(prefix):
            return text
    return _GENERIC


def destination(field: str) -> Destination:
    """Where the Connected App field `field` goes (an exact leaf path from `ca_fields()`)."""
    if field in ESCAPE_HATCH:
        return Destination(field, None, ESCAPE_HATCH[field], note=_NOTES.get(field, ""))
    for row in map_rows():
        if field == row.ca_field or field.startswith(row.ca_field + "."):
            note = _NOTES.get(row.ca_field, "") or row.note
            if row.eca_fields:
                return Destination(field, row.yaml_path, row.eca_fields, note=note)
            consequence, alternative = _explain(field)
            return Destination(field, row.yaml_path, (), consequence, alternative)
    consequence, alternative = _explain(field)
    return Destination(field, None, (), consequence, alternative)


_NOTES: dict[str, str] = {
    "ConnectedApp.oauthConfig.consumerKey": (
        "assumed kept by Setup's migration (not documented); a side-by-side app gets a new key"
    ),
    "ConnectedApp.oauthConfig.consumerSecret": "write-only; assumed kept with the key",
    "ConnectedApp.oauthConfig.isPkceRequired": (
        "a Connected App's default is off, an External Client App's on: written explicitly"
    ),
    "ConnectedApp.oauthConfig.scopes": "becomes the comma-separated commaSeparatedOauthScopes",
    "ConnectedApp.oauthPolicy.refreshTokenPolicy": (
        "split into refreshTokenPolicyType, refreshTokenValidityPeriod and refreshTokenValidityUnit"
    ),
    "ConnectedApp.oauthConfig.isAdminApproved": "becomes permittedUsersPolicyType",
}


def fields_without_destination() -> tuple[str, ...]:
    """Every Connected App field that has no External Client App destination (derived from the map)."""
    return tuple(f for f in ca_fields() if not destination(f).carried)


def yaml_only_destinations() -> tuple[Destination, ...]:
    """YAML keys that are intent or org-wide for a Connected App but a field of an External Client App
    (for example the device flow, a Setup checkbox on a Connected App)."""
    out = []
    for path, ca, eca in _field_map():
        if ca.where in ("intent", "org") and eca.where == "metadata":
            out.append(Destination(f"({ca.where}) {path}", path, eca.fields, note=ca.note))
    return tuple(out)


# --- what an app sets -----------------------------------------------------------------------------------------


def _leaves(prefix: str, value: Value) -> Iterator[tuple[str, Value]]:
    if isinstance(value, Record):
        for key, child in value.items():
            yield from _leaves(f"{prefix}.{key}", child)
    elif isinstance(value, tuple) and value and all(isinstance(v, Record) for v in value):
        merged: dict[str, list[Value]] = {}
        for item in value:
            assert isinstance(item, Record)
            for key, child in item.items():
                merged.setdefault(key, []).append(child)
        for key, values in merged.items():
            yield f"{prefix}.{key}", tuple(values)
    else:
        yield prefix, value


def set_fields(component: Component) -> dict[str, Value]:
    """The leaf fields a Connected App component sets, keyed like `ca_fields()` (consumer secrets never)."""
    out: dict[str, Value] = {}
    for key, value in component.fields.items():
        for path, leaf in _leaves(f"{_CA}.{key}", value):
            if path.endswith(".consumerSecret"):
                continue
            out[path] = leaf
    return out


# --- what Setup's migration cannot carry -------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    """Something the migration cannot carry, with its consequence and the alternative."""

    what: str
    consequence: str
    alternative: str


MIGRATION_LIMITS: tuple[Limit, ...] = (
    Limit(
        "username-password flow",
        "External Client Apps do not support it: clients using it stop working, and Setup offers the migration "
        "only for apps that do not use it",
        "move those clients to the web server flow with PKCE (users) or the client credentials flow (servers), "
        "then migrate",
    ),
    Limit(
        "push notification settings",
        "invalid push settings (an expired Apple P12 certificate, a deprecated Android server key) make the "
        "migration fail; they are Setup-only, so sfconnect cannot read them",
        "check Setup > App Manager > the app > Mobile App Settings first: renew the P12 certificate, switch "
        "Android to service account settings",
    ),
    Limit(
        "Notification Delivery Settings and Briefcase assignment",
        "the migrated app no longer shows in Notification Delivery Settings or the Briefcase connected app "
        "assignment",
        "configure notifications through the External Client App's notification settings and reassign Briefcase "
        "after the migration",
    ),
    Limit(
        "refresh token IP allowlist",
        "a known issue drops the refresh-token IP allowlist values during the migration",
        "note the ranges before migrating and enter them again on the External Client App (Edit Settings > "
        "Refresh Token IP Allowlist)",
    ),
)
"""What Setup's migration does not carry (Salesforce Help, see the module docstring)."""


# --- eligibility -----------------------------------------------------------------------------------------------

Severity = Literal["blocker", "warning", "info"]


@dataclass(frozen=True)
class Problem:
    """A reason the app cannot be migrated (``blocker``), or something to check or expect."""

    code: str
    severity: Severity
    message: str
    alternative: str = ""


def assess(
    name: str,
    component: Component | None,
    *,
    spec: AppSpec | None = None,
    namespace: str | None = None,
    migrated: bool = False,
    org_blocks_username_password: bool | None = None,
) -> tuple[Problem, ...]:
    """What stands between the Connected App `name` and Setup's migration.

    Args:
        name: the app's API name.
        component: the app's ``ConnectedApp`` component (read from the org, or compiled from YAML), if known.
        spec: the app's YAML, when the project declares it (its flows are intent the org cannot tell).
        namespace: the namespace of an installed app.
        migrated: whether an External Client App of the same name is in the org (the migration is done).
        org_blocks_username_password: the org-wide setting, when it was read.

    Returns:
        The problems: any ``blocker`` makes the app ineligible.
    """
    problems: list[Problem] = []
    if migrated:
        problems.append(
            Problem(
                "already-migrated",
                "blocker",
                f"{name} is already migrated: the org has an External Client App of the same name and the "
                "Connected App is read-only",
                f"run `sfconnect migrate {name} --adopt` to bring the YAML along",
            )
        )
    if namespace or "__" in name:
        problems.append(
            Problem(
                "not-local",
                "blocker",
                f"{name} was installed from a package (namespace {namespace or name.split('__')[0]}): only local "
                "Connected Apps can be migrated",
                "ask the package's publisher for a version with an External Client App",
            )
        )
    uses_password = spec is not None and spec.oauth is not None and spec.oauth.flows.username_password.enabled
    if uses_password:
        problems.append(
            Problem(
                "username-password-flow",
                "blocker",
                f"{name} uses the username-password flow (oauth.flows.username_password.enabled), which "
                "External Client Apps do not support",
                MIGRATION_LIMITS[0].alternative,
            )
        )
    elif spec is None and org_blocks_username_password is False:
        problems.append(
            Problem(
                "username-password-unknown",
                "warning",
                "the org allows the username-password flow, and whether an app uses it cannot be read through "
                "any API: Setup asks you to confirm the app does not",
                MIGRATION_LIMITS[0].alternative,
            )
        )
    if component is not None and component.get("mobileAppConfig") is not None:
        problems.append(
            Problem(
                "push-settings",
                "warning",
                f"{name} is a mobile app: if push notifications are configured, invalid push settings make the "
                "migration fail (they can be read only in Setup)",
                MIGRATION_LIMITS[1].alternative,
            )
        )
    return tuple(problems)


def eligible(problems: tuple[Problem, ...]) -> bool:
    """Whether no problem blocks the migration."""
    return not any(p.severity == "blocker" for p in problems)


# --- the YAML entry ------------------------------------------------------------------------------------------

_DROPPED_YAML: dict[str, str] = {
    path: eca.note or "not supported by External Client Apps"
    for path, ca, eca in _field_map()
    if eca.where == "unsupported" and ca.where != "unsupported"
}


def _pop_path(data: dict[str, Any], path: str) -> Any:
    """Remove the key at a dotted path, and the mappings it leaves empty (only along that path)."""
    parts = path.split(".")
    chain: list[dict[str, Any]] = [data]
    for part in parts[:-1]:
        node = chain[-1].get(part)
        if not isinstance(node, dict):
            return None
        chain.append(node)
    if parts[-1] not in chain[-1]:
        return None
    value = chain[-1].pop(parts[-1])
    for depth in range(len(chain) - 1, 0, -1):
        if chain[depth]:
            break
        del chain[depth - 1][parts[depth - 1]]
    return value


def to_external_client_app(
    entry: Mapping[str, Any], *, name: str | None = None, migrated_from: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """A Connected App's YAML entry rewritten as an External Client App's, and what was dropped.

    Keys are kept as written (references, variables, order); ``kind`` changes; keys External Client Apps do not
    support and the Connected App's ``metadata:`` block are dropped, each with a note.

    Args:
        entry: the Connected App's entry (plain YAML data).
        name: a new API name (side by side); default the same name.
        migrated_from: record the read-only Connected App of this name as the app's original (in place).
    """
    data: dict[str, Any] = {}
    notes: list[str] = []
    source = copy.deepcopy(dict(entry))
    for key, value in source.items():
        if key == "kind":
            data["kind"] = "ExternalClientApp"
        elif key == "name":
            data["name"] = name or value
            if migrated_from is not None:
                data["migrated_from"] = {"kind": "ConnectedApp", "name": migrated_from}
        else:
            data[key] = value
    if "kind" not in data:
        data = {"kind": "ExternalClientApp", **data}
    for path, why in _DROPPED_YAML.items():
        value = _pop_path(data, path)
        if value is not None and value is not False:
            notes.append(f"{path} dropped: {why}")
    meta = data.get("metadata")
    if isinstance(meta, dict) and _CA in meta:
        dropped = _pop_path(data, f"metadata.{_CA}")
        keys = ", ".join(sorted(dropped)) if isinstance(dropped, dict) else ""
        notes.append(
            f"metadata.ConnectedApp ({keys}) dropped: those Connected App fields have no External Client App "
            "destination (see `sfconnect migrate --check`)"
        )
    return data, notes
