"""The compiler: one app spec (a target's overrides already applied) -> its metadata components.

A Connected App compiles to one ``ConnectedApp`` component; an External Client App to its family: the
``ExternalClientApplication`` header, ``ExtlClntAppOauthSettings`` (scopes, trusted IP ranges),
``ExtlClntAppGlobalOauthSettings`` (callback URLs, certificate, flow switches), ``ExtlClntAppOauthConfigurablePolicies``
(admin policies) and ``ExtlClntAppConfigurablePolicies`` (plugin switches), the children named ``<App>_oauth``,
``<App>_glbloauth``, ``<App>_oauthPlcy`` and ``<App>_plcy`` as Setup names them (an imported app keeps the
names it had, through ``component_names``).

The compiler never emits a consumer key or org-specific values (``oauthLink``, ``orgScopedExternalApp``); a
consumer secret appears only as a reference in `CompiledApp.secret_refs`. Intent-only switches (see
`sfconnect.spec.switches`) produce nothing. Every emitted field is recorded with the YAML key it came from, so
plans speak the reviewer's language. The result is normalised like anything read from an org.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sfconnect.errors import MetadataError
from sfconnect.metadata.compiled import CompiledApp
from sfconnect.metadata.component import Component
from sfconnect.metadata.normalize import join_callback_urls, normalize
from sfconnect.metadata.schema import ComponentType
from sfconnect.metadata.vocabulary import (
    CA_IP_RELAXATION,
    CA_REFRESH,
    ECA_IP_RELAXATION,
    ECA_PERMITTED_USERS,
    ECA_REFRESH,
    POLICY_ACTION,
)
from sfconnect.spec.models import AppSpec, ConnectedAppSpec, ExternalClientAppSpec, OAuth

__all__ = [
    "ECA_CHILD_SUFFIXES",
    "ECA_OPTIONAL_CHILD_SUFFIXES",
    "FileReader",
    "compile_app",
    "eca_component_names",
]

FileReader = Callable[[str], str]
"""Reads a ``file:`` reference (a certificate) and returns its text; raises `MetadataError` when missing."""

ECA_CHILD_SUFFIXES: dict[str, str] = {
    ComponentType.ECA_OAUTH_SETTINGS: "_oauth",
    ComponentType.ECA_GLOBAL_OAUTH_SETTINGS: "_glbloauth",
    ComponentType.ECA_OAUTH_POLICIES: "_oauthPlcy",
    ComponentType.ECA_POLICIES: "_plcy",
}
"""Setup's names for an External Client App's child components: ``<App><suffix>``."""


class _Builder:
    """Collects one component's fields and the YAML key each came from."""

    def __init__(self, type_name: str, yaml_paths: dict[tuple[str, str], str]) -> None:
        self.type = type_name
        self.fields: dict[str, Any] = {}
        self._paths = yaml_paths

    def set(self, metadata_path: str, value: Any, yaml_path: str | None) -> None:
        """Set a (possibly nested, dotted) field unless `value` is None or empty.

        `yaml_path` is the YAML key the value comes from; None for structural fields (a child's reference to
        its app, its label, plugin switches) that follow from the app itself.
        """
        if value is None or value == () or value == []:
            return
        target = self.fields
        *parents, leaf = metadata_path.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = list(value) if isinstance(value, tuple) else value
        if yaml_path is not None:
            self._paths[(self.type, metadata_path)] = yaml_path

    def merge_escape_hatch(self, app: AppSpec) -> None:
        """Fields from the app's ``metadata: {<Type>: {...}}`` block (already checked against the WSDL)."""
        for name, value in app.metadata.get(self.type, {}).items():
            self.fields[name] = value
            self._paths[(self.type, name)] = f"metadata.{self.type}.{name}"


ECA_OPTIONAL_CHILD_SUFFIXES: dict[str, str] = {ComponentType.ECA_SAML_POLICIES: "_samlPlcy"}
"""Children an External Client App has only when its YAML says so (``metadata: {<Type>: ...}``)."""


