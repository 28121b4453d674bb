"""Loading a project: ``sfconnect.yaml`` and its app files, validated, with every issue located.

`load_project` is the one entry point the other packages call. It reads the project file (or uses the defaults
when there is none), finds the app files, loads each safely (`_yaml.py`), interpolates ``${env:VAR}``,
validates shapes (pydantic) and semantics (`rules.py`), applies per-target overrides, and either returns a
`Project` (warnings ride along) or raises one `SpecValidationError` carrying every issue of every file.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from sfconnect._types import Loc
from sfconnect.errors import Issue, SpecValidationError, YamlSyntaxError
from sfconnect.spec._yaml import MAX_BYTES, Document, YamlValue, load_document
from sfconnect.spec.files import read_file_bytes
from sfconnect.spec.models import KINDS, AppFile, AppSource, AppSpec
from sfconnect.spec.project import ProjectConfig, Target
from sfconnect.spec.refs import InterpolationError, Ref, interpolate, parse_ref
from sfconnect.spec.rules import app_rules, project_rules, unique_names

__all__ = ["PROJECT_FILE", "Project", "Reference", "find_app_files", "load_project", "sort_issues"]

PROJECT_FILE = "sfconnect.yaml"
"""The project file's name."""

_APP_ADAPTER: TypeAdapter[AppSpec] = TypeAdapter(AppSpec)
_SECRETISH = {"consumer_secret", "private_key", "password", "security_token", "token", "auth_url"}
_SECRETISH |= {"client_secret", "refresh_token"}

Locator = Callable[[Loc], tuple[str, int, int]]


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


_REFERENCE_FIELDS = _SECRETISH | {"certificate"}


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


# --- pydantic errors to issues ------------------------------------------------------------------------------


def _strip_tags(loc: Loc) -> Loc:
    out: list[str | int] = []
    for i, part in enumerate(loc):
        if part in KINDS and (i == 0 or isinstance(loc[i - 1], int)):
            continue
        out.append(part)
    return tuple(out)


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is typing.Annotated:
            tp = get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
            else:
                return tp
        else:
            return tp


def _model_at(root: Any, loc: Loc, data: Any) -> type[BaseModel] | None:
    """The model class whose field `loc[-1]` would be (None when `loc` leaves the models)."""
    tp = root
    for part in loc[:-1]:
        tp = _unwrap(tp)
        origin = get_origin(tp)
        if origin in (typing.Union, types.UnionType):
            kind = data.get("kind") if isinstance(data, dict) else None
            tp = next(
                (a for a in get_args(tp) if a.model_fields["kind"].annotation == typing.Literal[kind]), None
            )
            if tp is None:
                return None
            tp = _unwrap(tp)
            origin = None
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            info = tp.model_fields.get(str(part))
            if info is None:
                return None
            tp = info.annotation
        elif origin is tuple or origin is dict:
            tp = get_args(tp)[-1 if origin is dict else 0]
        else:
            return None
        data = _child(data, part)
    tp = _unwrap(tp)
    if get_origin(tp) in (typing.Union, types.UnionType):
        kind = data.get("kind") if isinstance(data, dict) else None
        tp = next(
            (a for a in get_args(tp) if a.model_fields["kind"].annotation == typing.Literal[kind]), None
        )
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _child(data: Any, part: str | int) -> Any:
    if isinstance(data, dict):
        return data.get(part)
    if isinstance(data, list | tuple) and isinstance(part, int) and 0 <= part < len(data):
        return data[part]
    return None


