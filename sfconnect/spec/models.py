"""The app language: pydantic models of one app file and of the apps it declares.

One model covers both kinds of app, discriminated by ``kind``: `ConnectedAppSpec` (existing Connected Apps;
Salesforce blocks creating new ones since Spring '26) and `ExternalClientAppSpec` (new apps). Field names are
intent-level snake_case; the camelCase Metadata API names live in `metadata/` (and in the per-component
``metadata:`` escape hatch, whose field names and types `rules.py` checks against the v63 WSDL).

Defaults are Salesforce's defaults, with one exception: `AuthorizationCodeFlow.require_pkce` defaults to
true for both kinds (Salesforce's default is false for Connected Apps, true for External Client Apps).
Where each value goes in metadata (or whether it is an org-wide setting or intent only) is recorded in the
field map, ``sfconnect/metadata/fieldmap.py``; `switches.py` keeps where and since, which validation needs.

Models are frozen; scope names are normalised on validation (see `scopes.py`); secrets are references only
(see `refs.py`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from sfconnect._types import Loc
from sfconnect.spec.refs import ENV_NAME, REFERENCE_HINT, parse_ref
from sfconnect.spec.scopes import ACCEPTED_SCOPES, UnknownScopeError, canonical_scope

__all__ = [
    "KINDS",
    "NAMESPACE_PREFIX",
    "Access",
    "ApiName",
    "AppFile",
    "AppSource",
    "AppSpec",
    "AssetToken",
    "AuthorizationCodeFlow",
    "ClientCredentialsFlow",
    "CodeCredentialFlow",
    "ConnectedAppSpec",
    "Contact",
    "CustomAttribute",
    "DeviceFlow",
    "EcaChildType",
    "EcaName",
    "ExternalClientAppSpec",
    "FileRef",
    "Flows",
    "Handler",
    "HighAssurance",
    "IdToken",
    "IpRange",
    "JwtAccessTokens",
    "JwtBearerFlow",
    "MigratedFrom",
    "OAuth",
    "RefreshTokenPolicy",
    "Scope",
    "SecretRef",
    "SpecModel",
    "TokenExchangeFlow",
    "Urls",
    "UserAgentFlow",
    "UsernamePasswordFlow",
]

KINDS: tuple[str, ...] = ("ConnectedApp", "ExternalClientApp")
"""The values of an app's ``kind``."""


