"""The compiler: one app spec (a target's overrides already applied) -> its metadata components.

A Connected App compiles to one ``ConnectedApp`` component; an External Client App to its family: the
``ExternalClientApplication`` header, ``ExtlClntAppOauthSettings`` (scopes, trusted IP ranges),
``ExtlClntAppGlobalOauthSettings`` (callback URLs, certificate, flow switches), ``ExtlClntAppOauthConfigurablePolicies``
(admin policies) and ``ExtlClntAppConfigurablePolicies`` (plugin switches), the children named ``<App>_oauth``,
``<App>_glbloauth``, ``<App>_oauthPlcy`` and ``<App>_plcy`` as Setup names them (an imported app keeps the
names it had, through ``component_names``).

The compiler never emits a consumer key or org-specific values (``oauthLink``, ``orgScopedExternalApp``); a
consumer secret appears only as a reference in `CompiledApp.secret_refs`. Intent-only switches (see
`sfconnect.spec.switches`) produce nothing. Every emitted field is recorded with the YAML key it came from, so
plans speak the reviewer's language. The result is normalised like anything read from an org.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from sfconnect.errors import MetadataError
from sfconnect.metadata import fieldmap
from sfconnect.metadata._normalize import normalize
from sfconnect.metadata.compiled import CompiledApp
from sfconnect.metadata.component import Component
from sfconnect.metadata.schema import ComponentType, api_version_tuple, field_at, type_info
from sfconnect.spec.models import AppSpec, ConnectedAppSpec, ExternalClientAppSpec

__all__ = [
    "ECA_CHILD_SUFFIXES",
    "ECA_OPTIONAL_CHILD_SUFFIXES",
    "NIL",
    "FileReader",
    "child_name",
    "compile_app",
    "eca_component_names",
]

_Paths = dict[tuple[str, str], str]

FileReader = Callable[[str], str]
"""Reads a ``file:`` reference (a certificate) and returns its text; raises `MetadataError` when missing."""

ECA_CHILD_SUFFIXES: dict[str, str] = {
    ComponentType.ECA_OAUTH_SETTINGS: "_oauth",
    ComponentType.ECA_GLOBAL_OAUTH_SETTINGS: "_glbloauth",
    ComponentType.ECA_OAUTH_POLICIES: "_oauthPlcy",
    ComponentType.ECA_POLICIES: "_plcy",
}
"""Setup's names for an External Client App's child components: ``<App><suffix>``."""


class _Builder:
    """Collects one component's fields and the YAML key each came from."""

    def __init__(self, type_name: str, yaml_paths: dict[tuple[str, str], str]) -> None:
        self.type = type_name
        self.fields: dict[str, Any] = {}
        self._paths = yaml_paths

    def set(self, metadata_path: str, value: Any, yaml_path: str | None) -> None:
        """Set a (possibly nested, dotted) field unless `value` is None or empty.

        `yaml_path` is the YAML key the value comes from; None for structural fields (a child's reference to
        its app, its label, plugin switches) that follow from the app itself.
        """
        if value is None or value == () or value == []:
            return
        target = self.fields
        *parents, leaf = metadata_path.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = list(value) if isinstance(value, tuple) else value
        if yaml_path is not None:
            self._paths[(self.type, metadata_path)] = yaml_path

    def merge_escape_hatch(self, app: AppSpec) -> None:
        """Fields from the app's ``metadata: {<Type>: {...}}`` block (already checked against the WSDL).

        The block wins over what the YAML words wrote; records merge field by field, and a null value leaves
        the field out.
        """
        _merge(self.fields, app.metadata.get(self.type, {}))
        for name in app.metadata.get(self.type, {}):
            self._paths[(self.type, name)] = f"metadata.{self.type}.{name}"


NIL: dict[str, bool] = {"xsi:nil": True}
"""The escape hatch's way to say an element is marked nil (``xsi:nil="true"``); null leaves it out."""


