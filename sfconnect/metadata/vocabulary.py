"""How YAML words map to Salesforce's metadata values, in one place for the compiler, the decompiler and plans.

The compiler turns YAML values into metadata values with the forward maps; the decompiler reads them back with
`reverse`; and `yaml_value` lets a plan show a metadata value the way the YAML says it (``admin_approved``
rather than ``AdminApprovedPreAuthorized``, ``require_secret: false`` rather than ``isConsumerSecretOptional:
true``), so reviewers compare like with like.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sfconnect._types import JSONValue
from sfconnect.metadata.normalize import split_callback_urls
from sfconnect.spec.scopes import token_name

__all__ = [
    "CA_IP_RELAXATION",
    "CA_REFRESH",
    "ECA_IP_RELAXATION",
    "ECA_PERMITTED_USERS",
    "ECA_REFRESH",
    "POLICY_ACTION",
    "reverse",
    "yaml_value",
]

CA_IP_RELAXATION: dict[str, str] = {
    "enforce": "ENFORCE",
    "relax": "BYPASS",
    "relax_with_second_factor": "BYPASS_2FACTOR",
    "enforce_relax_refresh": "ENFORCE_RELAXREFRESH",
}
ECA_IP_RELAXATION: dict[str, str] = {
    "enforce": "Enforce",
    "relax": "Bypass",
    "relax_with_second_factor": "Bypass_2factor",
    "enforce_relax_refresh": "Enforce_RelaxRefresh",
}
CA_REFRESH: dict[str, str] = {
    "until_revoked": "infinite",
    "immediately": "zero",
    "after_lifetime": "specific_lifetime",
    "after_inactivity": "specific_inactivity",
}
ECA_REFRESH: dict[str, str] = {
    "until_revoked": "Infinite",
    "immediately": "Zero",
    "after_lifetime": "SpecificLifetime",
    "after_inactivity": "SpecificInactivity",
}
ECA_PERMITTED_USERS: dict[str, str] = {
    "all_users": "AllSelfAuthorized",
    "admin_approved": "AdminApprovedPreAuthorized",
}
POLICY_ACTION: dict[str, str] = {"raise_session_level": "RaiseSessionLevel", "block": "Block"}


def reverse(mapping: Mapping[str, str]) -> dict[str, str]:
    """Metadata value -> YAML word."""
    return {v: k for k, v in mapping.items()}


def _lookup(mapping: Mapping[str, str]) -> Callable[[JSONValue], JSONValue]:
    back = reverse(mapping)
    return lambda v: back.get(v, v) if isinstance(v, str) else v


def _invert(v: JSONValue) -> JSONValue:
    return (not v) if isinstance(v, bool) else v


def _comma_list(v: JSONValue) -> JSONValue:
    return [p.strip() for p in v.split(",") if p.strip()] if isinstance(v, str) else v


def _scopes(v: JSONValue) -> JSONValue:
    items = _comma_list(v)
    return [token_name(str(s)) for s in items] if isinstance(items, list) else items


def _lines(v: JSONValue) -> JSONValue:
    if not isinstance(v, str):
        return v
    lines: list[JSONValue] = list(split_callback_urls(v))
    return lines


def _high_assurance(v: JSONValue) -> JSONValue:
    return v == "HIGH_ASSURANCE" if isinstance(v, str) else v


def _admin_approved(v: JSONValue) -> JSONValue:
    return ("admin_approved" if v else "all_users") if isinstance(v, bool) else v


def _ca_refresh(v: JSONValue) -> JSONValue:
    if not isinstance(v, str):
        return v
    keyword, _, rest = v.partition(":")
    word = reverse(CA_REFRESH).get(keyword, keyword)
    amount, _, unit = rest.partition(":")
    return f"{word} {amount} {unit.lower()}" if amount else word


def _ip_ranges(v: JSONValue) -> JSONValue:
    if not isinstance(v, list):
        return v
    renamed = {"startIpAddress": "start", "endIpAddress": "end"}
    return [{renamed.get(k, k): x for k, x in r.items()} if isinstance(r, dict) else r for r in v]


def _lower(v: JSONValue) -> JSONValue:
    return v.lower() if isinstance(v, str) else v


_CA = "ConnectedApp"
_SET = "ExtlClntAppOauthSettings"
_GLB = "ExtlClntAppGlobalOauthSettings"
_POL = "ExtlClntAppOauthConfigurablePolicies"

_DISPLAY: dict[tuple[str, str], Callable[[JSONValue], JSONValue]] = {
    (_CA, "oauthPolicy.ipRelaxation"): _lookup(CA_IP_RELAXATION),
    (_CA, "oauthPolicy.refreshTokenPolicy"): _ca_refresh,
    (_CA, "oauthConfig.isConsumerSecretOptional"): _invert,
    (_CA, "oauthConfig.isAdminApproved"): _admin_approved,
    (_CA, "oauthConfig.scopes"): _scopes,
    (_CA, "oauthConfig.callbackUrl"): _lines,
    (_CA, "sessionPolicy.sessionLevel"): _high_assurance,
    (_CA, "sessionPolicy.policyAction"): _lookup(POLICY_ACTION),
    ("ExternalClientApplication", "distributionState"): _lower,
    (_SET, "commaSeparatedOauthScopes"): _scopes,
    (_SET, "commaSeparatedCustomScopes"): _comma_list,
    (_SET, "trustedIpRanges"): _ip_ranges,
    (_GLB, "isConsumerSecretOptional"): _invert,
    (_GLB, "callbackUrl"): _lines,
    (_POL, "ipRelaxationPolicyType"): _lookup(ECA_IP_RELAXATION),
    (_POL, "refreshTokenPolicyType"): _lookup(ECA_REFRESH),
    (_POL, "refreshTokenValidityUnit"): _lower,
    (_POL, "permittedUsersPolicyType"): _lookup(ECA_PERMITTED_USERS),
    (_POL, "requiredSessionLevel"): _high_assurance,
    (_POL, "policyAction"): _lookup(POLICY_ACTION),
    (_POL, "commaSeparatedPermissionSet"): _comma_list,
    (_POL, "commaSeparatedProfile"): _comma_list,
}


def yaml_value(component_type: str, metadata_path: str, value: JSONValue) -> JSONValue:
    """`value` (at `metadata_path` of a component type) as the YAML writes it; other values unchanged."""
    convert = _DISPLAY.get((component_type, metadata_path))
    return value if convert is None or value is None else convert(value)
