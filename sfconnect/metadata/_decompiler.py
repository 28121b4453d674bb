"""The decompiler: the components of one app -> the app's YAML data (the inverse of `compiler`).

Every field with an intent-level YAML key is written under that key; fields of the ``metadata:`` escape hatch
(SAML, canvas, mobile, plugin and rotation switches) are written there; an External Client App's child
components keep their names through ``component_names`` when they differ from Setup's ``<App>_oauth`` etc.
Nothing is lost: `decompile_app` compiles its own result and compares it with the input, and refuses (with
the fields that differ) any app it cannot express exactly.

Secrets never reach the YAML: a consumer secret becomes the reference ``env:<APP>_CONSUMER_SECRET`` (with a
warning), consumer keys are dropped (with a note), and a certificate is returned as a file for ``certs/``
referenced with ``file:``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from sfconnect.errors import Issue, MetadataError, format_loc
from sfconnect.metadata import fieldmap
from sfconnect.metadata.compiler import NIL, child_name, compile_app
from sfconnect.metadata.component import Component, Record, Value
from sfconnect.metadata.schema import ComponentType, field_at
from sfconnect.spec.models import NAMESPACE_PREFIX, AppSpec, ConnectedAppSpec, ExternalClientAppSpec
from sfconnect.spec.rules import app_rules

__all__ = [
    "DecompiledApp",
    "decompile_app",
    "import_equivalent",
    "secret_env_name",
    "to_plain",
    "yaml_default",
]

_ADAPTER: TypeAdapter[AppSpec] = TypeAdapter(AppSpec)
_NEWEST_API = "66.0"


@dataclass(frozen=True)
class DecompiledApp:
    """One app as YAML data, ready to be written.

    Attributes:
        name: the app's API name.
        kind: ``ConnectedApp`` or ``ExternalClientApp``.
        data: the app's YAML mapping (keys in the order they are written).
        files: files the YAML references (``certs/<App>.crt`` -> PEM text), relative to the project directory.
        notes: what the import dropped or replaced (consumer keys, secrets), as warnings.
        components: the components the app was made from (their `source` names the files).
    """

    name: str
    kind: str
    data: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)
    notes: tuple[Issue, ...] = ()
    components: tuple[Component, ...] = ()


def secret_env_name(app_name: str) -> str:
    """The environment variable an imported app's consumer secret is referenced by: ``<APP>_CONSUMER_SECRET``."""
    return re.sub(r"[^A-Z0-9_]", "_", app_name.upper()) + "_CONSUMER_SECRET"


