"""Sources, the first steps of loading: files, the environment and the targets' overrides, as plain data.

Nothing here validates against the models. Each source gives plain data (dicts, lists, strings) and where each
part is written (a `Document`), so that validation (`_validation.py`) runs once, on the merged result:

- `read_file`: one YAML file, safely loaded with its positions, with ``${env:VAR}`` from the environment;
- `app_entries`: the entries of an app file's ``apps:`` list, each with its `AppSource`;
- `with_override`: an app entry with a target's override merged into it, and the two-layer `AppSource` that
  locates each key in the file that wrote it.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sfconnect._types import Loc
from sfconnect.errors import Issue, YamlSyntaxError
from sfconnect.spec._yaml import MAX_BYTES, Document, YamlValue, load_document
from sfconnect.spec.files import read_file_bytes
from sfconnect.spec.models import AppSource
from sfconnect.spec.refs import InterpolationError, interpolate

__all__ = ["AppEntry", "app_entries", "app_file_issue", "read_file", "with_override"]


@dataclass(frozen=True)
class AppEntry:
    """One app as plain data, before validation, and where it is written."""

    data: Any
    source: AppSource


def read_file(
    path: Path, environ: Mapping[str, str], *, require_values: bool
) -> tuple[Document | None, list[Issue]]:
    """A YAML file as a `Document` whose data has ``${env:VAR}`` replaced, or None when it cannot be read.

    Unset variables are warnings, or errors with `require_values`; the positions stay those of the file.
    """
    try:
        document = _read(path)
    except YamlSyntaxError as exc:
        return None, [exc.issue]
    data, issues = _interpolate(document, environ, require_values)
    return replace(document, data=data), issues


def app_file_issue(document: Document) -> Issue | None:
    """The issue when a file is not an app file at all (a mapping with an ``apps:`` key), else None."""
    if isinstance(document.data, dict) and "apps" in document.data:
        return None
    return Issue(
        "error",
        "shape",
        "an app file is a mapping with an 'apps:' list",
        document.path,
        1,
        1,
        hint="start the file with 'apps:' and list the apps under it",
    )


def app_entries(document: Document) -> tuple[list[AppEntry], list[Issue]]:
    """The entries of an app file's ``apps:`` list (see `app_file_issue` first)."""
    assert isinstance(document.data, dict)
    entries = document.data["apps"]
    if not isinstance(entries, list) or not entries:
        line, column = document.position(("apps",))
        issue = Issue(
            "error",
            "shape",
            "'apps' must be a non-empty list of apps",
            document.path,
            line,
            column,
            ("apps",),
        )
        return [], [issue]
    return [AppEntry(entry, AppSource(document, ("apps", i))) for i, entry in enumerate(entries)], []


def with_override(
    entry: AppEntry, override: Mapping[str, Any], *, project_file: Document, target: str, app: str
) -> AppEntry:
    """App `app`'s `entry` with target `target`'s override merged into it (mappings merge, the rest replaces).

    Its source locates each key path the override reaches in the project file, any other one where the app is
    written.
    """
    data = _merge(entry.data, {k: v for k, v in override.items() if k not in ("name", "kind")})
    source = AppSource(
        project_file, ("targets", target, "overrides", app), base=entry.source, overrides=override
    )
    return AppEntry(data, source)


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = _merge(base.get(key), value) if key in base else value
        return out
    return override


def _read(path: Path) -> Document:
    try:
        raw = read_file_bytes(path, limit=MAX_BYTES)
    except OSError as exc:
        issue = Issue("error", "io", f"cannot read the file: {exc.strerror or exc}", str(path))
        raise YamlSyntaxError(str(issue), issue=issue) from None
    return load_document(raw, str(path))


def _walk_strings(value: YamlValue, loc: Loc) -> Iterator[tuple[Loc, str]]:
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk_strings(v, (*loc, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk_strings(v, (*loc, i))


def _set(data: Any, loc: Loc, value: str) -> Any:
    if not loc:
        return value
    data[loc[0]] = _set(data[loc[0]], loc[1:], value)
    return data


def _interpolate(
    doc: Document, environ: Mapping[str, str], require_values: bool
) -> tuple[YamlValue, list[Issue]]:
    data = doc.data
    issues: list[Issue] = []
    for loc, text in list(_walk_strings(data, ())):
        line, column = doc.position(loc)
        try:
            new, missing = interpolate(text, environ)
        except InterpolationError as exc:
            issues.append(Issue("error", "interpolation", str(exc), doc.path, line, column, loc))
            continue
        for name in missing:
            severity: typing.Literal["error", "warning"] = "error" if require_values else "warning"
            issues.append(
                Issue(
                    severity,
                    "unset_variable",
                    f"environment variable {name} is not set",
                    doc.path,
                    line,
                    column,
                    loc,
                    "set it before plan, apply or smoke" if severity == "warning" else "",
                )
            )
        if new != text:
            data = _set(data, loc, new)
    return data, issues
