"""Loading a project: ``sfconnect.yaml`` and its app files, validated, with every issue located.

`load_project` is the one entry point the other packages call. It works as pydantic-settings does: sources
produce plain data (`_sources.py`: the files, safely loaded with their positions; the environment, for
``${env:VAR}``; the targets' overrides, merged into the apps), then each piece of data is validated once
(`_validation.py`: shapes with pydantic, semantics with `rules.py`). It returns a `Project` (warnings ride
along) or raises one `SpecValidationError` carrying every issue of every file. Positions travel as data: each
app's `AppSource` (its document and key path) is given to validation, never set on the model afterwards.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sfconnect._types import Loc
from sfconnect.errors import Issue, SpecValidationError
from sfconnect.spec._sources import AppEntry, app_entries, app_file_issue, read_file, with_override
from sfconnect.spec._validation import SECRETISH, validate_app, validate_app_file, validate_config
from sfconnect.spec._yaml import Document
from sfconnect.spec.models import AppSpec
from sfconnect.spec.project import ProjectConfig, Target
from sfconnect.spec.refs import Ref, parse_ref
from sfconnect.spec.rules import app_rules, project_rules, unique_names

__all__ = [
    "PROJECT_FILE",
    "Project",
    "Reference",
    "files_outside_globs",
    "find_app_files",
    "load_project",
    "sort_issues",
]

PROJECT_FILE = "sfconnect.yaml"
"""The project file's name."""


@dataclass(frozen=True)
class Reference:
    """One use of a secret or file reference: what it names, which key holds it, and where it is written."""

    ref: Ref
    field: str
    file: str
    line: int
    column: int
    loc: Loc
    app: str | None = None


_REFERENCE_FIELDS = SECRETISH | {"certificate"}


