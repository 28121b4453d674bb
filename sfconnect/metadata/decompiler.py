"""The decompiler: the components of one app -> the app's YAML data (the inverse of `compiler`).

Every field with an intent-level YAML key is written under that key; fields of the ``metadata:`` escape hatch
(SAML, canvas, mobile, plugin and rotation switches) are written there; an External Client App's child
components keep their names through ``component_names`` when they differ from Setup's ``<App>_oauth`` etc.
Nothing is lost: `decompile_app` compiles its own result and compares it with the input, and refuses (with
the fields that differ) any app it cannot express exactly.

Secrets never reach the YAML: a consumer secret becomes the reference ``env:<APP>_CONSUMER_SECRET`` (with a
warning), consumer keys are dropped (with a note), and a certificate is returned as a file for ``certs/``
referenced with ``file:``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from sfconnect.errors import Issue, MetadataError
from sfconnect.metadata.compiler import ECA_CHILD_SUFFIXES, ECA_OPTIONAL_CHILD_SUFFIXES, compile_app
from sfconnect.metadata.component import Component, Record, Value
from sfconnect.metadata.normalize import split_callback_urls
from sfconnect.metadata.schema import ComponentType
from sfconnect.metadata.vocabulary import (
    CA_IP_RELAXATION,
    CA_REFRESH,
    ECA_IP_RELAXATION,
    ECA_PERMITTED_USERS,
    ECA_REFRESH,
    POLICY_ACTION,
    reverse,
)
from sfconnect.spec.models import AppSpec

__all__ = ["DecompiledApp", "decompile_app", "import_equivalent", "secret_env_name", "to_plain"]

_ADAPTER: TypeAdapter[AppSpec] = TypeAdapter(AppSpec)

_CA_IP_RELAXATION = reverse(CA_IP_RELAXATION)
_ECA_IP_RELAXATION = reverse(ECA_IP_RELAXATION)
_CA_REFRESH = reverse(CA_REFRESH)
_ECA_REFRESH = reverse(ECA_REFRESH)
_POLICY_ACTION = reverse(POLICY_ACTION)

_CA_ESCAPE = ("canvas", "canvasConfig", "mobileAppConfig", "samlConfig")
_ECA_ESCAPE: dict[str, tuple[str, ...]] = {
    ComponentType.ECA_OAUTH_SETTINGS: ("clientAssertionCertificate", "isFirstPartyAppEnabled"),
    ComponentType.ECA_GLOBAL_OAUTH_SETTINGS: ("shouldRotateConsumerKey", "shouldRotateConsumerSecret"),
    ComponentType.ECA_OAUTH_POLICIES: ("guestJwtTimeout",),
    ComponentType.ECA_POLICIES: (
        "isMobilePluginEnabled",
        "isNotificationPluginEnabled",
        "isPushPluginEnabled",
        "isSamlPluginEnabled",
        "startPage",
    ),
}


@dataclass(frozen=True)
class DecompiledApp:
    """One app as YAML data, ready to be written.

    Attributes:
        name: the app's API name.
        kind: ``ConnectedApp`` or ``ExternalClientApp``.
        data: the app's YAML mapping (keys in the order they are written).
        files: files the YAML references (``certs/<App>.crt`` -> PEM text), relative to the project directory.
        notes: what the import dropped or replaced (consumer keys, secrets), as warnings.
        components: the components the app was made from (their `source` names the files).
    """

    name: str
    kind: str
    data: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)
    notes: tuple[Issue, ...] = ()
    components: tuple[Component, ...] = ()


def secret_env_name(app_name: str) -> str:
    """The environment variable an imported app's consumer secret is referenced by: ``<APP>_CONSUMER_SECRET``."""
    return re.sub(r"[^A-Z0-9_]", "_", app_name.upper()) + "_CONSUMER_SECRET"


