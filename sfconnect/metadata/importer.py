"""Import: components (from a source tree, an mdapi folder or an org) -> one YAML app file per app.

`import_components` groups components into apps (a ``ConnectedApp``; an External Client App header with the
children that name it in ``externalClientApplication``), decompiles each (`decompiler.decompile_app`, which
proves the YAML compiles back to the same components) and reports what it could not import: children whose
app header is missing, and apps that cannot be expressed without loss. `render_app_file` writes the YAML;
`write_import` writes the app files and the certificates they reference, all or nothing.
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from cryptography import x509

from sfconnect.errors import Issue, MetadataError
from sfconnect.metadata._decompiler import DecompiledApp, decompile_app
from sfconnect.metadata.component import Component, eca_families
from sfconnect.metadata.schema import ComponentType
from sfconnect.spec._yaml import reads_as_number_in_yaml_1_2

__all__ = [
    "ImportResult",
    "app_name",
    "group_apps",
    "import_components",
    "render_app_file",
    "schema_comment",
    "write_import",
]

_APP_TYPES = (ComponentType.CONNECTED_APP, ComponentType.EXTERNAL_CLIENT_APP)


@dataclass(frozen=True)
class ImportResult:
    """What an import found.

    Attributes:
        apps: the apps imported, sorted by name.
        errors: apps that could not be imported (each names its file and why).
        warnings: what was dropped, replaced or left out (secrets, consumer keys, children without an app).
    """

    apps: tuple[DecompiledApp, ...]
    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()


def app_name(group: Sequence[Component]) -> str:
    """The name of the app a group of components makes up (its header's, or the app its children name)."""
    first = group[0]
    return first.full_name if first.type in _APP_TYPES else str(first.parent or first.full_name)


def group_apps(components: Sequence[Component]) -> tuple[list[tuple[Component, ...]], list[Issue]]:
    """Group components into apps: a Connected App; an External Client App header with its children; children
    whose header is not among them (an app installed from a package: imported with ``installed: true``).

    Returns:
        The apps (each a tuple of components, the app component first when there is one) sorted by name, and
        the problems found (none today: every child belongs to some app).
    """
    groups: list[tuple[Component, ...]] = [(c,) for c in components if c.type == ComponentType.CONNECTED_APP]
    groups += list(eca_families(components).values())
    groups.sort(key=app_name)
    return groups, []


_KINDS = {"ConnectedApp": ComponentType.CONNECTED_APP, "ExternalClientApp": ComponentType.EXTERNAL_CLIENT_APP}


def import_components(
    components: Sequence[Component], *, only: Sequence[str] = (), kind: str | None = None
) -> ImportResult:
    """Decompile every app found in `components` (or only the apps named in `only`, of `kind`).

    An org may hold a Connected App and an External Client App of the same name (the state Setup's migration
    leaves): the External Client App is imported as the app, and the Connected App is reported as its migrated
    original (a warning), unless `kind` picks the Connected App.

    Raises:
        MetadataError: an app named in `only` is not among the components; `kind` is not a YAML kind.
    """
    groups, skipped = group_apps(components)
    warnings: list[Issue] = []
    if kind is not None:
        if kind not in _KINDS:
            raise MetadataError(f"unknown kind {kind!r}; expected ConnectedApp or ExternalClientApp")
        groups = [g for g in groups if (g[0].type == ComponentType.CONNECTED_APP) == (kind == "ConnectedApp")]
    if only:
        names = {app_name(g) for g in groups}
        missing = sorted(set(only) - names)
        if missing:
            raise MetadataError(f"no app named {', '.join(missing)} found")
        groups = [g for g in groups if app_name(g) in only]
        skipped = []
    apps: list[DecompiledApp] = []
    errors: list[Issue] = list(skipped)
    migrated: set[str] = set()
    by_name: dict[str, list[tuple[Component, ...]]] = {}
    for group in groups:
        by_name.setdefault(app_name(group), []).append(group)
    for name, same in by_name.items():
        if len(same) < 2:
            continue
        originals = [g for g in same if g[0].type == ComponentType.CONNECTED_APP]
        eca = [g for g in same if g[0].type != ComponentType.CONNECTED_APP]
        for group in originals:
            warnings.append(
                Issue(
                    "warning",
                    "migrated-original",
                    f"{group[0].source or group[0].type}: Connected App {name} is the migrated original of External "
                    f"Client App {name} (the state Setup's migration leaves; the Connected App is read-only and "
                    "comes back if the External Client App is deleted): the External Client App is imported as "
                    "the app",
                    group[0].source,
                )
            )
        if originals and eca:
            migrated.add(name)
        groups = [g for g in groups if not (app_name(g) == name and g in originals and eca)]
    for group in groups:
        try:
            app = decompile_app(group)
        except MetadataError as exc:
            errors.append(Issue("error", "not-importable", str(exc), group[0].source))
            continue
        unparsable = [rel for rel, text in app.files.items() if rel.endswith(".crt") and not _parses(text)]
        if unparsable:
            errors.append(
                Issue(
                    "error",
                    "bad-certificate",
                    f"{group[0].source}: app {app.name}: its certificate is not a PEM X.509 certificate that "
                    "can be read; fix or remove the certificate field in the source file, then import again",
                    group[0].source,
                )
            )
            continue
        if app.kind == "ExternalClientApp" and app.name in migrated:
            _record_migrated_original(app)
        apps.append(app)
        warnings.extend(app.notes)
    return ImportResult(tuple(apps), tuple(errors), tuple(warnings))


def _record_migrated_original(app: DecompiledApp) -> None:
    """Write ``migrated_from`` right after the app's name, as ``sfconnect migrate --adopt`` does, so that plan and
    drift treat the read-only Connected App of the same name as this app's original, not as unmanaged."""
    data = dict(app.data)
    app.data.clear()
    for key, value in data.items():
        app.data[key] = value
        if key == "name":
            app.data["migrated_from"] = {"kind": "ConnectedApp", "name": app.name}


def _parses(text: str) -> bool:
    """Whether `text` is one X.509 certificate that parses: PEM, or the bare base64 DER that files
    retrieved from Salesforce hold."""
    try:
        if "-----BEGIN" in text:
            x509.load_pem_x509_certificate(text.encode("utf-8"))
            return text.count("-----BEGIN CERTIFICATE-----") == 1
        x509.load_der_x509_certificate(base64.b64decode("".join(text.split()), validate=True))
    except (ValueError, binascii.Error):
        return False
    return True


class _Dumper(yaml.SafeDumper):
    """Block style; multi-line strings as literal blocks; lists indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and value == value.strip() + ("\n" if value.endswith("\n") else "") else None
    if style is None and reads_as_number_in_yaml_1_2(value):
        style = "'"  # '0982...' is text to YAML 1.1 but a number to YAML 1.2: quoted, both read text
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def schema_comment(out_dir: Path, project_dir: Path) -> str:
    """The first line of an app file: the JSON Schema (``<project>/schemas/apps.schema.json``) for editors."""
    target = project_dir.resolve() / "schemas" / "apps.schema.json"
    rel = Path(os.path.relpath(target, out_dir.resolve())).as_posix()
    return f"# yaml-language-server: $schema={rel}\n"


def _display(source: str, relative_to: Path | None) -> str:
    if relative_to is None:
        return source
    try:
        return Path(source).resolve().relative_to(relative_to.resolve()).as_posix()
    except ValueError:
        return source


def _escape(value: Any) -> Any:
    """Strings as the loader reads them back: a literal ``${`` is written ``$${`` (not an interpolation)."""
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, dict):
        return {k: _escape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escape(v) for v in value]
    return value


def render_app_file(app: DecompiledApp, *, header: str = "", relative_to: Path | None = None) -> str:
    """The YAML text of one app file (``apps: [<app>]``), keys in a fixed, readable order.

    Args:
        app: the decompiled app.
        header: first lines (the schema comment).
        relative_to: show the source files relative to this folder (the folder imported).
    """
    body: dict[str, Any] = {"apps": [_escape(app.data)]}
    text = yaml.dump(
        body, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=110
    )
    sources = sorted({_display(c.source, relative_to) for c in app.components if c.source})
    lines = [header.rstrip("\n")] if header else []
    lines.append("# Imported by sfconnect from:")
    lines.extend(f"#   {s}" for s in sources)
    return "\n".join(lines) + "\n" + text


def _atomic_write(path: Path, data: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(data)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_import(
    apps: Sequence[DecompiledApp],
    out_dir: Path,
    *,
    project_dir: Path,
    overwrite: bool = False,
    relative_to: Path | None = None,
) -> list[Path]:
    """Write one ``<out_dir>/<App>.yaml`` per app and the certificates under ``<project_dir>/certs/``.

    Every file is rendered before any is written; existing files with other content are refused unless
    `overwrite`. `relative_to` is the folder imported (source files are named relative to it).

    Returns:
        The files written, sorted.

    Raises:
        MetadataError: a file exists (and `overwrite` is false), or two apps want the same certificate file.
    """
    header = schema_comment(out_dir, project_dir)
    files: dict[Path, str] = {}
    for app in apps:
        files[out_dir / f"{app.name}.yaml"] = render_app_file(app, header=header, relative_to=relative_to)
        for rel, text in app.files.items():
            path = project_dir / rel
            if path in files and files[path] != text:
                raise MetadataError(f"two apps write different certificates to {rel}")
            files[path] = text
    if not overwrite:
        existing = sorted(
            str(p) for p, text in files.items() if p.exists() and p.read_text(encoding="utf-8") != text
        )
        if existing:
            raise MetadataError(
                "would overwrite existing files (pass --force to replace them): " + ", ".join(existing)
            )
    for path in sorted(files):
        _atomic_write(path, files[path])
    return sorted(files)
