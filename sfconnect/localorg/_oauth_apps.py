"""An app's effective OAuth settings, read from its stored component(s), whatever the kind.

A Connected App keeps everything in one `ConnectedApp` record; an External Client App spreads it over the
header and its children (`ExtlClntAppGlobalOauthSettings`, `ExtlClntAppOauthSettings`,
`ExtlClntAppOauthConfigurablePolicies`, `ExtlClntAppConfigurablePolicies`), which name the header in
`externalClientApplication`. `read_app` folds either into one `OAuthApp`, so the flows never ask which kind
of app they serve.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from sfconnect.localorg._models import AppCredentials, LocalOrg
from sfconnect.localorg._store import ComponentRow

__all__ = [
    "REFRESH_SCOPES",
    "SCOPE_TOKENS",
    "OAuthApp",
    "RefreshPolicy",
    "in_ranges",
    "parse_refresh_policy",
    "read_app",
    "scope_tokens",
]

SCOPE_TOKENS: dict[str, str] = {
    "Basic": "id",
    "Api": "api",
    "Web": "web",
    "Full": "full",
    "Chatter": "chatter_api",
    "CustomApplications": "visualforce",
    "RefreshToken": "refresh_token",
    "OfflineAccess": "offline_access",
    "OpenID": "openid",
    "Profile": "profile",
    "Email": "email",
    "Address": "address",
    "Phone": "phone",
    "CustomPermissions": "custom_permissions",
    "Wave": "wave_api",
    "Eclair": "eclair_api",
    "Pardot": "pardot_api",
    "Lightning": "lightning",
    "Content": "content",
    "CDPIngest": "cdp_ingest_api",
    "CDPProfile": "cdp_profile_api",
    "CDPQuery": "cdp_query_api",
    "Chatbot": "chatbot_api",
    "SFAP": "sfap_api",
    "EinsteinGPT": "einstein_gpt_api",
    "CDPSegment": "cdp_segment_api",
    "CDPIdentityResolution": "cdp_identityresolution_api",
    "CDPCalculatedInsight": "cdp_calculated_insight_api",
    "CDP": "cdp_api",
    "Interaction": "interaction_api",
    "ForgotPassword": "forgot_password",
    "UserRegistration": "user_registration_api",
    "PwdlessLogin": "pwdless_login_api",
}
"""Metadata scope enum -> the OAuth `scope` token (reference 1.4; some token spellings are unconfirmed)."""

REFRESH_SCOPES = frozenset({"refresh_token", "offline_access"})

_IMPLIED: dict[str, frozenset[str]] = {
    "id": frozenset({"id", "profile", "email", "address", "phone"}),
    "profile": frozenset({"id", "profile", "email", "address", "phone"}),
    "email": frozenset({"id", "profile", "email", "address", "phone"}),
    "address": frozenset({"id", "profile", "email", "address", "phone"}),
    "phone": frozenset({"id", "profile", "email", "address", "phone"}),
    "refresh_token": REFRESH_SCOPES,
    "offline_access": REFRESH_SCOPES,
    "api": frozenset({"api", "chatter_api"}),
    "web": frozenset({"web", "visualforce"}),
}
KNOWN_SCOPES = frozenset(SCOPE_TOKENS.values()) | frozenset(
    {"chatter_api", "visualforce", "refresh_token", "offline_access"}
)

_UNIT_SECONDS = {"HOURS": 3600, "DAYS": 86400, "MONTHS": 30 * 86400}


@dataclass(frozen=True)
class RefreshPolicy:
    """`infinite`, `zero`, `specific_lifetime` or `specific_inactivity`, with the period in seconds."""

    kind: str = "infinite"
    seconds: float = 0.0


def parse_refresh_policy(text: str | None) -> RefreshPolicy:
    """Parse a Connected App `refreshTokenPolicy` (`specific_lifetime:3:HOURS`, ...); unknown -> infinite."""
    if not text:
        return RefreshPolicy()
    parts = text.strip().split(":")
    kind = parts[0].lower()
    if kind in ("infinite", "zero"):
        return RefreshPolicy(kind)
    if kind in ("specific_lifetime", "specific_inactivity") and len(parts) == 3 and parts[1].isdigit():
        return RefreshPolicy(kind, int(parts[1]) * _UNIT_SECONDS.get(parts[2].upper(), 86400))
    return RefreshPolicy()


@dataclass(frozen=True)
class OAuthApp:
    """Everything the OAuth endpoints enforce for one app (Connected App or External Client App)."""

    kind: str
    """`ConnectedApp` or `ExternalClientApplication`."""
    name: str
    label: str
    consumer_key: str
    consumer_secret: str
    modified: float
    """Latest change of any of the app's components (for the propagation delay)."""
    enabled: bool
    oauth_enabled: bool
    callback_urls: tuple[str, ...]
    scopes: tuple[str, ...]
    """Granted-by-default scope tokens, in the app's order (`api`, `refresh_token`, ...)."""
    certificate: str | None
    pkce_required: bool
    secret_optional: bool
    secret_required_for_refresh: bool
    rotation: bool
    introspect_all: bool
    client_credentials: bool
    run_as: str | None
    device_flow: bool
    admin_approved: bool
    profiles: tuple[str, ...]
    permission_sets: tuple[str, ...]
    ip_relaxation: str
    trusted_ranges: tuple[tuple[str, str], ...]
    refresh_policy: RefreshPolicy
    blocked: bool
    high_assurance: bool
    session_timeout_minutes: int | None
    id_token_minutes: int
    id_token_audiences: tuple[str, ...]

    def allows_scope(self, token: str) -> bool:
        """Whether the app's scopes cover a requested scope token."""
        granted: set[str] = set()
        for s in self.scopes:
            granted |= _IMPLIED.get(s, frozenset({s}))
        if token in granted:
            return True
        return "full" in granted and token in KNOWN_SCOPES and token not in REFRESH_SCOPES


