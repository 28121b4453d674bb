"""Making a plan for one target: compile the YAML, read the org with the fewest calls, diff.

Reading costs one ``listMetadata`` call per three types plus, per type, one ``readMetadata`` call per ten
components of the apps the YAML names; unmanaged apps are only listed, never read. The permission sets, profiles
and run-as users the apps name cost one more ``listMetadata`` call and one SOQL query (`plan.references`).
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sfconnect.errors import MetadataError
from sfconnect.metadata.compiled import CompiledApp
from sfconnect.metadata.compiler import compile_app, eca_component_names
from sfconnect.metadata.component import Component
from sfconnect.metadata.formats import ComponentRef
from sfconnect.metadata.schema import ComponentType
from sfconnect.metadata.xmlio import read_component
from sfconnect.org.apps import APP_TYPES
from sfconnect.org.metadata_api import FileProperties, MetadataApi
from sfconnect.org.reader import read_components
from sfconnect.plan._references import check_references
from sfconnect.plan.diff import diff_app, group_families
from sfconnect.plan.model import AppPlan, Plan, UnmanagedApp
from sfconnect.spec.load import Project
from sfconnect.spec.models import AppSpec, ExternalClientAppSpec
from sfconnect.spec.refs import parse_ref, resolve_ref

__all__ = [
    "MANAGED_TYPES",
    "Export",
    "LiveState",
    "PlanResult",
    "absent_deletions",
    "compile_target",
    "export_target",
    "file_reader",
    "make_plan",
    "read_live",
    "with_app_warnings",
    "with_secret_checks",
]

MANAGED_TYPES: tuple[str, ...] = (
    ComponentType.CONNECTED_APP,
    ComponentType.EXTERNAL_CLIENT_APP,
    ComponentType.ECA_OAUTH_SETTINGS,
    ComponentType.ECA_GLOBAL_OAUTH_SETTINGS,
    ComponentType.ECA_OAUTH_POLICIES,
    ComponentType.ECA_POLICIES,
)
"""The metadata types a plan lists and reads (an app's optional children are added when the YAML has them)."""

ALL_APP_TYPES: tuple[str, ...] = APP_TYPES
"""Every type an app can span: what an import or an audit of a whole org reads (`org.apps.APP_TYPES`)."""

_APP_TYPES = {
    ComponentType.CONNECTED_APP: "ConnectedApp",
    ComponentType.EXTERNAL_CLIENT_APP: "ExternalClientApp",
}


def file_reader(project_dir: Path) -> Callable[[str], str]:
    """Reads ``file:`` references relative to the project; a missing file says how to create it."""

    def read(ref: str) -> str:
        value = resolve_ref(parse_ref(ref), environ={}, base_dir=project_dir)
        if value is None:
            raise MetadataError(
                f"{ref.removeprefix('file:')} does not exist; run `sfconnect keygen` to create the key pairs "
                "and certificates the project references"
            )
        return value

    return read


def compile_target(project: Project, target: str, *, apps: Sequence[str] = ()) -> list[CompiledApp]:
    """Compile the apps of one target (all, or those named in `apps`).

    Raises:
        KeyError: `target` is not a target of the project.
        MetadataError: a referenced file is missing, or an app cannot be compiled.
    """
    specs = project.apps_for_target(target)
    if apps:
        unknown = sorted(set(apps) - {s.name for s in specs})
        if unknown:
            raise MetadataError(f"no app named {', '.join(unknown)} goes to target {target!r}")
        specs = [s for s in specs if s.name in apps]
    files = file_reader(project.directory)
    version = project.config.api_version
    return [compile_app(spec, files=files, api_version=version) for spec in specs]


@dataclass(frozen=True)
class LiveState:
    """What the org holds: the listing, and the components of the apps read (normalised)."""

    listed: tuple[FileProperties, ...]
    components: tuple[Component, ...]

    def fingerprints(self) -> dict[tuple[str, str], str]:
        """Fingerprint per ``(type, name)`` of every component read."""
        return {(c.type, c.full_name): c.fingerprint() for c in self.components}


def _wanted(
    compiled: Iterable[CompiledApp], specs: dict[str, AppSpec], listed: Sequence[FileProperties]
) -> set[tuple[str, str]]:
    """The listed components that may belong to the YAML's apps (only these are read)."""
    wanted: set[tuple[str, str]] = set()
    listed_keys = {(f.type, f.full_name) for f in listed}
    by_prefix: dict[str, set[tuple[str, str]]] = {}  # "<App>" -> the listed children named "<App>_..."
    for type_name, name in listed_keys:
        cut = name.find("_") if type_name not in _APP_TYPES else -1
        while cut > 0:
            by_prefix.setdefault(name[:cut], set()).add((type_name, name))
            cut = name.find("_", cut + 1)
    for app in compiled:
        if app.kind == "ConnectedApp":
            wanted.add((ComponentType.CONNECTED_APP, app.name))
            continue
        wanted.add((ComponentType.EXTERNAL_CLIENT_APP, app.name))
        spec = specs.get(app.name)
        if isinstance(spec, ExternalClientAppSpec):
            wanted |= {(t, n) for t, n in eca_component_names(spec).items()}
        # children named differently (imported by hand, renamed in Setup) are found by their prefix
        wanted |= by_prefix.get(app.name, set())
    return wanted & listed_keys


def read_live(
    api: MetadataApi, compiled: Sequence[CompiledApp], specs: Sequence[AppSpec], *, concurrency: int = 4
) -> LiveState:
    """List the managed types once and read the components of the given apps."""
    by_name = {s.name: s for s in specs}
    optional = sorted({c.type for app in compiled for c in app.components} - set(MANAGED_TYPES))
    listed = api.list_metadata([*MANAGED_TYPES, *optional])
    wanted = _wanted(compiled, by_name, listed)
    # the listing is already done: read exactly `wanted`
    snapshot = read_components(api, [], only=wanted, concurrency=concurrency, listed=listed)
    components = tuple(
        read_component(r.xml, path=f"{r.type}:{r.full_name}", type_hint=r.type, full_name=r.full_name)
        for r in snapshot.records
    )
    return LiveState(listed=tuple(listed), components=components)


def _migrated_originals(specs: Iterable[AppSpec]) -> set[str]:
    """Names of the read-only Connected Apps the YAML's External Client Apps were migrated from."""
    return {s.migrated_from.name for s in specs if isinstance(s, ExternalClientAppSpec) and s.migrated_from}


def _migration_warnings(
    plans: Sequence[AppPlan], specs: Sequence[AppSpec], listed: Sequence[FileProperties]
) -> list[AppPlan]:
    """Say where Setup's migration (Connected App -> External Client App) left the org and the YAML apart."""
    keys = {(f.type, f.full_name) for f in listed}
    by_name = {s.name: s for s in specs}
    out = []
    for plan in plans:
        spec = by_name.get(plan.name)
        extra = ""
        if (
            isinstance(spec, ExternalClientAppSpec)
            and spec.migrated_from is not None
            and plan.action == "create"
            and (ComponentType.CONNECTED_APP, spec.migrated_from.name) in keys
        ):
            extra = (
                f"the External Client App {plan.name} is not in the org, and its original Connected App "
                f"{spec.migrated_from.name} is active again (Salesforce reactivates it when the migrated app is "
                "deleted): applying creates a new External Client App with a new consumer key; to migrate again, "
                f"use Setup's button and `sfconnect migrate {plan.name} --adopt`"
            )
        elif (
            spec is not None
            and spec.kind == "ConnectedApp"
            and spec.state == "present"
            and (ComponentType.EXTERNAL_CLIENT_APP, plan.name) in keys
        ):
            extra = (
                f"the org has an External Client App {plan.name}: if Setup migrated the Connected App, it is "
                f"read-only and refuses changes; run `sfconnect migrate {plan.name} --adopt`"
            )
        out.append(dataclasses.replace(plan, warnings=(*plan.warnings, extra)) if extra else plan)
    return out


def _unmanaged(
    project: Project, compiled: Sequence[CompiledApp], listed: Sequence[FileProperties]
) -> list[UnmanagedApp]:
    named = {(a.kind, a.name) for a in project.apps} | {(a.kind, a.name) for a in compiled}
    named |= {("ConnectedApp", name) for name in _migrated_originals(project.apps)}
    ignore = project.config.unmanaged.ignore
    out = []
    for f in listed:
        kind = _APP_TYPES.get(f.type)
        if kind is None or (kind, f.full_name) in named:
            continue
        if any(fnmatch.fnmatchcase(f.full_name, pattern) for pattern in ignore):
            continue
        out.append(UnmanagedApp(kind, f.full_name, f.namespace_prefix))
    return out


@dataclass(frozen=True)
class PlanResult:
    """A plan and what it was made from (apply needs the desired components; staleness, the live ones)."""

    plan: Plan
    compiled: tuple[CompiledApp, ...]
    live: LiveState


def make_plan(
    project: Project,
    target: str,
    api: MetadataApi,
    *,
    apps: Sequence[str] = (),
    concurrency: int = 4,
    connected_app_creation_allowed: bool = False,
) -> PlanResult:
    """Plan one target: what applying the YAML would change in the org.

    Raises:
        KeyError: unknown target. MetadataError: the YAML cannot be compiled. OrgError: reading the org failed.
    """
    compiled = compile_target(project, target, apps=apps)
    specs = project.apps_for_target(target)
    live = read_live(api, compiled, specs, concurrency=concurrency)
    prints = live.fingerprints()
    families = group_families(live.components)
    app_plans: list[AppPlan] = []
    for app in compiled:
        family = families.get((app.kind, app.name), [])
        app_plans.append(
            diff_app(
                app,
                family,
                fingerprints=prints,
                connected_app_creation_allowed=connected_app_creation_allowed,
            )
        )
    named = {app.name for app in compiled}
    missing = check_references(api, [s for s in specs if s.name in named], target=target)
    # an app that changes cannot go to the org with them; one that does not is only warned about
    app_plans = [
        p
        if p.name not in missing
        else dataclasses.replace(p, warnings=(*p.warnings, *missing[p.name]))
        if p.action == "no-op"
        else dataclasses.replace(p, errors=(*p.errors, *missing[p.name]))
        for p in app_plans
    ]
    app_plans = _migration_warnings(app_plans, specs, live.listed)
    plan = Plan.build(
        target,
        app_plans,
        [] if apps else _unmanaged(project, compiled, live.listed),
        partial=bool(apps),
        api_calls=dict(api.calls),
    )
    return PlanResult(plan=plan, compiled=tuple(compiled), live=live)


def with_secret_checks(result: PlanResult, resolve: Callable[[str], str]) -> PlanResult:
    """The plan with an error for each secret reference of an app it creates that does not resolve.

    Apply resolves those references only when it builds the deploy; checking them here lets `plan` fail, and
    `apply` stop before asking anything, with the app and the variable named.
    """
    from sfconnect.errors import ConfigError

    creating = {a.name for a in result.plan.apps if a.action == "create"}
    errors: dict[str, list[str]] = {}
    for app in result.compiled:
        if app.name not in creating:
            continue
        for ref in sorted(set(app.secret_refs.values())):
            try:
                resolve(ref)
            except ConfigError:
                where = f" ({app.source})" if app.source else ""
                what = (
                    f"the environment variable {ref.removeprefix('env:')} is not set"
                    if ref.startswith("env:")
                    else f"the file {ref.removeprefix('file:')} does not exist"
                )
                errors.setdefault(app.name, []).append(
                    f"the consumer secret of {app.name!r}{where} comes from {ref}, and {what}; "
                    "set it (it is only read, never stored), or remove `oauth.consumer_secret` to let Salesforce "
                    "generate one"
                )
    if not errors:
        return result
    apps = [
        dataclasses.replace(a, errors=(*a.errors, *errors[a.name])) if a.name in errors else a
        for a in result.plan.apps
    ]
    plan = result.plan
    new_plan = Plan.build(
        plan.target, apps, plan.unmanaged, partial=plan.partial, api_calls=dict(plan.api_calls)
    )
    return dataclasses.replace(result, plan=new_plan)


def with_app_warnings(result: PlanResult, by_app: Mapping[str, Sequence[str]]) -> PlanResult:
    """The plan with more warnings for some of its apps (by app name), added after the app's own.

    Warnings explain; apply never reads them. Every renderer shows them (text, the Markdown comment, JSON).
    Apps the plan does not hold are ignored; an empty mapping returns `result` itself.
    """
    extra = {name: tuple(lines) for name, lines in by_app.items() if lines}
    if not any(a.name in extra for a in result.plan.apps):
        return result
    plan = result.plan
    apps = [
        dataclasses.replace(a, warnings=(*a.warnings, *extra[a.name])) if a.name in extra else a
        for a in plan.apps
    ]
    new_plan = Plan.build(
        plan.target, apps, plan.unmanaged, partial=plan.partial, api_calls=dict(plan.api_calls)
    )
    return dataclasses.replace(result, plan=new_plan)


def absent_deletions(project: Project, target: str, names: Sequence[str]) -> list[ComponentRef]:
    """The components whose deletion removes the apps `names` of `target` (those marked ``state: absent``):
    a Connected App, or an External Client App's children and then its header."""
    refs: list[ComponentRef] = []
    for spec in project.apps_for_target(target):
        if spec.name not in names:
            continue
        if isinstance(spec, ExternalClientAppSpec):
            refs += [ComponentRef(t, n) for t, n in sorted(eca_component_names(spec).items())]
            refs.append(ComponentRef(ComponentType.EXTERNAL_CLIENT_APP, spec.name))
        else:
            refs.append(ComponentRef(ComponentType.CONNECTED_APP, spec.name))
    return refs


@dataclass(frozen=True)
class Export:
    """What `export` writes for one target: the compiled components, and the removals of absent apps."""

    target: str
    components: tuple[Component, ...]
    deletions: tuple[ComponentRef, ...]
    absent: tuple[str, ...]
    """The apps marked ``state: absent`` (their removals are `deletions`)."""
    exported_apps: int
    api_version: str


def export_target(project: Project, target: str, *, apps: Sequence[str] = ()) -> Export:
    """The components of `target`'s apps (all, or `apps`), its overrides applied; no org is read.

    Raises:
        MetadataError: an app cannot be compiled, or `apps` names one the target does not take.
    """
    compiled = compile_target(project, target, apps=apps)
    absent = tuple(ca.name for ca in compiled if ca.state == "absent")
    return Export(
        target,
        tuple(c for ca in compiled for c in ca.components),
        tuple(absent_deletions(project, target, absent)),
        absent,
        len(compiled) - len(absent),
        project.config.api_version,
    )
