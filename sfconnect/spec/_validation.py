"""Validation, the last step of loading: plain data in, models and located issues out.

Each piece of data is validated once: the project file, each app entry as written, and each app with a target's
overrides merged into it. pydantic's errors become `Issue`s with a message that names the YAML key (never a
model class), a hint, and the position the app's `AppSource` or the project file's `Document` gives.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable
from typing import Any, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from sfconnect._types import Loc
from sfconnect.errors import Issue
from sfconnect.spec._yaml import Document
from sfconnect.spec.models import KINDS, AppFile, AppSource, AppSpec
from sfconnect.spec.project import ProjectConfig
from sfconnect.spec.rules import app_rules

__all__ = ["SECRETISH", "freeze", "validate_app", "validate_app_file", "validate_config"]

_APP_ADAPTER: TypeAdapter[AppSpec] = TypeAdapter(AppSpec)
SECRETISH = {"consumer_secret", "private_key", "password", "security_token", "token", "auth_url"}
SECRETISH |= {"client_secret", "refresh_token"}
"""Keys whose values are secret references: their values are never echoed in messages."""

Locate = Callable[[Loc, bool], tuple[str, int, int]]
"""Where a key path is written: ``locate(loc, key)`` -> ``(file, line, column)``."""


def validate_config(document: Document, data: Any) -> tuple[ProjectConfig | None, list[Issue]]:
    """The project file's data (after the environment) as a `ProjectConfig`, or None and the issues."""
    if not isinstance(data, dict):
        return None, [
            Issue("error", "shape", "the project file must be a mapping of keys", document.path, 1, 1)
        ]
    try:
        return ProjectConfig.model_validate(freeze(data)), []
    except ValidationError as exc:
        return None, _validation_issues(
            exc, root=ProjectConfig, data=data, prefix=(), locate=_locator(document)
        )


def validate_app_file(document: Document, data: dict[str, Any]) -> list[Issue]:
    """The issues of an app file's own keys (its apps are validated one by one, by `validate_app`)."""
    try:
        AppFile.model_validate(freeze({**data, "apps": ()}))
    except ValidationError as exc:
        # the apps are validated one by one, so that a bad app does not hide the issues of its neighbours
        shape = [e for e in exc.errors() if e["loc"][:1] != ("apps",) or e["type"] != "too_short"]
        if shape:
            return _validation_issues(
                ValidationError.from_exception_data(exc.title, shape),  # type: ignore[arg-type]
                root=AppFile,
                data=data,
                prefix=(),
                locate=_locator(document),
            )
    return []


def validate_app(
    data: Any, source: AppSource, *, api_version: str, rules_despite_errors: bool = True
) -> tuple[AppSpec | None, list[Issue]]:
    """One app's data as an `AppSpec` that knows its `source`, or None and the issues (located by `source`).

    With `rules_despite_errors`, an app whose shape has errors also gets its semantic rules' issues away from
    the keys in error, so that one pass reports everything.
    """
    try:
        return _APP_ADAPTER.validate_python(freeze(data), context={"source": source}), []
    except ValidationError as exc:
        issues = _validation_issues(
            exc, root=AppSpec, data=data, prefix=source.loc, locate=_source_locator(source)
        )
        if rules_despite_errors:
            issues.extend(_rules_despite_errors(data, exc, api_version, source))
        return None, issues


def _locator(document: Document) -> Locate:
    def locate(loc: Loc, key: bool) -> tuple[str, int, int]:
        line, column = document.position(loc, key=key)
        return document.path, line, column

    return locate


def _source_locator(source: AppSource) -> Locate:
    def locate(loc: Loc, key: bool) -> tuple[str, int, int]:
        return source.position(loc, key=key)

    return locate


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
            secret = any(str(part) in SECRETISH for part in loc)
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


def freeze(value: Any) -> Any:
    """Lists become tuples (strict pydantic validates tuples from tuples only)."""
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        return {k: freeze(v) for k, v in value.items()}
    return value


def _rules_despite_errors(
    entry: Any, exc: ValidationError, api_version: str, source: AppSource
) -> list[Issue]:
    """The semantic rules' issues of an app whose shape has errors, so that one pass reports everything.

    The keys in error are left out and the rest validated again; when that succeeds, the rules run on it and
    only their issues away from the keys in error are kept (no cascade from the removed keys).
    """
    if not isinstance(entry, dict):
        return []
    bad = [loc for e in exc.errors() if (loc := _strip_tags(tuple(e["loc"])))]
    pruned: Any = freeze(entry)
    for loc in bad:
        pruned = _without(pruned, loc)
    try:
        app = _APP_ADAPTER.validate_python(pruned)
    except ValidationError:
        return []
    sections = {loc[:2] for loc in bad}
    prefix = source.loc
    return [
        i
        for i in app_rules(app, api_version=api_version, prefix=prefix, locate=source.position)
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
