"""The field map is the one truth: the compiler, the decompiler, normalisation, the rules' table and the docs
agree with it, row by row."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import TypeAdapter

from sfconnect.metadata import fieldmap, schema
from sfconnect.metadata._decompiler import decompile_app
from sfconnect.metadata.compiler import compile_app
from sfconnect.metadata.component import Component
from sfconnect.spec.models import AppSpec
from sfconnect.spec.switches import SWITCHES
from tests.conftest import REPO_ROOT

_ADAPTER: TypeAdapter[AppSpec] = TypeAdapter(AppSpec)
PEM = "-----BEGIN CERTIFICATE-----\nMIIBfield\n-----END CERTIFICATE-----"

# A value for each YAML key that differs from its default, and what the key needs besides (its dependencies).
SAMPLES: dict[str, Any] = {
    "label": "Other",
    "description": "What it is for",
    "contact.email": "x@example.com",
    "contact.phone": "555 0100",
    "urls.info": "https://i.example.com/info",
    "urls.logo": "https://l.example.com/l.png",
    "urls.icon": "https://l.example.com/i.png",
    "urls.start": "https://s.example.com/start",
    "urls.mobile_start": "https://m.example.com/start",
    "distribution_state": "packaged",
    "protected": True,
    "oauth.callback_urls": ["https://a.example.com/cb", "https://b.example.com/cb"],
    "oauth.scopes": ["Api", "RefreshToken"],
    "oauth.custom_scopes": ["My_Scope"],
    "oauth.flows.authorization_code.require_pkce": False,
    "oauth.flows.authorization_code.require_secret": False,
    "oauth.flows.client_credentials.enabled": True,
    "oauth.flows.client_credentials.run_as": "runner@example.com",
    "oauth.flows.jwt_bearer.certificate": "file:certs/x.crt",
    "oauth.flows.device.enabled": True,
    "oauth.flows.token_exchange.enabled": True,
    "oauth.flows.token_exchange.require_secret": False,
    "oauth.flows.code_credential.enabled": True,
    "oauth.flows.code_credential.post_only": True,
    "oauth.flows.code_credential.guest_enabled": True,
    "oauth.refresh_token.policy": "after_lifetime",
    "oauth.refresh_token.period": 3,
    "oauth.refresh_token.unit": "hours",
    "oauth.refresh_token.rotation": True,
    "oauth.refresh_token.require_secret": False,
    "oauth.introspect_all_tokens": True,
    "oauth.require_dpop": True,
    "oauth.jwt_access_tokens.enabled": True,
    "oauth.jwt_access_tokens.timeout_minutes": 30,
    "oauth.id_token.validity_minutes": 10,
    "oauth.id_token.audiences": ["aud1", "aud2"],
    "oauth.id_token.include": ["standard_claims", "custom_permissions"],
    "oauth.asset_token.validity_period": 90,
    "oauth.asset_token.audiences": ["asset1", "asset2"],
    "oauth.asset_token.signing_certificate": "Other_Cert",
    "oauth.asset_token.include": ["custom_permissions"],
    "oauth.custom_attributes": [{"key": "k", "formula": "$User.Email"}],
    "oauth.single_logout_url": "https://s.example.com/logout",
    "access.permitted_users": "admin_approved",
    "access.profiles": ["Profile_A", "Profile_B"],
    "access.permission_sets": ["Set_A", "Set_B"],
    "access.ip_relaxation": "relax",
    "access.trusted_ip_ranges": [{"start": "10.0.0.1", "end": "10.0.0.9", "description": "office"}],
    "access.session_timeout_minutes": 30,
    "access.high_assurance.required": True,
    "access.high_assurance.action": "block",
    "handler.apex_class": "My_Handler",
    "handler.run_as": "handler@example.com",
}
NEEDS: dict[str, dict[str, Any]] = {
    "oauth.flows.jwt_bearer.certificate": {"oauth.flows.jwt_bearer.enabled": True},
    "access.profiles": {"access.permitted_users": "admin_approved"},
    "access.permission_sets": {"access.permitted_users": "admin_approved"},
    "access.high_assurance.action": {"access.high_assurance.required": True},
    "handler.run_as": {"handler.apex_class": "My_Handler"},
    **{
        f"oauth.asset_token.{k}": {
            "oauth.asset_token.validity_period": 60,
            "oauth.asset_token.audiences": ["a"],
            "oauth.asset_token.signing_certificate": "Cert",
        }
        for k in ("validity_period", "audiences", "signing_certificate", "include")
    },
    **{f"oauth.id_token.{k}": {"oauth.id_token.validity_minutes": 2} for k in ("audiences", "include")},
}


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[leaf] = value


def _get(obj: object, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part, None)
    return obj


def _base(kind: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "name": "Row_App",
        "label": "Row",
        "contact": {"email": "ops@example.com"},
        "oauth": {"callback_urls": ["https://a.example.com/cb"]},
    }


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _compile(data: dict[str, Any]) -> tuple[AppSpec, tuple[Component, ...]]:
    spec = _ADAPTER.validate_python(_freeze(data))
    return spec, compile_app(spec, files=lambda ref: PEM).components


def _leaves(components: tuple[Component, ...]) -> dict[tuple[str, str], object]:
    return {(c.type, path): value for c in components for path, value in c.flatten().items()}


def _cases() -> list[object]:
    cases = []
    for kind in (fieldmap.CA, fieldmap.ECA):
        for row, place in fieldmap.rows_for(kind):
            if row.yaml == fieldmap.SECRET_ROW:
                continue
            cases.append(pytest.param(kind, row, place, id=f"{kind}:{row.yaml}"))
    return cases


@pytest.mark.parametrize(("kind", "row", "place"), _cases())
def test_each_row_compiles_to_its_fields_and_decompiles_back(
    kind: str, row: fieldmap.Row, place: fieldmap.Place
) -> None:
    """The compiler writes a row's value to exactly the row's fields; decompiling gives the value back."""
    base = _base(kind)
    for path, value in NEEDS.get(row.yaml, {}).items():
        _set(base, path, value)
    if row.when:
        _set(base, row.when, True)
    changed = copy.deepcopy(base)
    for path in row.yaml_paths:
        _set(changed, path, SAMPLES[path])
    _, before = _compile(base)
    spec, after = _compile(changed)
    old, new = _leaves(before), _leaves(after)
    differing = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
    assert differing, f"{row.yaml}: the compiler wrote nothing for it"
    allowed = {(f.type, f.path) for f in place.fields}
    for dependent, dependent_place in fieldmap.rows_for(kind):  # rows compiled only while this one is on
        if dependent.when == row.yaml:
            allowed |= {(f.type, f.path) for f in dependent_place.fields}
    stray = [
        k for k in differing if not any(k[0] == t and (k[1] == p or k[1].startswith(p)) for t, p in allowed)
    ]
    assert stray == [], f"{row.yaml}: the compiler wrote fields the map does not list: {stray}"
    # compile then decompile is the identity for the row
    app = decompile_app(after)
    again = _ADAPTER.validate_python(_freeze(app.data))
    for path in row.yaml_paths:
        want = _get(spec, path)
        got = _get(again, path)
        if row.yaml == "oauth.flows.jwt_bearer.certificate":
            assert got == "file:certs/Row_App.crt" and app.files["certs/Row_App.crt"].strip() == PEM
            continue
        assert got == want, f"{row.yaml}: decompiled {path} is {got!r}, compiled from {want!r}"
    assert "metadata" not in app.data, f"{row.yaml}: the decompiler escaped {app.data.get('metadata')}"


def test_the_rules_table_agrees_with_the_map() -> None:
    paths = [s.path for s in SWITCHES]
    assert paths == [r.yaml for r in fieldmap.ROWS], "spec/switches.py: one entry per row, in the map's order"
    for item, entry in zip(fieldmap.ROWS, SWITCHES, strict=True):
        for kind in (fieldmap.CA, fieldmap.ECA):
            place, loc = item.place(kind), entry.for_kind(kind)
            assert place.where == loc.where, (item.yaml, kind)
            since = f"{place.since[0]}.{place.since[1]}" if place.since != (0, 0) else ""
            assert since == loc.since, (item.yaml, kind)


def test_docs_embed_the_table_of_the_map() -> None:
    docs = (REPO_ROOT / "docs" / "yaml-reference.md").read_text(encoding="utf-8")
    assert fieldmap.markdown_table() in docs, "docs/yaml-reference.md: paste fieldmap.markdown_table()"


def test_every_mapped_field_is_a_known_field_of_its_type() -> None:
    for kind in (fieldmap.CA, fieldmap.ECA):
        for row, place in fieldmap.rows_for(kind):
            for target in place.fields:
                spec = schema.field_at(target.type, target.path)
                assert spec is not None, f"{row.yaml}: {target} is in neither the WSDL nor NEWER_FIELDS"
                since = max(spec.since, schema.type_info(target.type).since)  # type: ignore[union-attr]
                assert place.since == (0, 0) or place.since >= since, (row.yaml, target, since)


def test_normalisation_defaults_come_from_the_map() -> None:
    for kind in (fieldmap.CA, fieldmap.ECA):
        for _, place in fieldmap.rows_for(kind):
            for index, target in enumerate(place.fields):
                default = place.default(index)
                parent, _, name = target.path.rpartition(".")
                owner = schema.field_at(target.type, parent).complex_type if parent else target.type  # type: ignore[union-attr]
                assert owner is not None
                if isinstance(default, bool):
                    assert schema.boolean_default(owner, name) is default, target
                elif isinstance(default, str):
                    assert schema.string_default(owner, name) == default, target


def test_plans_show_values_the_way_the_yaml_writes_them() -> None:
    glb, opl = "ExtlClntAppGlobalOauthSettings", "ExtlClntAppOauthConfigurablePolicies"
    assert (
        fieldmap.yaml_value(opl, "permittedUsersPolicyType", "AdminApprovedPreAuthorized") == "admin_approved"
    )
    assert fieldmap.yaml_value(glb, "isConsumerSecretOptional", True) is False
    assert fieldmap.yaml_value(opl, "commaSeparatedPermissionSet", "A, B") == ["A", "B"]
    assert fieldmap.yaml_path_of(opl, "commaSeparatedPermissionSet") == "access.permission_sets"
    units = {
        "idTokenConfig.idTokenIncludeStandardClaims": True,
        "idTokenConfig.idTokenIncludeCustomPermissions": True,
    }
    assert fieldmap.row_value(glb, "idTokenConfig.idTokenIncludeStandardClaims", units) == [
        "standard_claims",
        "custom_permissions",
    ]


def test_a_field_of_the_map_missing_from_the_compiler_would_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-row test is not vacuous: a row pointing at another field than the compiler writes fails it."""
    row = fieldmap.row("oauth.introspect_all_tokens")
    wrong = fieldmap.Place("metadata", (fieldmap.Field("ConnectedApp", "oauthConfig.isPkceRequired"),))
    with pytest.raises(AssertionError, match="does not list"):
        test_each_row_compiles_to_its_fields_and_decompiles_back(fieldmap.CA, row, wrong)


