"""The org objects an app's policies name: permission sets, profiles and run-as users must exist in the target.

One listing or query per kind, whatever the number of apps: ``listMetadata`` for ``PermissionSet`` and
``Profile`` (one call, two queries), and one SOQL query on ``User`` for every username named. A missing one is
an error of the app, naming the YAML key and its line, so `plan` shows it and `apply` refuses the plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from sfconnect.org.metadata_api import MetadataApi
from sfconnect.spec.models import AppSpec

__all__ = ["Reference", "check_references", "references_of"]

PROFILE_FULL_NAMES = {
    "Admin": "System Administrator",
    "Standard": "Standard User",
    "ReadOnly": "Read Only",
    "ContractManager": "Contract Manager",
    "MarketingProfile": "Marketing User",
    "SolutionManager": "Solution Manager",
}
"""Standard profiles that ``listMetadata`` names by a short fullName (``profiles/Admin.profile``)."""

_WORDS = {"PermissionSet": "permission set", "Profile": "profile", "User": "user"}


@dataclass(frozen=True)
class Reference:
    """One name an app's YAML gives to an org object: its kind, the name, and the YAML key path."""

    kind: str  # PermissionSet | Profile | User
    name: str
    loc: tuple[str | int, ...]


def references_of(spec: AppSpec) -> list[Reference]:
    """Everything `spec` names in the org (nothing for an app being removed)."""
    if spec.state == "absent":
        return []
    refs = [Reference("Profile", p, ("access", "profiles", i)) for i, p in enumerate(spec.access.profiles)]
    refs += [
        Reference("PermissionSet", p, ("access", "permission_sets", i))
        for i, p in enumerate(spec.access.permission_sets)
    ]
    flows = spec.oauth.flows if spec.oauth is not None else None
    if flows is not None and flows.client_credentials.enabled and flows.client_credentials.run_as:
        run_as = flows.client_credentials.run_as
        refs.append(Reference("User", run_as, ("oauth", "flows", "client_credentials", "run_as")))
    if spec.handler is not None and spec.handler.run_as:
        refs.append(Reference("User", spec.handler.run_as, ("handler", "run_as")))
    return refs


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _existing(api: MetadataApi, refs: Sequence[Reference]) -> dict[str, set[str]]:
    """The names of each referenced kind that the org has (lower-cased for users: usernames ignore case)."""
    found: dict[str, set[str]] = {"PermissionSet": set(), "Profile": set(), "User": set()}
    listed_kinds = sorted({r.kind for r in refs} & {"PermissionSet", "Profile"})
    if listed_kinds:
        for item in api.list_metadata(listed_kinds):
            name = unquote(item.full_name)
            found[item.type].add(name)
            if item.type == "Profile" and item.full_name in PROFILE_FULL_NAMES:
                found["Profile"].add(PROFILE_FULL_NAMES[item.full_name])
    usernames = sorted({r.name for r in refs if r.kind == "User"})
    if usernames:
        # every value is a quoted SOQL string literal (backslash and quote escaped): no injection
        soql = f"SELECT Username, IsActive FROM User WHERE Username IN ({', '.join(map(_quote, usernames))})"  # noqa: S608
        found["User"] = {
            str(r.get("Username", "")).lower() for r in api.query(soql) if r.get("IsActive", True)
        }
    return found


def check_references(api: MetadataApi, specs: Iterable[AppSpec], *, target: str) -> dict[str, list[str]]:
    """Per app name, one error per permission set, profile or run-as user that `target` lacks."""
    per_app = {spec.name: (spec, references_of(spec)) for spec in specs}
    every = [r for _, refs in per_app.values() for r in refs]
    if not every:
        return {}
    found = _existing(api, every)
    errors: dict[str, list[str]] = {}
    for name, (spec, refs) in per_app.items():
        for ref in refs:
            have = found[ref.kind]
            if (ref.name.lower() if ref.kind == "User" else ref.name) in have:
                continue
            errors.setdefault(name, []).append(_message(spec, ref, target))
    return errors


def _message(spec: AppSpec, ref: Reference, target: str) -> str:
    key = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in ref.loc).replace(".[", "[")
    where = ""
    if spec.source is not None:
        file, line, column = spec.source.position(ref.loc)
        where = f"{file}:{line}:{column}: " if line else f"{file}: "
    fix = (
        "create the user (active) or fix the username"
        if ref.kind == "User"
        else f"create the {_WORDS[ref.kind]} in the org or fix the name"
    )
    return f"{where}{key}: no {_WORDS[ref.kind]} {ref.name!r} in target {target!r}; {fix}"