def _keys_of(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _unknown_key_message(root: Any, loc: Loc, data: Any) -> tuple[str, str]:
    key = str(loc[-1])
    model = _model_at(root, loc, data)
    if model is None:
        return f"unknown key '{key}'", ""
    allowed = _keys_of(model)
    if "kind" in model.model_fields:
        others = [m for m in get_args(_unwrap(AppSpec)) if m is not model]
        for other in others:
            if key in other.model_fields:
                kind = get_args(other.model_fields["kind"].annotation)[0]
                return f"'{key}' is not a setting of {get_args(model.model_fields['kind'].annotation)[0]}", (
                    f"it exists for {kind} only"
                )
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown key '{key}'; did you mean '{close[0]}'?", ""
    return f"unknown key '{key}'", "allowed keys: " + ", ".join(allowed)


def _misindented_home(root: Any, loc: Loc, data: Any) -> str | None:
    """For an unknown key: the empty sibling key whose settings include it (a mis-indented block), if any."""
    parent = data
    for part in loc[:-1]:
        parent = _child(parent, part)
    if not isinstance(parent, dict):
        return None
    for sibling, value in parent.items():
        if value is not None or sibling == loc[-1]:
            continue
        model = _model_at(root, (*loc[:-1], sibling, "_"), data)
        if model is not None and str(loc[-1]) in model.model_fields:
            return str(sibling)
    return None


_EXAMPLES = {
    "IpRange": "a CIDR block such as 203.0.113.0/24, or {start: 203.0.113.0, end: 203.0.113.255}",
    "HighAssurance": "{required: true, action: raise_session_level} (action: raise_session_level or block)",
}


def _mapping_message(root: Any, loc: Loc, data: Any, value: object) -> tuple[str, str]:
    """A mapping was expected: name the key and its keys, never the model class."""
    model = _model_at(root, (*loc, "_"), data)
    name = next((str(p) for p in reversed(loc) if isinstance(p, str)), "the value")
    item = " item" if loc and isinstance(loc[-1], int) else ""
    got = "nothing" if value is None else _describe(value)
    if model is None:
        return f"'{name}'{item} must be a mapping of keys, got {got}", ""
    example = _EXAMPLES.get(model.__name__)
    keys = ", ".join(_keys_of(model))
    if example is not None:
        return f"'{name}'{item} must be {example}; got {got}", f"keys: {keys}"
    return f"'{name}'{item} must be a mapping of keys ({keys}), got {got}", f"write '{name}: {{key: value}}'"


_DURATION = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(h|hr|hrs|hours?|m|min|mins|minutes?|d|days?)\s*$", re.IGNORECASE
)


def _number_message(loc: Loc, value: object) -> tuple[str, str]:
    """A whole number was expected; a duration key gets its unit and, for '2h', the number to write."""
    name = str(loc[-1]) if loc else ""
    if name.endswith("_minutes"):
        hint = "a whole number of minutes, e.g. 120 for two hours"
        text = value.strip() if isinstance(value, str) else ""
        match = _DURATION.match(text)
        if match:
            amount, unit = float(match[1]), match[2].lower()[0]
            minutes = amount * {"h": 60, "m": 1, "d": 1440}[unit]
            if minutes == int(minutes):
                hint = f"a whole number of minutes: write {int(minutes)} for {text}"
        return f"'{name}' is a number of minutes, got {_describe(value)}", hint
    return f"expected a whole number, got {_describe(value)}", ""


def _describe(value: object) -> str:
    if isinstance(value, str | int | float | bool) and len(repr(value)) <= 60:
        return repr(value)
    return type(value).__name__


