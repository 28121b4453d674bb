"""Where each flow and policy switch of the YAML lives in Salesforce, per kind of app.

A switch is one of:

- ``metadata``: a field of a metadata component (`Location.fields`, ``Type.field`` paths; several when one
  YAML value sets more than one field), available from API version `Location.since`;
- ``org``: an org-wide setting (no per-app field; the org decides for every app);
- ``intent``: recorded in YAML only; never diffed or deployed (smoke may still check positive behaviour);
- ``unsupported``: the kind cannot do it; enabling it is a validation error.

The compiler (`metadata/`), smoke and lint read `SWITCHES`; ``docs/yaml-reference.md`` embeds
`markdown_table()` (a test keeps them equal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["NOT_EXPRESSED", "SWITCHES", "VALUES", "Location", "Switch", "markdown_table", "switch"]

Where = Literal["metadata", "org", "intent", "unsupported"]


@dataclass(frozen=True)
class Location:
    """Where a switch lives for one kind of app."""

    where: Where
    fields: tuple[str, ...] = ()
    since: str = ""
    note: str = ""

    def describe(self) -> str:
        """One table cell."""
        text = {
            "metadata": "",
            "org": "org-wide: ",
            "intent": "intent only",
            "unsupported": "not supported",
        }[self.where]
        if self.fields:
            text += ", ".join(f"`{f}`" for f in self.fields)
        if self.since:
            text += f" (API {self.since})"
        if self.note:
            text += f"; {self.note}"
        return text


@dataclass(frozen=True)
class Switch:
    """A YAML key path (dotted, under an app) and where it lives for each kind."""

    path: str
    connected_app: Location
    external_client_app: Location

    def for_kind(self, kind: str) -> Location:
        """The location for ``ConnectedApp`` or ``ExternalClientApp``."""
        return self.connected_app if kind == "ConnectedApp" else self.external_client_app


def _m(*fields: str, since: str = "", note: str = "") -> Location:
    return Location("metadata", fields, since, note)


_CA = "ConnectedApp"
_CFG = "ConnectedApp.oauthConfig"
_POL = "ConnectedApp.oauthPolicy"
_SES = "ConnectedApp.sessionPolicy"
_GLB = "ExtlClntAppGlobalOauthSettings"
_SET = "ExtlClntAppOauthSettings"
_OPL = "ExtlClntAppOauthConfigurablePolicies"
_OIDC = "OauthOidcSettings"
_CODE_CRED_ORG = f"also org-wide {_OIDC}.oAuthCdCrdtFlowEnable"

SWITCHES: tuple[Switch, ...] = (
    Switch(
        "oauth.flows.authorization_code.enabled",
        Location("intent", note="always available when OAuth is on"),
        Location("intent", note="always available when OAuth is on"),
    ),
    Switch(
        "oauth.flows.authorization_code.require_pkce",
        _m(f"{_CFG}.isPkceRequired", since="59.0"),
        _m(f"{_GLB}.isPkceRequired", since="59.0"),
    ),
    Switch(
        "oauth.flows.authorization_code.require_secret",
        _m(f"{_CFG}.isConsumerSecretOptional", since="49.0", note="inverted"),
        _m(f"{_GLB}.isConsumerSecretOptional", since="59.0", note="inverted"),
    ),
    Switch(
        "oauth.flows.client_credentials.enabled",
        _m(f"{_CFG}.isClientCredentialEnabled", since="56.0"),
        _m(f"{_GLB}.isClientCredentialsFlowEnabled", f"{_OPL}.isClientCredentialsFlowEnabled", since="60.0"),
    ),
    Switch(
        "oauth.flows.client_credentials.run_as",
        _m(f"{_CFG}.oauthClientCredentialUser", since="56.0"),
        _m(f"{_OPL}.clientCredentialsFlowUser", since="60.0"),
    ),
    Switch(
        "oauth.flows.jwt_bearer.enabled",
        Location("intent", note="the flow works when a certificate is set"),
        Location("intent", note="the flow works when a certificate is set"),
    ),
    Switch(
        "oauth.flows.jwt_bearer.certificate",
        _m(f"{_CFG}.certificate"),
        _m(f"{_GLB}.certificate", since="60.0"),
    ),
    Switch(
        "oauth.flows.user_agent.enabled",
        Location("org", (f"{_OIDC}.blockOAuthUsrAgtFlow",)),
        Location("org", (f"{_OIDC}.blockOAuthUsrAgtFlow",)),
    ),
    Switch(
        "oauth.flows.device.enabled",
        Location("intent", note="Setup checkbox only, no field at API 63.0"),
        _m(f"{_GLB}.isDeviceFlowEnabled", since="60.0"),
    ),
    Switch(
        "oauth.flows.token_exchange.enabled",
        _m(f"{_CFG}.isTokenExchangeEnabled", f"{_POL}.isTokenExchangeFlowEnabled", since="60.0"),
        _m(f"{_GLB}.isTokenExchangeEnabled", f"{_OPL}.isTokenExchangeFlowEnabled", since="60.0"),
    ),
    Switch(
        "oauth.flows.token_exchange.require_secret",
        _m(f"{_CFG}.isSecretRequiredForTokenExchange", since="60.0"),
        _m(f"{_GLB}.isSecretRequiredForTokenExchange", since="60.0"),
    ),
    Switch(
        "oauth.flows.username_password.enabled",
        Location("org", (f"{_OIDC}.blockOAuthUnPwFlow",)),
        Location("unsupported", note="External Client Apps do not support the flow"),
    ),
    Switch(
        "oauth.flows.code_credential.enabled",
        _m(
            f"{_CFG}.isCodeCredentialEnabled",
            since="57.0",
            note=_CODE_CRED_ORG,
        ),
        _m(f"{_GLB}.isCodeCredFlowEnabled", since="60.0", note=_CODE_CRED_ORG),
    ),
    Switch(
        "oauth.flows.code_credential.post_only",
        _m(f"{_CFG}.isCodeCredentialPostOnly", since="57.0"),
        _m(f"{_GLB}.isCodeCredPostOnly", since="61.0"),
    ),
    Switch(
        "oauth.flows.code_credential.guest_enabled",
        Location("unsupported"),
        _m(f"{_OPL}.isGuestCodeCredFlowEnabled", since="61.0"),
    ),
    Switch(
        "oauth.refresh_token.policy",
        _m(f"{_POL}.refreshTokenPolicy", since="49.0", note="with period and unit packed in"),
        _m(
            f"{_OPL}.refreshTokenPolicyType",
            f"{_OPL}.refreshTokenValidityPeriod",
            f"{_OPL}.refreshTokenValidityUnit",
            since="59.0",
        ),
    ),
    Switch(
        "oauth.refresh_token.rotation",
        _m(f"{_CFG}.isRefreshTokenRotationEnabled", since="60.0"),
        _m(f"{_GLB}.isRefreshTokenRotationEnabled", since="60.0"),
    ),
    Switch(
        "oauth.refresh_token.require_secret",
        _m(f"{_CFG}.isSecretRequiredForRefreshToken", since="51.0"),
        _m(f"{_GLB}.isSecretRequiredForRefreshToken", since="59.0"),
    ),
    Switch(
        "oauth.introspect_all_tokens",
        _m(f"{_CFG}.isIntrospectAllTokens", since="49.0"),
        _m(f"{_GLB}.isIntrospectAllTokens", since="59.0"),
    ),
    Switch(
        "oauth.jwt_access_tokens.enabled",
        _m(f"{_CFG}.isNamedUserJwtEnabled", since="59.0"),
        _m(f"{_GLB}.isNamedUserJwtEnabled", since="61.0"),
    ),
    Switch(
        "oauth.jwt_access_tokens.timeout_minutes",
        Location("intent", note="not in ConnectedApp metadata at API 63.0"),
        _m(f"{_OPL}.namedUserJwtTimeout", since="61.0"),
    ),
    Switch(
        "access.permitted_users",
        _m(f"{_CFG}.isAdminApproved", since="46.0"),
        _m(f"{_OPL}.permittedUsersPolicyType", since="59.0"),
    ),
    Switch(
        "access.profiles",
        _m(f"{_CA}.profileName", since="46.0"),
        _m(f"{_OPL}.commaSeparatedProfile", since="59.0"),
    ),
    Switch(
        "access.permission_sets",
        _m(f"{_CA}.permissionSetName", since="46.0"),
        _m(f"{_OPL}.commaSeparatedPermissionSet", since="59.0"),
    ),
    Switch(
        "access.ip_relaxation",
        _m(f"{_POL}.ipRelaxation", since="49.0"),
        _m(f"{_OPL}.ipRelaxationPolicyType", since="59.0"),
    ),
    Switch(
        "access.trusted_ip_ranges",
        _m(f"{_CA}.ipRanges"),
        _m(f"{_SET}.trustedIpRanges", since="59.0"),
    ),
    Switch(
        "access.session_timeout_minutes",
        _m(f"{_SES}.sessionTimeout", since="49.0"),
        _m(f"{_OPL}.sessionTimeoutInMinutes", since="59.0"),
    ),
    Switch(
        "access.high_assurance.required",
        _m(f"{_SES}.sessionLevel", since="49.0", note="HIGH_ASSURANCE"),
        _m(f"{_OPL}.requiredSessionLevel", since="59.0", note="HIGH_ASSURANCE"),
    ),
    Switch(
        "access.high_assurance.action",
        _m(f"{_SES}.policyAction", since="49.0"),
        _m(f"{_OPL}.policyAction", since="59.0"),
    ),
    Switch(
        "oauth.consumer_secret",
        _m(f"{_CFG}.consumerSecret", note="write-only; applied on create only"),
        _m(f"{_GLB}.consumerSecret", note="write-only; applied on create only"),
    ),
)
"""Every flow and policy switch, in the order of the YAML reference's table."""