class SpecModel(BaseModel):
    """Base of every YAML model: unknown keys are errors, no coercion, values are immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, validate_default=True)


# --- value types ---------------------------------------------------------------------------------------

_API_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*$")


def _check_api_name(value: str) -> str:
    if len(value) > 80 or not _API_NAME.match(value) or value.endswith("_"):
        raise PydanticCustomError(
            "api_name",
            "'{name}' is not a valid API name: start with a letter, then letters, digits and single "
            "underscores, not ending with an underscore, at most 80 characters",
            {"name": value},
        )
    return value


ApiName: TypeAlias = Annotated[
    str,
    AfterValidator(_check_api_name),
    WithJsonSchema({"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*$", "maxLength": 80}),
]
"""A Salesforce API name (an app's ``fullName``)."""

NAMESPACE_PREFIX = re.compile(r"^(?P<namespace>[A-Za-z][A-Za-z0-9]{0,14})__(?P<name>.+)$")
"""A package's namespace prefix before an API name (``ns__Name``), as installed packages name their apps."""


def _check_eca_name(value: str) -> str:
    """An API name, or one with a package's namespace prefix (``ns__Name``: the rules allow it only on an app
    with ``installed: true``)."""
    match = NAMESPACE_PREFIX.match(value)
    if match is None:
        return _check_api_name(value)
    try:
        _check_api_name(match.group("name"))
    except PydanticCustomError:
        return _check_api_name(value)
    return value


EcaName: TypeAlias = Annotated[
    str,
    AfterValidator(_check_eca_name),
    WithJsonSchema({"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*$", "maxLength": 97}),
]
"""An External Client App's ``fullName``: an API name, with a namespace prefix for an installed app."""


def _check_scope(value: str) -> str:
    try:
        return canonical_scope(value)
    except UnknownScopeError:
        if not value.strip():
            raise PydanticCustomError("unknown_scope", "a scope name cannot be empty") from None
        return (
            value.strip()
        )  # kept as written; validation warns (newer orgs know scopes this version does not)


Scope: TypeAlias = Annotated[
    str,
    AfterValidator(_check_scope),
    WithJsonSchema({"anyOf": [{"enum": list(ACCEPTED_SCOPES)}, {"type": "string", "minLength": 1}]}),
]
"""An OAuth scope: a Metadata API name (``Api``) or token name (``api``), normalised on validation; a name sfconnect
does not know is kept as written (validation warns)."""

_SECRET_PATTERN = r"^(env:" + ENV_NAME + r"|file:\S.*)$"


def _check_secret_ref(value: str) -> str:
    try:
        parse_ref(value)
    except ValueError as exc:
        raise PydanticCustomError(
            "inline_secret", "{problem}: {hint}", {"problem": str(exc), "hint": REFERENCE_HINT}
        ) from None
    return value


SecretRef: TypeAlias = Annotated[
    str,
    AfterValidator(_check_secret_ref),
    WithJsonSchema({"type": "string", "pattern": _SECRET_PATTERN, "description": "env:NAME or file:PATH"}),
]
"""A secret by reference: ``env:NAME`` or ``file:PATH`` (never the value itself)."""


def _check_file_ref(value: str) -> str:
    if not value.startswith("file:") or not value[5:].strip():
        raise PydanticCustomError(
            "file_ref",
            "expected a file reference 'file:path/to/file' (relative to the project directory)",
        )
    return value


FileRef: TypeAlias = Annotated[
    str,
    AfterValidator(_check_file_ref),
    WithJsonSchema({"type": "string", "pattern": r"^file:\S.*$", "description": "file:PATH"}),
]
"""A file by reference: ``file:PATH``, relative to the project directory."""

NonEmptyStr: TypeAlias = Annotated[str, Field(min_length=1)]


# --- identity ------------------------------------------------------------------------------------------


class Contact(SpecModel):
    """Who to contact about the app."""

    email: str | None = Field(
        default=None, description="Contact email (required by Salesforce for a ConnectedApp)."
    )
    phone: str | None = Field(default=None, description="Contact phone number.")


class Urls(SpecModel):
    """The app's informational and start URLs."""

    info: str | None = Field(default=None, description="Info URL: a page with more about the app.")
    logo: str | None = Field(default=None, description="Logo image URL (https).")
    icon: str | None = Field(default=None, description="Icon image URL (https).")
    start: str | None = Field(default=None, description="Start URL users land on when they open the app.")
    mobile_start: str | None = Field(
        default=None, description="Start URL on mobile devices (ConnectedApp only)."
    )


# --- OAuth ---------------------------------------------------------------------------------------------


class AuthorizationCodeFlow(SpecModel):
    """Authorization code (web server) flow."""

    enabled: bool = Field(
        default=True,
        description="Whether the app uses this flow (intent only: Salesforce has no switch for it).",
    )
    require_pkce: bool = Field(
        default=True,
        description="Require PKCE (a code challenge) for the authorization code and user-agent flows.",
    )
    require_secret: bool = Field(
        default=True, description="Require the consumer secret when the code is exchanged for tokens."
    )


class ClientCredentialsFlow(SpecModel):
    """Client credentials flow: the app acts as its run-as user."""

    enabled: bool = Field(default=False, description="Enable the client credentials flow.")
    run_as: str | None = Field(
        default=None,
        description="Username of the run-as (execution) user; required when enabled. Use an API-only user.",
    )


class JwtBearerFlow(SpecModel):
    """JWT bearer flow: a server signs assertions with a private key whose certificate the app holds."""

    enabled: bool = Field(default=False, description="Whether the app uses the JWT bearer flow.")
    certificate: FileRef | None = Field(
        default=None,
        description="The X.509 certificate (PEM) that verifies assertions, by reference: file:PATH.",
    )


class UserAgentFlow(SpecModel):
    """User-agent (implicit) flow."""

    enabled: bool = Field(
        default=False,
        description="Whether the app uses the user-agent flow (intent; blocked or allowed org-wide).",
    )


class DeviceFlow(SpecModel):
    """Device authorization flow."""

    enabled: bool = Field(default=False, description="Enable the device flow.")


class TokenExchangeFlow(SpecModel):
    """OAuth 2.0 token exchange."""

    enabled: bool = Field(default=False, description="Enable the token exchange flow.")
    require_secret: bool = Field(
        default=True, description="Require the consumer secret on token exchange requests."
    )


class UsernamePasswordFlow(SpecModel):
    """Username-password flow (legacy; ConnectedApp only)."""

    enabled: bool = Field(
        default=False,
        description="Whether the app uses the username-password flow (ConnectedApp only; org-wide setting).",
    )


class CodeCredentialFlow(SpecModel):
    """Authorization code and credentials flow (headless identity)."""

    enabled: bool = Field(default=False, description="Enable the authorization code and credentials flow.")
    post_only: bool = Field(
        default=False, description="Accept user credentials only in the POST body for this flow."
    )
    guest_enabled: bool = Field(
        default=False, description="Enable the flow for guest users (ExternalClientApp only)."
    )


class Flows(SpecModel):
    """Which OAuth flows the app uses, and their settings."""

    authorization_code: AuthorizationCodeFlow = Field(
        default_factory=AuthorizationCodeFlow, description="Authorization code (web server) flow."
    )
    client_credentials: ClientCredentialsFlow = Field(
        default_factory=ClientCredentialsFlow, description="Client credentials flow."
    )
    jwt_bearer: JwtBearerFlow = Field(default_factory=JwtBearerFlow, description="JWT bearer flow.")
    user_agent: UserAgentFlow = Field(default_factory=UserAgentFlow, description="User-agent flow.")
    device: DeviceFlow = Field(default_factory=DeviceFlow, description="Device flow.")
    token_exchange: TokenExchangeFlow = Field(
        default_factory=TokenExchangeFlow, description="Token exchange flow."
    )
    username_password: UsernamePasswordFlow = Field(
        default_factory=UsernamePasswordFlow, description="Username-password flow (ConnectedApp only)."
    )
    code_credential: CodeCredentialFlow = Field(
        default_factory=CodeCredentialFlow, description="Authorization code and credentials flow."
    )


class RefreshTokenPolicy(SpecModel):
    """How long refresh tokens live, and how they are protected."""

    policy: Literal["until_revoked", "immediately", "after_lifetime", "after_inactivity"] = Field(
        default="until_revoked",
        description=(
            "until_revoked: valid until revoked; immediately: expire at once (no renewals); "
            "after_lifetime: expire `period` `unit` after issue; after_inactivity: expire when unused "
            "for `period` `unit`."
        ),
    )
    period: int | None = Field(
        default=None, ge=1, description="Length of the lifetime or inactivity window (with after_*)."
    )
    unit: Literal["hours", "days", "months"] | None = Field(
        default=None, description="Unit of `period` (with after_*)."
    )
    rotation: bool = Field(
        default=False, description="Issue a new refresh token on every refresh and invalidate the old one."
    )
    require_secret: bool = Field(
        default=True, description="Require the consumer secret on refresh token requests."
    )


class JwtAccessTokens(SpecModel):
    """JWT-based (instead of opaque) access tokens."""

    enabled: bool = Field(default=False, description="Issue JWT-based access tokens.")
    timeout_minutes: Literal[1, 5, 10, 15, 30, 60, 90, 120, 240, 480, 720] | None = Field(
        default=None,
        description="Lifetime of a JWT access token in minutes (60 and above need API 65.0).",
    )


class IdToken(SpecModel):
    """OpenID Connect ID token settings."""

    validity_minutes: int = Field(default=2, ge=1, le=720, description="ID token lifetime in minutes.")
    audiences: tuple[NonEmptyStr, ...] = Field(
        default=(), description="Extra audiences (the consumer key is always one)."
    )
    include: tuple[Literal["standard_claims", "custom_attributes", "custom_permissions"], ...] = Field(
        default=(), description="What the ID token carries besides the required claims."
    )


class AssetToken(SpecModel):
    """Asset token (JWT for connected devices) issuance."""

    validity_period: int = Field(
        ge=1, description="Asset token lifetime, as Salesforce's assetValidityPeriod / assetTokenValidity."
    )
    audiences: tuple[NonEmptyStr, ...] = Field(min_length=1, description="Audiences of the asset token.")
    signing_certificate: NonEmptyStr = Field(
        description="API name of the certificate (Certificate and Key Management) that signs asset tokens."
    )
    include: tuple[Literal["custom_attributes", "custom_permissions"], ...] = Field(
        default=("custom_attributes", "custom_permissions"),
        description="What the asset token carries.",
    )


class CustomAttribute(SpecModel):
    """A custom attribute added to tokens and userinfo."""

    key: NonEmptyStr = Field(description="Attribute name.")
    formula: NonEmptyStr = Field(description="Formula or field reference, e.g. $User.Email.")


class OAuth(SpecModel):
    """OAuth settings. Their presence enables OAuth for the app."""

    callback_urls: tuple[NonEmptyStr, ...] = Field(
        default=(),
        description="Allowed redirect URIs: https, loopback http, or a custom mobile scheme.",
    )
    scopes: tuple[Scope, ...] = Field(
        default=(), description="OAuth scopes, as Metadata API names (Api) or token names (api)."
    )
    custom_scopes: tuple[NonEmptyStr, ...] = Field(
        default=(), description="Custom scopes (OauthCustomScope API names; ExternalClientApp only)."
    )
    flows: Flows = Field(default_factory=Flows, description="The flows the app uses.")
    refresh_token: RefreshTokenPolicy = Field(
        default_factory=RefreshTokenPolicy, description="Refresh token policy."
    )
    introspect_all_tokens: bool = Field(
        default=False, description="Allow this app to introspect every token of the org, not just its own."
    )
    require_dpop: bool = Field(
        default=False,
        description="Require DPoP (RFC 9449): tokens are bound to the client's key and need a proof on every use.",
    )
    jwt_access_tokens: JwtAccessTokens = Field(
        default_factory=JwtAccessTokens, description="JWT-based access tokens."
    )
    id_token: IdToken | None = Field(default=None, description="OpenID Connect ID token settings.")
    asset_token: AssetToken | None = Field(default=None, description="Asset token settings.")
    custom_attributes: tuple[CustomAttribute, ...] = Field(
        default=(), description="Custom attributes added to tokens and userinfo."
    )
    single_logout_url: str | None = Field(default=None, description="OAuth single logout URL (https).")
    consumer_secret: SecretRef | None = Field(
        default=None,
        description="Consumer secret by reference (env:NAME or file:PATH); applied only on create.",
    )


# --- access policies -----------------------------------------------------------------------------------


class IpRange(SpecModel):
    """An inclusive range of trusted IP addresses (IPv4 or IPv6); a CIDR block (``203.0.113.0/24``) is taken too."""

    start: NonEmptyStr = Field(description="First address of the range.")
    end: NonEmptyStr = Field(description="Last address of the range (same family, not below start).")
    description: str | None = Field(default=None, description="What the range is.")

    @model_validator(mode="before")
    @classmethod
    def _from_cidr(cls, value: Any) -> Any:
        """``203.0.113.0/24`` (or a single address) means its first to its last address."""
        if not isinstance(value, str):
            return value
        try:
            network = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            raise ValueError(
                f"{value!r} is not a CIDR block; write a range as 203.0.113.0/24 or "
                "{start: 203.0.113.0, end: 203.0.113.255}"
            ) from None
        return {"start": str(network[0]), "end": str(network[-1])}


class HighAssurance(SpecModel):
    """A high-assurance session requirement."""

    required: bool = Field(default=True, description="Require a high-assurance session for the app.")
    action: Literal["raise_session_level", "block"] = Field(
        default="raise_session_level",
        description="raise_session_level: ask for a second factor; block: refuse the app.",
    )


class Access(SpecModel):
    """Who may use the app, from where, and for how long."""

    permitted_users: Literal["all_users", "admin_approved"] = Field(
        default="all_users",
        description="all_users: users may self-authorize; admin_approved: only pre-authorized users.",
    )
    profiles: tuple[NonEmptyStr, ...] = Field(
        default=(), description="Pre-authorized profiles (with admin_approved)."
    )
    permission_sets: tuple[NonEmptyStr, ...] = Field(
        default=(), description="Pre-authorized permission sets, by API name (with admin_approved)."
    )
    ip_relaxation: Literal["enforce", "relax", "relax_with_second_factor", "enforce_relax_refresh"] = Field(
        default="enforce",
        description=(
            "enforce: profile IP restrictions apply; relax: they do not; relax_with_second_factor: relaxed "
            "for activated devices / trusted ranges; enforce_relax_refresh: enforced except for refresh."
        ),
    )
    trusted_ip_ranges: tuple[IpRange, ...] = Field(
        default=(), description="Trusted IP ranges for the OAuth web server flow."
    )
    session_timeout_minutes: int | None = Field(
        default=None, ge=1, description="Session (access token) timeout in minutes; unset uses the profile's."
    )
    high_assurance: HighAssurance | None = Field(
        default=None, description="High-assurance session requirement."
    )


class Handler(SpecModel):
    """A custom app handler: an Apex class extending Auth.ConnectedAppPlugin."""

    apex_class: NonEmptyStr = Field(description="API name of the Apex handler class.")
    run_as: str | None = Field(default=None, description="Username the handler runs as.")


# --- apps ------------------------------------------------------------------------------------------------


class AppSource:
    """Where an app is written: its file, the key path of its entry, and a locator for its key paths."""

    def __init__(self, file: str, loc: Loc, locate: Callable[[Loc], tuple[str, int, int]]) -> None:
        self.file = file
        self.loc = loc
        self._locate = locate

    def position(self, loc: Loc = ()) -> tuple[str, int, int]:
        """``(file, line, column)`` of a key path inside the app (``()`` = the app's entry)."""
        return self._locate(loc)

    @property
    def line(self) -> int:
        """Line of the app's entry."""
        return self.position()[1]

    def __repr__(self) -> str:
        return f"AppSource({self.file!r}, line={self.line})"


def _label_optional_when_absent(schema: dict[str, Any]) -> None:
    """JSON Schema: `label` is required unless ``state: absent`` (or ``installed: true``)."""
    required = schema.get("required")
    if isinstance(required, list) and "label" in required:
        required.remove("label")
        schema["if"] = {
            "anyOf": [
                {"required": ["state"], "properties": {"state": {"const": "absent"}}},
                {"required": ["installed"], "properties": {"installed": {"const": True}}},
            ]
        }
        schema["else"] = {"required": ["label"]}


class _AppBase(SpecModel):
    model_config = ConfigDict(json_schema_extra=_label_optional_when_absent)

    name: ApiName = Field(description="API name (fullName) of the app.")
    label: NonEmptyStr = Field(description="Display name (not needed with state: absent).")
    description: str | None = Field(default=None, description="What the app is for.")
    contact: Contact = Field(default_factory=Contact, description="Who to contact about the app.")
    urls: Urls = Field(default_factory=Urls, description="Informational and start URLs.")
    oauth: OAuth | None = Field(default=None, description="OAuth settings; absent means OAuth is off.")
    access: Access = Field(default_factory=Access, description="Access policies.")
    handler: Handler | None = Field(default=None, description="Custom app handler (Apex plugin).")
    metadata: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description=(
            "Escape hatch: raw Metadata API fields per component type (e.g. SAML, canvas, mobile settings), "
            "checked against the v63 WSDL; newer fields are sent as written, null leaves a field out, and a value here "
            "wins over the intent-level keys above."
        ),
    )
    state: Literal["present", "absent"] = Field(
        default="present", description="absent removes the app from the target org."
    )

    _source: AppSource | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _absent_needs_no_label(cls, value: Any) -> Any:
        """An app being removed (or installed from a package) needs only its name: its label defaults to it."""
        if (
            isinstance(value, dict)
            and (value.get("state") == "absent" or value.get("installed") is True)
            and "label" not in value
        ):
            return {**value, "label": value.get("name") or "-"}
        return value

    @property
    def source(self) -> AppSource | None:
        """Where this app is written (set by the loader; None for specs built in code)."""
        return self._source


