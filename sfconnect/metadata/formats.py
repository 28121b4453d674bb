"""File formats: SFDX source trees, mdapi folders, package.xml, deploy zips and retrieve zips.

Source format: ``<package dir>/<folder>/<Name>.<suffix>-meta.xml`` (old projects: ``<Name>.<suffix>``).
mdapi format: ``package.xml`` plus ``<folder>/<Name>.<suffix>``. The folders and suffixes of every type are in
`schema.COMPONENT_TYPES`. Writers serialise every component before touching the disk, so a bad component means
nothing is written; each file is written to a temporary name and then moved into place.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from sfconnect._types import PathLike
from sfconnect.errors import Issue, MetadataError
from sfconnect.metadata import schema
from sfconnect.metadata.component import Component
from sfconnect.metadata.xmlio import MAX_FILE_BYTES, read_component, write_component
from sfconnect.spec.files import RefusedFile, read_file_bytes

__all__ = [
    "MAX_ZIP_BYTES",
    "ComponentRef",
    "Manifest",
    "build_deploy_zip",
    "find_metadata_files",
    "package_xml",
    "read_package_xml",
    "read_source_tree",
    "read_zip",
    "source_path",
    "write_export",
    "write_mdapi",
    "write_source_tree",
]

MAX_ZIP_BYTES = 100 * 1024 * 1024
"""Largest total uncompressed size of a zip sfconnect reads."""

_SKIP_DIRS = {"node_modules", "__pycache__"}


@dataclass(frozen=True, order=True)
class ComponentRef:
    """A component named without its fields: for deletions and manifests."""

    type: str
    full_name: str


@dataclass(frozen=True)
class Manifest:
    """The content of a ``package.xml``: members per type, and the API version."""

    members: dict[str, tuple[str, ...]]
    version: str


def source_path(type_name: str, full_name: str, *, mdapi: bool = False) -> PurePosixPath:
    """The relative path of a component's file: ``connectedApps/X.connectedApp-meta.xml`` (or mdapi form).

    Raises:
        MetadataError: the type is unknown.
    """
    info = schema.type_info(type_name)
    if info is None:
        raise MetadataError(f"unknown metadata type {type_name}")
    tail = "" if mdapi else "-meta.xml"
    return PurePosixPath(info.folder) / f"{full_name}.{info.suffix}{tail}"


def _classify(name: str) -> tuple[schema.ComponentTypeInfo, str] | None:
    base = name[: -len("-meta.xml")] if name.endswith("-meta.xml") else name
    stem, dot, suffix = base.rpartition(".")
    if not dot or not stem:
        return None
    info = schema.type_by_suffix(suffix)
    return (info, stem) if info is not None else None


def _package_dirs(root: Path) -> list[Path]:
    project = root / "sfdx-project.json"
    if not project.is_file():
        return [root]
    try:
        data = json.loads(project.read_text(encoding="utf-8-sig"))
        dirs = [root / str(entry["path"]) for entry in data.get("packageDirectories", [])]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise MetadataError(f"cannot read packageDirectories: {exc}", path=str(project)) from exc
    found = [d for d in dirs if d.is_dir()]
    return found or [root]


def find_metadata_files(root: PathLike) -> list[tuple[Path, str, str]]:
    """Every Connected App / External Client App file under `root`, as ``(path, type, full name)``, sorted.

    With an ``sfdx-project.json`` at `root`, only its package directories are searched; hidden folders and
    ``node_modules`` are skipped.

    Raises:
        MetadataError: `root` is not a folder, or its ``sfdx-project.json`` is unreadable.
    """
    base = Path(root)
    if not base.is_dir():
        raise MetadataError("not a folder", path=str(base))
    out: dict[Path, tuple[Path, str, str]] = {}
    for package_dir in _package_dirs(base):
        for dirpath, dirnames, filenames in os.walk(package_dir):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS)
            for filename in filenames:
                found = _classify(filename)
                if found is not None:
                    path = Path(dirpath) / filename
                    out[path] = (path, found[0].name, found[1])
    return sorted(out.values())


def _check_unique(components: Iterable[Component]) -> None:
    seen: dict[tuple[str, str], Component] = {}
    for component in components:
        key = (component.type, component.full_name)
        if key in seen:
            raise MetadataError(
                f"{component.type} {component.full_name} is defined twice "
                f"(also in {seen[key].source or '?'})",
                path=component.source,
            )
        seen[key] = component


def read_source_tree(
    root: PathLike, *, normalized: bool = True, skipped: list[Issue] | None = None
) -> list[Component]:
    """Read every Connected App and External Client App file under `root` (source or mdapi layout).

    Args:
        root: an SFDX project, a package directory, an mdapi folder, or any folder holding such files.
        normalized: see `read_component`.
        skipped: when given, files that cannot be read are appended here (one error each, naming the file and
            why) and the others are returned; when None, any such file raises.

    Returns:
        The components sorted by type and name, each with `source` set to its file.

    Raises:
        MetadataError: a file cannot be read (every failing file is named; unless `skipped` is given), or a
            component appears twice.
    """
    components: list[Component] = []
    failures: list[str] = []
    for path, type_name, full_name in find_metadata_files(root):
        try:
            data = read_file_bytes(path, limit=MAX_FILE_BYTES)
            components.append(
                read_component(
                    data, path=str(path), type_hint=type_name, full_name=full_name, normalized=normalized
                )
            )
        except MetadataError as exc:
            failures.append(str(exc))
            if skipped is not None:
                reason = str(exc).removeprefix(f"{path}: ")
                skipped.append(Issue("error", "unreadable-file", f"not imported: {reason}", str(path)))
        except OSError as exc:
            problem = str(exc) if isinstance(exc, RefusedFile) else f"{path}: {exc.strerror or exc}"
            failures.append(problem)
            if skipped is not None:
                reason = problem.removeprefix(f"{path}: ")
                skipped.append(Issue("error", "unreadable-file", f"not imported: {reason}", str(path)))
    if failures and skipped is None:
        raise MetadataError(f"{len(failures)} file(s) could not be read:\n  " + "\n  ".join(failures))
    _check_unique(components)
    return sorted(components, key=lambda c: (c.type, c.full_name))


def _serialise(components: Sequence[Component], api_version: str, *, mdapi: bool) -> dict[str, bytes]:
    _check_unique(components)
    failures: list[str] = []
    files: dict[str, bytes] = {}
    for component in components:
        try:
            files[str(source_path(component.type, component.full_name, mdapi=mdapi))] = write_component(
                component, api_version
            )
        except MetadataError as exc:
            failures.append(str(exc))
    if failures:
        raise MetadataError(f"{len(failures)} component(s) cannot be written:\n  " + "\n  ".join(failures))
    return files


def _write_files(out_dir: Path, files: dict[str, bytes]) -> list[Path]:
    written: list[Path] = []
    for rel, data in sorted(files.items()):
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            Path(tmp).replace(target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written


def write_source_tree(
    components: Sequence[Component], out_dir: PathLike, *, api_version: str = schema.WSDL_API_VERSION
) -> list[Path]:
    """Write components in source format under `out_dir` (a package folder like ``force-app/main/default``).

    Returns:
        The files written, sorted.

    Raises:
        MetadataError: a component cannot be written for `api_version` (then nothing is written).
    """
    files = _serialise(components, api_version, mdapi=False)
    return _write_files(Path(out_dir), files)


def package_xml(refs: Iterable[ComponentRef], api_version: str | None) -> bytes:
    """A ``package.xml`` (or, with `api_version` None, a ``destructiveChanges.xml``) listing `refs`."""
    by_type: dict[str, set[str]] = {}
    for ref in refs:
        by_type.setdefault(ref.type, set()).add(ref.full_name)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<Package xmlns="{schema.METADATA_NS}">']
    for type_name in sorted(by_type):
        lines.append("    <types>")
        lines.extend(f"        <members>{m}</members>" for m in sorted(by_type[type_name]))
        lines.append(f"        <name>{type_name}</name>")
        lines.append("    </types>")
    if api_version is not None:
        lines.append(f"    <version>{api_version}</version>")
    lines.append("</Package>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def read_package_xml(data: bytes, *, path: str = "package.xml") -> Manifest:
    """Parse a ``package.xml``.

    Raises:
        MetadataError: unsafe or malformed XML, or not a ``<Package>``.
    """
    try:
        root = SafeET.fromstring(data)
    except (defusedxml.DefusedXmlException, ParseError) as exc:
        raise MetadataError(f"unreadable package manifest: {exc}", path=path) from exc
    if root.tag != f"{{{schema.METADATA_NS}}}Package":
        raise MetadataError(f"not a package manifest (root element {root.tag})", path=path)
    ns = f"{{{schema.METADATA_NS}}}"
    members: dict[str, tuple[str, ...]] = {}
    for types in root.findall(f"{ns}types"):
        name = (types.findtext(f"{ns}name") or "").strip()
        members[name] = members.get(name, ()) + tuple(
            (m.text or "").strip() for m in types.findall(f"{ns}members")
        )
    return Manifest(members, (root.findtext(f"{ns}version") or "").strip())


def _refs(components: Iterable[Component]) -> list[ComponentRef]:
    return [ComponentRef(c.type, c.full_name) for c in components]


def _check_deletions(components: Sequence[Component], deletions: Sequence[ComponentRef]) -> None:
    deployed = set(_refs(components))
    for ref in deletions:
        if schema.type_info(ref.type) is None:
            raise MetadataError(f"cannot delete {ref.full_name}: unknown metadata type {ref.type}")
        if not ref.full_name.strip():
            raise MetadataError(f"cannot delete a {ref.type} without a name")
        if ref in deployed:
            raise MetadataError(f"{ref.type} {ref.full_name} is both deployed and deleted")


def write_mdapi(
    components: Sequence[Component],
    out_dir: PathLike,
    *,
    api_version: str = schema.WSDL_API_VERSION,
    deletions: Sequence[ComponentRef] = (),
) -> list[Path]:
    """Write an mdapi folder: ``package.xml``, component files, and ``destructiveChanges.xml`` for deletions.

    Raises:
        MetadataError: a component or deletion is bad (then nothing is written).
    """
    files = _mdapi_files(components, deletions, api_version)
    return _write_files(Path(out_dir), files)


def _mdapi_files(
    components: Sequence[Component], deletions: Sequence[ComponentRef], api_version: str
) -> dict[str, bytes]:
    schema.api_version_tuple(api_version)
    _check_deletions(components, deletions)
    files = _serialise(components, api_version, mdapi=True)
    files["package.xml"] = package_xml(_refs(components), api_version)
    if deletions:
        files["destructiveChanges.xml"] = package_xml(deletions, None)
    return files


def build_deploy_zip(
    components: Sequence[Component],
    deletions: Sequence[ComponentRef] = (),
    *,
    api_version: str = schema.WSDL_API_VERSION,
) -> bytes:
    """A deploy zip (files at the root, for ``singlePackage=true``); the same input gives the same bytes.

    Raises:
        MetadataError: a component or deletion is bad.
    """
    files = _mdapi_files(components, deletions, api_version)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel in sorted(files):
            info = zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[rel])
    return buffer.getvalue()


def write_export(
    components: Sequence[Component],
    deletions: Sequence[ComponentRef],
    out: PathLike,
    *,
    layout: Literal["source", "mdapi", "zip"],
    api_version: str = schema.WSDL_API_VERSION,
) -> list[Path]:
    """Write components for a pipeline: a deploy zip (`out` is the file, replaced atomically), or an mdapi or a
    source folder (`out` is the folder). Deletions go to ``destructiveChanges.xml`` (zip and mdapi); the source
    format has no place for them.

    Raises:
        MetadataError: a component or deletion is bad (then nothing is written).
    """
    out = Path(out)
    if layout == "zip" and out.is_dir():
        raise MetadataError(
            f"{out} is a folder: a deploy zip is written to a file, for example {out / 'deploy.zip'}"
        )
    if layout != "zip" and out.exists() and not out.is_dir():
        raise MetadataError(
            f"{out} is a file: the {layout} format writes a folder; name a folder (or write a zip with --zip)"
        )
    if layout == "zip":
        data = build_deploy_zip(components, deletions, api_version=api_version)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        try:
            tmp.write_bytes(data)
            tmp.replace(out)
        finally:
            tmp.unlink(missing_ok=True)
        return [out]
    if layout == "mdapi":
        return write_mdapi(components, out, api_version=api_version, deletions=deletions)
    return write_source_tree(components, out, api_version=api_version)


def _zip_prefix(names: list[str]) -> str:
    manifests = [n for n in names if PurePosixPath(n).name == "package.xml"]
    if manifests:
        shortest = min(manifests, key=lambda n: n.count("/"))
        return shortest[: -len("package.xml")]
    tops = {n.split("/", 1)[0] for n in names if "/" in n}
    folders = {info.folder for info in schema.COMPONENT_TYPES.values()}
    if len(tops) == 1 and not tops & folders:
        return f"{tops.pop()}/"
    return ""


def read_zip(data: bytes, *, normalized: bool = True, name: str = "<zip>") -> list[Component]:
    """Read the components of a deploy or retrieve zip (with or without a ``unpackaged/`` prefix).

    Raises:
        MetadataError: not a zip, an unsafe member name, too large, or a member that cannot be read.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise MetadataError(f"not a zip archive: {exc}", path=name) from exc
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if sum(i.file_size for i in infos) > MAX_ZIP_BYTES:
            raise MetadataError(f"zip expands to more than {MAX_ZIP_BYTES} bytes", path=name)
        for info in infos:
            parts = PurePosixPath(info.filename).parts
            if info.filename.startswith("/") or ".." in parts or "\\" in info.filename:
                raise MetadataError(f"unsafe member name {info.filename!r}", path=name)
        prefix = _zip_prefix([i.filename for i in infos])
        components: list[Component] = []
        failures: list[str] = []
        for info in infos:
            if not info.filename.startswith(prefix):
                continue
            found = _classify(PurePosixPath(info.filename).name)
            if found is None:
                continue
            member = f"{name}:{info.filename}"
            try:
                components.append(
                    read_component(
                        archive.read(info),
                        path=member,
                        type_hint=found[0].name,
                        full_name=found[1],
                        normalized=normalized,
                    )
                )
            except MetadataError as exc:
                failures.append(str(exc))
    if failures:
        raise MetadataError(f"{len(failures)} file(s) could not be read:\n  " + "\n  ".join(failures))
    _check_unique(components)
    return sorted(components, key=lambda c: (c.type, c.full_name))
