"""Setup's "Migrate to External Client App" button, as the local org models it (`localorg migrate APP`).

Salesforce Help, "Create an External Client App from a Connected App" and "Connected App to External Client App
Migration" (xcloud.migrate_connected_app_to_external_client_app.htm,
xcloud.connected_app_to_external_client_app_migration.htm):

- only a local Connected App (not installed from a package) that does not use the username-password flow can
  be migrated; migration fails when the app's push settings are invalid (an expired Apple P12 certificate, an
  Android server key instead of service-account settings);
- the migration creates a local External Client App from the Connected App; the Connected App stays as a
  read-only version, and every change goes to the External Client App;
- deleting the External Client App makes the Connected App active again, with its settings as they were at
  migration.

What Salesforce does not say, and this org chooses (``docs/localorg.md`` and ``docs/migrate.md``):

- the External Client App has the Connected App's API name and label, and Setup's child names
  (``<App>_oauth``, ``<App>_glbloauth``, ``<App>_oauthPlcy``, ``<App>_plcy``);
- by default it keeps the Connected App's consumer key and secret (clients keep working); with
  ``keep_consumer_key=False`` it gets a new key and secret and the old key stops working;
- while migrated, the read-only Connected App is still listed and read (``listMetadata``/``readMetadata``,
  with the consumer key it had), refuses updates and deploys (``INSUFFICIENT_ACCESS_OR_READONLY``), and issues
  no tokens: its key belongs to the External Client App;
- an app "uses" the username-password flow when it has been granted a token through it (or its seed says so).

This module shares no code with the client side (sfconnect's own mapping is in ``metadata/migration.py``):
the two are checked against each other by the tests.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sfconnect.localorg._store import ComponentRow

if TYPE_CHECKING:
    from sfconnect.localorg._models import LocalOrg, User

Record = dict[str, Any]

__all__ = [
    "Migration",
    "MigrationRefused",
    "migrate_connected_app",
    "migration_of",
    "record_username_password_use",
    "set_app_extras",
]

_MIGRATION_KEY = "migration:"
_EXTRAS_KEY = "app_extras:"

_CHILD_SUFFIXES = {
    "ExtlClntAppOauthSettings": "_oauth",
    "ExtlClntAppGlobalOauthSettings": "_glbloauth",
    "ExtlClntAppOauthConfigurablePolicies": "_oauthPlcy",
    "ExtlClntAppConfigurablePolicies": "_plcy",
}
_IP_RELAXATION = {
    "ENFORCE": "Enforce",
    "BYPASS": "Bypass",
    "BYPASS_2FACTOR": "Bypass_2factor",
    "ENFORCE_RELAXREFRESH": "Enforce_RelaxRefresh",
}
_REFRESH = {
    "infinite": "Infinite",
    "zero": "Zero",
    "specific_lifetime": "SpecificLifetime",
    "specific_inactivity": "SpecificInactivity",
}


class MigrationRefused(ValueError):
    """The Connected App cannot be migrated (the message says why and what to do)."""


@dataclass(frozen=True)
class Migration:
    """A Connected App migrated to an External Client App (kept until the External Client App is deleted)."""

    connected_app: str
    external_client_app: str
    migrated_at: float
    consumer_key_kept: bool
    consumer_key: str
    consumer_secret: str


def _meta_key(name: str) -> str:
    return _MIGRATION_KEY + name.lower()


def migration_of(org: LocalOrg, connected_app: str) -> Migration | None:
    """The migration of a Connected App, while its External Client App exists (None otherwise)."""
    raw = org.store.get_meta(_meta_key(connected_app))
    if not raw:
        return None
    return Migration(**json.loads(raw))


def migration_to(org: LocalOrg, external_client_app: str) -> Migration | None:
    """The migration that created an External Client App, if any."""
    for row in org.components("ConnectedApp"):
        found = migration_of(org, row.full_name)
        if found is not None and found.external_client_app.lower() == external_client_app.lower():
            return found
    return None


def app_extras(org: LocalOrg, name: str) -> dict[str, Any]:
    """Setup-only facts of a Connected App that no metadata field holds (push settings, flows used)."""
    raw = org.store.get_meta(_EXTRAS_KEY + name.lower())
    return dict(json.loads(raw)) if raw else {}


def set_app_extras(org: LocalOrg, name: str, extras: dict[str, Any]) -> None:
    """Record Setup-only facts of a Connected App (from the seed, or as the org observes them)."""
    merged = {**app_extras(org, name), **extras}
    org.store.set_meta(_EXTRAS_KEY + name.lower(), json.dumps(merged, sort_keys=True))


def record_username_password_use(org: LocalOrg, kind: str, name: str) -> None:
    """Remember that a Connected App issued a token through the username-password flow."""
    if kind == "ConnectedApp" and not app_extras(org, name).get("uses_username_password"):
        set_app_extras(org, name, {"uses_username_password": True})


# --- eligibility ------------------------------------------------------------------------------------------


def _push_problems(org: LocalOrg, extras: dict[str, Any]) -> list[str]:
    push = extras.get("push")
    if not isinstance(push, dict):
        return []
    problems: list[str] = []
    apple = push.get("apple")
    if isinstance(apple, dict) and apple.get("certificate_expires"):
        expires = dt.date.fromisoformat(str(apple["certificate_expires"]))
        today = dt.datetime.fromtimestamp(org.clock(), dt.UTC).date()
        if expires < today:
            problems.append(
                f"its Apple push certificate (P12) expired on {expires.isoformat()}: upload a valid certificate "
                "in the app's Mobile App Settings"
            )
    android = push.get("android")
    if isinstance(android, dict) and android.get("server_key"):
        problems.append(
            "its Android push settings use a server key, which is deprecated: configure service account "
            "settings (Firebase Cloud Messaging HTTP v1) instead"
        )
    return problems


def _check_eligible(org: LocalOrg, name: str) -> ComponentRow:
    row = org.component("ConnectedApp", name)
    if row is None:
        raise MigrationRefused(f"no Connected App named {name} in this org")
    if migration_of(org, row.full_name) is not None:
        raise MigrationRefused(
            f"{row.full_name} is already migrated to an External Client App; delete that External Client App "
            "to make the Connected App active again"
        )
    if "__" in row.full_name:
        raise MigrationRefused(
            f"{row.full_name} was installed from a package: only local Connected Apps can be migrated"
        )
    if org.component("ExternalClientApplication", row.full_name) is not None:
        raise MigrationRefused(f"There is already an ExternalClientApplication named {row.full_name}.")
    extras = app_extras(org, row.full_name)
    if extras.get("uses_username_password"):
        raise MigrationRefused(
            f"{row.full_name} uses the username-password flow, which External Client Apps do not support: move "
            "its clients to the web server flow with PKCE or the client credentials flow first"
        )
    problems = _push_problems(org, extras)
    if problems:
        raise MigrationRefused(f"{row.full_name} has invalid push settings: " + "; ".join(problems))
    return row


# --- the External Client App built from the Connected App ---------------------------------------------------


def _put(record: Record, key: str, value: Any) -> None:
    if value is None or value == "" or value == [] or value == {}:
        return
    record[key] = value


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _refresh(policy: str) -> tuple[str, str | None, str | None]:
    keyword, _, rest = policy.strip().partition(":")
    amount, _, unit = rest.partition(":")
    return (
        _REFRESH.get(keyword.lower(), "Infinite"),
        amount or None,
        unit.capitalize() if unit else None,
    )


def build_family(name: str, ca: Record, *, device_flow: bool = False) -> dict[str, Record]:
    """The External Client App records (by type) Setup's migration creates from a Connected App record (and
    its "Enable for Device Flow" checkbox, which no metadata field holds)."""
    oc, pol, sp = _d(ca.get("oauthConfig")), _d(ca.get("oauthPolicy")), _d(ca.get("sessionPolicy"))
    header: Record = {"distributionState": "Local"}
    for key in ("contactEmail", "contactPhone", "description", "iconUrl", "infoUrl", "label", "logoUrl"):
        _put(header, key, ca.get(key))
    family: dict[str, Record] = {"ExternalClientApplication": header}
    names = {t: name + s for t, s in _CHILD_SUFFIXES.items()}

    plcy: Record = {
        "externalClientApplication": name,
        "isEnabled": "true",
        "isOauthPluginEnabled": "true" if oc else "false",
        "label": names["ExtlClntAppConfigurablePolicies"],
    }
    family["ExtlClntAppConfigurablePolicies"] = plcy
    if not oc:
        return family

    settings: Record = {"externalClientApplication": name, "label": names["ExtlClntAppOauthSettings"]}
    _put(settings, "commaSeparatedOauthScopes", ", ".join(sorted(str(s) for s in _l(oc.get("scopes")))))
    _put(settings, "customAttributes", [dict(a) for a in _l(ca.get("attributes")) if isinstance(a, dict)])
    _put(settings, "singleLogoutUrl", oc.get("singleLogoutUrl") or pol.get("singleLogoutUrl"))
    ranges = []
    for r in _l(ca.get("ipRanges")):
        r = _d(r)
        item: Record = {"startIpAddress": r.get("start", ""), "endIpAddress": r.get("end", "")}
        _put(item, "description", r.get("description"))
        ranges.append(item)
    _put(settings, "trustedIpRanges", ranges)
    asset = _d(oc.get("assetTokenConfig"))
    if asset:
        _put(settings, "areAttributesIncludedInAssetToken", asset.get("assetIncludeAttributes"))
        _put(settings, "areCustomPermsIncludedInAssetToken", asset.get("assetIncludeCustomPerms"))
        _put(settings, "assetTokenAudiences", asset.get("assetAudiences"))
        _put(settings, "assetTokenSigningCertificate", asset.get("assetSigningCertId"))
        _put(settings, "assetTokenValidity", asset.get("assetValidityPeriod"))
    family["ExtlClntAppOauthSettings"] = settings

    glb: Record = {"externalClientApplication": name, "label": names["ExtlClntAppGlobalOauthSettings"]}
    _put(glb, "callbackUrl", oc.get("callbackUrl"))
    _put(glb, "certificate", oc.get("certificate"))
    idt = _d(oc.get("idTokenConfig"))
    if idt:
        token: Record = {}
        _put(token, "idTokenAudience", idt.get("idTokenAudience"))
        _put(token, "idTokenIncludeAttributes", idt.get("idTokenIncludeAttributes"))
        _put(token, "idTokenIncludeCustomPermissions", idt.get("idTokenIncludeCustomPerms"))
        _put(token, "idTokenIncludeStandardClaims", idt.get("idTokenIncludeStandardClaims"))
        _put(token, "idTokenValidityInMinutes", idt.get("idTokenValidity"))
        _put(glb, "idTokenConfig", token)
    flags = {
        "isClientCredentialsFlowEnabled": oc.get("isClientCredentialEnabled"),
        "isCodeCredFlowEnabled": oc.get("isCodeCredentialEnabled"),
        "isCodeCredPostOnly": oc.get("isCodeCredentialPostOnly"),
        "isConsumerSecretOptional": oc.get("isConsumerSecretOptional"),
        "isDeviceFlowEnabled": "true" if device_flow else None,
        "isIntrospectAllTokens": oc.get("isIntrospectAllTokens"),
        "isNamedUserJwtEnabled": oc.get("isNamedUserJwtEnabled"),
        # A Connected App's PKCE default is off, an External Client App's on: the behaviour is kept.
        "isPkceRequired": oc.get("isPkceRequired") or "false",
        "isRefreshTokenRotationEnabled": oc.get("isRefreshTokenRotationEnabled"),
        "isSecretRequiredForRefreshToken": oc.get("isSecretRequiredForRefreshToken"),
        "isSecretRequiredForTokenExchange": oc.get("isSecretRequiredForTokenExchange"),
        "isTokenExchangeEnabled": oc.get("isTokenExchangeEnabled"),
    }
    for key, value in flags.items():
        _put(glb, key, value)
    family["ExtlClntAppGlobalOauthSettings"] = glb

    policies: Record = {
        "externalClientApplication": name,
        "label": names["ExtlClntAppOauthConfigurablePolicies"],
        "permittedUsersPolicyType": (
            "AdminApprovedPreAuthorized" if oc.get("isAdminApproved") == "true" else "AllSelfAuthorized"
        ),
        "ipRelaxationPolicyType": _IP_RELAXATION.get(
            str(pol.get("ipRelaxation", "ENFORCE")).upper(), "Enforce"
        ),
    }
    kind, amount, unit = _refresh(str(pol.get("refreshTokenPolicy") or "infinite"))
    policies["refreshTokenPolicyType"] = kind
    if kind.startswith("Specific"):
        _put(policies, "refreshTokenValidityPeriod", amount)
        _put(policies, "refreshTokenValidityUnit", unit)
    if oc.get("isClientCredentialEnabled") == "true":
        policies["isClientCredentialsFlowEnabled"] = "true"
        _put(policies, "clientCredentialsFlowUser", oc.get("oauthClientCredentialUser"))
    if oc.get("isTokenExchangeEnabled") == "true" or pol.get("isTokenExchangeFlowEnabled") == "true":
        policies["isTokenExchangeFlowEnabled"] = "true"
    _put(
        policies,
        "commaSeparatedPermissionSet",
        ", ".join(sorted(str(p) for p in _l(ca.get("permissionSetName")) if p)),
    )
    _put(policies, "commaSeparatedProfile", ", ".join(sorted(str(p) for p in _l(ca.get("profileName")) if p)))
    _put(policies, "sessionTimeoutInMinutes", sp.get("sessionTimeout"))
    level = str(sp.get("sessionLevel", "")).upper()
    policies["requiredSessionLevel"] = "HIGH_ASSURANCE" if level == "HIGH_ASSURANCE" else "STANDARD"
    _put(policies, "policyAction", sp.get("policyAction"))
    _put(policies, "startUrl", ca.get("startUrl"))
    _put(policies, "apexHandler", ca.get("plugin"))
    _put(policies, "executeHandlerAs", ca.get("pluginExecutionUser"))
    family["ExtlClntAppOauthConfigurablePolicies"] = policies
    return family


def migrate_connected_app(
    org: LocalOrg, name: str, *, user: User | None = None, keep_consumer_key: bool = True
) -> Migration:
    """Press Setup's "Migrate to External Client App" button for the Connected App `name`.

    Raises:
        MigrationRefused: the app is unknown, not eligible, or its push settings are invalid.
    """
    actor = user or org.admin_user()
    with org.store.transaction():
        row = _check_eligible(org, name)
        family = build_family(row.full_name, row.record, device_flow=org.device_flow_enabled(row.full_name))
        now = org.clock()
        names = {t: row.full_name + s for t, s in _CHILD_SUFFIXES.items()}
        for type_ in ("ExternalClientApplication", *_CHILD_SUFFIXES):
            record = family.get(type_)
            if record is None:
                continue
            full_name = row.full_name if type_ == "ExternalClientApplication" else names[type_]
            info = org.check_type(type_)
            org.store.put_component(
                ComponentRow(
                    org.org_id,
                    type_,
                    full_name,
                    org.ids.new_id(info.id_prefix),
                    record,
                    now,
                    actor.id,
                    now,
                    actor.id,
                )
            )
        creds = org.credentials.primary("ConnectedApp", row.full_name)
        key, secret = creds if creds is not None else ("", "")
        if "ExtlClntAppGlobalOauthSettings" in family:
            if keep_consumer_key and creds is not None:
                org.credentials.forget("ConnectedApp", row.full_name)
                org.credentials.set("ExternalClientApplication", row.full_name, key, secret)
            else:
                org.credentials.set(
                    "ExternalClientApplication",
                    row.full_name,
                    org.credentials.new_consumer_key(),
                    org.credentials.new_consumer_secret(),
                )
        migration = Migration(row.full_name, row.full_name, now, keep_consumer_key, key, secret)
        org.store.set_meta(_meta_key(row.full_name), json.dumps(asdict(migration), sort_keys=True))
    return migration


def reactivate(org: LocalOrg, external_client_app: str) -> str | None:
    """After the External Client App of a migration is deleted: the Connected App is active again, with the
    settings (and credentials) it had at migration. Returns its name; the caller holds the transaction."""
    found = migration_to(org, external_client_app)
    if found is None:
        return None
    org.store.set_meta(_meta_key(found.connected_app), "")
    if found.consumer_key and org.credentials.primary("ConnectedApp", found.connected_app) is None:
        org.credentials.set("ConnectedApp", found.connected_app, found.consumer_key, found.consumer_secret)
    return found.connected_app
