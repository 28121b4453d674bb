"""The rules on a metadata component about to be saved, as Salesforce applies them (part of the metadata part).

`check_rules` returns per-record errors (`RecordError`, the WSDL's `Error`), never raises: the caller reports
them in its `SaveResult` or deploy result, as Salesforce does.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sfconnect.localorg._credentials import Credentials
from sfconnect.localorg._records import Record, missing_required
from sfconnect.localorg._store import ComponentRow
from sfconnect.localorg.migration import migration_of

if TYPE_CHECKING:
    from sfconnect.localorg._metadata import TypeInfo
    from sfconnect.localorg._models import LocalOrg

__all__ = [
    "CONNECTED_APP_CREATION_BLOCKED",
    "CONNECTED_APP_READ_ONLY",
    "CONSUMER_SECRET_ACCESS_OFF",
    "NAME_MESSAGE",
    "RecordError",
    "check_rules",
    "csv_list",
    "error",
    "valid_name",
]

_NAME_RE = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)$")
_IP_RELAXATION = ("ENFORCE", "BYPASS", "BYPASS_2FACTOR", "ENFORCE_RELAXREFRESH")
_SECRET_GATED = ("ExtlClntAppGlobalOauthSettings", "ExtlClntAppOauthSettings")
"""Types the Metadata API Developer Guide (66.0) gives the consumer-secret access rule ("Special Access
Rules": the org must allow access to OAuth consumer secrets via the Metadata API)."""
_ECA_IP_RELAXATION = ("Enforce", "Bypass", "Bypass_2factor", "Enforce_RelaxRefresh")
_REFRESH_POLICY_RE = re.compile(
    r"^(infinite|zero|specific_(lifetime|inactivity):[1-9][0-9]*:(HOURS|DAYS|MONTHS))$"
)
_SECRET_RE = re.compile(r"^[A-Za-z0-9]{8,256}$")
NAME_MESSAGE = (
    "The name can only contain underscores and alphanumeric characters. It must begin with a letter, "
    "not include spaces, not end with an underscore, and not contain two consecutive underscores."
)
CONNECTED_APP_CREATION_BLOCKED = (
    "You can't create a connected app. Connected app creation is blocked in this org: create an external "
    "client app instead, or ask Salesforce Customer Support to allow connected app creation."
)
CONNECTED_APP_READ_ONLY = (
    "The connected app {app} was migrated to the external client app {eca} and is read-only: make changes to "
    "the external client app (deleting it makes the connected app active again)."
)
CONSUMER_SECRET_ACCESS_OFF = (
    "You can't access the consumer key and secret of an external client app through the Metadata API. "  # noqa: S105
    "Turn on 'Allow access to External Client App consumer secrets via Metadata API' in External Client "
    "App Settings."
)


@dataclass(frozen=True)
class RecordError:
    """One per-record error (`Error` in the WSDL)."""

    status_code: str
    message: str
    fields: tuple[str, ...] = ()


def error(code: str, message: str, *fields: str) -> RecordError:
    """A per-record error naming the fields at fault."""
    return RecordError(code, message, tuple(fields))


def check_rules(
    org: LocalOrg,
    info: TypeInfo,
    full_name: str,
    record: Record,
    existing: ComponentRow | None,
    creating: bool,
) -> list[RecordError]:
    """Every rule on one component about to be saved (after the name checks): required fields, what the
    org's settings allow, a child's parent, and the rules of each type; empty when it may be saved."""
    type_ = info.name
    errors = [
        error("REQUIRED_FIELD_MISSING", f"Required field is missing: {path}", path)
        for path in missing_required(org.schema, type_, record)
    ]
    if errors:
        return errors
    settings = org.settings()
    oauth = record.get("oauthConfig") if type_ == "ConnectedApp" else record
    if type_ == "ConnectedApp" and creating and not settings.get("connected_app_creation_allowed"):
        return [error("INSUFFICIENT_ACCESS", CONNECTED_APP_CREATION_BLOCKED)]
    if type_ == "ConnectedApp" and not creating:
        migrated = migration_of(org, full_name)
        if migrated is not None:
            return [
                error(
                    "INSUFFICIENT_ACCESS_OR_READONLY",
                    CONNECTED_APP_READ_ONLY.format(app=full_name, eca=migrated.external_client_app),
                )
            ]
    if info.parent_field is not None:
        parent = str(record.get(info.parent_field, ""))
        if org.metadata.component("ExternalClientApplication", parent) is None:
            return [
                error(
                    "INVALID_CROSS_REFERENCE_KEY",
                    f"In field: {info.parent_field} - no ExternalClientApplication named {parent} found",
                    info.parent_field,
                )
            ]
        if existing is not None and str(existing.record.get(info.parent_field, "")).lower() != parent.lower():
            return [
                error(
                    "FIELD_INTEGRITY_EXCEPTION",
                    f"You can't change the {info.parent_field} of an existing {type_}.",
                    info.parent_field,
                )
            ]
    if type_ in _SECRET_GATED and not settings.get("consumer_secret_api_access"):
        return [error("INSUFFICIENT_ACCESS", CONSUMER_SECRET_ACCESS_OFF)]
    if type_ in ("ConnectedApp", "ExtlClntAppGlobalOauthSettings") and isinstance(oauth, dict):
        owner = Credentials.owner(type_, full_name, record)
        current = org.credentials.primary(*owner)
        key = oauth.get("consumerKey")
        if key and current is not None and current[0] != key:
            # the key is set once, at creation; a later deploy may only send the same key back
            return [error("FIELD_INTEGRITY_EXCEPTION", "You cannot provide a Consumer Key", "consumerKey")]
        if key and current is None:
            if not _SECRET_RE.match(str(key)):
                return [
                    error(
                        "FIELD_INTEGRITY_EXCEPTION",
                        "Consumer Key must be 8 to 256 alphanumeric characters.",
                        "consumerKey",
                    )
                ]
            if org.credentials.key_taken(str(key)):
                return [
                    error(
                        "DUPLICATE_VALUE",
                        "This consumer key is already in use: each app needs a unique consumer key.",
                        "consumerKey",
                    )
                ]
        secret = oauth.get("consumerSecret")
        if secret:
            if not _SECRET_RE.match(str(secret)):
                return [
                    error(
                        "FIELD_INTEGRITY_EXCEPTION",
                        "Consumer Secret must be 8 to 256 alphanumeric characters.",
                        "consumerSecret",
                    )
                ]
            if current is not None and not _same(current[1], str(secret)):
                return [
                    error(
                        "FIELD_INTEGRITY_EXCEPTION",
                        "You can't change the Consumer Secret after it's saved.",
                        "consumerSecret",
                    )
                ]
    if type_ == "ConnectedApp":
        errors.extend(_connected_app_rules(org, record))
    if type_ == "ExtlClntAppOauthConfigurablePolicies":
        errors.extend(_eca_policy_rules(org, record))
    return errors


def _named_access(
    org: LocalOrg, profiles: list[str], permsets: list[str], fields: tuple[str, str]
) -> list[RecordError]:
    """Profiles and permission sets named by an app's policy must exist (both app kinds)."""
    known_profiles, known_permsets = org.identity.profiles(), org.identity.permission_sets()
    errors = [
        error("INVALID_CROSS_REFERENCE_KEY", f"no Profile named {p} found", fields[0])
        for p in profiles
        if p not in known_profiles
    ]
    errors.extend(
        error("INVALID_CROSS_REFERENCE_KEY", f"no PermissionSet named {p} found", fields[1])
        for p in permsets
        if p not in known_permsets
    )
    return errors


def _eca_policy_rules(org: LocalOrg, record: Record) -> list[RecordError]:
    errors = _named_access(
        org,
        csv_list(record.get("commaSeparatedProfile")),
        csv_list(record.get("commaSeparatedPermissionSet")),
        ("commaSeparatedProfile", "commaSeparatedPermissionSet"),
    )
    relax = record.get("ipRelaxationPolicyType")
    if relax is not None and relax not in _ECA_IP_RELAXATION:
        # a string in the WSDL, an enumeration in the Metadata API Developer Guide
        # (ExtlClntAppOauthConfigurablePolicies.ipRelaxationPolicyType)
        errors.append(
            error(
                "FIELD_INTEGRITY_EXCEPTION",
                f"'{relax}' is not a valid value for ipRelaxationPolicyType "
                f"({', '.join(_ECA_IP_RELAXATION)}).",
                "ipRelaxationPolicyType",
            )
        )
    run_as = record.get("clientCredentialsFlowUser")
    if run_as and org.identity.user_by_username(str(run_as)) is None:
        errors.append(
            error(
                "INVALID_CROSS_REFERENCE_KEY",
                f"no User named {run_as} found",
                "clientCredentialsFlowUser",
            )
        )
    return errors


def _connected_app_rules(org: LocalOrg, record: Record) -> list[RecordError]:
    errors: list[RecordError] = []
    oauth = record.get("oauthConfig") if isinstance(record.get("oauthConfig"), dict) else None
    profiles = [p for p in record.get("profileName", []) if p]
    permsets = [p for p in record.get("permissionSetName", []) if p]
    if (profiles or permsets) and (oauth is None or oauth.get("isAdminApproved") != "true"):
        errors.append(
            error(
                "FIELD_INTEGRITY_EXCEPTION",
                "Profiles and permission sets can be pre-authorized only when admin approved users are "
                "pre-authorized (isAdminApproved).",
                "profileName" if profiles else "permissionSetName",
            )
        )
    errors.extend(_named_access(org, profiles, permsets, ("profileName", "permissionSetName")))
    policy = record.get("oauthPolicy")
    if isinstance(policy, dict):
        if policy.get("ipRelaxation") not in _IP_RELAXATION:
            errors.append(
                error(
                    "FIELD_INTEGRITY_EXCEPTION",
                    f"'{policy.get('ipRelaxation')}' is not a valid IP relaxation "
                    f"({', '.join(_IP_RELAXATION)}).",
                    "oauthPolicy.ipRelaxation",
                )
            )
        if not _REFRESH_POLICY_RE.match(str(policy.get("refreshTokenPolicy", ""))):
            errors.append(
                error(
                    "FIELD_INTEGRITY_EXCEPTION",
                    f"'{policy.get('refreshTokenPolicy')}' is not a valid refresh token policy: use "
                    "infinite, zero, specific_lifetime:N:UNIT or specific_inactivity:N:UNIT "
                    "(HOURS, DAYS, MONTHS).",
                    "oauthPolicy.refreshTokenPolicy",
                )
            )
    if oauth is not None and oauth.get("isClientCredentialEnabled") == "true":
        # The run-as user is an admin policy, usually set after the deploy: the flow needs it to issue
        # tokens, the deploy does not (Salesforce Help, "Configure a Connected App for the OAuth 2.0 Client
        # Credentials Flow"). A named user must exist.
        run_as = oauth.get("oauthClientCredentialUser")
        if run_as and org.identity.user_by_username(str(run_as)) is None:
            errors.append(
                error(
                    "INVALID_CROSS_REFERENCE_KEY",
                    f"no User named {run_as} found",
                    "oauthClientCredentialUser",
                )
            )
    return errors


def _same(a: str, b: str) -> bool:
    """Compare secrets in constant time."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def csv_list(value: Any) -> list[str]:
    """The items of a comma-separated field."""
    return [p.strip() for p in str(value or "").split(",") if p.strip()]


def valid_name(full_name: str) -> bool:
    """Whether a name is a valid API name (letters, digits, single underscores; starts with a letter)."""
    return _NAME_RE.match(full_name) is not None