def scope_tokens(enums: list[str]) -> tuple[str, ...]:
    """Scope enum names -> tokens (unknown names pass through lower-cased), without duplicates."""
    out: list[str] = []
    for e in enums:
        token = SCOPE_TOKENS.get(e.strip(), e.strip().lower())
        if token and token not in out:
            out.append(token)
    return tuple(out)


def in_ranges(ip: str, ranges: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> bool:
    """Whether `ip` falls inside one of the inclusive (start, end) ranges (IPv4 or IPv6)."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for start, end in ranges:
        try:
            lo, hi = ipaddress.ip_address(start.strip()), ipaddress.ip_address(end.strip())
        except ValueError:
            continue
        if lo.version == addr.version == hi.version and lo <= addr <= hi:  # type: ignore[operator]
            return True
    return False


def _b(value: Any, default: bool = False) -> bool:
    return default if value in (None, "") else str(value).lower() == "true"


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _csv(value: Any) -> tuple[str, ...]:
    return tuple(p.strip() for p in str(value or "").split(",") if p.strip())


def _callbacks(text: Any) -> tuple[str, ...]:
    return tuple(u.strip() for u in re.split(r"[\r\n]+", str(text or "")) if u.strip())


def _relaxation(value: Any) -> str:
    v = str(value or "ENFORCE").upper()
    return v if v in ("ENFORCE", "BYPASS", "BYPASS_2FACTOR", "ENFORCE_RELAXREFRESH") else "ENFORCE"


def read_app(org: LocalOrg, creds: AppCredentials) -> OAuthApp | None:
    """The effective settings of the app owning `creds`, or None when its components are gone."""
    if creds.app_type == "ConnectedApp":
        row = org.component("ConnectedApp", creds.app_name)
        return None if row is None else _connected_app(row, creds, org.device_flow_enabled(row.full_name))
    header = org.component("ExternalClientApplication", creds.app_name)
    if header is None:
        return None
    children: dict[str, ComponentRow] = {}
    for type_ in (
        "ExtlClntAppGlobalOauthSettings",
        "ExtlClntAppOauthSettings",
        "ExtlClntAppOauthConfigurablePolicies",
        "ExtlClntAppConfigurablePolicies",
    ):
        for row in org.components(type_):
            if str(row.record.get("externalClientApplication", "")).lower() == header.full_name.lower():
                children[type_] = row
                break
    return _external_client_app(header, children, creds)


def _connected_app(row: ComponentRow, creds: AppCredentials, device_flow: bool) -> OAuthApp:
    rec = row.record
    oc, pol, sp = _d(rec.get("oauthConfig")), _d(rec.get("oauthPolicy")), _d(rec.get("sessionPolicy"))
    idt = _d(oc.get("idTokenConfig"))
    return OAuthApp(
        kind="ConnectedApp",
        name=row.full_name,
        label=str(rec.get("label") or row.full_name),
        consumer_key=creds.consumer_key,
        consumer_secret=creds.consumer_secret,
        modified=row.modified_date,
        enabled=True,
        oauth_enabled=bool(oc),
        callback_urls=_callbacks(oc.get("callbackUrl")),
        scopes=scope_tokens([str(s) for s in _l(oc.get("scopes"))]),
        certificate=str(oc["certificate"]) if oc.get("certificate") else None,
        pkce_required=_b(oc.get("isPkceRequired")),
        secret_optional=_b(oc.get("isConsumerSecretOptional")),
        secret_required_for_refresh=_b(oc.get("isSecretRequiredForRefreshToken"), True),
        rotation=_b(oc.get("isRefreshTokenRotationEnabled")),
        introspect_all=_b(oc.get("isIntrospectAllTokens")),
        client_credentials=_b(oc.get("isClientCredentialEnabled")),
        run_as=str(oc["oauthClientCredentialUser"]) if oc.get("oauthClientCredentialUser") else None,
        # "Enable for Device Flow" is a Setup checkbox with no metadata field, off by default: the org keeps
        # it per app (seed `deviceFlow`, `sfconnect localorg device-flow`).
        device_flow=device_flow,
        admin_approved=_b(oc.get("isAdminApproved")),
        profiles=tuple(str(p) for p in _l(rec.get("profileName")) if p),
        permission_sets=tuple(str(p) for p in _l(rec.get("permissionSetName")) if p),
        ip_relaxation=_relaxation(pol.get("ipRelaxation")),
        trusted_ranges=tuple(
            (str(_d(r).get("start", "")), str(_d(r).get("end", ""))) for r in _l(rec.get("ipRanges"))
        ),
        refresh_policy=parse_refresh_policy(pol.get("refreshTokenPolicy")),
        blocked=str(sp.get("policyAction", "")) == "Block",
        high_assurance=str(sp.get("policyAction", "")) == "RaiseSessionLevel"
        or str(sp.get("sessionLevel", "")).upper() == "HIGH_ASSURANCE",
        session_timeout_minutes=_int(sp.get("sessionTimeout")) if sp.get("sessionTimeout") else None,
        id_token_minutes=_int(idt.get("idTokenValidity")) or 2,
        id_token_audiences=_csv(idt.get("idTokenAudience")),
    )


def _external_client_app(
    header: ComponentRow, children: dict[str, ComponentRow], creds: AppCredentials
) -> OAuthApp:
    glob = (
        _d(children["ExtlClntAppGlobalOauthSettings"].record)
        if "ExtlClntAppGlobalOauthSettings" in children
        else {}
    )
    settings = (
        _d(children["ExtlClntAppOauthSettings"].record) if "ExtlClntAppOauthSettings" in children else {}
    )
    policies = (
        _d(children["ExtlClntAppOauthConfigurablePolicies"].record)
        if "ExtlClntAppOauthConfigurablePolicies" in children
        else {}
    )
    plugin = (
        _d(children["ExtlClntAppConfigurablePolicies"].record)
        if "ExtlClntAppConfigurablePolicies" in children
        else {}
    )
    idt = _d(glob.get("idTokenConfig"))
    rt_type = str(policies.get("refreshTokenPolicyType") or "Infinite")
    if rt_type in ("SpecificLifetime", "SpecificInactivity"):
        kind = "specific_lifetime" if rt_type == "SpecificLifetime" else "specific_inactivity"
        period = _int(policies.get("refreshTokenValidityPeriod")) or 1
        unit = str(policies.get("refreshTokenValidityUnit") or "Days").upper()
        refresh = RefreshPolicy(kind, period * _UNIT_SECONDS.get(unit, 86400))
    else:
        refresh = RefreshPolicy("zero" if rt_type == "Zero" else "infinite")
    action = str(policies.get("policyAction", ""))
    timeout = (
        _int(policies.get("sessionTimeoutInMinutes")) if policies.get("sessionTimeoutInMinutes") else None
    )
    modified = max([header.modified_date, *(c.modified_date for c in children.values())])
    return OAuthApp(
        kind="ExternalClientApplication",
        name=header.full_name,
        label=str(header.record.get("label") or header.full_name),
        consumer_key=creds.consumer_key,
        consumer_secret=creds.consumer_secret,
        modified=modified,
        enabled=_b(plugin.get("isEnabled"), True),
        oauth_enabled=_b(plugin.get("isOauthPluginEnabled"), True) and bool(glob),
        callback_urls=_callbacks(glob.get("callbackUrl")),
        scopes=scope_tokens(list(_csv(settings.get("commaSeparatedOauthScopes")))),
        certificate=str(glob["certificate"]) if glob.get("certificate") else None,
        pkce_required=_b(glob.get("isPkceRequired"), True),
        secret_optional=_b(glob.get("isConsumerSecretOptional")),
        secret_required_for_refresh=_b(glob.get("isSecretRequiredForRefreshToken"), True),
        rotation=_b(glob.get("isRefreshTokenRotationEnabled")),
        introspect_all=_b(glob.get("isIntrospectAllTokens")),
        # Both switches: the developer's (global settings) and the admin's (policies).
        client_credentials=_b(glob.get("isClientCredentialsFlowEnabled"))
        and _b(policies.get("isClientCredentialsFlowEnabled")),
        run_as=str(policies["clientCredentialsFlowUser"])
        if policies.get("clientCredentialsFlowUser")
        else None,
        device_flow=_b(glob.get("isDeviceFlowEnabled")),
        admin_approved=str(policies.get("permittedUsersPolicyType", "")) == "AdminApprovedPreAuthorized",
        profiles=_csv(policies.get("commaSeparatedProfile")),
        permission_sets=_csv(policies.get("commaSeparatedPermissionSet")),
        ip_relaxation=_relaxation(policies.get("ipRelaxationPolicyType")),
        trusted_ranges=tuple(
            (str(_d(r).get("startIpAddress", "")), str(_d(r).get("endIpAddress", "")))
            for r in _l(settings.get("trustedIpRanges"))
        ),
        refresh_policy=refresh,
        blocked=action == "Block",
        high_assurance=action == "RaiseSessionLevel"
        or str(policies.get("requiredSessionLevel", "")) == "HIGH_ASSURANCE",
        session_timeout_minutes=timeout,
        id_token_minutes=_int(idt.get("idTokenValidityInMinutes")) or 2,
        id_token_audiences=_csv(idt.get("idTokenAudience")),
    )
