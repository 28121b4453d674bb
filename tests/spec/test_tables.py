"""The tables spec reads: the escape hatch's view of the WSDL table, and where each YAML key lives per kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic.fields import FieldInfo

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


def _field_at(model: Any, path: str) -> FieldInfo | None:
    """The model field a dotted YAML path leads to (through optional and union types), or None."""
    info: FieldInfo | None = None
    for part in path.split("."):
        fields: dict[str, FieldInfo] = getattr(model, "model_fields", {})
        info = fields.get(part)
        if info is None:
            return None
        annotation = info.annotation
        model = next(
            (a for a in getattr(annotation, "__args__", (annotation,)) if hasattr(a, "model_fields")),
            annotation,
        )
    return info


def test_every_switch_path_is_a_model_field() -> None:
    unknown = []
    for item in SWITCHES:
        model = ExternalClientAppSpec if item.connected_app.where == "unsupported" else ConnectedAppSpec
        if _field_at(model, item.path) is None:
            unknown.append(item.path)
    assert unknown == []


def test_the_field_walk_finds_leaves_and_refuses_paths_that_are_not_fields() -> None:
    leaf = _field_at(ExternalClientAppSpec, "oauth.flows.device.enabled")
    assert leaf is not None and leaf.annotation is bool
    assert _field_at(ExternalClientAppSpec, "oauth.flows.device.nope") is None
    assert _field_at(ConnectedAppSpec, "oauth.nope.enabled") is None


def test_switch_lookup() -> None:
    assert switch("oauth.flows.device.enabled").for_kind("ConnectedApp").where == "intent"
    assert switch("oauth.flows.device.enabled").for_kind("ExternalClientApp").where == "metadata"
    assert (
        switch("oauth.flows.username_password.enabled").for_kind("ExternalClientApp").where == "unsupported"
    )
    with pytest.raises(KeyError):
        switch("oauth.nope")