def _validation_issues(
    exc: ValidationError,
    *,
    root: Any,
    data: Any,
    prefix: Loc,
    locate: Callable[[Loc, bool], tuple[str, int, int]],
) -> list[Issue]:
    errors = exc.errors()
    locs = [_strip_tags(tuple(e["loc"])) for e in errors]
    issues: list[Issue] = []
    misplaced = {
        loc: home
        for err, loc in zip(errors, locs, strict=True)
        if err["type"] == "extra_forbidden" and (home := _misindented_home(root, loc, data)) is not None
    }
    homes = {(*loc[:-1], home) for loc, home in misplaced.items()}
    for err, loc in zip(errors, locs, strict=True):
        kind = err["type"]
        if kind == "too_short" and any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs):
            continue  # the items failed; their own errors say why
        if loc in homes and err["input"] is None:
            continue  # an empty key whose content is mis-indented: the misplaced keys say so
        hint = ""
        key = False
        target = loc
        if loc in misplaced:
            home = misplaced[loc]
            message = f"'{loc[-1]}' is not a key here; it belongs under '{home}:', which is empty"
            hint = f"indent '{loc[-1]}' (and the keys that belong with it) two spaces more, under '{home}:'"
            key = True
        elif kind == "model_type":
            message, hint = _mapping_message(root, loc, data, err["input"])
        elif kind in ("int_type", "int_parsing", "int_from_float"):
            message, hint = _number_message(loc, err["input"])
        elif kind in ("bool_type", "bool_parsing"):
            message = f"expected true or false, got {_describe(err['input'])}"
        elif kind == "value_error":
            message = str(err["msg"]).removeprefix("Value error, ")
        elif kind == "missing":
            message = f"missing required key '{loc[-1]}'"
            target = loc[:-1]
        elif kind == "extra_forbidden":
            message, hint = _unknown_key_message(root, loc, data)
            key = True
        elif kind == "union_tag_not_found":
            message = "missing 'kind': write 'kind: ExternalClientApp' (new apps) or 'kind: ConnectedApp'"
        elif kind == "union_tag_invalid":
            tag = str((err.get("ctx") or {}).get("tag", ""))
            close = difflib.get_close_matches(tag, list(KINDS), n=1)
            message = f"unknown kind '{tag}'; expected ConnectedApp or ExternalClientApp" + (
                f" (did you mean '{close[0]}'?)" if close else ""
            )
            target = (*loc, "kind")
        elif kind == "literal_error":
            expected = (err.get("ctx") or {}).get("expected", "")
            message = f"unexpected value {_describe(err['input'])}; expected {expected}"
        elif kind in ("inline_secret", "unknown_scope", "api_name", "file_ref", "auth_method", "target_org"):
            message = err["msg"]
        else:
            message = err["msg"]
            secret = any(str(part) in _SECRETISH for part in loc)
            if not secret and not isinstance(err["input"], dict | list | tuple):
                message += f", got {_describe(err['input'])}"
                number = isinstance(err["input"], int | float) and not isinstance(err["input"], bool)
                if kind == "string_type" and number:
                    hint = f'quote it: "{err["input"]}"'
            elif secret and kind == "string_type":
                message = "expected a reference 'env:NAME' or 'file:PATH'"
        file, line, column = locate(target, key)
        issues.append(Issue("error", kind, message, file, line, column, (*prefix, *loc), hint))
    return issues


# --- loading --------------------------------------------------------------------------------


def _freeze(value: Any) -> Any:
    """Lists become tuples (strict pydantic validates tuples from tuples only)."""
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    return value


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


def _read(path: Path) -> Document:
    try:
        raw = read_file_bytes(path, limit=MAX_BYTES)
    except OSError as exc:
        issue = Issue("error", "io", f"cannot read the file: {exc.strerror or exc}", str(path))
        raise YamlSyntaxError(str(issue), issue=issue) from None
    return load_document(raw, str(path))