def _references_in(value: Any, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _references_in(getattr(value, name), (*loc, name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _references_in(item, (*loc, key))
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from _references_in(item, (*loc, i))
    elif (
        isinstance(value, str)
        and loc
        and str(loc[-1]) in _REFERENCE_FIELDS
        and value.startswith(("env:", "file:"))
    ):
        yield loc, str(loc[-1]), value


@dataclass(frozen=True)
class Project:
    """A loaded, valid project.

    Attributes:
        directory: the project directory, as given.
        config: the project file's model (defaults when there is no ``sfconnect.yaml``).
        config_file: the project file's path, or None.
        apps: every app, in file order, each with its `AppSpec.source`.
        warnings: issues that do not fail validation (unset variables, unmatched globs, ...).
    """

    directory: Path
    config: ProjectConfig
    config_file: Path | None
    apps: tuple[AppSpec, ...]
    warnings: tuple[Issue, ...] = ()
    _targets: Mapping[str, tuple[AppSpec, ...]] = field(default_factory=dict, repr=False)
    _documents: Mapping[str, Document] = field(default_factory=dict, repr=False)

    def target(self, name: str | None = None) -> tuple[str, Target]:
        """The named target, or the default one, as ``(name, Target)``.

        Raises:
            KeyError: no such target, or no name given and no default target.
        """
        chosen = name if name is not None else self.config.default_target_name
        if chosen is None or chosen not in self.config.targets:
            raise KeyError(chosen or "(default target)")
        return chosen, self.config.targets[chosen]

    def apps_for_target(self, name: str) -> list[AppSpec]:
        """The apps that go to target `name`, with that target's overrides applied.

        Raises:
            KeyError: `name` is not a target of the project.
        """
        if name not in self.config.targets:
            raise KeyError(name)
        return list(self._targets[name])

    def app(self, name: str) -> AppSpec:
        """The app called `name` (as written, without overrides).

        Raises:
            KeyError: no app has that name.
        """
        for app in self.apps:
            if app.name == name:
                return app
        raise KeyError(name)

    def references(self) -> list[Reference]:
        """Every secret and file reference of the project (apps as written, then sfconnect.yaml), in order.

        `keygen` reads the ``file:`` certificates and private keys; saved plans record the names.
        """
        found: list[Reference] = []
        for app in self.apps:
            source = app.source
            for loc, field_name, text in _references_in(app, ()):
                file, line, column = source.position(loc) if source else ("", 0, 0)
                prefix = source.loc if source else ()
                found.append(
                    Reference(parse_ref(text), field_name, file, line, column, (*prefix, *loc), app.name)
                )
        if self.config_file is not None:
            for loc, field_name, text in _references_in(self.config, ()):
                file, line, column = self.position(str(self.config_file), loc)
                found.append(Reference(parse_ref(text), field_name, file, line, column, loc))
        return found

    def position(self, file: str, loc: Loc) -> tuple[str, int, int]:
        """``(file, line, column)`` of key path `loc` in a loaded `file` (``(file, 0, 0)`` if unknown)."""
        doc = self._documents.get(file)
        if doc is None:
            return file, 0, 0
        line, column = doc.position(loc)
        return file, line, column


# --- finding files ----------------------------------------------------------------------------------------


def _is_hidden(path: Path) -> bool:
    return any(part.startswith(".") and part not in (".", "..") for part in path.parts)


def find_app_files(
    project_dir: Path, patterns: Sequence[str], paths: Sequence[Path] | None = None
) -> list[Path]:
    """The app files of a project: `paths` (files, or directories searched recursively) if given, else the
    files matching `patterns` relative to `project_dir`. ``sfconnect.yaml`` files are never app files.

    In a directory, only YAML files with a top-level ``apps:`` key are app files, so that other YAML living
    beside them (CI workflows, seed files) is not mistaken for apps; a file named explicitly always is one.
    """
    found: list[Path] = []
    if paths is not None:
        for path in paths:
            if path.is_dir():
                found.extend(
                    p
                    for p in sorted([*path.rglob("*.yaml"), *path.rglob("*.yml")])
                    if p.name != PROJECT_FILE
                    and not _is_hidden(p.relative_to(path))
                    and p.is_file()  # a FIFO named *.yaml would block the look below
                    and _declares_apps(p)
                )
            else:
                found.append(path)
    else:
        for pattern in patterns:
            matches = (
                sorted(project_dir.glob(pattern))
                if any(c in pattern for c in "*?[")
                else [project_dir / pattern]
            )
            found.extend(p for p in matches if p.is_file() and p.name != PROJECT_FILE)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def files_outside_globs(project_dir: Path, patterns: Sequence[str], files: Sequence[Path]) -> list[Path]:
    """The YAML files among `files` that the app globs `patterns` do not match: validate, plan and apply would
    ignore their apps (for example, files `import` wrote outside ``apps/``)."""
    matched = {p.resolve() for p in find_app_files(project_dir, patterns)}
    return [p for p in files if p.suffix in (".yaml", ".yml") and p.resolve() not in matched]


_APPS_KEY = re.compile(rb"^apps\s*:", re.MULTILINE)


def unmatched_app_files(project_dir: Path, patterns: Sequence[str], found: Sequence[Path]) -> list[Issue]:
    """A warning per YAML file under the project that holds ``apps:`` but matches none of the app globs.

    `found` are the app files (and the targets' seed files, whose ``apps:`` are the org's own)."""
    known = {p.resolve() for p in found}
    issues: list[Issue] = []
    for path in sorted([*project_dir.rglob("*.yaml"), *project_dir.rglob("*.yml")]):
        relative = path.relative_to(project_dir)
        if path.name == PROJECT_FILE or _is_hidden(relative) or path.resolve() in known:
            continue
        if not path.is_file() or not _declares_apps(path):
            continue
        globs = ", ".join(patterns)
        issues.append(
            Issue(
                "warning",
                "unmatched_app_file",
                f"{relative.as_posix()} holds `apps:` but matches no app glob ({globs}): its apps are ignored",
                str(path),
                1,
                1,
                hint="add a glob that matches it to `apps:` in sfconnect.yaml (the default is apps/**/*.yaml and "
                "apps/**/*.yml), or move the file",
            )
        )
    return issues


def _declares_apps(path: Path) -> bool:
    """Whether a YAML file has a top-level ``apps:`` key (a cheap look, before loading it properly)."""
    try:
        with path.open("rb") as handle:
            return _APPS_KEY.search(handle.read(1 << 20)) is not None
    except OSError:
        return True  # let the loader report it


# --- loading: sources, merge, validate once --------------------------------------------------------------


def load_project(
    project_dir: Path,
    *,
    environ: Mapping[str, str],
    paths: Sequence[Path] | None = None,
    require_values: bool = False,
) -> Project:
    """Load and validate a project.

    Args:
        project_dir: the directory of ``sfconnect.yaml`` (which may be absent: then defaults apply).
        environ: the environment for ``${env:VAR}`` interpolation (the CLI passes the process environment).
        paths: app files or directories to load instead of the project file's ``apps`` globs.
        require_values: unset variables are errors (plan, apply, smoke) instead of warnings (validate).

    Returns:
        The valid `Project`; its `warnings` hold the issues that do not fail validation.

    Raises:
        SpecValidationError: any error was found; `issues` holds every error and warning of every file.
    """
    issues: list[Issue] = []
    documents: dict[str, Document] = {}
    config_file, config_doc, config = _project_file(project_dir, environ, require_values, documents, issues)
    app_files = find_app_files(project_dir, config.apps, paths)
    if paths is None:
        seeds = [project_dir / t.local.seed for t in config.targets.values() if t.local and t.local.seed]
        issues.extend(unmatched_app_files(project_dir, config.apps, [*app_files, *seeds]))
    entries = _app_entries(app_files, environ, require_values, documents, issues)
    apps, entry_of, invalid_names = _validated_apps(entries, config, issues)
    if config_doc is not None:
        issues.extend(
            project_rules(
                config, apps, locate=config_doc.where, invalid_names=invalid_names, partial=paths is not None
            )
        )
    targets = {
        name: tuple(_target_apps(name, target, apps, entry_of, config_doc, config.api_version, issues))
        for name, target in config.targets.items()
    }
    if any(i.severity == "error" for i in issues):
        raise SpecValidationError(sort_issues(issues))
    return Project(
        directory=project_dir,
        config=config,
        config_file=config_file,
        apps=tuple(apps),
        warnings=tuple(sort_issues(issues)),
        _targets=targets,
        _documents=documents,
    )


def _project_file(
    project_dir: Path,
    environ: Mapping[str, str],
    require_values: bool,
    documents: dict[str, Document],
    issues: list[Issue],
) -> tuple[Path | None, Document | None, ProjectConfig]:
    """Source and validation of ``sfconnect.yaml``: its path (None when absent), document and model.

    The defaults stand in for a missing or invalid project file, so that the apps are still checked.
    """
    path = project_dir / PROJECT_FILE
    if not path.is_file():
        return None, None, ProjectConfig()
    document, found = read_file(path, environ, require_values=require_values)
    issues.extend(found)
    if document is None:
        return path, None, ProjectConfig()
    documents[document.path] = document
    config, found = validate_config(document, document.data)
    issues.extend(found)
    return path, document, config or ProjectConfig()


def _app_entries(
    paths: Sequence[Path],
    environ: Mapping[str, str],
    require_values: bool,
    documents: dict[str, Document],
    issues: list[Issue],
) -> list[AppEntry]:
    """Source of the apps: every entry of every app file, as plain data with its position (file keys checked)."""
    entries: list[AppEntry] = []
    for path in paths:
        document, found = read_file(path, environ, require_values=require_values)
        issues.extend(found)
        if document is None:
            continue
        documents[document.path] = document
        if (issue := app_file_issue(document)) is not None:
            issues.append(issue)
            continue
        assert isinstance(document.data, dict)
        issues.extend(validate_app_file(document, document.data))
        found_entries, found = app_entries(document)
        entries.extend(found_entries)
        issues.extend(found)
    return entries


def _validated_apps(
    entries: Sequence[AppEntry], config: ProjectConfig, issues: list[Issue]
) -> tuple[list[AppSpec], dict[int, AppEntry], list[str]]:
    """Each entry validated once, then the rules over the valid apps.

    Returns the valid apps, the entry each came from (by ``id``), and the names of the invalid ones.
    """
    apps: list[AppSpec] = []
    entry_of: dict[int, AppEntry] = {}
    invalid_names: list[str] = []
    for entry in entries:
        app, found = validate_app(entry.data, entry.source, api_version=config.api_version)
        issues.extend(found)
        if app is None:
            name = entry.data.get("name") if isinstance(entry.data, dict) else None
            if isinstance(name, str):
                invalid_names.append(name)
            continue
        apps.append(app)
        entry_of[id(app)] = entry
    for app in apps:
        source = app.source
        assert source is not None
        issues.extend(
            app_rules(app, api_version=config.api_version, prefix=source.loc, locate=source.position)
        )
    issues.extend(unique_names(apps))
    return apps, entry_of, invalid_names


def _target_apps(
    name: str,
    target: Target,
    apps: Sequence[AppSpec],
    entry_of: Mapping[int, AppEntry],
    project_file: Document | None,
    api_version: str,
    issues: list[Issue],
) -> list[AppSpec]:
    """The apps of target `name`: an app with an override is its entry merged with the override, validated once."""
    chosen: list[AppSpec] = []
    for app in apps:
        if not any(fnmatch.fnmatchcase(app.name, pattern) for pattern in target.apps):
            continue
        override = target.overrides.get(app.name)
        if override is None or project_file is None:
            chosen.append(app)
            continue
        merged = with_override(
            entry_of[id(app)], override, project_file=project_file, target=name, app=app.name
        )
        merged_app, found = validate_app(
            merged.data, merged.source, api_version=api_version, rules_despite_errors=False
        )
        if merged_app is None:
            issues.extend(found)
            continue
        rule_issues = app_rules(
            merged_app, api_version=api_version, prefix=merged.source.loc, locate=merged.source.position
        )
        issues.extend(i for i in rule_issues if i.file == project_file.path)
        chosen.append(merged_app)
    return chosen


def sort_issues(issues: Sequence[Issue]) -> list[Issue]:
    """Issues grouped per file in line order (errors first on the same spot), without duplicates."""
    unique = list(dict.fromkeys(issues))
    return sorted(unique, key=lambda i: (i.file, i.line, i.column, i.severity != "error", i.code))