EcaChildType: TypeAlias = Literal[
    "ExtlClntAppOauthSettings",
    "ExtlClntAppGlobalOauthSettings",
    "ExtlClntAppOauthConfigurablePolicies",
    "ExtlClntAppConfigurablePolicies",
    "ExtlClntAppSamlConfigurablePolicies",
    "ExtlClntAppMobileSettings",
    "ExtlClntAppMobileConfigurablePolicies",
    "ExtlClntAppNotificationSettings",
    "ExtlClntAppPushSettings",
    "ExtlClntAppPushConfigurablePolicies",
    "ExtlClntAppCanvasSettings",
    "ExtlClntAppOauthSecuritySettings",
]
"""The child component types of an External Client App whose names ``component_names`` can set."""


class ConnectedAppSpec(_AppBase):
    """An existing Connected App (creating new ones is blocked by Salesforce since Spring '26)."""

    kind: Literal["ConnectedApp"] = Field(description="ConnectedApp.")


class MigratedFrom(SpecModel):
    """The Connected App that Setup's migration ("Migrate to External Client App") created this app from."""

    kind: Literal["ConnectedApp"] = Field(default="ConnectedApp", description="ConnectedApp.")
    name: ApiName = Field(
        description="API name of the original Connected App (Setup keeps the name: the app's own name)."
    )