def to_plain(value: Value) -> Any:
    """A component value as plain YAML data (records -> dicts, tuples -> lists)."""
    if isinstance(value, Record):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [to_plain(v) for v in value]
    return value


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _prune(data: dict[str, Any]) -> dict[str, Any]:
    """Drop empty mappings (recursively) so the YAML shows only what was set."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            value = _prune(value)
            if not value and key not in ("oauth",):
                continue
        out[key] = value
    return out


def _str(fields: Mapping[str, Value], name: str) -> str | None:
    value = fields.get(name)
    return value if isinstance(value, str) and value != "" else None


def _bool(fields: Mapping[str, Value], name: str) -> bool | None:
    value = fields.get(name)
    return value if isinstance(value, bool) else None


def _int(fields: Mapping[str, Value], name: str) -> int | None:
    value = fields.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _record(fields: Mapping[str, Value], name: str) -> Record:
    value = fields.get(name)
    return value if isinstance(value, Record) else Record()


def _split(value: str | None, sep: str = ",") -> list[str]:
    return [item.strip() for item in (value or "").split(sep) if item.strip()]


def _set(target: dict[str, Any], path: str, value: Any) -> None:
    """Set ``a.b.c`` in nested dicts unless `value` is None or an empty list."""
    if value is None or value == []:
        return
    *parents, leaf = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[leaf] = value


class _Context:
    """What one decompilation collects besides the YAML: files and notes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.files: dict[str, str] = {}
        self.notes: list[Issue] = []

    def certificate(self, pem: str | None, source: str) -> str | None:
        """Keep a certificate as ``certs/<App>.crt``; returns its ``file:`` reference."""
        if not pem:
            return None
        if "PRIVATE KEY" in pem:
            raise MetadataError(
                f"app {self.name}: the certificate field holds a private key; it is never copied (remove it "
                "from the file and keep only the certificate)",
                path=source,
            )
        rel = f"certs/{self.name}.crt"
        self.files[rel] = pem.strip() + "\n"
        return f"file:{rel}"

    def dropped(self, component: Component) -> bool:
        """Record the notes about dropped values; True when a consumer secret was dropped."""
        secret = False
        for note in component.notes:
            if note.code == "write-only-dropped":
                secret = True
            if note.code in ("org-generated-dropped", "write-only-dropped"):
                continue
            self.notes.append(note)
        for note in component.notes:
            if (
                note.code == "org-generated-dropped"
                and note.loc
                and str(note.loc[-1]).endswith("consumerKey")
            ):
                self.notes.append(
                    Issue(
                        "warning",
                        "consumer-key-dropped",
                        f"{component.type} {component.full_name}: the consumer key is generated by the org; "
                        "not imported",
                        component.source,
                    )
                )
        return secret

    def secret_placeholder(self, component: Component) -> str:
        ref = f"env:{secret_env_name(self.name)}"
        self.notes.append(
            Issue(
                "warning",
                "consumer-secret-replaced",
                f"{component.type} {component.full_name}: the file holds a consumer secret; it is not copied "
                f"into YAML, which references {ref} instead (set it, or remove oauth.consumer_secret)",
                component.source,
            )
        )
        return ref


def _identity(data: dict[str, Any], fields: Mapping[str, Value]) -> None:
    _set(data, "label", _str(fields, "label"))
    _set(data, "description", _str(fields, "description"))
    _set(data, "contact.email", _str(fields, "contactEmail"))
    _set(data, "contact.phone", _str(fields, "contactPhone"))
    _set(data, "urls.info", _str(fields, "infoUrl"))
    _set(data, "urls.logo", _str(fields, "logoUrl"))
    _set(data, "urls.icon", _str(fields, "iconUrl"))


def _refresh_ca(oauth: dict[str, Any], value: str | None) -> None:
    if value is None:
        return
    keyword, _, rest = value.partition(":")
    policy = _CA_REFRESH.get(keyword)
    if policy is None:
        return
    _set(oauth, "refresh_token.policy", policy if policy != "until_revoked" else None)
    if rest:
        period, _, unit = rest.partition(":")
        if period.isdigit():
            _set(oauth, "refresh_token.period", int(period))
        _set(oauth, "refresh_token.unit", unit.lower() or None)