def _doc_locator(doc: Document, prefix: Loc) -> Locator:
    def locate(loc: Loc) -> tuple[str, int, int]:
        line, column = doc.position((*prefix, *loc))
        return doc.path, line, column

    return locate


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = _merge(base.get(key), value) if key in base else value
        return out
    return override


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
    config = ProjectConfig()
    config_file: Path | None = project_dir / PROJECT_FILE
    config_doc: Document | None = None
    config_data: Any = {}
    assert config_file is not None
    if config_file.is_file():
        try:
            config_doc = _read(config_file)
        except YamlSyntaxError as exc:
            issues.append(exc.issue)
        else:
            documents[config_doc.path] = config_doc
            config_data, found = _interpolate(config_doc, environ, require_values)
            issues.extend(found)
            if not isinstance(config_data, dict):
                issues.append(
                    Issue(
                        "error", "shape", "the project file must be a mapping of keys", config_doc.path, 1, 1
                    )
                )
            else:
                try:
                    config = ProjectConfig.model_validate(_freeze(config_data))
                except ValidationError as exc:
                    doc = config_doc

                    def locate_cfg(loc: Loc, key: bool) -> tuple[str, int, int]:
                        line, column = doc.position(loc, key=key)
                        return doc.path, line, column

                    issues.extend(
                        _validation_issues(
                            exc, root=ProjectConfig, data=config_data, prefix=(), locate=locate_cfg
                        )
                    )
    else:
        config_file = None

    apps: list[AppSpec] = []
    invalid_names: list[str] = []
    raw_apps: dict[int, tuple[Any, Document, Loc]] = {}
    app_files = find_app_files(project_dir, config.apps, paths)
    if paths is None:
        seeds = [project_dir / t.local.seed for t in config.targets.values() if t.local and t.local.seed]
        issues.extend(unmatched_app_files(project_dir, config.apps, [*app_files, *seeds]))
    for path in app_files:
        try:
            doc = _read(path)
        except YamlSyntaxError as exc:
            issues.append(exc.issue)
            continue
        documents[doc.path] = doc
        data, found = _interpolate(doc, environ, require_values)
        issues.extend(found)
        if not isinstance(data, dict) or "apps" not in data:
            issues.append(
                Issue(
                    "error",
                    "shape",
                    "an app file is a mapping with an 'apps:' list",
                    doc.path,
                    1,
                    1,
                    hint="start the file with 'apps:' and list the apps under it",
                )
            )
            continue

        def locate_app(loc: Loc, key: bool, doc: Document = doc) -> tuple[str, int, int]:
            line, column = doc.position(loc, key=key)
            return doc.path, line, column

        try:
            AppFile.model_validate(_freeze({**data, "apps": ()}))
        except ValidationError as exc:
            # the file's own keys; the apps are validated one by one below, so that a bad app does not
            # hide the issues of its neighbours
            shape = [e for e in exc.errors() if e["loc"][:1] != ("apps",) or e["type"] != "too_short"]
            if shape:
                issues.extend(
                    _validation_issues(
                        ValidationError.from_exception_data(exc.title, shape),  # type: ignore[arg-type]
                        root=AppFile,
                        data=data,
                        prefix=(),
                        locate=locate_app,
                    )
                )
        entries = data["apps"]
        if not isinstance(entries, list) or not entries:
            line, column = doc.position(("apps",))
            issues.append(
                Issue(
                    "error",
                    "shape",
                    "'apps' must be a non-empty list of apps",
                    doc.path,
                    line,
                    column,
                    ("apps",),
                )
            )
            continue
        for i, entry in enumerate(entries):
            prefix: Loc = ("apps", i)

            def locate_entry(
                loc: Loc, key: bool, doc: Document = doc, prefix: Loc = prefix
            ) -> tuple[str, int, int]:
                line, column = doc.position((*prefix, *loc), key=key)
                return doc.path, line, column

            try:
                app = _APP_ADAPTER.validate_python(_freeze(entry))
            except ValidationError as exc:
                found_issues = _validation_issues(
                    exc, root=AppSpec, data=entry, prefix=prefix, locate=locate_entry
                )
                issues.extend(found_issues)
                name = entry.get("name") if isinstance(entry, dict) else None
                if isinstance(name, str):
                    invalid_names.append(name)
                issues.extend(_rules_despite_errors(entry, exc, config, doc, prefix))
                continue
            app._source = AppSource(doc.path, prefix, _doc_locator(doc, prefix))
            apps.append(app)
            raw_apps[id(app)] = (entry, doc, prefix)

    for app in apps:
        source = app.source
        assert source is not None
        issues.extend(
            app_rules(app, api_version=config.api_version, prefix=source.loc, locate=source.position)
        )
    issues.extend(unique_names(apps))

    targets: dict[str, tuple[AppSpec, ...]] = {}
    if config_doc is not None:
        cfg_locate = _doc_locator(config_doc, ())
        issues.extend(
            project_rules(
                config, apps, locate=cfg_locate, invalid_names=invalid_names, partial=paths is not None
            )
        )
    for target_name, target in config.targets.items():
        chosen: list[AppSpec] = []
        for app in apps:
            if not any(fnmatch.fnmatchcase(app.name, pattern) for pattern in target.apps):
                continue
            override = target.overrides.get(app.name)
            if override is None or config_doc is None:
                chosen.append(app)
                continue
            merged_app, found = _apply_override(
                app, override, raw_apps[id(app)], config_doc, target_name, config
            )
            issues.extend(found)
            if merged_app is not None:
                chosen.append(merged_app)
        targets[target_name] = tuple(chosen)

    errors = [i for i in issues if i.severity == "error"]
    if errors:
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