class ExternalClientAppSpec(_AppBase):
    """An External Client App: a header plus OAuth settings and policies."""

    kind: Literal["ExternalClientApp"] = Field(description="ExternalClientApp.")
    name: EcaName = Field(
        description="API name (fullName) of the app; an installed app's name has its package's prefix (ns__Name)."
    )
    installed: bool = Field(
        default=False,
        description=(
            "The app's header and settings come from a package installed in the org (or are kept elsewhere): "
            "this entry manages only the components under metadata: (e.g. the subscriber's OAuth policies), "
            "deployed and compared as written; the header is never deployed or deleted. Set by import for a "
            "policy or settings file whose app is not among the files."
        ),
    )
    migrated_from: MigratedFrom | None = Field(
        default=None,
        description=(
            "Set by `sfconnect migrate APP --adopt`: the read-only Connected App of the same name in the org is "
            "this app's original, not an unmanaged app (plan and drift say when it is active again)."
        ),
    )
    distribution_state: Literal["local", "packaged"] = Field(
        default="local", description="local: used in this org; packaged: distributed in a package."
    )
    protected: bool = Field(default=False, description="Protected (a packaged app subscribers cannot see).")
    component_names: dict[EcaChildType, ApiName] = Field(
        default_factory=dict,
        description=(
            "Names of the app's child components when they differ from Setup's (<App>_oauth, <App>_glbloauth, "
            "<App>_oauthPlcy, <App>_plcy), per Metadata API type; set by import so a deploy updates the "
            "existing components instead of creating new ones."
        ),
    )


AppSpec: TypeAlias = Annotated[ConnectedAppSpec | ExternalClientAppSpec, Field(discriminator="kind")]
"""One app: a `ConnectedAppSpec` or an `ExternalClientAppSpec`, chosen by its ``kind``."""


class AppFile(SpecModel):
    """One app file: a list of apps."""

    schema_: str | None = Field(default=None, alias="$schema", description="JSON Schema of this file.")
    apps: tuple[AppSpec, ...] = Field(min_length=1, description="The apps this file declares.")
