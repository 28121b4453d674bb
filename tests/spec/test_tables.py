"""Generated tables stay current: the WSDL table and the switches table in the docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfconnect.spec import _wsdl_table
from sfconnect.spec._gen_wsdl_table import derive
from sfconnect.spec.models import ConnectedAppSpec
from sfconnect.spec.switches import SWITCHES, markdown_table, switch

ROOT = Path(__file__).resolve().parents[2]


def test_wsdl_table_is_current() -> None:
    version, types, enums = derive()
    assert version == _wsdl_table.API_VERSION == "63.0"
    assert types == _wsdl_table.TYPES, "stale: run python -m sfconnect.spec._gen_wsdl_table"
    assert enums == _wsdl_table.ENUMS, "stale: run python -m sfconnect.spec._gen_wsdl_table"


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