def eca_component_names(app: ExternalClientAppSpec) -> dict[str, str]:
    """The child component names of an External Client App (type -> full name), optional children included
    when the app's ``metadata:`` block declares them."""
    suffixes = dict(ECA_CHILD_SUFFIXES)
    suffixes.update({t: s for t, s in ECA_OPTIONAL_CHILD_SUFFIXES.items() if t in app.metadata})
    names = {t: f"{app.name}{suffix}" for t, suffix in suffixes.items()}
    custom: Mapping[str, str] = getattr(app, "component_names", None) or {}
    names.update({t: n for t, n in custom.items() if n})
    return names


def _certificate(oauth: OAuth, files: FileReader) -> str | None:
    ref = oauth.flows.jwt_bearer.certificate
    return files(ref).strip() if ref else None


def _refresh_policy_ca(oauth: OAuth) -> str:
    policy = oauth.refresh_token
    keyword = CA_REFRESH[policy.policy]
    if policy.period is not None and policy.unit is not None and policy.policy.startswith("after_"):
        return f"{keyword}:{policy.period}:{policy.unit.upper()}"
    return keyword


def _compile_connected_app(app: ConnectedAppSpec, files: FileReader) -> CompiledApp:
    paths: dict[tuple[str, str], str] = {}
    secrets: dict[tuple[str, str], str] = {}
    b = _Builder(ComponentType.CONNECTED_APP, paths)
    b.set("label", app.label, "label")
    b.set("description", app.description, "description")
    b.set("contactEmail", app.contact.email, "contact.email")
    b.set("contactPhone", app.contact.phone, "contact.phone")
    b.set("infoUrl", app.urls.info, "urls.info")
    b.set("logoUrl", app.urls.logo, "urls.logo")
    b.set("iconUrl", app.urls.icon, "urls.icon")
    b.set("startUrl", app.urls.start, "urls.start")
    b.set("mobileStartUrl", app.urls.mobile_start, "urls.mobile_start")
    access = app.access
    if app.handler is not None:
        b.set("plugin", app.handler.apex_class, "handler.apex_class")
        b.set("pluginExecutionUser", app.handler.run_as, "handler.run_as")
    b.set("profileName", sorted(access.profiles), "access.profiles")
    b.set("permissionSetName", sorted(access.permission_sets), "access.permission_sets")
    b.set(
        "ipRanges",
        [
            {k: v for k, v in {"description": r.description, "end": r.end, "start": r.start}.items() if v}
            for r in access.trusted_ip_ranges
        ],
        "access.trusted_ip_ranges",
    )
    oauth = app.oauth
    if oauth is not None:
        flows = oauth.flows
        cfg = "oauthConfig"
        b.set(f"{cfg}.callbackUrl", join_callback_urls(list(oauth.callback_urls)), "oauth.callback_urls")
        b.set(f"{cfg}.certificate", _certificate(oauth, files), "oauth.flows.jwt_bearer.certificate")
        b.set(f"{cfg}.isAdminApproved", access.permitted_users == "admin_approved", "access.permitted_users")
        b.set(
            f"{cfg}.isClientCredentialEnabled",
            flows.client_credentials.enabled,
            "oauth.flows.client_credentials.enabled",
        )
        b.set(
            f"{cfg}.isCodeCredentialEnabled",
            flows.code_credential.enabled,
            "oauth.flows.code_credential.enabled",
        )
        b.set(
            f"{cfg}.isCodeCredentialPostOnly",
            flows.code_credential.post_only,
            "oauth.flows.code_credential.post_only",
        )
        b.set(
            f"{cfg}.isConsumerSecretOptional",
            not flows.authorization_code.require_secret,
            "oauth.flows.authorization_code.require_secret",
        )
        b.set(f"{cfg}.isIntrospectAllTokens", oauth.introspect_all_tokens, "oauth.introspect_all_tokens")
        b.set(
            f"{cfg}.isNamedUserJwtEnabled", oauth.jwt_access_tokens.enabled, "oauth.jwt_access_tokens.enabled"
        )
        b.set(
            f"{cfg}.isPkceRequired",
            flows.authorization_code.require_pkce,
            "oauth.flows.authorization_code.require_pkce",
        )
        b.set(
            f"{cfg}.isRefreshTokenRotationEnabled",
            oauth.refresh_token.rotation,
            "oauth.refresh_token.rotation",
        )
        b.set(
            f"{cfg}.isSecretRequiredForRefreshToken",
            oauth.refresh_token.require_secret,
            "oauth.refresh_token.require_secret",
        )
        b.set(
            f"{cfg}.isSecretRequiredForTokenExchange",
            flows.token_exchange.require_secret,
            "oauth.flows.token_exchange.require_secret",
        )
        b.set(
            f"{cfg}.isTokenExchangeEnabled",
            flows.token_exchange.enabled,
            "oauth.flows.token_exchange.enabled",
        )
        if flows.client_credentials.enabled:
            b.set(
                f"{cfg}.oauthClientCredentialUser",
                flows.client_credentials.run_as,
                "oauth.flows.client_credentials.run_as",
            )
        b.set(f"{cfg}.scopes", sorted(oauth.scopes), "oauth.scopes")
        b.set(f"{cfg}.singleLogoutUrl", oauth.single_logout_url, "oauth.single_logout_url")
        if oauth.id_token is not None:
            it = oauth.id_token
            b.set(
                f"{cfg}.idTokenConfig.idTokenAudience",
                ",".join(it.audiences) or None,
                "oauth.id_token.audiences",
            )
            b.set(
                f"{cfg}.idTokenConfig.idTokenIncludeAttributes",
                "custom_attributes" in it.include,
                "oauth.id_token.include",
            )
            b.set(
                f"{cfg}.idTokenConfig.idTokenIncludeCustomPerms",
                "custom_permissions" in it.include,
                "oauth.id_token.include",
            )
            b.set(
                f"{cfg}.idTokenConfig.idTokenIncludeStandardClaims",
                "standard_claims" in it.include,
                "oauth.id_token.include",
            )
            b.set(
                f"{cfg}.idTokenConfig.idTokenValidity", it.validity_minutes, "oauth.id_token.validity_minutes"
            )
        if oauth.asset_token is not None:
            at = oauth.asset_token
            b.set(
                f"{cfg}.assetTokenConfig.assetAudiences",
                ",".join(at.audiences),
                "oauth.asset_token.audiences",
            )
            b.set(
                f"{cfg}.assetTokenConfig.assetIncludeAttributes",
                "custom_attributes" in at.include,
                "oauth.asset_token.include",
            )
            b.set(
                f"{cfg}.assetTokenConfig.assetIncludeCustomPerms",
                "custom_permissions" in at.include,
                "oauth.asset_token.include",
            )
            b.set(
                f"{cfg}.assetTokenConfig.assetSigningCertId",
                at.signing_certificate,
                "oauth.asset_token.signing_certificate",
            )
            b.set(
                f"{cfg}.assetTokenConfig.assetValidityPeriod",
                at.validity_period,
                "oauth.asset_token.validity_period",
            )
        b.set(
            "attributes",
            [{"formula": a.formula, "key": a.key} for a in oauth.custom_attributes],
            "oauth.custom_attributes",
        )
        b.set("oauthPolicy.ipRelaxation", CA_IP_RELAXATION[access.ip_relaxation], "access.ip_relaxation")
        b.set("oauthPolicy.refreshTokenPolicy", _refresh_policy_ca(oauth), "oauth.refresh_token.policy")
        b.set(
            "oauthPolicy.isTokenExchangeFlowEnabled",
            flows.token_exchange.enabled,
            "oauth.flows.token_exchange.enabled",
        )
        if oauth.consumer_secret:
            secrets[(ComponentType.CONNECTED_APP, "oauthConfig.consumerSecret")] = oauth.consumer_secret
            paths[(ComponentType.CONNECTED_APP, "oauthConfig.consumerSecret")] = "oauth.consumer_secret"
        paths[(ComponentType.CONNECTED_APP, "oauthConfig.consumerKey")] = "oauth.consumer_key"
    b.set("sessionPolicy.sessionTimeout", access.session_timeout_minutes, "access.session_timeout_minutes")
    if access.high_assurance is not None and access.high_assurance.required:
        b.set("sessionPolicy.sessionLevel", "HIGH_ASSURANCE", "access.high_assurance.required")
        b.set(
            "sessionPolicy.policyAction",
            POLICY_ACTION[access.high_assurance.action],
            "access.high_assurance.action",
        )
    b.merge_escape_hatch(app)
    component = normalize(Component.build(b.type, app.name, b.fields))
    return CompiledApp(
        name=app.name,
        kind="ConnectedApp",
        components=(component,),
        yaml_paths=paths,
        secret_refs=secrets,
    )


