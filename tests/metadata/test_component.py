"""Components: immutable typed values, equality, flattened view, fingerprints, field knowledge."""

from __future__ import annotations

import hashlib
import json

import pytest

from sfconnect.metadata import Component, ComponentType, Record, eca_families, schema


def _app(**overrides: object) -> Component:
    fields: dict[str, object] = {
        "label": "Billing",
        "contactEmail": "ops@example.com",
        "oauthConfig": {"scopes": ["Api", "RefreshToken"], "callbackUrl": "https://a.example.com/cb"},
        "ipRanges": [{"start": "10.0.0.1", "end": "10.0.0.9"}],
    }
    fields.update(overrides)
    return Component.build(ComponentType.CONNECTED_APP, "Billing", fields)


def test_build_orders_fields_by_the_wsdl_and_types_nested_values() -> None:
    app = _app()
    assert list(app.fields) == ["contactEmail", "ipRanges", "label", "oauthConfig"]
    oauth = app.fields["oauthConfig"]
    assert isinstance(oauth, Record)
    assert list(oauth) == ["callbackUrl", "scopes"]
    assert oauth["scopes"] == ("Api", "RefreshToken")


def test_components_are_immutable_and_hashable() -> None:
    app = _app()
    with pytest.raises(AttributeError):
        app.full_name = "Other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        app.fields["label"] = "x"  # type: ignore[index]
    assert len({app, _app()}) == 1


def test_equality_ignores_key_order_notes_and_source_but_not_values() -> None:
    a = _app()
    b = Component.build(ComponentType.CONNECTED_APP, "Billing", dict(reversed(list(a.fields.items()))))
    assert a == b.with_notes().with_fields(b.fields)
    assert a == Component(a.type, a.full_name, a.fields, source="elsewhere.xml")
    assert a != _app(label="Other")
    assert a != Component(a.type, "Other", a.fields)


def test_flatten_uses_metadata_paths_in_canonical_order() -> None:
    flat = _app().flatten()
    assert flat == {
        "contactEmail": "ops@example.com",
        "ipRanges[0].end": "10.0.0.9",
        "ipRanges[0].start": "10.0.0.1",
        "label": "Billing",
        "oauthConfig.callbackUrl": "https://a.example.com/cb",
        "oauthConfig.scopes[0]": "Api",
        "oauthConfig.scopes[1]": "RefreshToken",
    }
    assert list(flat) == sorted(flat, key=list(flat).index)  # insertion order is the canonical order
    assert _app().get("ipRanges[0].start") == "10.0.0.1"
    assert _app().get("oauthConfig.scopes[5]") is None


def test_fingerprint_is_sha256_of_canonical_json_and_tracks_changes() -> None:
    app = _app()
    expected = hashlib.sha256(
        json.dumps(app.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    assert app.fingerprint() == expected
    reordered = Component.build(app.type, app.full_name, dict(reversed(list(app.fields.items()))))
    assert reordered.fingerprint() == app.fingerprint()
    assert _app(description="changed").fingerprint() != app.fingerprint()


def test_unknown_elements_are_listed() -> None:
    app = _app(
        oauthPolicy={
            "ipRelaxation": "ENFORCE",
            "refreshTokenPolicy": "zero",
            "refreshTokenValidityPeriod": "1",
        }
    )
    assert app.unknown_paths() == ("oauthPolicy.refreshTokenValidityPeriod",)
    assert _app().unknown_paths() == ()


def test_eca_children_know_their_parent() -> None:
    child = Component.build(
        ComponentType.ECA_POLICIES, "X_plcy", {"externalClientApplication": "X", "isEnabled": True}
    )
    assert child.parent == "X"
    assert _app().parent is None
    assert ComponentType.CONNECTED_APP not in schema.ECA_FAMILY
    assert all(
        schema.COMPONENT_TYPES[t].parent_field == "externalClientApplication" for t in schema.ECA_FAMILY[1:]
    )


def test_field_knowledge_write_only_generated_and_versions() -> None:
    assert schema.is_write_only("consumerSecret")
    assert {
        n for n in ("consumerKey", "oauthLink", "orgScopedExternalApp") if schema.is_org_generated(n)
    } == {
        "consumerKey",
        "oauthLink",
        "orgScopedExternalApp",
    }
    assert not schema.is_org_generated("label")
    pkce = schema.field_spec("ConnectedAppOauthConfig", "isPkceRequired")
    assert pkce is not None and pkce.since == (59, 0) and pkce.base == "boolean"
    assert schema.boolean_default("ConnectedAppOauthConfig", "isSecretRequiredForRefreshToken") is True
    assert schema.boolean_default("ConnectedAppOauthConfig", "isPkceRequired") is False
    assert schema.boolean_default("ExtlClntAppGlobalOauthSettings", "isPkceRequired") is True
    assert schema.api_version_tuple("66.0") == (66, 0)
    with pytest.raises(ValueError, match="not an API version"):
        schema.api_version_tuple("v66")


def test_field_at_resolves_metadata_paths() -> None:
    spec = schema.field_at("ConnectedApp", "oauthConfig.scopes[1]")
    assert spec is not None and spec.name == "scopes" and spec.repeated
    secret = schema.field_at("ExtlClntAppGlobalOauthSettings", "consumerSecret")
    assert secret is not None and schema.is_write_only(secret.name)
    assert schema.field_at("ConnectedApp", "oauthPolicy.refreshTokenValidityPeriod") is None
    assert schema.field_at("ConnectedApp", "label.nothing") is None


def test_eca_families_group_children_under_their_header() -> None:
    header = Component.build(ComponentType.EXTERNAL_CLIENT_APP, "X", {"label": "X"})
    policies = Component.build(
        ComponentType.ECA_POLICIES, "X_plcy", {"externalClientApplication": "X", "isEnabled": True}
    )
    oauth = Component.build(ComponentType.ECA_OAUTH_SETTINGS, "X_oauth", {"externalClientApplication": "X"})
    orphan = Component.build(ComponentType.ECA_OAUTH_SETTINGS, "Y_oauth", {"externalClientApplication": "Y"})
    families = eca_families([policies, _app(), orphan, oauth, header])
    assert families == {"X": (header, policies, oauth), "Y": (orphan,)}


def test_build_rejects_values_that_are_not_metadata() -> None:
    with pytest.raises(TypeError, match="not a metadata value"):
        Component.build(ComponentType.CONNECTED_APP, "X", {"label": object()})
