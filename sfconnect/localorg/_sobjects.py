"""The sObjects the query endpoints serve, as rows read from a `LocalOrg`.

`DATA` serves `GET /services/data/vXX.X/query`, `TOOLING` serves `/tooling/query`. To serve another object,
register it (fields, key prefix, and a function from the org to its rows)::

    TOOLING.register(SObjectType("DeployRequest", "0Af", (SField("Id", "id"), SField("Status", "picklist")),
                                 lambda org: [{"Id": job.id, "Status": ...} for job in ...]))

Field names are the describe names; rows are dicts keyed by them (missing keys read as null).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sfconnect.localorg._ids import to_18
from sfconnect.localorg._models import LocalOrg
from sfconnect.localorg._soql import Row, SField, SObjectRegistry, SObjectType

__all__ = ["DATA", "TOOLING", "derived_id"]

DATA: SObjectRegistry[LocalOrg] = SObjectRegistry()
"""Objects of `GET /services/data/vXX.X/query`."""
TOOLING: SObjectRegistry[LocalOrg] = SObjectRegistry()
"""Objects of `GET /services/data/vXX.X/tooling/query`: DeployRequest."""

_ID36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def derived_id(prefix: str, *parts: str) -> str:
    """A stable 18-character id for a row that the store does not keep (e.g. a permission set assignment)."""
    digest = int.from_bytes(hashlib.sha256("\0".join(parts).encode("utf-8")).digest()[:10], "big")
    body = ""
    for _ in range(12):
        digest, rem = divmod(digest, 36)
        body += _ID36[rem]
    return to_18(prefix + body)


def _organization(org: LocalOrg) -> Iterable[Row]:
    settings = org.settings()
    yield {
        "Id": org.org_id,
        "Name": org.org_name,
        "InstanceName": "LOCAL",
        "IsSandbox": bool(settings.get("is_sandbox", False)),
        "OrganizationType": str(settings.get("organization_type") or "Developer Edition"),
        "TrialExpirationDate": None,
        "NamespacePrefix": None,
        "LanguageLocaleKey": "en_US",
        "DefaultLocaleSidKey": "en_US",
        "TimeZoneSidKey": "Etc/UTC",
    }


def _users(org: LocalOrg) -> Iterable[Row]:
    for user in org.users():
        yield {
            "Id": user.id,
            "Username": user.username,
            "Name": user.name,
            "FirstName": user.first_name or None,
            "LastName": user.last_name,
            "Email": user.email,
            "Alias": (user.first_name[:1] + user.last_name[:4]).lower() or None,
            "ProfileId": user.profile_id or None,
            "IsActive": user.is_active,
            "UserType": "Standard",
            "LanguageLocaleKey": "en_US",
            "LocaleSidKey": "en_US",
            "TimeZoneSidKey": "Etc/UTC",
        }


def _profiles(org: LocalOrg) -> Iterable[Row]:
    for name, id_ in org.profiles().items():
        yield {"Id": id_, "Name": name, "UserType": "Standard", "Description": None}


def _permission_sets(org: LocalOrg) -> Iterable[Row]:
    for name, id_ in org.permission_sets().items():
        yield {
            "Id": id_,
            "Name": name,
            "Label": name.replace("_", " "),
            "IsOwnedByProfile": False,
            "ProfileId": None,
            "NamespacePrefix": None,
            "Type": "Regular",
        }


def _assignments(org: LocalOrg) -> Iterable[Row]:
    permsets = org.permission_sets()
    for user in org.users():
        for name in user.permission_sets:
            ps_id = permsets.get(name)
            if ps_id:
                yield {
                    "Id": derived_id("0Pa", user.id, ps_id),
                    "AssigneeId": user.id,
                    "PermissionSetId": ps_id,
                    "IsActive": True,
                }


def _connected_applications(org: LocalOrg) -> Iterable[Row]:
    for row in org.components("ConnectedApp"):
        yield {"Id": row.id, "Name": str(row.record.get("label") or row.full_name)}


def _fields(*specs: tuple[str, str] | SField) -> tuple[SField, ...]:
    return tuple(s if isinstance(s, SField) else SField(*s) for s in specs)


def _register_data_objects() -> None:
    objects: list[SObjectType[Any]] = [
        SObjectType(
            "Organization",
            "00D",
            _fields(
                ("Id", "id"),
                ("Name", "string"),
                ("InstanceName", "string"),
                ("IsSandbox", "boolean"),
                ("OrganizationType", "picklist"),
                ("TrialExpirationDate", "datetime"),
                ("NamespacePrefix", "string"),
                ("LanguageLocaleKey", "picklist"),
                ("DefaultLocaleSidKey", "picklist"),
                ("TimeZoneSidKey", "picklist"),
            ),
            _organization,
        ),
        SObjectType(
            "User",
            "005",
            _fields(
                ("Id", "id"),
                ("Username", "string"),
                ("Name", "string"),
                ("FirstName", "string"),
                ("LastName", "string"),
                ("Email", "email"),
                ("Alias", "string"),
                SField("ProfileId", "reference", "Profile", "Profile"),
                ("IsActive", "boolean"),
                ("UserType", "picklist"),
                ("LanguageLocaleKey", "picklist"),
                ("LocaleSidKey", "picklist"),
                ("TimeZoneSidKey", "picklist"),
            ),
            _users,
        ),
        SObjectType(
            "Profile",
            "00e",
            _fields(("Id", "id"), ("Name", "string"), ("UserType", "picklist"), ("Description", "string")),
            _profiles,
        ),
        SObjectType(
            "PermissionSet",
            "0PS",
            _fields(
                ("Id", "id"),
                ("Name", "string"),
                ("Label", "string"),
                ("IsOwnedByProfile", "boolean"),
                SField("ProfileId", "reference", "Profile", "Profile"),
                ("NamespacePrefix", "string"),
                ("Type", "picklist"),
            ),
            _permission_sets,
        ),
        SObjectType(
            "PermissionSetAssignment",
            "0Pa",
            _fields(
                ("Id", "id"),
                SField("AssigneeId", "reference", "User", "Assignee"),
                SField("PermissionSetId", "reference", "PermissionSet", "PermissionSet"),
                ("IsActive", "boolean"),
            ),
            _assignments,
        ),
        SObjectType(
            "ConnectedApplication", "0H4", _fields(("Id", "id"), ("Name", "string")), _connected_applications
        ),
    ]
    for obj in objects:
        DATA.register(obj)


_register_data_objects()


def _soql_datetime(ts: float | None) -> str | None:
    """A datetime as the REST API writes it: ``2026-01-02T03:04:05.678+0000``."""
    if ts is None:
        return None
    from datetime import UTC, datetime

    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _iso_to_ts(value: object) -> float | None:
    from datetime import datetime

    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _deploy_requests(org: LocalOrg) -> Iterable[Row]:
    """Every deploy of the org, with its status as last recorded (a deploy nobody polls stays Pending)."""
    for job in org.store.jobs(org.org_id, "deploy"):
        result = job.result
        options = job.request.get("options", {})
        started = result.get("started") if job.status == "InProgress" else _iso_to_ts(result.get("startDate"))
        yield {
            "Id": job.id,
            "Status": job.status,
            "CheckOnly": bool(options.get("checkOnly")),
            "CreatedDate": _soql_datetime(job.created),
            "CreatedById": job.created_by,
            "StartDate": _soql_datetime(float(started)) if started is not None else None,
            "CompletedDate": _soql_datetime(_iso_to_ts(result.get("completedDate"))),
            "NumberComponentsTotal": int(result.get("numberComponentsTotal") or 0),
            "NumberComponentsDeployed": int(result.get("numberComponentsDeployed") or 0),
            "NumberComponentErrors": int(result.get("numberComponentErrors") or 0),
            "ErrorMessage": result.get("errorMessage") or None,
        }


def _register_tooling_objects() -> None:
    TOOLING.register(
        SObjectType(
            "DeployRequest",
            "0Af",
            _fields(
                ("Id", "id"),
                ("Status", "picklist"),
                ("CheckOnly", "boolean"),
                ("CreatedDate", "datetime"),
                SField("CreatedById", "reference", "User", "CreatedBy"),
                ("StartDate", "datetime"),
                ("CompletedDate", "datetime"),
                ("NumberComponentsTotal", "int"),
                ("NumberComponentsDeployed", "int"),
                ("NumberComponentErrors", "int"),
                ("ErrorMessage", "textarea"),
            ),
            _deploy_requests,
        )
    )


_register_tooling_objects()