def _merge(target: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for name, value in extra.items():
        if value is None:
            target.pop(name, None)
        elif value == NIL:
            target[name] = None
        elif isinstance(value, Mapping):
            # A record merges field by field, into what the YAML words wrote or into a new one: either way its
            # nulls leave fields out and its nils mark them nil.
            record = target.get(name)
            if not isinstance(record, dict):
                record = target[name] = {}
            _merge(record, value)
        else:
            target[name] = value


ECA_OPTIONAL_CHILD_SUFFIXES: dict[str, str] = {ComponentType.ECA_SAML_POLICIES: "_samlPlcy"}
"""Children an External Client App has only when its YAML says so (``metadata: {<Type>: ...}``)."""


def eca_component_names(app: ExternalClientAppSpec) -> dict[str, str]:
    """The child component names of an External Client App (type -> full name), optional children included
    when the app's ``metadata:`` block declares them (an installed app's: those only)."""
    suffixes = {} if app.installed else dict(ECA_CHILD_SUFFIXES)
    suffixes.update({t: _suffix(t) for t in app.metadata if t != ComponentType.EXTERNAL_CLIENT_APP})
    names = {t: f"{app.name}{suffix}" for t, suffix in suffixes.items()}
    custom: Mapping[str, str] = getattr(app, "component_names", None) or {}
    names.update({t: n for t, n in custom.items() if n})
    return names


def _get(obj: object, path: str | tuple[str, ...]) -> Any:
    """The value at a dotted YAML path (or its parts) of a spec (None when a step is absent or None)."""
    for part in path.split(".") if isinstance(path, str) else path:
        if obj is None:
            return None
        obj = getattr(obj, part, None)
    return obj


_Step = tuple[fieldmap.Row, fieldmap.Place, tuple[tuple[str, ...], ...], tuple[str, ...] | None]


@functools.cache
def _steps(kind: str) -> tuple[_Step, ...]:
    """The rows one kind compiles, with their YAML paths split once (the compiler runs per app)."""
    return tuple(
        (
            row,
            place,
            tuple(tuple(p.split(".")) for p in row.yaml_paths),
            tuple(row.when.split(".")) if row.when else None,
        )
        for row, place in fieldmap.rows_for(kind)
        if row.yaml != fieldmap.SECRET_ROW
    )


def _explicit(obj: object, path: str) -> bool:
    """Whether the YAML wrote `path` (rather than the model's default filling it in)."""
    for part in path.split("."):
        if obj is None or part not in getattr(obj, "model_fields_set", ()):
            return False
        obj = getattr(obj, part)
    return True


def _encode_rows(app: AppSpec, builders: Mapping[str, _Builder], files: FileReader) -> None:
    """Every row of the field map, compiled into the builders of the app's components."""
    for row, place, paths, when in _steps(app.kind):
        values = tuple([_get(app, p) for p in paths])
        if values[0] is None or (when is not None and not _get(app, when)):
            continue
        if place.codec.name == "certificate":
            values = (files(values[0]).strip(),)
        encoded = place.codec.encode(values)
        for index, (target, value) in enumerate(zip(place.fields, encoded, strict=True)):
            builder = builders.get(target.type)
            if builder is None or (target.needs_oauth and app.oauth is None):
                if value is not None and value != place.default(index) and _explicit(app, row.yaml):
                    raise MetadataError(
                        f"{row.yaml} needs oauth: for {app.kind} it lives in {target} (declare oauth:, or "
                        "remove the key)"
                    )
                continue
            builder.set(target.path, value, row.yaml)


def _secret(app: AppSpec, secrets: dict[tuple[str, str], str], paths: dict[tuple[str, str], str]) -> None:
    place = fieldmap.row(fieldmap.SECRET_ROW).place(app.kind)
    target = place.fields[0]
    if app.oauth is None:
        return
    if app.oauth.consumer_secret:
        secrets[(target.type, target.path)] = app.oauth.consumer_secret
        paths[(target.type, target.path)] = fieldmap.SECRET_ROW
    key_path = target.path.replace("consumerSecret", "consumerKey")
    paths[(target.type, key_path)] = "oauth.consumer_key"


def _compile_connected_app(app: ConnectedAppSpec, files: FileReader) -> CompiledApp:
    paths: dict[tuple[str, str], str] = {}
    secrets: dict[tuple[str, str], str] = {}
    b = _Builder(ComponentType.CONNECTED_APP, paths)
    _encode_rows(app, {b.type: b}, files)
    if app.oauth is not None and "oauthConfig" not in b.fields:
        b.fields["oauthConfig"] = {}
    _secret(app, secrets, paths)
    b.merge_escape_hatch(app)
    component = normalize(Component.build(b.type, app.name, b.fields))
    return CompiledApp(
        name=app.name,
        kind="ConnectedApp",
        components=(component,),
        yaml_paths=paths,
        secret_refs=secrets,
    )


def _child_builder(
    app: ExternalClientAppSpec, type_name: str, names: Mapping[str, str], paths: _Paths
) -> _Builder:
    """A child component's builder, with its reference to the app and its label (its name) set."""
    child = _Builder(type_name, paths)
    child.set("externalClientApplication", app.name, None)
    child.set("label", names.get(type_name, f"{app.name}{_suffix(type_name)}"), None)
    return child


def _finish(
    app: ExternalClientAppSpec,
    builders: Mapping[str, _Builder],
    names: Mapping[str, str],
    paths: _Paths,
    secrets: _Paths,
) -> CompiledApp:
    """The app's components: each builder with the escape hatch merged in, named and normalised."""
    components = []
    for b in builders.values():
        b.merge_escape_hatch(app)
        name = (
            app.name
            if b.type == ComponentType.EXTERNAL_CLIENT_APP
            else names.get(b.type, child_name(app.name, b.type))
        )
        components.append(normalize(Component.build(b.type, name, b.fields)))
    return CompiledApp(
        name=app.name,
        kind="ExternalClientApp",
        components=tuple(components),
        yaml_paths=paths,
        secret_refs=secrets,
        installed=app.installed,
    )


def _compile_external_client_app(app: ExternalClientAppSpec, files: FileReader) -> CompiledApp:
    paths: _Paths = {}
    secrets: _Paths = {}
    names = eca_component_names(app)
    if app.installed:  # from a package: only the components its metadata: block declares, as written
        return _finish(
            app, {t: _child_builder(app, t, names, paths) for t in sorted(app.metadata)}, names, paths, {}
        )
    header = _Builder(ComponentType.EXTERNAL_CLIENT_APP, paths)
    builders = {header.type: header}
    child_types = [ComponentType.ECA_POLICIES]
    if app.oauth is not None:
        child_types += [
            ComponentType.ECA_OAUTH_SETTINGS,
            ComponentType.ECA_GLOBAL_OAUTH_SETTINGS,
            ComponentType.ECA_OAUTH_POLICIES,
        ]
    child_types += [t for t in app.metadata if t != header.type and t not in child_types]
    for type_name in child_types:
        builders[type_name] = _child_builder(app, type_name, names, paths)
    policies = builders[ComponentType.ECA_POLICIES]
    policies.set("isEnabled", True, None)
    policies.set("isOauthPluginEnabled", app.oauth is not None, None)
    policies.set("isSamlPluginEnabled", ComponentType.ECA_SAML_POLICIES in app.metadata, None)
    _encode_rows(app, builders, files)
    _secret(app, secrets, paths)
    return _finish(app, builders, names, paths, secrets)


def child_name(app_name: str, type_name: str) -> str:
    """Setup's name for a child component of an External Client App: ``<App><suffix>``."""
    return f"{app_name}{_suffix(type_name)}"


def _suffix(type_name: str) -> str:
    known = ECA_CHILD_SUFFIXES.get(type_name) or ECA_OPTIONAL_CHILD_SUFFIXES.get(type_name)
    if known:
        return known
    info = type_info(type_name)
    return f"_{info.suffix}" if info is not None else f"_{type_name}"


def _too_new(compiled: CompiledApp, api_version: str) -> list[str]:
    """Every field (and component type) the compiled app writes that is newer than `api_version`."""
    wanted = api_version_tuple(api_version)
    problems: list[str] = []
    for component in compiled.components:
        info = type_info(component.type)
        if info is not None and info.since > wanted:
            problems.append(f"{component.type} needs API {info.since[0]}.{info.since[1]}")
        for path in component.flatten():
            spec = field_at(component.type, path)
            if spec is not None and spec.since > wanted:
                where = compiled.yaml_path(component.type, path.split("[", 1)[0])
                problems.append(
                    f"{component.type}.{path.split('[', 1)[0]} (from {where}) needs API "
                    f"{spec.since[0]}.{spec.since[1]}"
                )
    return sorted(set(problems))


def compile_app(app: AppSpec, *, files: FileReader, api_version: str | None = None) -> CompiledApp:
    """Compile one app into its components.

    Args:
        app: the app, with the target's overrides applied.
        files: reads ``file:`` references (certificates).
        api_version: the project's API version; when given, a field or type newer than it is refused.

    Raises:
        MetadataError: a referenced file cannot be read, or a field is newer than `api_version` (named).
    """
    source = ""
    if app.source is not None:
        source = f"{app.source.file}:{app.source.line}"
    try:
        if app.state == "absent":
            return CompiledApp(name=app.name, kind=app.kind, state="absent", source=source)
        if isinstance(app, ConnectedAppSpec):
            compiled = _compile_connected_app(app, files)
        else:
            compiled = _compile_external_client_app(app, files)
        if api_version is not None and (newer := _too_new(compiled, api_version)):
            raise MetadataError(
                f"the project's api_version {api_version} is older than what the app writes: "
                + "; ".join(newer)
                + " (raise api_version in sfconnect.yaml, or remove the value)"
            )
    except MetadataError as exc:
        raise MetadataError(f"app {app.name!r}" + (f" ({source})" if source else "") + f": {exc}") from exc
    return CompiledApp(
        name=compiled.name,
        kind=compiled.kind,
        components=compiled.components,
        yaml_paths=compiled.yaml_paths,
        secret_refs=compiled.secret_refs,
        source=source,
        installed=compiled.installed,
    )
