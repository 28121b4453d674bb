"""The ``sfconnect migrate`` service: check one Connected App, adopt Setup's migration, or go side by side.

- `check` reads the Connected App from the org (or compiles it from the YAML when the org lacks it) and builds
  the report of `sfconnect.migrate._report`.
- `adopt` runs after Setup's "Migrate to External Client App" button: the org holds the read-only Connected
  App and an External Client App of the same name. It rewrites the app's YAML entry as that External Client
  App (``kind: ExternalClientApp``, the same name and settings, ``migrated_from:`` naming the original).
- `side_by_side` writes a new External Client App YAML file beside the Connected App's, under a new name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sfconnect.errors import ConfigError, MetadataError, MetadataFault
from sfconnect.metadata.compiler import ECA_CHILD_SUFFIXES, compile_app
from sfconnect.metadata.component import Component
from sfconnect.metadata.migration import assess, set_fields, to_external_client_app
from sfconnect.metadata.schema import ComponentType
from sfconnect.metadata.xmlio import read_component
from sfconnect.migrate._report import MigrationReport, build_report
from sfconnect.migrate._yaml_edit import entry_data, replace_entry, write_new_file
from sfconnect.org.metadata_api import FileProperties, MetadataApi
from sfconnect.org.reader import read_components
from sfconnect.plan.service import ALL_APP_TYPES, file_reader
from sfconnect.spec.load import Project
from sfconnect.spec.models import AppSpec, ConnectedAppSpec, ExternalClientAppSpec

__all__ = [
    "AdoptResult",
    "LiveApp",
    "SideBySideResult",
    "adopt",
    "check",
    "read_app",
    "side_by_side",
    "side_by_side_warnings",
]

_CA = ComponentType.CONNECTED_APP
_ECA = ComponentType.EXTERNAL_CLIENT_APP


@dataclass(frozen=True)
class LiveApp:
    """What the org holds under one name: the Connected App and the External Client App family."""

    name: str
    connected_app: Component | None
    namespace: str | None
    family: tuple[Component, ...]
    org_blocks_username_password: bool | None = None

    @property
    def migrated(self) -> bool:
        """Whether an External Client App of the same name exists (Setup's migration was run)."""
        return any(c.type == _ECA for c in self.family)


def _parse(xml: bytes, type_name: str, full_name: str) -> Component:
    return read_component(xml, path=f"{type_name}:{full_name}", type_hint=type_name, full_name=full_name)


def _org_blocks_username_password(api: MetadataApi) -> bool | None:
    try:
        records = api.read_metadata("OauthOidcSettings", ["OauthOidc"])
    except MetadataFault:
        return None
    for record in records:
        try:
            value = _parse(record.xml, "OauthOidcSettings", record.full_name).get("blockOAuthUnPwFlow")
        except MetadataError:
            return None
        return value if isinstance(value, bool) else None
    return None


def read_app(api: MetadataApi, name: str) -> LiveApp:
    """List the app types once and read the Connected App and External Client App called `name`."""
    listed: list[FileProperties] = api.list_metadata(list(ALL_APP_TYPES))
    keys = {(f.type, f.full_name) for f in listed}
    wanted = {(_CA, name), (_ECA, name)} | {
        (t, n) for t, n in keys if t not in (_CA, _ECA) and n.startswith(f"{name}_")
    }
    snapshot = read_components(api, [], only=wanted & keys, include_managed=True, listed=listed)
    components = [_parse(r.xml, r.type, r.full_name) for r in snapshot.records]
    ca = next((c for c in components if c.type == _CA and c.full_name == name), None)
    family = tuple(
        c
        for c in components
        if (c.type == _ECA and c.full_name == name)
        or (c.parent is not None and c.parent.lower() == name.lower())
    )
    namespace = next(
        (f.namespace_prefix or None for f in listed if f.type == _CA and f.full_name == name), None
    )
    return LiveApp(name, ca, namespace, family, _org_blocks_username_password(api))


def _declared(project: Project | None, name: str) -> AppSpec | None:
    if project is None:
        return None
    try:
        return project.app(name)
    except KeyError:
        return None


def check(project: Project | None, api: MetadataApi, target: str, name: str) -> MigrationReport:
    """The migration report of the Connected App `name` in the target org (or, when the org lacks it, in YAML).

    Raises:
        ConfigError: neither the org nor the project has a Connected App of that name.
        OrgError: reading the org failed.
    """
    live = read_app(api, name)
    spec = _declared(project, name)
    ca_spec = spec if isinstance(spec, ConnectedAppSpec) else None
    component = live.connected_app
    source = "org"
    if component is None:
        if ca_spec is None or project is None:
            raise ConfigError(
                f"no Connected App named {name} in target {target!r}"
                + ("" if ca_spec is not None else " and none in the project's YAML")
                + ": check the name (`sfconnect import -t TARGET` lists what the org holds)"
            )
        try:
            compiled = compile_app(ca_spec, files=file_reader(project.directory))
        except MetadataError as exc:
            raise ConfigError(str(exc)) from exc
        component = compiled.components[0]
        source = "YAML (not in the org)"
    problems = assess(
        name,
        component,
        spec=ca_spec,
        namespace=live.namespace,
        migrated=live.migrated,
        org_blocks_username_password=live.org_blocks_username_password,
    )
    return build_report(name, target, source, problems, set_fields(component))


@dataclass(frozen=True)
class AdoptResult:
    """What `adopt` wrote."""

    file: Path
    notes: tuple[str, ...] = ()
    component_names: dict[str, str] = field(default_factory=dict)


def _connected_app_spec(project: Project, name: str, command: str) -> ConnectedAppSpec:
    spec = _declared(project, name)
    if spec is None:
        raise ConfigError(
            f"the project declares no app named {name}: import it first (`sfconnect import -t TARGET --app {name} "
            f"--out apps/`), then run `{command}` again"
        )
    if not isinstance(spec, ConnectedAppSpec):
        raise ConfigError(
            f"{name} is already an External Client App in the YAML; nothing to {command.split()[-1]}"
        )
    if spec.source is None:
        raise ConfigError(f"{name}: the app's file is unknown")
    return spec


def _app_file(project: Project, spec: AppSpec) -> Path:
    assert spec.source is not None
    path = Path(spec.source.file)
    return path if path.is_absolute() else project.directory / path


def adopt(project: Project, api: MetadataApi, target: str, name: str) -> AdoptResult:
    """After Setup's migration: rewrite the YAML of Connected App `name` as its External Client App.

    Raises:
        ConfigError: the YAML has no such Connected App, or the org shows no migration of it.
        OrgError: reading the org failed.
    """
    existing = _declared(project, name)
    if isinstance(existing, ExternalClientAppSpec) and existing.migrated_from is not None:
        raise ConfigError(
            f"{name} is already adopted: its YAML is the External Client App (migrated_from is set)"
        )
    spec = _connected_app_spec(project, name, f"sfconnect migrate {name} --adopt")
    live = read_app(api, name)
    if not live.migrated:
        raise ConfigError(
            f"target {target!r} has no External Client App named {name}: migrate the Connected App first "
            f"(Setup > App Manager > {name} > Migrate to External Client App; for a local org: "
            f"`sfconnect localorg migrate {name}`), or use `--new-name NAME` to build one side by side"
        )
    path = _app_file(project, spec)
    data, notes = to_external_client_app(entry_data(path, name), migrated_from=name)
    names = {
        c.type: c.full_name
        for c in live.family
        if c.type in ECA_CHILD_SUFFIXES and c.full_name != f"{name}{ECA_CHILD_SUFFIXES[c.type]}"
    }
    if names:
        data["component_names"] = dict(sorted(names.items()))
    if live.connected_app is None:
        notes.append(f"the org no longer holds the Connected App {name}: migrated_from is kept as a record")
    replace_entry(path, name, data)
    return AdoptResult(path, tuple(notes), names)


@dataclass(frozen=True)
class SideBySideResult:
    """What `side_by_side` wrote."""

    file: Path
    notes: tuple[str, ...] = ()


def _file_name(name: str) -> str:
    return re.sub(r"_+", "-", name).lower() + ".yaml"


def side_by_side(project: Project, name: str, new_name: str) -> SideBySideResult:
    """Write a new External Client App `new_name`, converted from the Connected App `name`, beside its file.

    Raises:
        ConfigError: unknown app, a name already taken, or the file exists.
    """
    spec = _connected_app_spec(project, name, f"sfconnect migrate {name} --new-name {new_name}")
    if _declared(project, new_name) is not None:
        raise ConfigError(f"the project already declares an app named {new_name}; choose another --new-name")
    old = _app_file(project, spec)
    data, notes = to_external_client_app(entry_data(old, name), name=new_name)
    oauth = data.get("oauth")
    if isinstance(oauth, dict) and oauth.pop("consumer_secret", None) is not None:
        notes.append(
            "oauth.consumer_secret dropped: the org generates the new app's secret (a secret must differ from "
            "the Connected App's); read the new key and secret from the org after apply"
        )
    path = old.parent / _file_name(new_name)
    header = (
        f"# External Client App {new_name}, written by `sfconnect migrate {name} --new-name {new_name}` from the\n"
        f"# Connected App {name} ({old.name}). Apply it, move the clients to its consumer key, then retire\n"
        f"# the Connected App with `state: absent`.\n"
    )
    try:
        rel = path.relative_to(project.directory)
    except ValueError:
        rel = path
    schema = Path("schemas/apps.schema.json")
    if (project.directory / schema).exists():
        depth = len(rel.parts) - 1
        header = f"# yaml-language-server: $schema={'../' * depth}{schema}\n" + header
    write_new_file(path, data, header)
    return SideBySideResult(path, tuple(notes))


def side_by_side_warnings(project: Project, name: str, new_name: str, file: Path) -> list[str]:
    """Where the project (read again after `side_by_side` wrote `file`) would leave the new app out: its
    ``apps:`` patterns, and each target that takes `name` but not `new_name`."""
    warnings: list[str] = []
    if all(a.name != new_name for a in project.apps):
        warnings.append(
            f"the project's `apps:` patterns do not include {file.name}: add it to sfconnect.yaml"
        )
    for target in sorted(project.config.targets):
        names = {a.name for a in project.apps_for_target(target)}
        if name in names and new_name not in names:
            warnings.append(
                f"target {target!r} takes {name} but not {new_name}: add {new_name} to its `apps:`"
            )
    return warnings