def _rules_despite_errors(
    entry: Any, exc: ValidationError, config: ProjectConfig, doc: Document, prefix: Loc
) -> list[Issue]:
    """The semantic rules' issues of an app whose shape has errors, so that one pass reports everything.

    The keys in error are left out and the rest validated again; when that succeeds, the rules run on it and
    only their issues away from the keys in error are kept (no cascade from the removed keys).
    """
    if not isinstance(entry, dict):
        return []
    bad = [loc for e in exc.errors() if (loc := _strip_tags(tuple(e["loc"])))]
    pruned: Any = _freeze(entry)
    for loc in bad:
        pruned = _without(pruned, loc)
    try:
        app = _APP_ADAPTER.validate_python(pruned)
    except ValidationError:
        return []
    locator = _doc_locator(doc, prefix)
    sections = {loc[:2] for loc in bad}
    return [
        i
        for i in app_rules(app, api_version=config.api_version, prefix=prefix, locate=locator)
        if i.loc[len(prefix) :][:2] not in sections and i.severity == "error"
    ]


def _without(data: Any, loc: Loc) -> Any:
    """`data` with the key (or item) at `loc` removed; unchanged when `loc` does not lead anywhere."""
    if not loc:
        return data
    head, rest = loc[0], loc[1:]
    if isinstance(data, dict) and head in data:
        if not rest:
            return {k: v for k, v in data.items() if k != head}
        return {**data, head: _without(data[head], rest)}
    if isinstance(data, tuple) and isinstance(head, int) and 0 <= head < len(data):
        if not rest:
            return data[:head] + data[head + 1 :]
        return (*data[:head], _without(data[head], rest), *data[head + 1 :])
    return data


def _apply_override(
    app: AppSpec,
    override: Mapping[str, Any],
    raw: tuple[Any, Document, Loc],
    config_doc: Document,
    target_name: str,
    config: ProjectConfig,
) -> tuple[AppSpec | None, list[Issue]]:
    raw_data, doc, prefix = raw
    over_loc: Loc = ("targets", target_name, "overrides", app.name)
    merged = _merge(raw_data, {k: v for k, v in override.items() if k not in ("name", "kind")})

    def has_override(loc: Loc) -> bool:
        """Whether the value at `loc` comes from the override (mappings merge, anything else replaces)."""
        value: Any = override
        for part in loc:
            if not isinstance(value, dict):
                return True
            if part not in value:
                return False
            value = value[part]
        return bool(loc)

    def locate_key(loc: Loc, key: bool) -> tuple[str, int, int]:
        if has_override(loc):
            line, column = config_doc.position((*over_loc, *loc), key=key)
            return config_doc.path, line, column
        line, column = doc.position((*prefix, *loc), key=key)
        return doc.path, line, column

    def locate(loc: Loc) -> tuple[str, int, int]:
        return locate_key(loc, False)

    try:
        result = _APP_ADAPTER.validate_python(_freeze(merged))
    except ValidationError as exc:
        found = _validation_issues(exc, root=AppSpec, data=merged, prefix=(), locate=locate_key)
        return None, [
            Issue(i.severity, i.code, i.message, i.file, i.line, i.column, (*over_loc, *i.loc), i.hint)
            for i in found
        ]
    result._source = AppSource(config_doc.path, over_loc, locate)
    rule_issues = app_rules(result, api_version=config.api_version, prefix=over_loc, locate=locate)
    return result, [i for i in rule_issues if i.file == config_doc.path]


def sort_issues(issues: Sequence[Issue]) -> list[Issue]:
    """Issues grouped per file in line order (errors first on the same spot), without duplicates."""
    unique = list(dict.fromkeys(issues))
    return sorted(unique, key=lambda i: (i.file, i.line, i.column, i.severity != "error", i.code))
