"""OAuth scope names: the Metadata API spelling is canonical; token names are accepted too.

A YAML file may name a scope the way the Metadata API does (``Api``, ``RefreshToken``) or the way OAuth
requests do (``api``, ``refresh_token``, ``offline_access``). `canonical_scope` maps every accepted spelling
to one canonical name: the Metadata API enum value, with Salesforce's synonyms folded into the name a retrieve
returns (``Profile``/``Email``/``Address``/``Phone`` -> ``Basic``, ``OfflineAccess`` -> ``RefreshToken``).
"""

from __future__ import annotations

import difflib

from sfconnect.spec._wsdl import ENUMS

__all__ = [
    "ACCEPTED_SCOPES",
    "ECA_ONLY_SCOPES",
    "METADATA_SCOPES",
    "SYNONYMS",
    "TOKEN_NAMES",
    "UnknownScopeError",
    "canonical_scope",
    "token_name",
]

METADATA_SCOPES: tuple[str, ...] = ENUMS["ConnectedAppOauthAccessScope"]
"""Every value of the v63 `ConnectedAppOauthAccessScope` enumeration, in WSDL order."""

ECA_ONLY_SCOPES: tuple[str, ...] = ("MCP", "SCRT", "SFApiPlatform")
"""External Client App scopes newer than the v63 enumeration (reference 2.3; real files use them)."""

SYNONYMS: dict[str, str] = {
    "Profile": "Basic",
    "Email": "Basic",
    "Address": "Basic",
    "Phone": "Basic",
    "OfflineAccess": "RefreshToken",
}
"""Metadata names Salesforce accepts on deploy but returns as another name on retrieve."""

TOKEN_NAMES: dict[str, str] = {
    "api": "Api",
    "web": "Web",
    "full": "Full",
    "chatter_api": "Chatter",
    "visualforce": "CustomApplications",
    "refresh_token": "RefreshToken",
    "offline_access": "OfflineAccess",
    "openid": "OpenID",
    "id": "Basic",
    "profile": "Profile",
    "email": "Email",
    "address": "Address",
    "phone": "Phone",
    "custom_permissions": "CustomPermissions",
    "wave_api": "Wave",
    "eclair_api": "Eclair",
    "pardot_api": "Pardot",
    "lightning": "Lightning",
    "content": "Content",
    "cdp_ingest_api": "CDPIngest",
    "cdp_profile_api": "CDPProfile",
    "cdp_query_api": "CDPQuery",
    "chatbot_api": "Chatbot",
    "sfap_api": "SFAP",
    "einstein_gpt_api": "EinsteinGPT",
}
"""OAuth ``scope=`` token -> Metadata API name (reference 1.4; some pairings are inferred there)."""

ACCEPTED_SCOPES: tuple[str, ...] = tuple(
    sorted({*METADATA_SCOPES, *ECA_ONLY_SCOPES, *TOKEN_NAMES}, key=lambda s: (s.lower(), s))
)
"""Every spelling a YAML file may use (the JSON Schema's enum)."""

_PREFERRED_TOKEN: dict[str, str] = {}
for _token, _name in TOKEN_NAMES.items():
    _PREFERRED_TOKEN.setdefault(_name, _token)


class UnknownScopeError(ValueError):
    """A scope name that is neither a Metadata API name nor a known token name."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        text = f"unknown OAuth scope '{name}'"
        if suggestions:
            text += "; did you mean " + " or ".join(f"'{s}'" for s in suggestions) + "?"
        super().__init__(text)


def canonical_scope(name: str) -> str:
    """Return the canonical (Metadata API, synonym-folded) name of a scope.

    Raises:
        UnknownScopeError: `name` is not an accepted spelling; the error carries close matches.
    """
    if name in TOKEN_NAMES:
        name = TOKEN_NAMES[name]
    if name in METADATA_SCOPES:
        return SYNONYMS.get(name, name)
    if name in ECA_ONLY_SCOPES:
        return name
    lowered = {s.lower(): s for s in ACCEPTED_SCOPES}
    if name.lower() in lowered:
        suggestions = [lowered[name.lower()]]
    else:
        close = difflib.get_close_matches(name.lower(), list(lowered), n=2, cutoff=0.6)
        suggestions = [lowered[c] for c in close]
    raise UnknownScopeError(name, suggestions)


def token_name(scope: str) -> str:
    """The OAuth ``scope=`` token for a canonical scope name (the name itself, lower-cased, if unknown)."""
    return _PREFERRED_TOKEN.get(scope, scope.lower())