def _id_token(oauth: dict[str, Any], id_token: object, validity: str, custom_perms: str) -> None:
    """OpenID Connect ID token settings (the two kinds spell two of the fields differently)."""
    if not isinstance(id_token, Record):
        return
    oauth["id_token"] = {}
    _set(oauth, "id_token.validity_minutes", _int(id_token, validity))
    _set(oauth, "id_token.audiences", _split(_str(id_token, "idTokenAudience")))
    included = [
        (_bool(id_token, "idTokenIncludeStandardClaims"), "standard_claims"),
        (_bool(id_token, "idTokenIncludeAttributes"), "custom_attributes"),
        (_bool(id_token, custom_perms), "custom_permissions"),
    ]
    _set(oauth, "id_token.include", _include(included))


def _custom_attributes(value: object) -> list[dict[str, object]] | None:
    """Custom attributes (key + formula records) as YAML entries; None when there are none."""
    if not isinstance(value, tuple):
        return None
    return [{"key": a.get("key"), "formula": a.get("formula")} for a in value if isinstance(a, Record)]


def _include(pairs: Sequence[tuple[bool | None, str]]) -> list[str]:
    return [name for flag, name in pairs if flag]


def _decompile_connected_app(component: Component, ctx: _Context) -> dict[str, Any]:
    f = component.fields
    data: dict[str, Any] = {"kind": "ConnectedApp", "name": component.full_name}
    _identity(data, f)
    _set(data, "urls.start", _str(f, "startUrl"))
    _set(data, "urls.mobile_start", _str(f, "mobileStartUrl"))
    secret = ctx.dropped(component)
    cfg = f.get("oauthConfig")
    access: dict[str, Any] = {}
    if isinstance(cfg, Record):
        oauth: dict[str, Any] = {}
        _set(oauth, "callback_urls", split_callback_urls(_str(cfg, "callbackUrl") or ""))
        scopes = cfg.get("scopes")
        _set(oauth, "scopes", list(scopes) if isinstance(scopes, tuple) else None)
        flows: dict[str, Any] = {}
        _set(flows, "authorization_code.require_pkce", bool(_bool(cfg, "isPkceRequired")))
        if _bool(cfg, "isConsumerSecretOptional"):
            _set(flows, "authorization_code.require_secret", False)
        if _bool(cfg, "isClientCredentialEnabled"):
            _set(flows, "client_credentials.enabled", True)
            _set(flows, "client_credentials.run_as", _str(cfg, "oauthClientCredentialUser"))
        cert = ctx.certificate(_str(cfg, "certificate"), component.source)
        if cert:
            _set(flows, "jwt_bearer", {"enabled": True, "certificate": cert})
        if _bool(cfg, "isCodeCredentialEnabled"):
            _set(flows, "code_credential.enabled", True)
            _set(flows, "code_credential.post_only", _bool(cfg, "isCodeCredentialPostOnly") or None)
        if _bool(cfg, "isTokenExchangeEnabled"):
            _set(flows, "token_exchange.enabled", True)
            _set(flows, "token_exchange.require_secret", bool(_bool(cfg, "isSecretRequiredForTokenExchange")))
        oauth["flows"] = flows
        refresh: dict[str, Any] = {}
        oauth["refresh_token"] = refresh
        policy = _record(f, "oauthPolicy")
        _refresh_ca(oauth, _str(policy, "refreshTokenPolicy"))
        _set(refresh, "rotation", _bool(cfg, "isRefreshTokenRotationEnabled") or None)
        if _bool(cfg, "isSecretRequiredForRefreshToken") is False:
            _set(refresh, "require_secret", False)
        _set(oauth, "introspect_all_tokens", _bool(cfg, "isIntrospectAllTokens") or None)
        _set(oauth, "jwt_access_tokens.enabled", _bool(cfg, "isNamedUserJwtEnabled") or None)
        _id_token(oauth, cfg.get("idTokenConfig"), "idTokenValidity", "idTokenIncludeCustomPerms")
        asset = cfg.get("assetTokenConfig")
        if isinstance(asset, Record):
            _set(oauth, "asset_token.validity_period", _int(asset, "assetValidityPeriod"))
            _set(oauth, "asset_token.audiences", _split(_str(asset, "assetAudiences")))
            _set(oauth, "asset_token.signing_certificate", _str(asset, "assetSigningCertId"))
            oauth["asset_token"]["include"] = _include(
                [
                    (_bool(asset, "assetIncludeAttributes"), "custom_attributes"),
                    (_bool(asset, "assetIncludeCustomPerms"), "custom_permissions"),
                ]
            )
        _set(oauth, "custom_attributes", _custom_attributes(f.get("attributes")))
        _set(oauth, "single_logout_url", _str(cfg, "singleLogoutUrl"))
        if secret:
            oauth["consumer_secret"] = ctx.secret_placeholder(component)
        data["oauth"] = oauth
        if _bool(cfg, "isAdminApproved"):
            access["permitted_users"] = "admin_approved"
        relax = _CA_IP_RELAXATION.get(_str(policy, "ipRelaxation") or "")
        if relax and relax != "enforce":
            access["ip_relaxation"] = relax
    _ca_access(access, f)
    data["access"] = access
    if _str(f, "plugin"):
        _set(data, "handler.apex_class", _str(f, "plugin"))
        _set(data, "handler.run_as", _str(f, "pluginExecutionUser"))
    escape = {name: to_plain(f[name]) for name in _CA_ESCAPE if name in f}
    if escape:
        data["metadata"] = {ComponentType.CONNECTED_APP: escape}
    return data