_CAI = "ConnectedApp.oauthConfig.idTokenConfig"
_CAA = "ConnectedApp.oauthConfig.assetTokenConfig"
_GID = "ExtlClntAppGlobalOauthSettings.idTokenConfig"


def _both(path: str, ca: tuple[str, ...], eca: tuple[str, ...], note: str = "") -> Switch:
    return Switch(
        path,
        Location("metadata", ca, note=note) if ca else Location("unsupported"),
        Location("metadata", eca, note=note) if eca else Location("unsupported"),
    )


VALUES: tuple[Switch, ...] = (
    _both("label", (f"{_CA}.label",), ("ExternalClientApplication.label",)),
    _both("description", (f"{_CA}.description",), ("ExternalClientApplication.description",)),
    _both("contact.email", (f"{_CA}.contactEmail",), ("ExternalClientApplication.contactEmail",)),
    _both("contact.phone", (f"{_CA}.contactPhone",), ("ExternalClientApplication.contactPhone",)),
    _both("urls.info", (f"{_CA}.infoUrl",), ("ExternalClientApplication.infoUrl",)),
    _both("urls.logo", (f"{_CA}.logoUrl",), ("ExternalClientApplication.logoUrl",)),
    _both("urls.icon", (f"{_CA}.iconUrl",), ("ExternalClientApplication.iconUrl",)),
    _both("urls.start", (f"{_CA}.startUrl",), (f"{_OPL}.startUrl",)),
    _both("urls.mobile_start", (f"{_CA}.mobileStartUrl",), ()),
    _both("distribution_state", (), ("ExternalClientApplication.distributionState",)),
    _both("protected", (), ("ExternalClientApplication.isProtected",)),
    _both(
        "oauth",
        ("ConnectedApp.oauthConfig",),
        ("ExtlClntAppConfigurablePolicies.isOauthPluginEnabled",),
        "presence",
    ),
    _both("oauth.callback_urls", (f"{_CFG}.callbackUrl",), (f"{_GLB}.callbackUrl",), "newline-joined"),
    _both("oauth.scopes", (f"{_CFG}.scopes",), (f"{_SET}.commaSeparatedOauthScopes",)),
    _both(
        "oauth.custom_scopes",
        (),
        (f"{_SET}.commaSeparatedCustomScopes", f"{_OPL}.commaSeparatedCustomScopes"),
    ),
    _both(
        "oauth.id_token.validity_minutes", (f"{_CAI}.idTokenValidity",), (f"{_GID}.idTokenValidityInMinutes",)
    ),
    _both("oauth.id_token.audiences", (f"{_CAI}.idTokenAudience",), (f"{_GID}.idTokenAudience",)),
    _both(
        "oauth.id_token.include",
        (
            f"{_CAI}.idTokenIncludeStandardClaims",
            f"{_CAI}.idTokenIncludeAttributes",
            f"{_CAI}.idTokenIncludeCustomPerms",
        ),
        (
            f"{_GID}.idTokenIncludeStandardClaims",
            f"{_GID}.idTokenIncludeAttributes",
            f"{_GID}.idTokenIncludeCustomPermissions",
        ),
    ),
    _both(
        "oauth.asset_token.validity_period", (f"{_CAA}.assetValidityPeriod",), (f"{_SET}.assetTokenValidity",)
    ),
    _both("oauth.asset_token.audiences", (f"{_CAA}.assetAudiences",), (f"{_SET}.assetTokenAudiences",)),
    _both(
        "oauth.asset_token.signing_certificate",
        (f"{_CAA}.assetSigningCertId",),
        (f"{_SET}.assetTokenSigningCertificate",),
    ),
    _both(
        "oauth.asset_token.include",
        (f"{_CAA}.assetIncludeAttributes", f"{_CAA}.assetIncludeCustomPerms"),
        (f"{_SET}.areAttributesIncludedInAssetToken", f"{_SET}.areCustomPermsIncludedInAssetToken"),
    ),
    _both(
        "oauth.custom_attributes",
        (f"{_CA}.attributes",),
        (f"{_SET}.customAttributes", f"{_OPL}.customAttributes"),
    ),
    _both(
        "oauth.single_logout_url",
        (f"{_CFG}.singleLogoutUrl", f"{_POL}.singleLogoutUrl"),
        (f"{_SET}.singleLogoutUrl", f"{_OPL}.singleLogoutUrl"),
    ),
    _both("handler.apex_class", (f"{_CA}.plugin",), (f"{_OPL}.apexHandler",)),
    _both("handler.run_as", (f"{_CA}.pluginExecutionUser",), (f"{_OPL}.executeHandlerAs",)),
)
"""Where the other (non-switch) values of an app go, per kind (the compiler's map for identity and tokens)."""

