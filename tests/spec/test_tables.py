"""Generated tables stay current: the WSDL table and the switches table in the docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfconnect.spec import _wsdl as _wsdl_table
from sfconnect.spec.models import ConnectedAppSpec, ExternalClientAppSpec
from sfconnect.spec.rules import ESCAPE_HATCH
from sfconnect.spec.switches import NOT_EXPRESSED, SWITCHES, VALUES, markdown_table, switch

ROOT = Path(__file__).resolve().parents[2]


def test_escape_hatch_view_of_the_wsdl_table() -> None:
    assert _wsdl_table.API_VERSION == "63.0"
    assert _wsdl_table.TYPES["ConnectedApp"]["label"] == ("string", True, False)
    assert _wsdl_table.TYPES["ConnectedApp"]["ipRanges"] == ("ConnectedAppIpRange", False, True)
    assert _wsdl_table.TYPES["ConnectedAppSamlConfig"]["encryptionType"][0] == "enum:SamlEncryptionType"
    assert "fullName" not in _wsdl_table.TYPES["ConnectedApp"]
    assert "Api" in _wsdl_table.ENUMS["ConnectedAppOauthAccessScope"]


def test_wsdl_table_covers_the_corpus_fields() -> None:
    for field in ("iconUrl", "mobileStartUrl", "canvasConfig", "samlConfig"):
        assert field in _wsdl_table.TYPES["ConnectedApp"]
    assert "isCodeCredentialEnabled" in _wsdl_table.TYPES["ConnectedAppOauthConfig"]
    assert "isFirstPartyAppEnabled" in _wsdl_table.TYPES["ExtlClntAppOauthSettings"]
    assert {"distributionState", "isProtected"} <= set(_wsdl_table.TYPES["ExternalClientApplication"])


def test_every_switch_path_is_a_model_field() -> None:
    for item in SWITCHES:
        model: type = ConnectedAppSpec
        for part in item.path.split("."):
            info = model.model_fields[part]  # type: ignore[attr-defined]
            annotation = info.annotation
            model = next(
                (a for a in getattr(annotation, "__args__", (annotation,)) if hasattr(a, "model_fields")),
                annotation,
            )


def test_metadata_fields_of_switches_exist_in_the_wsdl() -> None:
    parents = {
        "ConnectedApp.oauthConfig": "ConnectedAppOauthConfig",
        "ConnectedApp.oauthPolicy": "ConnectedAppOauthPolicy",
        "ConnectedApp.sessionPolicy": "ConnectedAppSessionPolicy",
    }
    for item in SWITCHES:
        for loc in (item.connected_app, item.external_client_app):
            if loc.where != "metadata":
                continue
            for path in loc.fields:
                owner, _, field = path.rpartition(".")
                assert field in _wsdl_table.TYPES[parents.get(owner, owner)], path


def test_switch_lookup() -> None:
    assert switch("oauth.flows.device.enabled").for_kind("ConnectedApp").where == "intent"
    assert switch("oauth.flows.device.enabled").for_kind("ExternalClientApp").where == "metadata"
    assert (
        switch("oauth.flows.username_password.enabled").for_kind("ExternalClientApp").where == "unsupported"
    )
    with pytest.raises(KeyError):
        switch("oauth.nope")


def test_docs_embed_the_switches_table() -> None:
    docs = (ROOT / "docs" / "yaml-reference.md").read_text(encoding="utf-8")
    assert markdown_table() in docs, "docs/yaml-reference.md: paste sfconnect.spec.switches.markdown_table()"


def _field_owner(path: str) -> tuple[str, str]:
    parents = {
        "ConnectedApp.oauthConfig": "ConnectedAppOauthConfig",
        "ConnectedApp.oauthPolicy": "ConnectedAppOauthPolicy",
        "ConnectedApp.sessionPolicy": "ConnectedAppSessionPolicy",
        "ConnectedApp.oauthConfig.idTokenConfig": "ConnectedAppOauthIdToken",
        "ConnectedApp.oauthConfig.assetTokenConfig": "ConnectedAppOauthAssetToken",
        "ExtlClntAppGlobalOauthSettings.idTokenConfig": "ExternalAppIdTokenConfig",
    }
    owner, _, field = path.rpartition(".")
    return parents.get(owner, owner), field


def test_nothing_a_metadata_file_can_say_is_lost() -> None:
    """Every v63 field of the app types is a YAML key, in the escape hatch, or deliberately not expressed."""
    covered: set[tuple[str, str]] = set()
    for item in (*SWITCHES, *VALUES):
        for loc in (item.connected_app, item.external_client_app):
            if loc.where == "metadata":
                covered.update(_field_owner(p) for p in loc.fields)
    for types in ESCAPE_HATCH.values():
        for type_name, fields in types.items():
            covered.update((type_name, f) for f in fields)
    # nested types reached through a covered parent are expressed as a whole (ip ranges, attributes, SAML...)
    whole = {"ConnectedAppIpRange", "ConnectedAppAttribute", "ExtlClntAppOauthIpRange"}
    whole |= {"ExtlClntAppOauthSettingsAttribute", "ExtlClntAppOauthPoliciesAttribute"}
    whole |= {
        "ConnectedAppCanvasConfig",
        "CanvasMetadata",
        "ConnectedAppSamlConfig",
        "ConnectedAppMobileDetailConfig",
    }
    whole |= {"ExtlClntAppSamlConfigurablePoliciesAttribute"}
    missing = [
        f"{type_name}.{field}"
        for type_name, fields in _wsdl_table.TYPES.items()
        if type_name not in whole
        for field, (xsd_type, _, _) in fields.items()
        if (type_name, field) not in covered
        and field not in NOT_EXPRESSED
        and not (xsd_type in _wsdl_table.TYPES and xsd_type not in whole)  # its own fields are checked
    ]
    assert missing == [], missing


def test_values_paths_are_model_fields() -> None:
    for item in VALUES:
        model: type = ExternalClientAppSpec if item.connected_app.where == "unsupported" else ConnectedAppSpec
        for part in item.path.split("."):
            annotation = model.model_fields[part].annotation  # type: ignore[attr-defined]
            model = next(
                (a for a in getattr(annotation, "__args__", (annotation,)) if hasattr(a, "model_fields")),
                annotation,
            )
