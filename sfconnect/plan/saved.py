"""Saved plans: the JSON document `plan --out` writes and `apply PLANFILE` reads.

A saved plan is the plan's JSON form plus a ``saved`` section: the desired components exactly as the deploy
will carry them (XML, without secrets), the components to delete with their fingerprints, and the *names* of
the secret references apply resolves again. The org is the state: apply re-reads the org and refuses when any
component's fingerprint differs from the one recorded (`StalePlanError`).

A saved plan is bound to what was reviewed:

- ``saved.digest`` is a sha256 over everything apply will do (the reviewed apps, desired components, deletions
  with fingerprints, secret references, target, org and API version); `load_saved_plan` recomputes it and
  refuses a file whose content no longer matches (`TamperedPlanError`);
- every deletion and every desired component must be one the plan's apps list, with the same action
  (`load_saved_plan`), and the desired components must change exactly the fields the plan shows, to the values
  it shows (`plan.binding.check_desired_matches_plan`, against the org as apply reads it);
- secret references must be ones the project's YAML declares for that same field (`plan.binding`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, cast

from sfconnect._types import JSONValue
from sfconnect.errors import (
    MetadataError,
    PlanError,
    StalePlanError,
    TamperedPlanError,
    UnsupportedFormatVersion,
)
from sfconnect.metadata.component import Component
from sfconnect.metadata.formats import ComponentRef
from sfconnect.metadata.schema import is_write_only
from sfconnect.metadata.xmlio import read_component, write_component
from sfconnect.plan.json_format import plan_from_json, plan_to_json
from sfconnect.plan.model import Plan
from sfconnect.plan.service import PlanResult

__all__ = [
    "MAX_PLAN_BYTES",
    "SavedPlan",
    "check_fresh",
    "load_saved_plan",
    "plan_digest",
    "saved_plan_json",
    "sfconnect_version",
]

MAX_PLAN_BYTES = 50 * 1024 * 1024
"""A saved plan larger than this is refused before it is read (real ones are a few hundred KB at most)."""

_API_VERSION = re.compile(r"^[1-9][0-9]{1,2}\.0$")
_SECRET_REF = re.compile(r"^(env|file):.+$", re.DOTALL)


def sfconnect_version() -> str:
    """The installed sfconnect version."""
    try:
        return version("sfconnect")
    except PackageNotFoundError:
        return "0+unknown"


@dataclass(frozen=True)
class SavedPlan:
    """A plan read back from a file, ready to apply."""

    plan: Plan
    desired: tuple[Component, ...]
    deletions: tuple[ComponentRef, ...]
    secret_fields: dict[tuple[str, str], dict[str, str]]
    api_version: str
    warnings: tuple[str, ...] = ()
    org_id: str = ""
    digest: str = ""

    def fingerprints(self) -> dict[tuple[str, str], str]:
        """The fingerprint of every component the plan read, by ``(type, name)`` ("" = did not exist)."""
        return {(c.type, c.name): c.fingerprint for a in self.plan.apps for c in a.components}


def saved_plan_json(
    result: PlanResult, *, api_version: str, org_id: str = "", mode: str = "plan"
) -> dict[str, JSONValue]:
    """The saved-plan document for a plan result (never any secret value)."""
    doc = plan_to_json(result.plan, mode=mode)
    changing = {a.name for a in result.plan.apps if a.action in ("create", "update")}
    deleting = {a.name for a in result.plan.apps if a.action == "delete"}
    desired: list[JSONValue] = []
    for app in result.compiled:
        if app.name not in changing:
            continue
        for component in app.components:
            entry: dict[str, JSONValue] = {
                "type": component.type,
                "name": component.full_name,
                "xml": write_component(component, api_version).decode("utf-8"),
            }
            secret_fields = app.secret_refs_for(component)
            if secret_fields:
                entry["secret_fields"] = cast(JSONValue, dict(sorted(secret_fields.items())))
            desired.append(entry)
    deletions: list[JSONValue] = []
    for plan_app in result.plan.apps:
        deletions += [
            {"type": c.type, "name": c.name, "fingerprint": c.fingerprint}
            for c in plan_app.components
            if plan_app.name in deleting or c.action == "delete"
        ]
    refs = sorted(
        {ref for app in result.compiled if app.name in changing for ref in app.secret_refs.values()}
    )
    doc["saved"] = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "sfconnect_version": sfconnect_version(),
        "api_version": api_version,
        "org_id": org_id,
        "desired": desired,
        "deletions": deletions,
        "secret_refs": cast(JSONValue, refs),
    }
    saved = cast(dict[str, JSONValue], doc["saved"])
    saved["digest"] = plan_digest(doc)
    return doc


def plan_digest(doc: dict[str, Any]) -> str:
    """``sha256:<hex>`` over everything apply does with a saved plan (the document minus explanations).

    Covers the target, the reviewed apps (components, actions, fingerprints, changes), and the saved section's
    API version, org, desired components, deletions and secret references. Timestamps, versions, summaries
    and call counts are derived or informative, and left out.
    """
    raw = doc.get("saved")
    saved: dict[str, Any] = raw if isinstance(raw, dict) else {}
    bound = {
        "target": doc.get("target"),
        "apps": doc.get("apps"),
        "api_version": saved.get("api_version"),
        "org_id": saved.get("org_id", ""),
        "desired": saved.get("desired"),
        "deletions": saved.get("deletions"),
        "secret_refs": saved.get("secret_refs"),
    }
    text = json.dumps(bound, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(text.encode("ascii")).hexdigest()


def _read_document(path: Path) -> Any:
    try:
        if not path.is_file():
            if path.exists() or path.is_symlink():
                raise PlanError(
                    f"{path}: not a regular file; give the JSON file `sfconnect plan --out` wrote"
                )
            raise PlanError(f"{path}: no such plan file")
        size = path.stat().st_size
        if size > MAX_PLAN_BYTES:
            raise PlanError(f"{path}: {size} bytes is too large for a saved plan (at most {MAX_PLAN_BYTES})")
        with path.open("rb") as stream:
            data = stream.read(MAX_PLAN_BYTES + 1)
        if len(data) > MAX_PLAN_BYTES:
            raise PlanError(f"{path}: too large for a saved plan (at most {MAX_PLAN_BYTES} bytes)")
        return json.loads(data.decode("utf-8"))
    except OSError as exc:
        raise PlanError(f"{path}: cannot read the plan ({exc.strerror or exc})") from exc
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PlanError(
            f"{path} is not a saved plan (not a file that `sfconnect plan --out` writes); make one with "
            f"`sfconnect plan --out {path.name}`, then `sfconnect apply {path.name}`"
        ) from exc


def _damaged(path: Path, where: str, problem: str) -> PlanError:
    return PlanError(
        f"{path}: the saved plan is damaged at {where}: {problem}; make it again with `plan --out`"
    )


def _string(value: object, path: Path, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise _damaged(path, where, f"expected a non-empty string, found {type(value).__name__}")
    return value


def _list(value: object, path: Path, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _damaged(path, where, f"expected a list, found {type(value).__name__}")
    return value


def _object(value: object, path: Path, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _damaged(path, where, f"expected an object, found {type(value).__name__}")
    return value


def _secret_fields(value: object, path: Path, where: str) -> dict[str, str]:
    fields = _object(value, path, where)
    for name, ref in fields.items():
        if not is_write_only(name.rsplit(".", 1)[-1]):
            raise _damaged(path, f"{where}.{name}", "only write-only fields (consumerSecret) take secrets")
        if not isinstance(ref, str) or not _SECRET_REF.match(ref) or "\n" in ref:
            raise _damaged(path, f"{where}.{name}", "expected a reference `env:NAME` or `file:PATH`")
    return dict(fields)


def load_saved_plan(path: Path) -> SavedPlan:
    """Read a saved plan, checking its shape, its digest and that it does only what its apps list.

    Raises:
        PlanError: the file is missing, not a regular file, too large, not JSON, not a saved plan, or damaged.
        TamperedPlanError: its content no longer matches its digest, or it would do what its apps do not list.
        UnsupportedFormatVersion: written by a newer sfconnect.
    """
    doc = _read_document(path)
    if not isinstance(doc, dict) or "saved" not in doc:
        raise PlanError(
            f"{path} is not a saved plan (a plan rendered for reading, or another file); make one with "
            f"`sfconnect plan --out {path.name}`, then `sfconnect apply {path.name}`"
        )
    try:
        plan, warnings = plan_from_json(doc)
    except UnsupportedFormatVersion as exc:
        raise UnsupportedFormatVersion(f"{path}: {exc}") from exc
    except PlanError as exc:
        raise PlanError(f"{path}: {exc}") from exc
    saved = _object(doc["saved"], path, "saved")
    api_version = saved.get("api_version")
    if not isinstance(api_version, str) or not _API_VERSION.match(api_version):
        raise _damaged(path, "saved.api_version", f"{api_version!r} is not an API version such as '63.0'")
    org_id = saved.get("org_id", "")
    if not isinstance(org_id, str):
        raise _damaged(path, "saved.org_id", "expected a string")
    digest = saved.get("digest")
    if not isinstance(digest, str):
        raise TamperedPlanError(
            f"{path}: the saved plan carries no digest (made by an older sfconnect, or edited); make it again "
            "with `sfconnect plan --out`"
        )
    if digest != plan_digest(doc):
        raise TamperedPlanError(
            f"{path}: the saved plan was changed after it was made (its content does not match its digest "
            f"{digest[:23]}...); apply only a plan as `sfconnect plan --out` wrote it, or make it again"
        )
    desired: list[Component] = []
    secret_fields: dict[tuple[str, str], dict[str, str]] = {}
    for i, entry in enumerate(_list(saved.get("desired"), path, "saved.desired")):
        where = f"saved.desired[{i}]"
        entry = _object(entry, path, where)
        type_name = _string(entry.get("type"), path, f"{where}.type")
        name = _string(entry.get("name"), path, f"{where}.name")
        xml = _string(entry.get("xml"), path, f"{where}.xml")
        try:
            component = read_component(
                xml.encode("utf-8"), path=f"{path}:{type_name}:{name}", type_hint=type_name, full_name=name
            )
        except (MetadataError, UnicodeError) as exc:
            raise _damaged(path, where, str(exc)) from exc
        desired.append(component)
        secret_fields[(type_name, name)] = _secret_fields(
            entry.get("secret_fields", {}), path, f"{where}.secret_fields"
        )
    deletions: list[ComponentRef] = []
    deletion_prints: dict[tuple[str, str], object] = {}
    for i, entry in enumerate(_list(saved.get("deletions"), path, "saved.deletions")):
        where = f"saved.deletions[{i}]"
        entry = _object(entry, path, where)
        ref = ComponentRef(
            _string(entry.get("type"), path, f"{where}.type"),
            _string(entry.get("name"), path, f"{where}.name"),
        )
        deletions.append(ref)
        deletion_prints[(ref.type, ref.full_name)] = entry.get("fingerprint")
    refs = _list(saved.get("secret_refs"), path, "saved.secret_refs")
    declared_refs = {ref for fields in secret_fields.values() for ref in fields.values()}
    if any(not isinstance(r, str) for r in refs) or set(refs) != declared_refs:
        raise _damaged(path, "saved.secret_refs", "does not list exactly the references of saved.desired")
    result = SavedPlan(
        plan, tuple(desired), tuple(deletions), secret_fields, api_version, tuple(warnings), org_id, digest
    )
    _check_lists_match(path, result, deletion_prints)
    return result


def _check_lists_match(path: Path, saved: SavedPlan, deletion_prints: dict[tuple[str, str], object]) -> None:
    """Refuse a plan whose deletions or desired components are not exactly what its apps list."""
    listed = {(c.type, c.name): (a, c) for a in saved.plan.apps for c in a.components}
    problems: list[str] = []
    to_delete = {key for key, (a, c) in listed.items() if c.action == "delete" or (a.action == "delete")}
    for key, fingerprint in deletion_prints.items():
        if key not in to_delete:
            problems.append(f"deletes {key[0]} {key[1]}, which the plan does not list as deleted")
        elif fingerprint != listed[key][1].fingerprint or not fingerprint:
            problems.append(f"deletes {key[0]} {key[1]} without the fingerprint the plan read")
    problems += [
        f"does not delete {t} {n}, which the plan lists as deleted"
        for t, n in sorted(to_delete - set(deletion_prints))
    ]
    desired_keys = [(c.type, c.full_name) for c in saved.desired]
    if len(set(desired_keys)) != len(desired_keys):
        problems.append("lists a desired component twice")
    for key in desired_keys:
        entry = listed.get(key)
        if entry is None or entry[1].action == "delete" or entry[0].action not in ("create", "update"):
            problems.append(f"deploys {key[0]} {key[1]}, which the plan does not list as created or changed")
    for key in sorted(listed):
        action = listed[key][1].action
        if action in ("create", "update") and key not in desired_keys:
            problems.append(f"lacks {key[0]} {key[1]}, which the plan lists as {action}d")
    if problems:
        raise TamperedPlanError(
            f"{path}: the saved plan would do what its plan does not show ({'; '.join(problems)}); make it again "
            "with `sfconnect plan --out`"
        )


def check_fresh(recorded: dict[tuple[str, str], str], current: dict[tuple[str, str], str]) -> None:
    """Refuse a plan when any component it read changed in the org since.

    Raises:
        StalePlanError: names what changed.
    """
    changed = sorted(
        f"{t} {n}" for (t, n), fingerprint in recorded.items() if current.get((t, n), "") != fingerprint
    )
    if changed:
        raise StalePlanError(
            "the plan is stale: the org changed since it was made (" + ", ".join(changed) + "); re-run plan"
        )