NOT_EXPRESSED: dict[str, str] = {
    "consumerKey": "org-generated; never deployed, stripped on read",
    "oauthLink": "org-generated",
    "orgScopedExternalApp": "org-generated",
    "managedType": "internal to Salesforce",
    "externalClientApplication": "the link from a settings component to its app; set by the compiler",
    "label": "of the ExternalClientApp settings and policies components: the app's label",
    "isNamedUserJwtEnabled": "deprecated on ExtlClntAppOauthConfigurablePolicies; set on the global settings",
}
"""Metadata fields with no YAML key of their own, and why."""


def switch(path: str) -> Switch:
    """The switch at a dotted YAML path (e.g. ``oauth.flows.device.enabled``).

    Raises:
        KeyError: no switch has that path.
    """
    for item in SWITCHES:
        if item.path == path:
            return item
    raise KeyError(path)


def markdown_table() -> str:
    """The Markdown table of `SWITCHES`, as embedded in ``docs/yaml-reference.md``."""
    rows = [
        "| YAML key (under an app) | ConnectedApp | ExternalClientApp |",
        "|---|---|---|",
    ]
    for item in SWITCHES:
        rows.append(
            f"| `{item.path}` | {item.connected_app.describe()} | {item.external_client_app.describe()} |"
        )
    return "\n".join(rows) + "\n"
