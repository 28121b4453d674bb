"""The tables spec reads: the escape hatch's view of the WSDL table, and where each YAML key lives per kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfconnect.spec import _wsdl as _wsdl_table
from sfconnect.spec.models import ConnectedAppSpec, ExternalClientAppSpec
from sfconnect.spec.switches import SWITCHES, switch

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
        model: type = ExternalClientAppSpec if item.connected_app.where == "unsupported" else ConnectedAppSpec
        for part in item.path.split("."):
            info = model.model_fields[part]  # type: ignore[attr-defined]
            annotation = info.annotation
            model = next(
                (a for a in getattr(annotation, "__args__", (annotation,)) if hasattr(a, "model_fields")),
                annotation,
            )


def test_switch_lookup() -> None:
    assert switch("oauth.flows.device.enabled").for_kind("ConnectedApp").where == "intent"
    assert switch("oauth.flows.device.enabled").for_kind("ExternalClientApp").where == "metadata"
    assert (
        switch("oauth.flows.username_password.enabled").for_kind("ExternalClientApp").where == "unsupported"
    )
    with pytest.raises(KeyError):
        switch("oauth.nope")