def _ca_access(access: dict[str, Any], f: Record) -> None:
    for key, name in (("profiles", "profileName"), ("permission_sets", "permissionSetName")):
        value = f.get(name)
        if isinstance(value, tuple):
            _set(access, key, [v for v in value if isinstance(v, str)])
    ranges = f.get("ipRanges")
    if isinstance(ranges, tuple):
        _set(
            access,
            "trusted_ip_ranges",
            [_ip_range(r, "start", "end") for r in ranges if isinstance(r, Record)],
        )
    session = _record(f, "sessionPolicy")
    _set(access, "session_timeout_minutes", _int(session, "sessionTimeout"))
    if _str(session, "sessionLevel") == "HIGH_ASSURANCE":
        action = _POLICY_ACTION.get(_str(session, "policyAction") or "")
        access["high_assurance"] = {"required": True}
        if action and action != "raise_session_level":
            access["high_assurance"]["action"] = action


def _ip_range(record: Record, start: str, end: str) -> dict[str, Any]:
    out: dict[str, Any] = {"start": record.get(start), "end": record.get(end)}
    if _str(record, "description"):
        out["description"] = record.get("description")
    return out


def _decompile_eca(family: Sequence[Component], ctx: _Context) -> dict[str, Any]:
    by_type = {c.type: c for c in family}
    header = by_type[ComponentType.EXTERNAL_CLIENT_APP]
    name = header.full_name
    h = header.fields
    data: dict[str, Any] = {"kind": "ExternalClientApp", "name": name}
    _identity(data, h)
    ctx.dropped(header)
    state = _str(h, "distributionState")
    if state and state.lower() != "local":
        data["distribution_state"] = state.lower()
    if _bool(h, "isProtected"):
        data["protected"] = True
    names: dict[str, str] = {}
    for component in family:
        suffix = ECA_CHILD_SUFFIXES.get(component.type) or ECA_OPTIONAL_CHILD_SUFFIXES.get(component.type)
        if suffix is not None and component.full_name != f"{name}{suffix}":
            names[component.type] = component.full_name
    escape: dict[str, dict[str, Any]] = {}

    def escape_fields(component: Component | None) -> None:
        if component is None:
            return
        label = _str(component.fields, "label")
        if label is not None and label != component.full_name:
            escape.setdefault(component.type, {})["label"] = label
        found = {
            k: to_plain(component.fields[k])
            for k in _ECA_ESCAPE.get(component.type, ())
            if k in component.fields
        }
        if found.get("isSamlPluginEnabled") is True and ComponentType.ECA_SAML_POLICIES in by_type:
            del found["isSamlPluginEnabled"]  # follows from the SAML policies the app declares
        if found:
            escape.setdefault(component.type, {}).update(found)

    plcy = by_type.get(ComponentType.ECA_POLICIES)
    settings = by_type.get(ComponentType.ECA_OAUTH_SETTINGS)
    glb = by_type.get(ComponentType.ECA_GLOBAL_OAUTH_SETTINGS)
    pol = by_type.get(ComponentType.ECA_OAUTH_POLICIES)
    if plcy is not None:
        ctx.dropped(plcy)
        _set(data, "urls.start", _str(plcy.fields, "startUrl"))
        escape_fields(plcy)
        if _bool(plcy.fields, "isEnabled") is False:
            escape.setdefault(ComponentType.ECA_POLICIES, {})["isEnabled"] = False
    has_oauth = settings is not None or glb is not None or pol is not None
    if plcy is not None and not has_oauth and _bool(plcy.fields, "isOauthPluginEnabled"):
        has_oauth = True
    access: dict[str, Any] = {}
    if has_oauth:
        oauth: dict[str, Any] = {}
        flows: dict[str, Any] = {}
        refresh: dict[str, Any] = {}
        s = settings.fields if settings is not None else Record()
        g = glb.fields if glb is not None else Record()
        p = pol.fields if pol is not None else Record()
        secret = any([ctx.dropped(c) for c in (settings, glb, pol) if c is not None])  # every note kept
        _set(oauth, "callback_urls", split_callback_urls(_str(g, "callbackUrl") or ""))
        _set(oauth, "scopes", _split(_str(s, "commaSeparatedOauthScopes")))
        _set(oauth, "custom_scopes", _split(_str(s, "commaSeparatedCustomScopes")))
        pkce = _bool(g, "isPkceRequired")
        if pkce is False:
            _set(flows, "authorization_code.require_pkce", False)
        if _bool(g, "isConsumerSecretOptional"):
            _set(flows, "authorization_code.require_secret", False)
        if _bool(g, "isClientCredentialsFlowEnabled") or _bool(p, "isClientCredentialsFlowEnabled"):
            _set(flows, "client_credentials.enabled", True)
        _set(flows, "client_credentials.run_as", _str(p, "clientCredentialsFlowUser"))
        cert = ctx.certificate(_str(g, "certificate"), glb.source if glb is not None else "")
        if cert:
            _set(flows, "jwt_bearer", {"enabled": True, "certificate": cert})
        _set(flows, "device.enabled", _bool(g, "isDeviceFlowEnabled") or None)
        if _bool(g, "isTokenExchangeEnabled") or _bool(p, "isTokenExchangeFlowEnabled"):
            _set(flows, "token_exchange.enabled", True)
            _set(flows, "token_exchange.require_secret", bool(_bool(g, "isSecretRequiredForTokenExchange")))
        if _bool(g, "isCodeCredFlowEnabled"):
            _set(flows, "code_credential.enabled", True)
            _set(flows, "code_credential.post_only", _bool(g, "isCodeCredPostOnly") or None)
        _set(flows, "code_credential.guest_enabled", _bool(p, "isGuestCodeCredFlowEnabled") or None)
        oauth["flows"] = flows
        policy = _ECA_REFRESH.get(_str(p, "refreshTokenPolicyType") or "Infinite")
        if policy and policy != "until_revoked":
            refresh["policy"] = policy
        if policy and policy.startswith("after_"):
            _set(refresh, "period", _int(p, "refreshTokenValidityPeriod"))
            unit = _str(p, "refreshTokenValidityUnit")
            _set(refresh, "unit", unit.lower() if unit else None)
        _set(refresh, "rotation", _bool(g, "isRefreshTokenRotationEnabled") or None)
        if _bool(g, "isSecretRequiredForRefreshToken") is False:
            refresh["require_secret"] = False
        oauth["refresh_token"] = refresh
        _set(oauth, "introspect_all_tokens", _bool(g, "isIntrospectAllTokens") or None)
        _set(oauth, "jwt_access_tokens.enabled", _bool(g, "isNamedUserJwtEnabled") or None)
        _set(oauth, "jwt_access_tokens.timeout_minutes", _int(p, "namedUserJwtTimeout"))
        _id_token(
            oauth, g.get("idTokenConfig"), "idTokenValidityInMinutes", "idTokenIncludeCustomPermissions"
        )
        if _str(s, "assetTokenSigningCertificate") or _int(s, "assetTokenValidity") is not None:
            oauth["asset_token"] = {
                "validity_period": _int(s, "assetTokenValidity"),
                "audiences": _split(_str(s, "assetTokenAudiences")),
                "signing_certificate": _str(s, "assetTokenSigningCertificate"),
                "include": _include(
                    [
                        (_bool(s, "areAttributesIncludedInAssetToken"), "custom_attributes"),
                        (_bool(s, "areCustomPermsIncludedInAssetToken"), "custom_permissions"),
                    ]
                ),
            }
        _set(oauth, "custom_attributes", _custom_attributes(s.get("customAttributes")))
        _set(oauth, "single_logout_url", _str(s, "singleLogoutUrl"))
        if secret:
            oauth["consumer_secret"] = ctx.secret_placeholder(glb or header)
        data["oauth"] = oauth
        if _str(p, "permittedUsersPolicyType") == ECA_PERMITTED_USERS["admin_approved"]:
            access["permitted_users"] = "admin_approved"
        _set(access, "profiles", _split(_str(p, "commaSeparatedProfile")))
        _set(access, "permission_sets", _split(_str(p, "commaSeparatedPermissionSet")))
        relax = _ECA_IP_RELAXATION.get(_str(p, "ipRelaxationPolicyType") or "")
        if relax and relax != "enforce":
            access["ip_relaxation"] = relax
        ranges = s.get("trustedIpRanges")
        if isinstance(ranges, tuple):
            _set(
                access,
                "trusted_ip_ranges",
                [_ip_range(r, "startIpAddress", "endIpAddress") for r in ranges if isinstance(r, Record)],
            )
        _set(access, "session_timeout_minutes", _int(p, "sessionTimeoutInMinutes"))
        if _str(p, "requiredSessionLevel") == "HIGH_ASSURANCE":
            access["high_assurance"] = {"required": True}
            action = _POLICY_ACTION.get(_str(p, "policyAction") or "")
            if action and action != "raise_session_level":
                access["high_assurance"]["action"] = action
        for child in (settings, glb, pol):
            escape_fields(child)
    data["access"] = access
    for optional in ECA_OPTIONAL_CHILD_SUFFIXES:
        child = by_type.get(optional)
        if child is not None:  # e.g. SAML policies: every field but the reference goes to the escape hatch
            fields = escape.setdefault(optional, {})
            fields.update(
                {
                    k: to_plain(v)
                    for k, v in child.fields.items()
                    if k not in ("externalClientApplication", "label")
                }
            )
            escape_fields(child)
    if escape:
        data["metadata"] = {t: escape[t] for t in sorted(escape)}
    if names:
        data["component_names"] = {t: names[t] for t in sorted(names)}
    return data


