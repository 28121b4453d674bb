"""The versioned JSON form of a plan (`schemas/plan.schema.json`), written and read back.

`FORMAT_VERSION` is ``MAJOR.MINOR``: a minor bump adds fields, a major bump changes what a consumer must
handle. Reading a plan with a newer major raises `UnsupportedFormatVersion`; a newer minor is read, with a
warning returned to the caller.
"""

from __future__ import annotations

import re
from typing import Any, cast

from sfconnect._types import JSONValue
from sfconnect.errors import PlanError, UnsupportedFormatVersion
from sfconnect.plan.model import (
    Action,
    AppPlan,
    ComponentChange,
    FieldChange,
    Plan,
    UnmanagedApp,
)

__all__ = ["FORMAT_VERSION", "plan_from_json", "plan_to_json"]

FORMAT_VERSION = "1.0"
_VERSION = re.compile(r"^[0-9]{1,4}\.[0-9]{1,4}$")
_ACTIONS = frozenset({"create", "update", "delete", "no-op"})


def _action(value: object) -> Action:
    if value not in _ACTIONS:
        raise ValueError(f"unknown action {value!r}")
    return cast(Action, value)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, found {type(value).__name__}")
    return value


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"api_calls counts are whole numbers, found {value!r}")
    return value


def _change_to_json(c: FieldChange) -> dict[str, JSONValue]:
    return {
        "path": c.path,
        "metadata_path": c.metadata_path,
        "before": None if c.sensitive else c.before,
        "after": None if c.sensitive else c.after,
        "sensitive": c.sensitive,
        "known_after_apply": c.known_after_apply,
    }


def _app_to_json(a: AppPlan) -> dict[str, JSONValue]:
    return {
        "name": a.name,
        "kind": a.kind,
        "action": a.action,
        "irreversible": a.irreversible,
        "components": [
            {"type": c.type, "name": c.name, "action": c.action, "fingerprint": c.fingerprint}
            for c in sorted(a.components, key=lambda c: (c.type, c.name))
        ],
        "changes": [_change_to_json(c) for c in sorted(a.changes, key=lambda c: (c.path, c.metadata_path))],
        "errors": list(a.errors),
        "warnings": list(a.warnings),
        "reason": a.reason,
    }


def plan_to_json(plan: Plan, *, mode: str = "plan") -> dict[str, JSONValue]:
    """The JSON document for `plan` (no secret values: sensitive changes carry none)."""
    s = plan.summary()
    return {
        "format_version": FORMAT_VERSION,
        "mode": mode,
        "target": plan.target,
        "partial": plan.partial,
        "has_changes": plan.has_changes(),
        "apps": [_app_to_json(a) for a in plan.apps],
        "unmanaged": [
            {"kind": u.kind, "name": u.name, "managed_package": u.managed_package} for u in plan.unmanaged
        ],
        "summary": {
            "add": s.add,
            "change": s.change,
            "destroy": s.destroy,
            "unchanged": s.unchanged,
            "errors": s.errors,
        },
        "api_calls": cast(JSONValue, dict(plan.api_calls)),
    }


def check_format_version(version: object) -> list[str]:
    """Validate a document's `format_version`; returns warnings (a newer minor), raises for a newer major."""
    if not isinstance(version, str) or not _VERSION.match(version):
        shown = repr(version) if len(repr(version)) <= 40 else repr(version)[:40] + "..."
        raise PlanError(
            f"not an sfconnect plan: format_version is {shown}, expected MAJOR.MINOR such as '1.0'"
        )
    major, minor = (int(p) for p in version.split("."))
    ours_major, ours_minor = (int(p) for p in FORMAT_VERSION.split("."))
    if major > ours_major:
        raise UnsupportedFormatVersion(
            f"this plan has format {version}; this sfconnect reads {ours_major}.x. Upgrade sfconnect to use it."
        )
    if major == ours_major and minor > ours_minor:
        return [
            f"this plan has format {version}, newer than {FORMAT_VERSION}: fields added since are ignored"
        ]
    return []


def plan_from_json(doc: dict[str, Any]) -> tuple[Plan, list[str]]:
    """Read a plan document back; returns the plan and any format warnings.

    Raises:
        UnsupportedFormatVersion: written by a newer major format.
        PlanError: not a plan document.
    """
    warnings = check_format_version(doc.get("format_version"))
    try:
        apps = [
            AppPlan(
                name=_text(a["name"]),
                kind=_text(a["kind"]),
                action=_action(a["action"]),
                irreversible=bool(a.get("irreversible", False)),
                components=tuple(
                    ComponentChange(
                        _text(c["type"]),
                        _text(c["name"]),
                        _action(c["action"]),
                        _text(c.get("fingerprint", "")),
                    )
                    for c in a.get("components", [])
                ),
                changes=tuple(
                    FieldChange(
                        path=_text(c["path"]),
                        metadata_path=_text(c.get("metadata_path", "")),
                        before=c.get("before"),
                        after=c.get("after"),
                        sensitive=bool(c.get("sensitive", False)),
                        known_after_apply=bool(c.get("known_after_apply", False)),
                    )
                    for c in a.get("changes", [])
                ),
                errors=tuple(_text(e) for e in a.get("errors", [])),
                warnings=tuple(_text(w) for w in a.get("warnings", [])),
                reason=_text(a.get("reason", "")),
            )
            for a in doc["apps"]
        ]
        unmanaged = [
            UnmanagedApp(u["kind"], u["name"], u.get("managed_package", "")) for u in doc.get("unmanaged", [])
        ]
        plan = Plan.build(
            _text(doc["target"]),
            apps,
            unmanaged,
            partial=bool(doc.get("partial", False)),
            api_calls={str(k): _count(v) for k, v in doc.get("api_calls", {}).items()},
        )
    except KeyError as exc:
        raise PlanError(f"not a valid sfconnect plan: the key {exc} is missing; make the plan again") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        raise PlanError(f"not a valid sfconnect plan: {exc}; make the plan again") from exc
    return plan, warnings
