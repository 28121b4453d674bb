"""The silent drops and the four facts the tables had wrong, each checked against its documentation source."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from sfconnect.errors import MetadataError
from sfconnect.metadata import fieldmap, schema
from sfconnect.metadata._normalize import normalize
from sfconnect.metadata.compiler import compile_app
from sfconnect.metadata.component import Component
from sfconnect.spec.models import AppSpec
from sfconnect.spec.rules import app_rules
from tests.conftest import REPO_ROOT

_ADAPTER: TypeAdapter[AppSpec] = TypeAdapter(AppSpec)
PEM = "-----BEGIN CERTIFICATE-----\nMIIBfacts\n-----END CERTIFICATE-----"


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _app(kind: str = "ExternalClientApp", **extra: Any) -> AppSpec:
    data: dict[str, Any] = {
        "kind": kind,
        "name": "Facts",
        "label": "Facts",
        "contact": {"email": "ops@example.com"},
        "oauth": {"callback_urls": ["https://f.example.com/cb"]},
        **extra,
    }
    return _ADAPTER.validate_python(_freeze(data))


def _by_type(app: AppSpec) -> dict[str, Component]:
    return {c.type: c for c in compile_app(app, files=lambda ref: PEM).components}


def _errors(app: AppSpec, api_version: str = "66.0") -> dict[str, str]:
    issues = app_rules(app, api_version=api_version, prefix=(), locate=lambda _loc: ("", 0, 0))
    return {".".join(map(str, i.loc)): i.code for i in issues if i.severity == "error"}


# --- silent drops ---------------------------------------------------------------------------------------------


def test_handler_compiles_for_an_external_client_app() -> None:
    # Metadata API Developer Guide, ExtlClntAppOauthConfigurablePolicies: apexHandler and executeHandlerAs
    # ("Name of the Apex handler", API 61.0).
    app = _app(handler={"apex_class": "My_Handler", "run_as": "admin@example.com"})
    policies = _by_type(app)["ExtlClntAppOauthConfigurablePolicies"]
    assert policies.get("apexHandler") == "My_Handler"
    assert policies.get("executeHandlerAs") == "admin@example.com"
    # ...and a Connected App still compiles it to plugin / pluginExecutionUser
    ca = _by_type(_app("ConnectedApp", handler={"apex_class": "My_Handler"}))["ConnectedApp"]
    assert ca.get("plugin") == "My_Handler"


def test_handler_without_oauth_on_an_external_client_app_is_a_validation_error() -> None:
    data = {"kind": "ExternalClientApp", "name": "H", "label": "H", "handler": {"apex_class": "My_Handler"}}
    app = _ADAPTER.validate_python(_freeze(data))
    assert _errors(app) == {"handler": "needs_oauth"}


def test_a_certificate_on_a_disabled_jwt_bearer_flow_is_a_validation_error() -> None:
    # Metadata API Developer Guide, ExtlClntAppGlobalOauthSettings.certificate: "When provided, it enables the JWT
    # Bearer flow" (the Connected App's oauthConfig.certificate likewise).
    for kind in ("ConnectedApp", "ExternalClientApp"):
        app = _app(
            kind, oauth={"callback_urls": ["https://f.example.com/cb"],
                         "flows": {"jwt_bearer": {"enabled": False, "certificate": "file:certs/f.crt"}}}
        )  # fmt: skip
        errors = _errors(app)
        assert errors.get("oauth.flows.jwt_bearer.certificate") == "certificate_enables_flow", kind


# --- the four facts -------------------------------------------------------------------------------------------


def test_code_credential_flow_of_an_external_client_app_needs_api_61() -> None:
    # Metadata API Developer Guide, ExtlClntAppGlobalOauthSettings: isCodeCredFlowEnabled, "Available in API
    # version 61.0 and later" (reference salesforce.md 9.3).
    place = fieldmap.row("oauth.flows.code_credential.enabled").place("ExternalClientApp")
    assert place.since == (61, 0)
    app = _app(
        oauth={"callback_urls": ["https://f.example.com/cb"], "flows": {"code_credential": {"enabled": True}}}
    )
    assert _errors(app, "60.0").get("oauth.flows.code_credential.enabled") == "api_version"
    assert "oauth.flows.code_credential.enabled" not in _errors(app, "61.0")


def test_the_salesforce_api_platform_scope_of_an_external_client_app_is_sfapiplatform() -> None:
    # Metadata API Developer Guide, ExtlClntAppOauthSettings.commaSeparatedOauthScopes (SFApiPlatform); a live
    # retrieve returns "Api, SFApiPlatform" (reference salesforce.md 9.3).
    for spelling in ("SFAP", "sfap_api", "SFApiPlatform"):
        app = _app(oauth={"callback_urls": ["https://f.example.com/cb"], "scopes": ["api", spelling]})
        settings = _by_type(app)["ExtlClntAppOauthSettings"]
        assert settings.get("commaSeparatedOauthScopes") == "Api, SFApiPlatform", spelling
    read = normalize(
        Component.build(
            "ExtlClntAppOauthSettings",
            "Facts_oauth",
            {"externalClientApplication": "Facts", "commaSeparatedOauthScopes": "SFAP,Api"},
        )
    )
    assert read.get("commaSeparatedOauthScopes") == "Api, SFApiPlatform"
    docs = (REPO_ROOT / "docs" / "yaml-reference.md").read_text(encoding="utf-8")
    assert "`SFApiPlatform`" in docs


def test_an_external_client_app_needs_api_60_for_its_plugin_policies() -> None:
    # Metadata API Developer Guide, ExtlClntAppConfigurablePolicies: "available in API version 60.0 and later";
    # every External Client App compiles to one (reference salesforce.md 9.3).
    app = _app()
    assert "ExtlClntAppConfigurablePolicies" in _by_type(app)
    assert _errors(app, "59.0") == {"kind": "api_version"}
    assert _errors(app, "60.0") == {}


def test_the_start_url_of_an_external_client_app_is_its_oauth_start_url() -> None:
    # Salesforce Help, "Manage the Start URL for External Client Apps" (xcloud.manage_eca_start_url): the OAuth
    # start URL is set in the OAuth policies; the plugin policies' startUrl is the Custom start page's.
    app = _app(urls={"start": "https://f.example.com/home"})
    components = _by_type(app)
    assert components["ExtlClntAppOauthConfigurablePolicies"].get("startUrl") == "https://f.example.com/home"
    assert components["ExtlClntAppConfigurablePolicies"].get("startUrl") is None
    row = fieldmap.row("urls.start").place("ExternalClientApp")
    assert [str(f) for f in row.fields] == ["ExtlClntAppOauthConfigurablePolicies.startUrl"]
    docs = (REPO_ROOT / "docs" / "yaml-reference.md").read_text(encoding="utf-8")
    assert "`ExtlClntAppOauthConfigurablePolicies.startUrl`" in docs


# --- API versions ---------------------------------------------------------------------------------------------


def test_a_field_newer_than_the_projects_api_version_is_refused_naming_it() -> None:
    # schema.NEWER_FIELDS: fields after the bundled v63 WSDL carry the version they arrived in (Metadata API
    # Developer Guide, ExtlClntAppOauthConfigurablePolicies: namedUserJwtSessionTimeoutType, API 65.0).
    app = _app(
        metadata={"ExtlClntAppOauthConfigurablePolicies": {"namedUserJwtSessionTimeoutType": "Custom"}}
    )
    with pytest.raises(MetadataError, match=r"namedUserJwtSessionTimeoutType .*needs API 65\.0"):
        compile_app(app, files=lambda ref: PEM, api_version="63.0")
    compiled = compile_app(app, files=lambda ref: PEM, api_version="65.0")
    policies = {c.type: c for c in compiled.components}["ExtlClntAppOauthConfigurablePolicies"]
    assert policies.get("namedUserJwtSessionTimeoutType") == "Custom"


def test_fields_after_63_are_known_with_their_versions() -> None:
    assert schema.field_spec("ExtlClntAppGlobalOauthSettings", "isDPopEnabled").since == (66, 0)  # type: ignore[union-attr]
    assert schema.field_spec("ExtlClntAppConfigurablePolicies", "isCanvasPluginEnabled").since == (66, 0)  # type: ignore[union-attr]