def _describe_difference(expected: Component | None, got: Component | None) -> list[str]:
    want = expected.flatten() if expected is not None else {}
    have = got.flatten() if got is not None else {}
    return sorted(k for k in set(want) | set(have) if want.get(k, "<absent>") != have.get(k, "<absent>"))


def decompile_app(components: Sequence[Component]) -> DecompiledApp:
    """Turn one app's components into its YAML data, and prove the result compiles back to them.

    Args:
        components: a ``ConnectedApp``, or an External Client App header with its children, normalised as
            read (their notes say what reading dropped).

    Returns:
        The app's YAML data, the certificate files it references and notes for the user. Compiling the data
        gives every input component back (after normalisation); children the input lacks are compiled with
        Salesforce's defaults.

    Raises:
        MetadataError: the components are not one app, a child type has no YAML form, or some value cannot be
            expressed (the message names the file and the fields).
    """
    if not components:
        raise MetadataError("no components to import")
    apps = [
        c for c in components if c.type in (ComponentType.CONNECTED_APP, ComponentType.EXTERNAL_CLIENT_APP)
    ]
    if len(apps) != 1:
        raise MetadataError(f"expected one app, got {len(apps)} app components")
    app_component = apps[0]
    for component in components:
        _check_nil(component)
    ctx = _Context(app_component.full_name)
    if app_component.type == ComponentType.CONNECTED_APP:
        if len(components) != 1:
            raise MetadataError("a Connected App is one component", path=app_component.source)
        data = _decompile_connected_app(app_component, ctx)
    else:
        for child in components:
            if child is app_component:
                continue
            if child.parent != app_component.full_name:
                raise MetadataError(
                    f"{child.type} {child.full_name} belongs to {child.parent!r}, not {app_component.full_name}",
                    path=child.source,
                )
            if child.type not in ECA_CHILD_SUFFIXES and child.type not in ECA_OPTIONAL_CHILD_SUFFIXES:
                raise MetadataError(
                    f"{child.type} {child.full_name}: this External Client App component type cannot be "
                    "expressed in YAML yet",
                    path=child.source,
                )
        data = _decompile_eca(components, ctx)
    data = _order(_prune(data))
    _verify(data, components, ctx.files)
    return DecompiledApp(
        name=app_component.full_name,
        kind=str(data["kind"]),
        data=data,
        files=dict(ctx.files),
        notes=tuple(ctx.notes),
        components=tuple(components),
    )