def to_plain(value: Value) -> Any:
    """A component value as plain YAML data (records -> dicts, tuples -> lists)."""
    if isinstance(value, Record):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [to_plain(v) for v in value]
    return value


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _prune(data: dict[str, Any], keep: set[str], prefix: str = "") -> dict[str, Any]:
    """Drop empty mappings (recursively) so the YAML shows only what was set; `keep` lists the mappings whose
    presence means something (``oauth``, ``id_token``)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and key != "metadata":
            value = _prune(value, keep, f"{path}.")
            if not value and path not in keep:
                continue
        out[key] = value
    return out


def _str(fields: Mapping[str, Value], name: str) -> str | None:
    value = fields.get(name)
    return value if isinstance(value, str) and value != "" else None


def _bool(fields: Mapping[str, Value], name: str) -> bool | None:
    value = fields.get(name)
    return value if isinstance(value, bool) else None


def _int(fields: Mapping[str, Value], name: str) -> int | None:
    value = fields.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _record(fields: Mapping[str, Value], name: str) -> Record:
    value = fields.get(name)
    return value if isinstance(value, Record) else Record()


def _split(value: str | None, sep: str = ",") -> list[str]:
    return [item.strip() for item in (value or "").split(sep) if item.strip()]


def _set(target: dict[str, Any], path: str, value: Any) -> None:
    """Set ``a.b.c`` in nested dicts unless `value` is None or an empty list."""
    if value is None or value == []:
        return
    *parents, leaf = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[leaf] = value


class _Context:
    """What one decompilation collects besides the YAML: files and notes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.files: dict[str, str] = {}
        self.notes: list[Issue] = []
        self.keep: set[str] = set()

    def nil(self, component: Component) -> None:
        """Note the elements marked nil: YAML has no such value, so they are imported as absent."""
        nil = [path for path, value in component.flatten().items() if value is None]
        if nil:
            self.notes.append(
                Issue(
                    "warning",
                    "nil-kept",
                    f'{component.type} {component.full_name}: {", ".join(nil)} marked nil (xsi:nil="true"): '
                    "kept as nil in the metadata: escape hatch",
                    component.source,
                )
            )

    def certificate(self, pem: str | None, source: str) -> str | None:
        """Keep a certificate as ``certs/<App>.crt``; returns its ``file:`` reference."""
        if not pem:
            return None
        if "PRIVATE KEY" in pem:
            raise MetadataError(
                f"app {self.name}: the certificate field holds a private key; it is never copied (remove it "
                "from the file and keep only the certificate)",
                path=source,
            )
        rel = f"certs/{self.name}.crt"
        self.files[rel] = pem.strip() + "\n"
        return f"file:{rel}"

    def dropped(self, component: Component) -> bool:
        """Record the notes about dropped values; True when a consumer secret was dropped."""
        secret = False
        for note in component.notes:
            if note.code == "write-only-dropped":
                secret = True
            if note.code in ("org-generated-dropped", "write-only-dropped"):
                continue
            self.notes.append(note)
        for note in component.notes:
            if (
                note.code == "org-generated-dropped"
                and note.loc
                and str(note.loc[-1]).endswith("consumerKey")
            ):
                self.notes.append(
                    Issue(
                        "warning",
                        "consumer-key-dropped",
                        f"{component.type} {component.full_name}: the consumer key is generated by the org; "
                        "not imported",
                        component.source,
                    )
                )
        return secret

    def secret_placeholder(self, component: Component) -> str:
        ref = f"env:{secret_env_name(self.name)}"
        self.notes.append(
            Issue(
                "warning",
                "consumer-secret-replaced",
                f"{component.type} {component.full_name}: the file holds a consumer secret; it is not copied "
                f"into YAML, which references {ref} instead (set it, or remove oauth.consumer_secret)",
                component.source,
            )
        )
        return ref


_MISSING = object()


def _at(record: Record | None, path: str) -> Value:
    """The value at a dotted path of a record (None when absent)."""
    value: Value = record
    for part in path.split("."):
        if not isinstance(value, Record):
            return None
        value = value.get(part)
    return value


