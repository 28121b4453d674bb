"""The field map: every YAML key of an app and where it lives in metadata, per kind, declared once.

Each `Row` holds a YAML path (or a few, for the irregular fields whose codec reads several keys), and for each
kind a `Place`: where the value lives (``metadata``, ``org``, ``intent`` or ``unsupported``), the metadata
fields (`Field`: component type + dotted path inside it), the `Codec` between YAML values and metadata values,
the documented metadata default of each field, the API version the fields arrived in, and the YAML switch the
value depends on (``when``: the row is compiled only while that switch is on).

Derived from the map: the compiler (`compile_rows`), the decompiler (`decode_rows`), how plans show metadata
values (`yaml_value`), the booleans and enumerations normalisation treats as defaults (`metadata_default`),
where a YAML key points in metadata (`fields_for`), and the docs' switch table (`markdown_table`).

Adding a switch: the model field in ``spec/models.py``, one row here (and, where enforced, the smoke check
and the local org). See ``docs/architecture.md``, "Adding a switch".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sfconnect.metadata._normalize import join_callback_urls, split_callback_urls
from sfconnect.metadata.component import Record, Value
from sfconnect.spec.scopes import token_name

__all__ = [
    "CA",
    "CODECS",
    "ECA",
    "ROWS",
    "Codec",
    "Field",
    "Place",
    "Row",
    "fields_for",
    "markdown_table",
    "metadata_default",
    "row",
    "row_at",
    "row_value",
    "rows_for",
    "without_destination",
    "yaml_path_of",
    "yaml_value",
]

Where = Literal["metadata", "org", "intent", "unsupported"]
Kind = Literal["ConnectedApp", "ExternalClientApp"]
Version = tuple[int, int]

CA: Kind = "ConnectedApp"
ECA: Kind = "ExternalClientApp"

_HDR = "ExternalClientApplication"
_SET = "ExtlClntAppOauthSettings"
_GLB = "ExtlClntAppGlobalOauthSettings"
_OPL = "ExtlClntAppOauthConfigurablePolicies"
_PLC = "ExtlClntAppConfigurablePolicies"
_OAUTH_TYPES = frozenset({_SET, _GLB, _OPL})
_CA_OAUTH_PREFIXES = ("oauthConfig", "oauthPolicy", "attributes")


@dataclass(frozen=True)
class Field:
    """One metadata field: a component type and a dotted path inside it (``oauthConfig.isPkceRequired``)."""

    type: str
    path: str

    def __str__(self) -> str:
        return f"{self.type}.{self.path}"

    @property
    def needs_oauth(self) -> bool:
        """True when the field exists only while the app has OAuth (an OAuth component or record)."""
        if self.type in _OAUTH_TYPES:
            return True
        return self.type == "ConnectedApp" and self.path.split(".")[0] in _CA_OAUTH_PREFIXES


# --- codecs ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Codec:
    """How YAML values become metadata values and back.

    `encode` takes the row's YAML values (one per YAML path) and gives one metadata value per field (None:
    leave the field out); `decode` takes the fields' values (None when absent and without a default) and gives
    one YAML value per YAML path (None: nothing to write). Codecs are pure; certificates (files) are handled by
    the compiler and decompiler around the ``certificate`` codec.
    """

    name: str
    encode: Callable[[tuple[Any, ...]], tuple[Any, ...]]
    decode: Callable[[tuple[Any, ...]], tuple[Any, ...]]

    def __repr__(self) -> str:
        return f"Codec({self.name})"


def _same(width: int = 1) -> Codec:
    """Identity; with several fields, every field gets the value and any field set to true decodes as true."""

    def decode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        present = [v for v in values if v is not None]
        if not present:
            return (None,)
        if all(isinstance(v, bool) for v in present):
            return (any(present),)
        return (present[0],)

    return Codec("identity" if width == 1 else "same", lambda v: v * width, decode)


def _inverted() -> Codec:
    def flip(values: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple((not v) if isinstance(v, bool) else v for v in values)

    return Codec("inverted", flip, flip)


def _enum(mapping: Mapping[Any, Any], name: str = "enum") -> Codec:
    back = {v: k for k, v in mapping.items() if v is not None}

    def encode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        return (mapping.get(values[0]) if values[0] is not None else None,)

    def decode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        value = values[0]
        if isinstance(value, str):
            for k, v in back.items():
                if isinstance(k, str) and k.lower() == value.lower():
                    return (v,)
        return (back.get(value) if value is not None else None,)

    return Codec(name, encode, decode)


def _split(text: Any, sep: str = ",") -> list[str] | None:
    if not isinstance(text, str):
        return None
    items = [p.strip() for p in text.split(sep) if p.strip()]
    return items or None


def _comma_list(sort: bool = True, joiner: str = ", ") -> Codec:
    def encode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        items = list(values[0] or ())
        return (joiner.join(sorted(items) if sort else items) or None,)

    return Codec("comma list", encode, lambda v: (_split(v[0]),))


ECA_SCOPE_NAMES = {"SFAP": "SFApiPlatform"}
"""Scopes an External Client App names differently from a Connected App (a live retrieve returns
``SFApiPlatform`` for the Salesforce API Platform scope, which the Connected App enumeration calls ``SFAP``)."""


def _eca_scopes() -> Codec:
    def encode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        items = sorted({ECA_SCOPE_NAMES.get(s, s) for s in values[0] or ()})
        return (", ".join(items) or None,)

    return Codec("comma list", encode, lambda v: (_split(v[0]),))


def _sorted_list() -> Codec:
    def decode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        value = values[0]
        if isinstance(value, tuple):
            return ([v for v in value if isinstance(v, str)] or None,)
        return (None,)

    return Codec("list", lambda v: (sorted(v[0] or ()) or None,), decode)


def _lines() -> Codec:
    def decode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        return ((split_callback_urls(values[0]) or None) if isinstance(values[0], str) else None,)

    return Codec("line list", lambda v: (join_callback_urls(list(v[0] or ())) or None,), decode)


def _flags(*words: str) -> Codec:
    """A list of words <-> one boolean per word (``id_token.include``)."""

    def encode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        chosen = values[0]
        if chosen is None:
            return (None,) * len(words)
        return tuple(w in chosen for w in words)

    def decode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        if all(v is None for v in values):
            return (None,)
        return ([w for w, v in zip(words, values, strict=True) if v is True],)

    return Codec("flags", encode, decode)


def _capitalized() -> Codec:
    return Codec(
        "capitalized",
        lambda v: (v[0].capitalize() if isinstance(v[0], str) else v[0],),
        lambda v: (v[0].lower() if isinstance(v[0], str) else v[0],),
    )


def _ip_ranges(start: str, end: str) -> Codec:
    def encode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        ranges = [
            {k: x for k, x in (("description", r.description), (end, r.end), (start, r.start)) if x}
            for r in values[0] or ()
        ]
        return (ranges or None,)

    def decode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        if not isinstance(values[0], tuple):
            return (None,)
        out: list[dict[str, Any]] = []
        for r in values[0]:
            if not isinstance(r, Record):
                continue
            item: dict[str, Any] = {"start": r.get(start), "end": r.get(end)}
            if r.get("description"):
                item["description"] = r.get("description")
            out.append(item)
        return (out or None,)

    return Codec("ip ranges", encode, decode)


def _attributes() -> Codec:
    def encode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        return ([{"formula": a.formula, "key": a.key} for a in values[0] or ()] or None,)

    def decode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        if not isinstance(values[0], tuple):
            return (None,)
        return ([{"key": a.get("key"), "formula": a.get("formula")} for a in values[0] if isinstance(a, Record)]
                or None,)  # fmt: skip

    return Codec("attributes", encode, decode)


_CA_REFRESH = {
    "until_revoked": "infinite",
    "immediately": "zero",
    "after_lifetime": "specific_lifetime",
    "after_inactivity": "specific_inactivity",
}
_ECA_REFRESH = {
    "until_revoked": "Infinite",
    "immediately": "Zero",
    "after_lifetime": "SpecificLifetime",
    "after_inactivity": "SpecificInactivity",
}


def _refresh_packed() -> Codec:
    """policy, period, unit <-> ``specific_lifetime:3:HOURS`` (a Connected App's ``refreshTokenPolicy``)."""
    back = {v: k for k, v in _CA_REFRESH.items()}

    def encode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        policy, period, unit = values
        if policy is None:
            return (None,)
        keyword = _CA_REFRESH[policy]
        if period is not None and unit is not None and policy.startswith("after_"):
            return (f"{keyword}:{period}:{unit.upper()}",)
        return (keyword,)

    def decode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        if not isinstance(values[0], str):
            return (None, None, None)
        keyword, _, rest = values[0].partition(":")
        policy = back.get(keyword)
        period, _, unit = rest.partition(":")
        return (
            policy or values[0],
            int(period) if period.isdigit() else None,
            unit.lower() or None,
        )

    return Codec("packed refresh-token policy", encode, decode)


def _refresh_split() -> Codec:
    """policy, period, unit <-> ``refreshTokenPolicyType``, ``...ValidityPeriod``, ``...ValidityUnit``."""
    back = {v.lower(): k for k, v in _ECA_REFRESH.items()}

    def encode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        policy, period, unit = values
        if policy is None:
            return (None, None, None)
        if not policy.startswith("after_"):
            return (_ECA_REFRESH[policy], None, None)
        return (_ECA_REFRESH[policy], period, (unit or "").capitalize() or None)

    def decode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        kind, period, unit = values
        policy = back.get(kind.lower(), kind) if isinstance(kind, str) else None
        if not (isinstance(policy, str) and policy.startswith("after_")):
            return (policy, None, None)
        return (policy, period, unit.lower() if isinstance(unit, str) else None)

    return Codec("split refresh-token policy", encode, decode)


def _high_assurance(standard: str | None) -> Codec:
    def encode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        if values[0] is None:
            return (standard,)
        return ("HIGH_ASSURANCE" if values[0] else standard,)

    def decode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        if values[0] is None:
            return (None,)
        return (values[0] == "HIGH_ASSURANCE",)

    return Codec("session level", encode, decode)


def _certificate() -> Codec:
    """The ``file:`` reference <-> PEM text; the compiler reads the file and the decompiler writes it."""
    return Codec("certificate", lambda v: v, lambda v: v)


IP_RELAXATION_CA = {
    "enforce": "ENFORCE",
    "relax": "BYPASS",
    "relax_with_second_factor": "BYPASS_2FACTOR",
    "enforce_relax_refresh": "ENFORCE_RELAXREFRESH",
}
IP_RELAXATION_ECA = {
    "enforce": "Enforce",
    "relax": "Bypass",
    "relax_with_second_factor": "Bypass_2factor",
    "enforce_relax_refresh": "Enforce_RelaxRefresh",
}
PERMITTED_USERS_ECA = {"all_users": "AllSelfAuthorized", "admin_approved": "AdminApprovedPreAuthorized"}
POLICY_ACTION = {"raise_session_level": "RaiseSessionLevel", "block": "Block"}

CODECS: dict[str, Codec] = {
    "identity": _same(),
    "same2": _same(2),
    "inverted": _inverted(),
    "comma": _comma_list(),
    "eca_scopes": _eca_scopes(),
    "audiences": _comma_list(sort=False, joiner=","),
    "list": _sorted_list(),
    "lines": _lines(),
    "capitalized": _capitalized(),
    "attributes": _attributes(),
    "certificate": _certificate(),
    "refresh_packed": _refresh_packed(),
    "refresh_split": _refresh_split(),
    "ip_ranges_ca": _ip_ranges("start", "end"),
    "ip_ranges_eca": _ip_ranges("startIpAddress", "endIpAddress"),
    "ip_relaxation_ca": _enum(IP_RELAXATION_CA, "enumeration"),
    "ip_relaxation_eca": _enum(IP_RELAXATION_ECA, "enumeration"),
    "permitted_users_ca": _enum({"admin_approved": True, "all_users": False}, "enumeration"),
    "permitted_users_eca": _enum(PERMITTED_USERS_ECA, "enumeration"),
    "policy_action": _enum(POLICY_ACTION, "enumeration"),
    "session_level_ca": _high_assurance(None),
    "session_level_eca": _high_assurance("STANDARD"),
    "id_token_include": _flags("standard_claims", "custom_attributes", "custom_permissions"),
    "asset_token_include": _flags("custom_attributes", "custom_permissions"),
}
"""Every codec by name; the irregular ones (refresh-token policy, flags, IP ranges, certificates) included."""


# --- rows -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a row lives for one kind of app."""

    where: Where
    fields: tuple[Field, ...] = ()
    codec: Codec = CODECS["identity"]
    since: Version = (0, 0)
    defaults: tuple[Any, ...] = ()
    note: str = ""

    def default(self, index: int) -> Any:
        """The documented value of field `index` when it is absent (None when none is documented)."""
        return self.defaults[index] if index < len(self.defaults) else None

    def describe(self) -> str:
        """One cell of the docs' switch table."""
        text = {"metadata": "", "org": "org-wide: ", "intent": "intent only", "unsupported": "not supported"}[
            self.where
        ]
        if self.fields:
            text += ", ".join(f"`{f}`" for f in self.fields)
        if self.since != (0, 0):
            text += f" (API {self.since[0]}.{self.since[1]})"
        if self.note:
            text += f"; {self.note}"
        return text


@dataclass(frozen=True)
class Row:
    """One YAML key (with the keys its codec also reads) and where it lives for each kind."""

    yaml: str
    connected_app: Place
    external_client_app: Place
    also: tuple[str, ...] = ()
    when: str | None = None
    switch: bool = False

    @property
    def yaml_paths(self) -> tuple[str, ...]:
        """Every YAML path the row reads and writes, the main one first."""
        return (self.yaml, *self.also)

    def place(self, kind: str) -> Place:
        """The place for ``ConnectedApp`` or ``ExternalClientApp``."""
        return self.connected_app if kind == CA else self.external_client_app


def _m(
    *fields: Field,
    codec: str = "identity",
    since: str = "",
    defaults: tuple[Any, ...] = (),
    note: str = "",
) -> Place:
    version = tuple(int(p) for p in since.split(".")) if since else (0, 0)
    return Place("metadata", fields, CODECS[codec], (version[0], version[1]), defaults, note)


def _ca(path: str) -> Field:
    return Field("ConnectedApp", path)


def _cfg(path: str) -> Field:
    return Field("ConnectedApp", f"oauthConfig.{path}")


_NONE = Place("unsupported")
_OIDC = "OauthOidcSettings"
_CODE_CRED_ORG = f"also org-wide {_OIDC}.oAuthCdCrdtFlowEnable"


def _value(path: str, ca: Field | None, eca: Field | None, codec: str = "identity") -> Row:
    return Row(
        path,
        _m(ca, codec=codec) if ca else _NONE,
        _m(eca, codec=codec) if eca else _NONE,
    )


ROWS: tuple[Row, ...] = (
    # --- identity and URLs ---
    _value("label", _ca("label"), Field(_HDR, "label")),
    _value("description", _ca("description"), Field(_HDR, "description")),
    _value("contact.email", _ca("contactEmail"), Field(_HDR, "contactEmail")),
    _value("contact.phone", _ca("contactPhone"), Field(_HDR, "contactPhone")),
    _value("urls.info", _ca("infoUrl"), Field(_HDR, "infoUrl")),
    _value("urls.logo", _ca("logoUrl"), Field(_HDR, "logoUrl")),
    _value("urls.icon", _ca("iconUrl"), Field(_HDR, "iconUrl")),
    Row(
        "urls.start",
        _m(_ca("startUrl")),
        _m(Field(_OPL, "startUrl"), note="the OAuth start URL"),
    ),
    _value("urls.mobile_start", _ca("mobileStartUrl"), None),
    Row(
        "distribution_state",
        _NONE,
        _m(Field(_HDR, "distributionState"), codec="capitalized", defaults=("Local",)),
    ),
    _value("protected", None, Field(_HDR, "isProtected")),
    # --- OAuth: callback URLs and scopes ---
    _value("oauth.callback_urls", _cfg("callbackUrl"), Field(_GLB, "callbackUrl"), "lines"),
    Row(
        "oauth.scopes",
        _m(_cfg("scopes"), codec="list"),
        _m(Field(_SET, "commaSeparatedOauthScopes"), codec="eca_scopes"),
    ),
    Row(
        "oauth.custom_scopes",
        Place("unsupported", note="assigned by the OauthCustomScope metadata"),
        _m(Field(_SET, "commaSeparatedCustomScopes"), codec="comma"),
    ),
    # --- flows ---
    Row(
        "oauth.flows.authorization_code.enabled",
        Place("intent", note="always available when OAuth is on"),
        Place("intent", note="always available when OAuth is on"),
        switch=True,
    ),
    Row(
        "oauth.flows.authorization_code.require_pkce",
        _m(_cfg("isPkceRequired"), since="59.0", defaults=(False,)),
        _m(Field(_GLB, "isPkceRequired"), since="59.0", defaults=(True,)),
        switch=True,
    ),
    Row(
        "oauth.flows.authorization_code.require_secret",
        _m(
            _cfg("isConsumerSecretOptional"),
            codec="inverted",
            since="49.0",
            defaults=(False,),
            note="inverted",
        ),
        _m(
            Field(_GLB, "isConsumerSecretOptional"),
            codec="inverted",
            since="59.0",
            defaults=(False,),
            note="inverted",
        ),
        switch=True,
    ),
    Row(
        "oauth.flows.client_credentials.enabled",
        _m(_cfg("isClientCredentialEnabled"), since="56.0", defaults=(False,)),
        _m(
            Field(_GLB, "isClientCredentialsFlowEnabled"),
            Field(_OPL, "isClientCredentialsFlowEnabled"),
            codec="same2",
            since="60.0",
            defaults=(False, False),
        ),
        switch=True,
    ),
    Row(
        "oauth.flows.client_credentials.run_as",
        _m(_cfg("oauthClientCredentialUser"), since="56.0"),
        _m(Field(_OPL, "clientCredentialsFlowUser"), since="60.0"),
        when="oauth.flows.client_credentials.enabled",
        switch=True,
    ),
    Row(
        "oauth.flows.jwt_bearer.enabled",
        Place("intent", note="the flow works when a certificate is set"),
        Place("intent", note="the flow works when a certificate is set"),
        switch=True,
    ),
    Row(
        "oauth.flows.jwt_bearer.certificate",
        _m(_cfg("certificate"), codec="certificate", note="enables the flow"),
        _m(Field(_GLB, "certificate"), codec="certificate", since="60.0", note="enables the flow"),
        switch=True,
    ),
    Row(
        "oauth.flows.user_agent.enabled",
        Place("org", (Field(_OIDC, "blockOAuthUsrAgtFlow"),)),
        Place("org", (Field(_OIDC, "blockOAuthUsrAgtFlow"),)),
        switch=True,
    ),
    Row(
        "oauth.flows.device.enabled",
        Place("intent", note="Setup checkbox only, no field at API 63.0"),
        _m(Field(_GLB, "isDeviceFlowEnabled"), since="60.0", defaults=(False,)),
        switch=True,
    ),
    Row(
        "oauth.flows.token_exchange.enabled",
        _m(
            _cfg("isTokenExchangeEnabled"),
            _ca("oauthPolicy.isTokenExchangeFlowEnabled"),
            codec="same2",
            since="60.0",
            defaults=(False, False),
        ),
        _m(
            Field(_GLB, "isTokenExchangeEnabled"),
            Field(_OPL, "isTokenExchangeFlowEnabled"),
            codec="same2",
            since="60.0",
            defaults=(False, False),
        ),
        switch=True,
    ),
    Row(
        "oauth.flows.token_exchange.require_secret",
        _m(_cfg("isSecretRequiredForTokenExchange"), since="60.0", defaults=(False,)),
        _m(Field(_GLB, "isSecretRequiredForTokenExchange"), since="60.0", defaults=(False,)),
        when="oauth.flows.token_exchange.enabled",
        switch=True,
    ),
    Row(
        "oauth.flows.username_password.enabled",
        Place("org", (Field(_OIDC, "blockOAuthUnPwFlow"),)),
        Place("unsupported", note="External Client Apps do not support the flow"),
        switch=True,
    ),
    Row(
        "oauth.flows.code_credential.enabled",
        _m(_cfg("isCodeCredentialEnabled"), since="57.0", defaults=(False,), note=_CODE_CRED_ORG),
        _m(Field(_GLB, "isCodeCredFlowEnabled"), since="61.0", defaults=(False,), note=_CODE_CRED_ORG),
        switch=True,
    ),
    Row(
        "oauth.flows.code_credential.post_only",
        _m(_cfg("isCodeCredentialPostOnly"), since="57.0", defaults=(False,)),
        _m(Field(_GLB, "isCodeCredPostOnly"), since="61.0", defaults=(False,)),
        when="oauth.flows.code_credential.enabled",
        switch=True,
    ),
    Row(
        "oauth.flows.code_credential.guest_enabled",
        Place("unsupported"),
        _m(Field(_OPL, "isGuestCodeCredFlowEnabled"), since="61.0", defaults=(False,)),
        switch=True,
    ),
    # --- tokens ---
    Row(
        "oauth.refresh_token.policy",
        _m(
            _ca("oauthPolicy.refreshTokenPolicy"),
            codec="refresh_packed",
            since="49.0",
            note="with period and unit packed in",
        ),
        _m(
            Field(_OPL, "refreshTokenPolicyType"),
            Field(_OPL, "refreshTokenValidityPeriod"),
            Field(_OPL, "refreshTokenValidityUnit"),
            codec="refresh_split",
            since="59.0",
            defaults=("Infinite",),
        ),
        also=("oauth.refresh_token.period", "oauth.refresh_token.unit"),
        switch=True,
    ),
    Row(
        "oauth.refresh_token.rotation",
        _m(_cfg("isRefreshTokenRotationEnabled"), since="60.0", defaults=(False,)),
        _m(Field(_GLB, "isRefreshTokenRotationEnabled"), since="60.0", defaults=(False,)),
        switch=True,
    ),
    Row(
        "oauth.refresh_token.require_secret",
        _m(_cfg("isSecretRequiredForRefreshToken"), since="51.0", defaults=(True,)),
        _m(Field(_GLB, "isSecretRequiredForRefreshToken"), since="59.0", defaults=(True,)),
        switch=True,
    ),
    Row(
        "oauth.introspect_all_tokens",
        _m(_cfg("isIntrospectAllTokens"), since="49.0", defaults=(False,)),
        _m(Field(_GLB, "isIntrospectAllTokens"), since="59.0", defaults=(False,)),
        switch=True,
    ),
    Row(
        "oauth.require_dpop",
        Place("unsupported", note="no Connected App metadata field is documented"),
        _m(Field(_GLB, "isDPopEnabled"), since="66.0", defaults=(False,)),
        switch=True,
    ),
    Row(
        "oauth.jwt_access_tokens.enabled",
        _m(_cfg("isNamedUserJwtEnabled"), since="59.0", defaults=(False,)),
        _m(Field(_GLB, "isNamedUserJwtEnabled"), since="61.0", defaults=(False,)),
        switch=True,
    ),
    Row(
        "oauth.jwt_access_tokens.timeout_minutes",
        Place("intent", note="not in ConnectedApp metadata at API 63.0"),
        _m(Field(_OPL, "namedUserJwtTimeout"), since="61.0"),
        switch=True,
    ),
    _value(
        "oauth.id_token.validity_minutes",
        _cfg("idTokenConfig.idTokenValidity"),
        Field(_GLB, "idTokenConfig.idTokenValidityInMinutes"),
    ),
    _value(
        "oauth.id_token.audiences",
        _cfg("idTokenConfig.idTokenAudience"),
        Field(_GLB, "idTokenConfig.idTokenAudience"),
        "audiences",
    ),
    Row(
        "oauth.id_token.include",
        _m(
            _cfg("idTokenConfig.idTokenIncludeStandardClaims"),
            _cfg("idTokenConfig.idTokenIncludeAttributes"),
            _cfg("idTokenConfig.idTokenIncludeCustomPerms"),
            codec="id_token_include",
        ),
        _m(
            Field(_GLB, "idTokenConfig.idTokenIncludeStandardClaims"),
            Field(_GLB, "idTokenConfig.idTokenIncludeAttributes"),
            Field(_GLB, "idTokenConfig.idTokenIncludeCustomPermissions"),
            codec="id_token_include",
        ),
    ),
    _value(
        "oauth.asset_token.validity_period",
        _cfg("assetTokenConfig.assetValidityPeriod"),
        Field(_SET, "assetTokenValidity"),
    ),
    _value(
        "oauth.asset_token.audiences",
        _cfg("assetTokenConfig.assetAudiences"),
        Field(_SET, "assetTokenAudiences"),
        "audiences",
    ),
    _value(
        "oauth.asset_token.signing_certificate",
        _cfg("assetTokenConfig.assetSigningCertId"),
        Field(_SET, "assetTokenSigningCertificate"),
    ),
    Row(
        "oauth.asset_token.include",
        _m(
            _cfg("assetTokenConfig.assetIncludeAttributes"),
            _cfg("assetTokenConfig.assetIncludeCustomPerms"),
            codec="asset_token_include",
        ),
        _m(
            Field(_SET, "areAttributesIncludedInAssetToken"),
            Field(_SET, "areCustomPermsIncludedInAssetToken"),
            codec="asset_token_include",
        ),
    ),
    _value("oauth.custom_attributes", _ca("attributes"), Field(_SET, "customAttributes"), "attributes"),
    _value("oauth.single_logout_url", _cfg("singleLogoutUrl"), Field(_SET, "singleLogoutUrl")),
    # --- access ---
    Row(
        "access.permitted_users",
        _m(_cfg("isAdminApproved"), codec="permitted_users_ca", since="46.0", defaults=(False,)),
        _m(
            Field(_OPL, "permittedUsersPolicyType"),
            codec="permitted_users_eca",
            since="59.0",
            defaults=("AllSelfAuthorized",),
        ),
        switch=True,
    ),
    Row(
        "access.profiles",
        _m(_ca("profileName"), codec="list", since="46.0"),
        _m(Field(_OPL, "commaSeparatedProfile"), codec="comma", since="59.0"),
        switch=True,
    ),
    Row(
        "access.permission_sets",
        _m(_ca("permissionSetName"), codec="list", since="46.0"),
        _m(Field(_OPL, "commaSeparatedPermissionSet"), codec="comma", since="59.0"),
        switch=True,
    ),
    Row(
        "access.ip_relaxation",
        _m(_ca("oauthPolicy.ipRelaxation"), codec="ip_relaxation_ca", since="49.0"),
        _m(
            Field(_OPL, "ipRelaxationPolicyType"),
            codec="ip_relaxation_eca",
            since="59.0",
            defaults=("Enforce",),
        ),
        switch=True,
    ),
    Row(
        "access.trusted_ip_ranges",
        _m(_ca("ipRanges"), codec="ip_ranges_ca"),
        _m(Field(_SET, "trustedIpRanges"), codec="ip_ranges_eca", since="59.0"),
        switch=True,
    ),
    Row(
        "access.session_timeout_minutes",
        _m(_ca("sessionPolicy.sessionTimeout"), since="49.0"),
        _m(Field(_OPL, "sessionTimeoutInMinutes"), since="59.0"),
        switch=True,
    ),
    Row(
        "access.high_assurance.required",
        _m(_ca("sessionPolicy.sessionLevel"), codec="session_level_ca", since="49.0", note="HIGH_ASSURANCE"),
        _m(
            Field(_OPL, "requiredSessionLevel"),
            codec="session_level_eca",
            since="59.0",
            defaults=("STANDARD",),
            note="HIGH_ASSURANCE",
        ),
        switch=True,
    ),
    Row(
        "access.high_assurance.action",
        _m(_ca("sessionPolicy.policyAction"), codec="policy_action", since="49.0"),
        _m(Field(_OPL, "policyAction"), codec="policy_action", since="59.0"),
        when="access.high_assurance.required",
        switch=True,
    ),
    # --- handler ---
    _value("handler.apex_class", _ca("plugin"), Field(_OPL, "apexHandler")),
    Row(
        "handler.run_as",
        _m(_ca("pluginExecutionUser"), since="46.0"),
        _m(Field(_OPL, "executeHandlerAs"), since="61.0"),
    ),
    Row(
        "oauth.consumer_secret",
        _m(_cfg("consumerSecret"), note="write-only; applied on create only"),
        _m(Field(_GLB, "consumerSecret"), note="write-only; applied on create only"),
        switch=True,
    ),
)
"""Every YAML key with a place in metadata (or a reason it has none), per kind."""

SECRET_ROW = "oauth.consumer_secret"  # noqa: S105 (a YAML path, not a secret)
"""The row of the write-only consumer secret: compiled as a reference, never as a value."""


# --- views ----------------------------------------------------------------------------------------------------


def row(path: str) -> Row:
    """The row whose main YAML path is `path` (e.g. ``oauth.flows.device.enabled``).

    Raises:
        KeyError: no row has that path.
    """
    for item in ROWS:
        if item.yaml == path:
            return item
    raise KeyError(path)


def rows_for(kind: str, where: Where | None = "metadata") -> Iterator[tuple[Row, Place]]:
    """The rows of one kind (``ConnectedApp`` / ``ExternalClientApp``) with their place, filtered by `where`."""
    for item in ROWS:
        place = item.place(kind)
        if where is None or place.where == where:
            yield item, place


def without_destination(source: str, destination: str) -> list[tuple[Row, Place]]:
    """Rows stored in metadata for the `source` kind but not for `destination` (e.g. what a Connected App holds
    that an External Client App has no field for: ``urls.mobile_start``), with the source's place."""
    return [(item, place) for item, place in rows_for(source) if item.place(destination).where != "metadata"]


def fields_for(kind: str) -> dict[str, tuple[Field, ...]]:
    """YAML path -> the metadata fields it sets, for one kind (rows stored in metadata only)."""
    return {item.yaml: place.fields for item, place in rows_for(kind)}


@dataclass(frozen=True)
class _Index:
    by_field: dict[tuple[str, str], tuple[Row, Place, int]] = field(default_factory=dict)


def _build_index() -> _Index:
    index = _Index()
    for kind in (CA, ECA):
        for item, place in rows_for(kind):
            for i, f in enumerate(place.fields):
                index.by_field.setdefault((f.type, f.path), (item, place, i))
    return index


_INDEX = _build_index()


def row_at(component_type: str, metadata_path: str) -> tuple[Row, Place, int] | None:
    """The row (its place, and the field's position in it) that writes a metadata field, if any."""
    return _INDEX.by_field.get((component_type, metadata_path))


def metadata_default(component_type: str, metadata_path: str) -> Any:
    """The documented value of a metadata field when absent, according to the map (None when unknown)."""
    found = row_at(component_type, metadata_path)
    if found is None:
        return None
    _, place, index = found
    return place.default(index)


def yaml_value(component_type: str, metadata_path: str, value: Value) -> Any:
    """A metadata value as the YAML writes it (``admin_approved`` for ``AdminApprovedPreAuthorized``).

    Values of fields no row writes, and values a codec cannot read, are returned as they are.
    """
    found = row_at(component_type, metadata_path)
    if found is None or value is None:
        return _plain(value)
    _item, place, index = found
    if place.codec.name == "certificate":
        return value
    values = tuple(value if i == index else place.default(i) for i in range(len(place.fields)))
    try:
        decoded = place.codec.decode(values)
    except (TypeError, ValueError, AttributeError):
        return _plain(value)
    if len(place.fields) > 1 and place.codec.name in ("flags",):
        return _plain(value)
    shown = decoded[0] if decoded and decoded[0] is not None else _plain(value)
    if _item.yaml == "oauth.scopes" and isinstance(shown, list):
        return [token_name(str(s)) for s in shown]  # as OAuth requests and most YAML files spell them
    return shown


def row_value(component_type: str, metadata_path: str, units: Mapping[str, Any]) -> Any:
    """The YAML value of the row writing `metadata_path`, read from every field of that row in `units` (one
    component's values by metadata path, as plans compare them): a list for ``id_token.include``, one phrase
    for a refresh-token policy. Fields no row writes are returned as they are."""
    value = units.get(metadata_path)
    found = row_at(component_type, metadata_path)
    if found is None:
        return value
    item, place, _ = found
    if len(place.fields) == 1 and not item.also:
        return yaml_value(component_type, metadata_path, value)
    values = tuple((units.get(f.path) if f.type == component_type else None) for f in place.fields)
    if all(v is None for v in values):
        return None
    values = tuple(place.default(i) if v is None else v for i, v in enumerate(values))
    try:
        decoded = place.codec.decode(values)
    except (TypeError, ValueError, AttributeError):
        return value
    if item.also:
        shown = [str(v) for v in decoded if v is not None]
        return " ".join(shown) if shown else None
    return decoded[0]


def _plain(value: Value) -> Any:
    if isinstance(value, Record):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def yaml_path_of(component_type: str, metadata_path: str) -> str | None:
    """The YAML key that writes a metadata field, or None when the field has none (the escape hatch)."""
    found = row_at(component_type, metadata_path)
    return found[0].yaml if found is not None else None


def markdown_table(rows: Sequence[Row] | None = None) -> str:
    """The Markdown table of the switches (where each lives per kind), as embedded in ``docs/yaml-reference.md``."""
    lines = ["| YAML key (under an app) | ConnectedApp | ExternalClientApp |", "|---|---|---|"]
    for item in rows if rows is not None else ROWS:
        lines.append(
            f"| `{item.yaml}` | {item.connected_app.describe()} | {item.external_client_app.describe()} |"
        )
    return "\n".join(lines) + "\n"