_KEY_ORDER = (
    "kind",
    "name",
    "label",
    "description",
    "contact",
    "urls",
    "distribution_state",
    "protected",
    "oauth",
    "access",
    "handler",
    "metadata",
    "component_names",
)


def _order(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in sorted(data, key=lambda k: _KEY_ORDER.index(k) if k in _KEY_ORDER else 99)}


_CA_POLICY_DEFAULTS = {"ipRelaxation": "ENFORCE", "refreshTokenPolicy": "infinite"}


def import_equivalent(component: Component) -> Component:
    """`component` with the values import treats as implied made explicit (documented in import-export.md).

    A Connected App with OAuth settings but no ``oauthPolicy`` values (hand-written files) has Salesforce's
    defaults: ``ipRelaxation`` ``ENFORCE`` and ``refreshTokenPolicy`` ``infinite``, which is what an org
    returns for it and what its YAML compiles to.
    """
    if component.type != ComponentType.CONNECTED_APP or not isinstance(
        component.fields.get("oauthConfig"), Record
    ):
        return component
    policy = _record(component.fields, "oauthPolicy")
    filled = Record({**_CA_POLICY_DEFAULTS, **policy})
    if filled == policy:
        return component
    return Component.build(component.type, component.full_name, {**component.fields, "oauthPolicy": filled})


def _check_nil(component: Component) -> None:
    nil = [path for path, value in component.flatten().items() if value is None]
    if nil:
        raise MetadataError(
            f'{component.type} {component.full_name}: {", ".join(nil)} marked nil (xsi:nil="true"); YAML has no '
            "such value: give the element a value or remove it from the file",
            path=component.source,
        )


def _verify(data: dict[str, Any], components: Sequence[Component], files: Mapping[str, str]) -> None:
    source = components[0].source
    try:
        spec = _ADAPTER.validate_python(_freeze(data))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        raise MetadataError(f"cannot be expressed in YAML: {problems}", path=source) from exc

    def read(ref: str) -> str:
        return files[ref.removeprefix("file:")]

    compiled = {(c.type, c.full_name): c for c in compile_app(spec, files=read).components}
    differences: list[str] = []
    for component in components:
        got = compiled.get((component.type, component.full_name))
        for path in _describe_difference(import_equivalent(component), got):
            differences.append(f"{component.type}.{path}")
    if differences:
        raise MetadataError(
            f"app {components[0].full_name} cannot be expressed in YAML without loss: "
            + ", ".join(differences[:12])
            + (" ..." if len(differences) > 12 else ""),
            path=source,
        )