def _lookup(data: Mapping[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


@functools.cache
def _spec_model(kind: str) -> type[BaseModel]:
    return ConnectedAppSpec if kind == "ConnectedApp" else ExternalClientAppSpec


def yaml_default(kind: str, path: str) -> Any:
    """The value the YAML model gives `path` when the key is absent (`_MISSING` for required keys)."""
    model: Any = _spec_model(kind)
    info = None
    for part in path.split("."):
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return _MISSING
        info = fields[part]
        annotation = info.annotation
        model = next(
            (a for a in getattr(annotation, "__args__", (annotation,)) if hasattr(a, "model_fields")),
            annotation,
        )
    if info is None or info.is_required():
        return _MISSING
    default = info.get_default(call_default_factory=True)
    return list(default) if isinstance(default, tuple) else default


def _effective(data: Mapping[str, Any], kind: str, path: str) -> Any:
    """The value of `path` in the YAML being built, or its default when its parent exists."""
    found = _lookup(data, path)
    if found is not _MISSING:
        return found
    parent = path.rpartition(".")[0]
    if parent and _lookup(data, parent) is _MISSING:
        return None
    default = yaml_default(kind, path)
    return None if default is _MISSING else default


def _ensure(data: dict[str, Any], path: str, keep: set[str]) -> None:
    target = data
    walked: list[str] = []
    for part in path.split("."):
        walked.append(part)
        target = target.setdefault(part, {})
        keep.add(".".join(walked))


def _decode_rows(
    kind: str,
    by_type: Mapping[str, Component],
    data: dict[str, Any],
    ctx: _Context,
    has_oauth: bool,
) -> None:
    """Every row of the field map, read from the components into YAML keys (defaults left out)."""
    for row, place in fieldmap.rows_for(kind):
        if row.yaml == fieldmap.SECRET_ROW:
            continue
        if not has_oauth and (row.yaml.startswith("oauth.") or any(f.needs_oauth for f in place.fields)):
            continue
        raw: list[Any] = []
        present = False
        for index, target in enumerate(place.fields):
            component = by_type.get(target.type)
            value = _at(component.fields, target.path) if component is not None else None
            present = present or value is not None
            raw.append(value if value is not None else place.default(index))
        if all(v is None for v in raw):
            continue
        if row.when is not None and not _effective(data, kind, row.when):
            continue
        parent = row.yaml.rpartition(".")[0]
        if present and parent:
            _ensure(data, parent, ctx.keep)
        if place.codec.name == "certificate":
            component = by_type.get(place.fields[0].type)
            ref = ctx.certificate(raw[0], component.source if component is not None else "")
            if ref:
                _set(data, row.yaml, ref)
                _set(data, "oauth.flows.jwt_bearer.enabled", True)
            continue
        try:
            decoded = place.codec.decode(tuple(raw))
        except (TypeError, ValueError, AttributeError, KeyError):
            continue  # the escape hatch keeps the value
        for path, value in zip(row.yaml_paths, decoded, strict=True):
            if value is None or (
                value == yaml_default(kind, path) and not (present and _in_optional(kind, path))
            ):
                continue
            _set(data, path, value)


def _in_optional(kind: str, path: str) -> bool:
    """True when `path` lies in an optional mapping (``access.high_assurance``), which its keys bring about."""
    parent = path.rpartition(".")[0]
    return bool(parent) and parent != "oauth" and yaml_default(kind, parent) is None


def _has_oauth(kind: str, by_type: Mapping[str, Component]) -> bool:
    if kind == "ConnectedApp":
        return isinstance(by_type[ComponentType.CONNECTED_APP].fields.get("oauthConfig"), Record)
    if any(t in by_type for t in _ECA_OAUTH_TYPES):
        return True
    policies = by_type.get(ComponentType.ECA_POLICIES)
    return policies is not None and policies.fields.get("isOauthPluginEnabled") is True


_ECA_OAUTH_TYPES = (
    ComponentType.ECA_OAUTH_SETTINGS,
    ComponentType.ECA_GLOBAL_OAUTH_SETTINGS,
    ComponentType.ECA_OAUTH_POLICIES,
)


def _decompile(components: Sequence[Component], app: Component, ctx: _Context) -> dict[str, Any]:
    kind = "ConnectedApp" if app.type == ComponentType.CONNECTED_APP else "ExternalClientApp"
    by_type = {c.type: c for c in components}
    data: dict[str, Any] = {"kind": kind, "name": app.full_name}
    secret = any([ctx.dropped(c) for c in components])  # every note kept
    has_oauth = _has_oauth(kind, by_type)
    if has_oauth:
        data["oauth"] = {}
        ctx.keep.add("oauth")
    _decode_rows(kind, by_type, data, ctx, has_oauth)
    if "label" not in data:
        data["label"] = app.full_name  # a header without a label: the escape hatch says so
    if secret and has_oauth:
        owner = by_type.get(ComponentType.ECA_GLOBAL_OAUTH_SETTINGS, app)
        data["oauth"]["consumer_secret"] = ctx.secret_placeholder(owner)
    if kind == "ExternalClientApp":
        names = {}
        for component in components:
            if component is app:
                continue
            default = eca_component_names_default(app.full_name, component.type)
            if component.full_name != default:
                names[component.type] = component.full_name
        if names:
            data["component_names"] = {t: names[t] for t in sorted(names)}
    return data


def eca_component_names_default(app_name: str, type_name: str) -> str:
    """Setup's name for a child of an External Client App: ``<App><suffix>``."""
    return child_name(app_name, type_name)


def decompile_app(components: Sequence[Component]) -> DecompiledApp:
    """Turn one app's components into its YAML data, and prove the result compiles back to them.

    Every field with a YAML word is written under that word (read through the field map); everything else
    (fields newer than the bundled WSDL, unknown elements, the half of a field pair that differs from what its
    word writes, child types without YAML words) goes to the ``metadata:`` escape hatch, each named in the
    notes. Values the YAML cannot hold are moved to the escape hatch too, so a well-formed app is never
    refused for want of a word.

    Args:
        components: a ``ConnectedApp``, or an External Client App header with its children, normalised as
            read (their notes say what reading dropped).

    Returns:
        The app's YAML data, the certificate files it references and notes for the user. Compiling the data
        gives every input component back (after `import_equivalent`); children the input lacks are compiled
        with Salesforce's defaults.

    Raises:
        MetadataError: the components are not one app, or they contradict each other (the message names the
            file and the fields).
    """
    if not components:
        raise MetadataError("no components to import")
    apps = [
        c for c in components if c.type in (ComponentType.CONNECTED_APP, ComponentType.EXTERNAL_CLIENT_APP)
    ]
    parents = {c.parent for c in components}
    if not apps and len(parents) == 1 and None not in parents:
        return _decompile_installed(components)
    if len(apps) != 1:
        raise MetadataError(f"expected one app, got {len(apps)} app components")
    app_component = apps[0]
    children = [c for c in components if c is not app_component]
    if app_component.type == ComponentType.EXTERNAL_CLIENT_APP and NAMESPACE_PREFIX.match(
        app_component.full_name
    ):
        # a package's app (ns__App): its header is the package's, its children the subscriber's to manage
        if not children or any(c.parent != app_component.full_name for c in children):
            raise MetadataError(
                f"External Client App {app_component.full_name} is installed from a package (its name has the "
                "package's namespace prefix) and the files hold none of its policies: nothing of it to manage",
                path=app_component.source,
            )
        return _decompile_installed(children, header=app_component)
    if app_component.type == ComponentType.CONNECTED_APP and len(components) != 1:
        raise MetadataError("a Connected App is one component", path=app_component.source)
    for child in components:
        if child is not app_component and child.parent != app_component.full_name:
            raise MetadataError(
                f"{child.type} {child.full_name} belongs to {child.parent!r}, not {app_component.full_name}",
                path=child.source,
            )
    ctx = _Context(app_component.full_name)
    for component in components:
        ctx.nil(component)
    wanted = [import_equivalent(c) for c in components]
    data = _decompile(wanted, wanted[components.index(app_component)], ctx)
    data = _fit(data, wanted, ctx)
    newest = _newest_field(wanted)
    if newest is not None:
        ctx.notes.append(
            Issue(
                "warning",
                "api-version",
                f"app {ctx.name}: {newest[1]} needs API {newest[0][0]}.{newest[0][1]}: set api_version to "
                f"'{newest[0][0]}.{newest[0][1]}' or later in sfconnect.yaml",
                app_component.source,
            )
        )
    return DecompiledApp(
        name=app_component.full_name,
        kind=str(data["kind"]),
        data=data,
        files=dict(ctx.files),
        notes=tuple(ctx.notes),
        components=tuple(components),
    )


def _decompile_installed(
    components: Sequence[Component], *, header: Component | None = None
) -> DecompiledApp:
    """Children of an External Client App whose header is not among them (a header kept elsewhere), or whose
    header is a package's (`header`, named ``ns__App``): an app with ``installed: true`` holding each child, as
    written, under ``metadata:``."""
    name = str(components[0].parent)
    ctx = _Context(name)
    for component in components:
        ctx.nil(component)
        if ctx.dropped(component):
            ctx.notes.append(
                Issue(
                    "warning",
                    "consumer-secret-dropped",
                    f"{component.type} {component.full_name}: the file holds a consumer secret, which an installed "
                    "app's package owns: not imported",
                    component.source,
                )
            )
    wanted = [import_equivalent(c) for c in components]
    metadata: dict[str, Any] = {}
    names: dict[str, str] = {}
    for component in sorted(wanted, key=lambda c: c.type):
        if component.type in metadata:
            raise MetadataError(
                f"External Client App {name!r} has two {component.type} components ({names[component.type]}, "
                f"{component.full_name}): one app has one of each",
                path=component.source,
            )
        fields = _escape_diff(component.fields, Record())
        fields.pop("externalClientApplication", None)
        if fields.get("label") == component.full_name:
            del fields["label"]
        metadata[component.type] = fields
        names[component.type] = component.full_name
    data: dict[str, Any] = {
        "kind": "ExternalClientApp",
        "name": name,
        "installed": True,
        "metadata": metadata,
    }
    custom = {t: n for t, n in names.items() if n != child_name(name, t)}
    if custom:
        data["component_names"] = custom
    where = (
        "is installed from a package (its header is the package's and is not imported)"
        if header is not None
        else "is not among the files (an app installed from a package, or its header kept elsewhere)"
    )
    ctx.notes.append(
        Issue(
            "warning",
            "installed-app",
            f"{', '.join(sorted(c.source or c.full_name for c in components))}: External Client App {name}, "
            f"to which these components belong, {where}: imported with installed: true, its components kept "
            "under metadata: as written",
            components[0].source,
        )
    )
    _escape_notes(ctx, metadata, wanted, "belongs to an installed app")
    _verify(data, wanted, ctx.files)
    return DecompiledApp(
        name=name,
        kind="ExternalClientApp",
        data=data,
        files=dict(ctx.files),
        notes=tuple(ctx.notes),
        components=(header, *components) if header is not None else tuple(components),
    )


_KEY_ORDER = (
    "kind",
    "name",
    "installed",
    "label",
    "description",
    "contact",
    "urls",
    "distribution_state",
    "protected",
    "oauth",
    "access",
    "handler",
    "metadata",
    "component_names",
)


def _order(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in sorted(data, key=lambda k: _KEY_ORDER.index(k) if k in _KEY_ORDER else 99)}


_CA_POLICY_DEFAULTS = {"ipRelaxation": "ENFORCE", "refreshTokenPolicy": "infinite"}


def import_equivalent(component: Component) -> Component:
    """`component` as import reads it, the values import treats as implied made explicit (import-export.md).

    A Connected App with OAuth settings but no ``oauthPolicy`` values (hand-written files) has Salesforce's
    defaults: ``ipRelaxation`` ``ENFORCE`` and ``refreshTokenPolicy`` ``infinite``, which is what an org
    returns for it and what its YAML compiles to.
    """
    if component.type != ComponentType.CONNECTED_APP or not isinstance(
        component.fields.get("oauthConfig"), Record
    ):
        return component
    policy = _record(component.fields, "oauthPolicy")
    filled = Record({**_CA_POLICY_DEFAULTS, **policy})
    if filled == policy:
        return component
    return component.with_fields(component.fields.set("oauthPolicy", filled))


def _escape_diff(want: Record, got: Record) -> dict[str, Any]:
    """What the escape hatch must say so that `got` becomes `want` (None: leave the field out)."""
    out: dict[str, Any] = {}
    for key in [*want, *(k for k in got if k not in want)]:
        a: Any = want.get(key, _MISSING)
        b: Any = got.get(key, _MISSING)
        if a == b:
            continue
        if isinstance(a, Record) and isinstance(b, Record):
            sub = _escape_diff(a, b)
            if sub:
                out[key] = sub
        elif a is None:
            out[key] = dict(NIL)
        else:
            out[key] = to_plain(a) if a is not _MISSING else None
    return out


def _deep_update(target: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        else:
            target[key] = value


def _leaves(prefix: str, value: Any) -> list[str]:
    if isinstance(value, dict) and value:
        return [p for k, v in value.items() for p in _leaves(f"{prefix}.{k}", v)]
    return [prefix]


def _problems(data: dict[str, Any]) -> tuple[AppSpec | None, list[tuple[Any, ...]], list[str]]:
    """The app, or the YAML paths that stop it from validating (and their messages)."""
    try:
        spec = _ADAPTER.validate_python(_freeze(data))
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        return (
            None,
            [tuple(e["loc"][1:]) for e in errors],
            [f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in errors],
        )
    issues = [
        i
        for i in app_rules(spec, api_version=_NEWEST_API, prefix=(), locate=lambda _loc: ("", 0, 0))
        if i.severity == "error" and i.loc and i.loc[0] != "metadata"
    ]
    return spec, [tuple(i.loc) for i in issues], [f"{format_loc(i.loc)}: {i.message}" for i in issues]


def _remove(data: dict[str, Any], loc: tuple[Any, ...], *, walk_up: bool = True) -> bool:
    """Remove the YAML key at `loc` (the list holding an item; with `walk_up`, the parent of a missing key);
    False if none."""
    keys: list[str] = []
    for part in loc:
        if not isinstance(part, str):
            break
        keys.append(part)
    while keys:
        parent = _lookup(data, ".".join(keys[:-1])) if len(keys) > 1 else data
        if isinstance(parent, dict) and keys[-1] in parent and keys[-1] not in ("kind", "name"):
            del parent[keys[-1]]
            return True
        if not walk_up:
            return False
        keys.pop()
    return False


def _fit(data: dict[str, Any], components: Sequence[Component], ctx: _Context) -> dict[str, Any]:
    """Make `data` valid and exact: drop what the YAML cannot hold, then escape every difference."""
    data = _order(_prune(data, ctx.keep))
    spec: AppSpec | None = None
    for _ in range(40):
        spec, locs, messages = _problems(data)
        if not locs:
            break
        removed = [loc for loc in locs if _remove(data, loc, walk_up=spec is None)]
        if not removed:
            if spec is None:
                raise MetadataError(
                    "cannot be expressed in YAML: " + "; ".join(messages), path=components[0].source
                )
            for message in messages:  # a rule the file itself breaks: imported, and validate will say so
                ctx.notes.append(
                    Issue("warning", "import-rule", f"app {ctx.name}: {message}", components[0].source)
                )
            break
        data = _order(_prune(data, ctx.keep))
    assert spec is not None

    def read(ref: str) -> str:
        return ctx.files[ref.removeprefix("file:")]

    escaped: dict[str, dict[str, Any]] = {}
    for _ in range(4):
        try:
            compiled = {(c.type, c.full_name): c for c in compile_app(spec, files=read).components}
        except MetadataError as exc:
            raise MetadataError(f"cannot be expressed in YAML: {exc}", path=components[0].source) from exc
        escape: dict[str, dict[str, Any]] = {}
        for component in components:
            got = compiled.get((component.type, component.full_name))
            diff = _escape_diff(component.fields, got.fields if got is not None else Record())
            diff.pop("externalClientApplication", None)
            if diff or got is None:
                escape[component.type] = diff
        missing = {t: f for t, f in escape.items() if not any(k[0] == t for k in compiled)}
        escape = missing or escape  # whole components first: they may settle the switches that follow them
        if not escape:
            break
        block = data.setdefault("metadata", {})
        for type_name, fields in escape.items():
            _deep_update(block.setdefault(type_name, {}), fields)
            _deep_update(escaped.setdefault(type_name, {}), fields)
        data["metadata"] = {t: block[t] for t in sorted(block)}
        data = _order(data)
        spec = _ADAPTER.validate_python(_freeze(data))
    _escape_notes(ctx, escaped, components, "has no YAML word here")
    _verify(data, components, ctx.files)
    return data


def _escape_notes(
    ctx: _Context, escaped: Mapping[str, Mapping[str, Any]], components: Sequence[Component], why: str
) -> None:
    """Name every value sent to the escape hatch, at the file it came from."""
    for type_name, fields in sorted(escaped.items()):
        for path in _leaves(f"metadata.{type_name}", fields):
            ctx.notes.append(
                Issue(
                    "warning",
                    "escape-hatch",
                    f"app {ctx.name}: {path} {why}: kept in the metadata: escape hatch",
                    next((c.source for c in components if c.type == type_name), components[0].source),
                )
            )


def _newest_field(components: Sequence[Component]) -> tuple[tuple[int, int], str] | None:
    """The newest field the components hold, when it is newer than the bundled WSDL (API 63.0)."""
    newest: tuple[tuple[int, int], str] | None = None
    for component in components:
        for path in component.flatten():
            spec = field_at(component.type, path)
            if spec is not None and spec.since > (63, 0) and (newest is None or spec.since > newest[0]):
                newest = (spec.since, f"{component.type}.{path.split('[', 1)[0]}")
    return newest


def _describe_difference(expected: Component | None, got: Component | None) -> list[str]:
    want = expected.flatten() if expected is not None else {}
    have = got.flatten() if got is not None else {}
    return sorted(k for k in set(want) | set(have) if want.get(k, "<absent>") != have.get(k, "<absent>"))


def _verify(data: dict[str, Any], components: Sequence[Component], files: Mapping[str, str]) -> None:
    source = components[0].source
    try:
        spec = _ADAPTER.validate_python(_freeze(data))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        raise MetadataError(f"cannot be expressed in YAML: {problems}", path=source) from exc

    def read(ref: str) -> str:
        return files[ref.removeprefix("file:")]

    compiled = {(c.type, c.full_name): c for c in compile_app(spec, files=read).components}
    differences: list[str] = []
    for component in components:
        got = compiled.get((component.type, component.full_name))
        for path in _describe_difference(component, got):
            differences.append(f"{component.type}.{path}")
    if differences:
        raise MetadataError(
            f"app {components[0].full_name}: its components contradict each other (no YAML gives them "
            "back): " + ", ".join(differences[:12]) + (" ..." if len(differences) > 12 else ""),
            path=source,
        )
