"""Which API version each metadata type and field arrived in: a request at an older version may not use them.

The org serves API versions 31.0 to 66.0 (`models.API_VERSIONS`); the bundled WSDL is v63, so fields that
arrived after 63.0 are unknown anyway. Versions are from the Metadata API Developer Guide pages of each type
("Version" and the "Available in API version N and later" notes of each field); fields without a note are
as old as their type. A field newer than the request's version is refused as the WSDL of that version
would refuse it ("Element ... invalid at this location"); a newer type is an unknown type.
"""

from __future__ import annotations

from typing import Any

from sfconnect.localorg._exceptions import InvalidType, SoapClientFault
from sfconnect.localorg.wsdl import MD_NS, MetadataSchema

__all__ = ["FIELD_SINCE", "TYPE_SINCE", "check_record", "check_type", "parse_version", "type_available"]

TYPE_SINCE: dict[str, float] = {
    "ConnectedApp": 29.0,
    "ExternalClientApplication": 59.0,
    "ExtlClntAppOauthSettings": 59.0,
    "ExtlClntAppGlobalOauthSettings": 59.0,
    "ExtlClntAppOauthConfigurablePolicies": 59.0,
    "ExtlClntAppConfigurablePolicies": 60.0,
    "ExtlClntAppSamlConfigurablePolicies": 63.0,
    "ExternalClientAppSettings": 58.0,
}
"""Metadata types by the API version they arrived in."""

FIELD_SINCE: dict[tuple[str, str], float] = {
    # ConnectedApp (Metadata API Developer Guide, ConnectedApp)
    ("ConnectedApp", "permissionSetName"): 46.0,
    ("ConnectedApp", "profileName"): 46.0,
    ("ConnectedApp", "pluginExecutionUser"): 46.0,
    ("ConnectedApp", "oauthPolicy"): 49.0,
    ("ConnectedApp", "sessionPolicy"): 49.0,
    # ConnectedAppOauthConfig
    ("ConnectedAppOauthConfig", "consumerSecret"): 32.0,
    ("ConnectedAppOauthConfig", "idTokenConfig"): 43.0,
    ("ConnectedAppOauthConfig", "isAdminApproved"): 46.0,
    ("ConnectedAppOauthConfig", "assetTokenConfig"): 49.0,
    ("ConnectedAppOauthConfig", "isConsumerSecretOptional"): 49.0,
    ("ConnectedAppOauthConfig", "isIntrospectAllTokens"): 49.0,
    ("ConnectedAppOauthConfig", "isSecretRequiredForRefreshToken"): 51.0,
    ("ConnectedAppOauthConfig", "isClientCredentialEnabled"): 56.0,
    ("ConnectedAppOauthConfig", "oauthClientCredentialUser"): 56.0,
    ("ConnectedAppOauthConfig", "isCodeCredentialEnabled"): 57.0,
    ("ConnectedAppOauthConfig", "isCodeCredentialPostOnly"): 57.0,
    ("ConnectedAppOauthConfig", "isNamedUserJwtEnabled"): 59.0,
    ("ConnectedAppOauthConfig", "isPkceRequired"): 59.0,
    ("ConnectedAppOauthConfig", "isRefreshTokenRotationEnabled"): 60.0,
    ("ConnectedAppOauthConfig", "isSecretRequiredForTokenExchange"): 60.0,
    ("ConnectedAppOauthConfig", "isTokenExchangeEnabled"): 60.0,
    # ExtlClntAppGlobalOauthSettings
    ("ExtlClntAppGlobalOauthSettings", "certificate"): 60.0,
    ("ExtlClntAppGlobalOauthSettings", "isClientCredentialsFlowEnabled"): 60.0,
    ("ExtlClntAppGlobalOauthSettings", "isDeviceFlowEnabled"): 60.0,
    ("ExtlClntAppGlobalOauthSettings", "isCodeCredFlowEnabled"): 61.0,
    ("ExtlClntAppGlobalOauthSettings", "isCodeCredPostOnly"): 61.0,
    ("ExtlClntAppGlobalOauthSettings", "isNamedUserJwtEnabled"): 61.0,
    # ExtlClntAppOauthSettings
    ("ExtlClntAppOauthSettings", "areCustomPermsIncludedInAssetToken"): 61.0,
    # ExtlClntAppOauthConfigurablePolicies
    ("ExtlClntAppOauthConfigurablePolicies", "clientCredentialsFlowUser"): 60.0,
    ("ExtlClntAppOauthConfigurablePolicies", "isClientCredentialsFlowEnabled"): 60.0,
    ("ExtlClntAppOauthConfigurablePolicies", "isTokenExchangeFlowEnabled"): 60.0,
    ("ExtlClntAppOauthConfigurablePolicies", "apexHandler"): 61.0,
    ("ExtlClntAppOauthConfigurablePolicies", "executeHandlerAs"): 61.0,
    ("ExtlClntAppOauthConfigurablePolicies", "commaSeparatedCustomScopes"): 61.0,
    ("ExtlClntAppOauthConfigurablePolicies", "guestJwtTimeout"): 61.0,
    ("ExtlClntAppOauthConfigurablePolicies", "namedUserJwtTimeout"): 61.0,
    ("ExtlClntAppOauthConfigurablePolicies", "isGuestCodeCredFlowEnabled"): 61.0,
    # ExtlClntAppConfigurablePolicies
    ("ExtlClntAppConfigurablePolicies", "isOauthPluginEnabled"): 60.0,
    ("ExtlClntAppConfigurablePolicies", "isSamlPluginEnabled"): 63.0,
    ("ExtlClntAppConfigurablePolicies", "startUrl"): 63.0,
}
"""(complex type, field) -> the API version the field arrived in, where it is newer than its type."""


def parse_version(text: str | None) -> float | None:
    """`"63.0"` -> 63.0; None for a missing or malformed version."""
    try:
        return float(str(text).strip()) if text else None
    except ValueError:
        return None


def type_available(type_: str, version: float | None) -> bool:
    """Whether a metadata type exists at `version` (None: the newest)."""
    return version is None or TYPE_SINCE.get(type_, 0.0) <= version


def check_type(type_: str, version: float | None) -> None:
    """Refuse a type newer than the request's API version.

    Raises:
        InvalidType: as for a type the version does not know.
    """
    if not type_available(type_, version):
        raise InvalidType(f"Unknown type name '{type_}' specified in Metadata API call")


def check_record(schema: MetadataSchema, type_: str, record: dict[str, Any], version: float | None) -> None:
    """Refuse a record using a field newer than `version` (nested records included).

    Raises:
        InvalidType: the type itself is newer.
        SoapClientFault: a field is newer, worded as the WSDL of that version would word it.
    """
    check_type(type_, version)
    if version is not None:
        _check(schema, type_, record, version)


def _check(schema: MetadataSchema, type_: str, record: dict[str, Any], version: float) -> None:
    ct = schema.complex_types.get(str(record.get("$type", type_))) or schema.complex_types.get(type_)
    if ct is None:
        return
    for name, value in record.items():
        since = FIELD_SINCE.get((ct.name, name))
        if since is not None and since > version:
            raise SoapClientFault(f"Element {{{MD_NS}}}{name} invalid at this location in type {ct.name}")
        f = ct.by_name.get(name)
        if f is None or f.builtin or f.type_name in schema.simple_types:
            continue
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, dict):
                _check(schema, f.type_name, v, version)