def _compile_external_client_app(app: ExternalClientAppSpec, files: FileReader) -> CompiledApp:
    paths: dict[tuple[str, str], str] = {}
    secrets: dict[tuple[str, str], str] = {}
    names = eca_component_names(app)
    access = app.access

    header = _Builder(ComponentType.EXTERNAL_CLIENT_APP, paths)
    header.set("contactEmail", app.contact.email, "contact.email")
    header.set("contactPhone", app.contact.phone, "contact.phone")
    header.set("description", app.description, "description")
    header.set("distributionState", app.distribution_state.capitalize(), "distribution_state")
    header.set("iconUrl", app.urls.icon, "urls.icon")
    header.set("infoUrl", app.urls.info, "urls.info")
    header.set("isProtected", app.protected, "protected")
    header.set("label", app.label, "label")
    header.set("logoUrl", app.urls.logo, "urls.logo")
    builders = [header]

    policies = _Builder(ComponentType.ECA_POLICIES, paths)
    policies.set("externalClientApplication", app.name, None)
    policies.set("isEnabled", True, None)
    policies.set("isOauthPluginEnabled", app.oauth is not None, None)
    policies.set("isSamlPluginEnabled", ComponentType.ECA_SAML_POLICIES in app.metadata, None)
    policies.set("label", names[ComponentType.ECA_POLICIES], None)
    policies.set("startUrl", app.urls.start, "urls.start")
    builders.append(policies)

    oauth = app.oauth
    if oauth is not None:
        flows = oauth.flows
        settings = _Builder(ComponentType.ECA_OAUTH_SETTINGS, paths)
        settings.set("commaSeparatedOauthScopes", ", ".join(sorted(oauth.scopes)) or None, "oauth.scopes")
        settings.set(
            "commaSeparatedCustomScopes",
            ", ".join(sorted(oauth.custom_scopes)) or None,
            "oauth.custom_scopes",
        )
        settings.set(
            "customAttributes",
            [{"formula": a.formula, "key": a.key} for a in oauth.custom_attributes],
            "oauth.custom_attributes",
        )
        settings.set("externalClientApplication", app.name, None)
        settings.set("label", names[ComponentType.ECA_OAUTH_SETTINGS], None)
        settings.set("singleLogoutUrl", oauth.single_logout_url, "oauth.single_logout_url")
        settings.set(
            "trustedIpRanges",
            [
                {
                    k: v
                    for k, v in {
                        "description": r.description,
                        "endIpAddress": r.end,
                        "startIpAddress": r.start,
                    }.items()
                    if v
                }
                for r in access.trusted_ip_ranges
            ],
            "access.trusted_ip_ranges",
        )
        if oauth.asset_token is not None:
            at = oauth.asset_token
            settings.set(
                "areAttributesIncludedInAssetToken",
                "custom_attributes" in at.include,
                "oauth.asset_token.include",
            )
            settings.set(
                "areCustomPermsIncludedInAssetToken",
                "custom_permissions" in at.include,
                "oauth.asset_token.include",
            )
            settings.set("assetTokenAudiences", ",".join(at.audiences), "oauth.asset_token.audiences")
            settings.set(
                "assetTokenSigningCertificate",
                at.signing_certificate,
                "oauth.asset_token.signing_certificate",
            )
            settings.set("assetTokenValidity", at.validity_period, "oauth.asset_token.validity_period")
        builders.append(settings)

        glb = _Builder(ComponentType.ECA_GLOBAL_OAUTH_SETTINGS, paths)
        glb.set("callbackUrl", join_callback_urls(list(oauth.callback_urls)) or None, "oauth.callback_urls")
        glb.set("certificate", _certificate(oauth, files), "oauth.flows.jwt_bearer.certificate")
        glb.set("externalClientApplication", app.name, None)
        if oauth.id_token is not None:
            it = oauth.id_token
            glb.set(
                "idTokenConfig.idTokenAudience", ",".join(it.audiences) or None, "oauth.id_token.audiences"
            )
            glb.set(
                "idTokenConfig.idTokenIncludeAttributes",
                "custom_attributes" in it.include,
                "oauth.id_token.include",
            )
            glb.set(
                "idTokenConfig.idTokenIncludeCustomPermissions",
                "custom_permissions" in it.include,
                "oauth.id_token.include",
            )
            glb.set(
                "idTokenConfig.idTokenIncludeStandardClaims",
                "standard_claims" in it.include,
                "oauth.id_token.include",
            )
            glb.set(
                "idTokenConfig.idTokenValidityInMinutes",
                it.validity_minutes,
                "oauth.id_token.validity_minutes",
            )
        glb.set(
            "isClientCredentialsFlowEnabled",
            flows.client_credentials.enabled,
            "oauth.flows.client_credentials.enabled",
        )
        glb.set("isCodeCredFlowEnabled", flows.code_credential.enabled, "oauth.flows.code_credential.enabled")
        glb.set(
            "isCodeCredPostOnly", flows.code_credential.post_only, "oauth.flows.code_credential.post_only"
        )
        glb.set(
            "isConsumerSecretOptional",
            not flows.authorization_code.require_secret,
            "oauth.flows.authorization_code.require_secret",
        )
        glb.set("isDeviceFlowEnabled", flows.device.enabled, "oauth.flows.device.enabled")
        glb.set("isIntrospectAllTokens", oauth.introspect_all_tokens, "oauth.introspect_all_tokens")
        glb.set("isNamedUserJwtEnabled", oauth.jwt_access_tokens.enabled, "oauth.jwt_access_tokens.enabled")
        glb.set(
            "isPkceRequired",
            flows.authorization_code.require_pkce,
            "oauth.flows.authorization_code.require_pkce",
        )
        glb.set("isRefreshTokenRotationEnabled", oauth.refresh_token.rotation, "oauth.refresh_token.rotation")
        glb.set(
            "isSecretRequiredForRefreshToken",
            oauth.refresh_token.require_secret,
            "oauth.refresh_token.require_secret",
        )
        glb.set(
            "isSecretRequiredForTokenExchange",
            flows.token_exchange.require_secret,
            "oauth.flows.token_exchange.require_secret",
        )
        glb.set("isTokenExchangeEnabled", flows.token_exchange.enabled, "oauth.flows.token_exchange.enabled")
        glb.set("label", names[ComponentType.ECA_GLOBAL_OAUTH_SETTINGS], None)
        if oauth.consumer_secret:
            secrets[(ComponentType.ECA_GLOBAL_OAUTH_SETTINGS, "consumerSecret")] = oauth.consumer_secret
            paths[(ComponentType.ECA_GLOBAL_OAUTH_SETTINGS, "consumerSecret")] = "oauth.consumer_secret"
        paths[(ComponentType.ECA_GLOBAL_OAUTH_SETTINGS, "consumerKey")] = "oauth.consumer_key"
        builders.append(glb)

        pol = _Builder(ComponentType.ECA_OAUTH_POLICIES, paths)
        if flows.client_credentials.enabled:
            pol.set(
                "clientCredentialsFlowUser",
                flows.client_credentials.run_as,
                "oauth.flows.client_credentials.run_as",
            )
        pol.set(
            "commaSeparatedPermissionSet",
            ", ".join(sorted(access.permission_sets)) or None,
            "access.permission_sets",
        )
        pol.set("commaSeparatedProfile", ", ".join(sorted(access.profiles)) or None, "access.profiles")
        pol.set("externalClientApplication", app.name, None)
        pol.set("ipRelaxationPolicyType", ECA_IP_RELAXATION[access.ip_relaxation], "access.ip_relaxation")
        pol.set(
            "isClientCredentialsFlowEnabled",
            flows.client_credentials.enabled,
            "oauth.flows.client_credentials.enabled",
        )
        pol.set(
            "isGuestCodeCredFlowEnabled",
            flows.code_credential.guest_enabled,
            "oauth.flows.code_credential.guest_enabled",
        )
        pol.set(
            "isTokenExchangeFlowEnabled", flows.token_exchange.enabled, "oauth.flows.token_exchange.enabled"
        )
        pol.set("label", names[ComponentType.ECA_OAUTH_POLICIES], None)
        pol.set(
            "namedUserJwtTimeout",
            oauth.jwt_access_tokens.timeout_minutes,
            "oauth.jwt_access_tokens.timeout_minutes",
        )
        pol.set(
            "permittedUsersPolicyType",
            ECA_PERMITTED_USERS[access.permitted_users],
            "access.permitted_users",
        )
        refresh = oauth.refresh_token
        pol.set("refreshTokenPolicyType", ECA_REFRESH[refresh.policy], "oauth.refresh_token.policy")
        if refresh.policy.startswith("after_"):
            pol.set("refreshTokenValidityPeriod", refresh.period, "oauth.refresh_token.period")
            pol.set(
                "refreshTokenValidityUnit",
                (refresh.unit or "").capitalize() or None,
                "oauth.refresh_token.unit",
            )
        if access.high_assurance is not None and access.high_assurance.required:
            pol.set(
                "policyAction", POLICY_ACTION[access.high_assurance.action], "access.high_assurance.action"
            )
            pol.set("requiredSessionLevel", "HIGH_ASSURANCE", "access.high_assurance.required")
        else:
            pol.set("requiredSessionLevel", "STANDARD", "access.high_assurance.required")
        pol.set("sessionTimeoutInMinutes", access.session_timeout_minutes, "access.session_timeout_minutes")
        builders.append(pol)

    for optional in ECA_OPTIONAL_CHILD_SUFFIXES:
        if optional in app.metadata:  # e.g. SAML policies: everything but the reference comes from the block
            extra = _Builder(optional, paths)
            extra.set("externalClientApplication", app.name, None)
            extra.set("label", names[optional], None)
            builders.append(extra)

    components = []
    for b in builders:
        b.merge_escape_hatch(app)
        name = app.name if b.type == ComponentType.EXTERNAL_CLIENT_APP else names[b.type]
        components.append(normalize(Component.build(b.type, name, b.fields)))
    return CompiledApp(
        name=app.name,
        kind="ExternalClientApp",
        components=tuple(components),
        yaml_paths=paths,
        secret_refs=secrets,
    )


def compile_app(app: AppSpec, *, files: FileReader) -> CompiledApp:
    """Compile one app into its components.

    Args:
        app: the app, with the target's overrides applied.
        files: reads ``file:`` references (certificates).

    Raises:
        MetadataError: a referenced file cannot be read.
    """
    source = ""
    if app.source is not None:
        source = f"{app.source.file}:{app.source.line}"
    try:
        if app.state == "absent":
            return CompiledApp(name=app.name, kind=app.kind, state="absent", source=source)
        if isinstance(app, ConnectedAppSpec):
            compiled = _compile_connected_app(app, files)
        else:
            compiled = _compile_external_client_app(app, files)
    except MetadataError as exc:
        raise MetadataError(f"app {app.name!r}" + (f" ({source})" if source else "") + f": {exc}") from exc
    return CompiledApp(
        name=compiled.name,
        kind=compiled.kind,
        components=compiled.components,
        yaml_paths=compiled.yaml_paths,
        secret_refs=compiled.secret_refs,
        source=source,
    )