def test_the_dpop_switch_is_gated_by_kind_and_version() -> None:
    # Salesforce Help, "OAuth 2.0 DPoP Guide": DPoP is configured per app; isDPopEnabled of
    # ExtlClntAppGlobalOauthSettings appears with API 66.0 (schema.NEWER_FIELDS).
    from sfconnect.spec.rules import app_rules

    def errors(kind: str, version: str) -> dict[str, str]:
        data = _base(kind)
        data["oauth"]["require_dpop"] = True
        spec = _ADAPTER.validate_python(_freeze(data))
        issues = app_rules(spec, api_version=version, prefix=(), locate=lambda _loc: ("", 0, 0))
        return {".".join(map(str, i.loc)): i.code for i in issues if i.severity == "error"}

    assert errors("ExternalClientApp", "65.0") == {"oauth.require_dpop": "api_version"}
    assert errors("ExternalClientApp", "66.0") == {}
    assert errors("ConnectedApp", "66.0") == {"oauth.require_dpop": "kind_unsupported"}


def test_connected_app_keys_without_an_external_client_app_destination() -> None:
    missing = {row.yaml for row, _ in fieldmap.without_destination(fieldmap.CA, fieldmap.ECA)}
    assert missing == {"urls.mobile_start"}
    back = {row.yaml for row, _ in fieldmap.without_destination(fieldmap.ECA, fieldmap.CA)}
    assert "oauth.flows.device.enabled" in back and "urls.mobile_start" not in back
