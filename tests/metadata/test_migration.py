"""The Connected App -> External Client App mapping (`metadata/migration.py`) and its report.

Salesforce's migration: Salesforce Help, "Connected App to External Client App Migration"
(xcloud.connected_app_to_external_client_app_migration.htm) and "Create an External Client App from a Connected
App" (xcloud.migrate_connected_app_to_external_client_app.htm). Field names: Metadata API Developer Guide,
ConnectedApp and the External Client App types (the bundled v63 WSDL).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from pydantic import TypeAdapter

from sfconnect._wsdl_table import COMPLEX_TYPES
from sfconnect.localorg import LocalOrg, SequentialIds
from sfconnect.localorg._seed import SeedApp, default_seed
from sfconnect.localorg.migration import migrate_connected_app
from sfconnect.localorg.wsdl import load_schema
from sfconnect.metadata._decompiler import to_plain
from sfconnect.metadata.compiler import compile_app
from sfconnect.metadata.migration import (
    ESCAPE_HATCH,
    assess,
    ca_fields,
    destination,
    eligible,
    fields_without_destination,
    map_rows,
    to_external_client_app,
)
from sfconnect.metadata.xmlio import read_component
from sfconnect.migrate._report import build_report, render_json, render_text
from sfconnect.plan.diff import diff_app
from sfconnect.spec.models import AppSpec

_ADAPTER: TypeAdapter[AppSpec] = TypeAdapter(AppSpec)


def _validate(data: Any) -> AppSpec:
    """YAML data as the loader validates it (lists as tuples)."""

    def freeze(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: freeze(v) for k, v in value.items()}
        if isinstance(value, list):
            return tuple(freeze(v) for v in value)
        return value

    return _ADAPTER.validate_python(freeze(data))


_NS = "http://soap.sforce.com/2006/04/metadata"


def _wsdl_leaves(xsd_type: str, prefix: str) -> list[str]:
    out = []
    for name, xsd, _lo, _hi in COMPLEX_TYPES[xsd_type]:
        child = xsd.removeprefix("tns:")
        if child in COMPLEX_TYPES:
            out += _wsdl_leaves(child, f"{prefix}.{name}")
        else:
            out.append(f"{prefix}.{name}")
    return out


def _expected_without_destination() -> list[str]:
    """Derived from the field map here, independently of `destination()`: a Connected App field has a
    destination only when a map row sets it (or an ancestor record of it) and gives it External Client App
    fields, or when the escape-hatch table names it."""
    rows = map_rows()
    missing = []
    for leaf in _wsdl_leaves("ConnectedApp", "ConnectedApp"):
        covering = [r for r in rows if leaf == r.ca_field or leaf.startswith(r.ca_field + ".")]
        if leaf in ESCAPE_HATCH or (covering and covering[0].eca_fields):
            continue
        missing.append(leaf)
    return missing


def test_the_fields_without_destination_are_derived_from_the_field_map() -> None:
    expected = _expected_without_destination()
    assert list(fields_without_destination()) == expected
    # sanity: the derivation is not vacuous, and it follows the map (mobile start URL is unsupported)
    assert "ConnectedApp.mobileStartUrl" in expected
    assert "ConnectedApp.oauthConfig.isPkceRequired" not in expected


def test_the_report_names_every_field_without_destination_with_consequence_and_alternative() -> None:
    report = build_report("App", "local", "org", (), {})
    out = io.StringIO()
    render_text(report, out)
    text = out.getvalue()
    for field in _expected_without_destination():
        assert f"  {field}\n" in text, field
        d = destination(field)
        assert d.consequence and d.alternative
    assert [r.destination.ca_field for r in report.without_destination] == _expected_without_destination()
    assert '"without_destination"' in render_json(report)


def test_every_map_row_names_real_fields() -> None:
    leaves = set(_wsdl_leaves("ConnectedApp", "ConnectedApp"))
    for row in map_rows():
        assert row.ca_field in leaves or any(leaf.startswith(row.ca_field + ".") for leaf in leaves), row
        for target in row.eca_fields:
            type_name, _, path = target.partition(".")
            assert type_name in COMPLEX_TYPES, target
            first = path.split(".")[0]
            assert first in {name for name, *_ in COMPLEX_TYPES[type_name]}, target


def test_every_connected_app_field_is_reported() -> None:
    assert set(ca_fields()) == set(_wsdl_leaves("ConnectedApp", "ConnectedApp"))
    report = build_report("App", "local", "org", (), {})
    assert {r.destination.ca_field for r in report.rows} == set(ca_fields())


def _spec(**overrides: Any) -> AppSpec:
    data: dict[str, Any] = {
        "kind": "ConnectedApp",
        "name": "Billing_Sync",
        "label": "Billing Sync",
        "contact": {"email": "ops@example.com"},
        "oauth": {"callback_urls": ["https://example.com/cb"], "scopes": ["api"]},
    }
    data.update(overrides)
    return _validate(data)


def test_the_username_password_flow_blocks_and_says_what_to_use_instead() -> None:
    spec = _spec(
        oauth={"callback_urls": ["https://x.example/cb"], "flows": {"username_password": {"enabled": True}}}
    )
    problems = assess("Billing_Sync", None, spec=spec)
    assert not eligible(problems)
    [blocker] = [p for p in problems if p.severity == "blocker"]
    assert "PKCE" in blocker.alternative and "client credentials" in blocker.alternative


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({"namespace": "acme"}, "not-local"), ({"migrated": True}, "already-migrated")],
)
def test_installed_and_migrated_apps_are_not_eligible(kwargs: dict[str, Any], code: str) -> None:
    problems = assess("Billing_Sync", None, **kwargs)
    assert not eligible(problems)
    assert code in [p.code for p in problems]


def test_an_app_without_blockers_is_eligible() -> None:
    assert eligible(assess("Billing_Sync", None, spec=_spec()))


def test_the_yaml_entry_becomes_an_external_client_app() -> None:
    entry = {
        "kind": "ConnectedApp",
        "name": "Billing_Sync",
        "label": "Billing Sync",
        "urls": {"mobile_start": "https://m.example.com"},
        "oauth": {"consumer_secret": "env:SECRET", "flows": {"username_password": {"enabled": False}}},
        "metadata": {"ConnectedApp": {"samlConfig": {"acsUrl": "https://x"}}},
    }
    data, notes = to_external_client_app(entry, migrated_from="Billing_Sync")
    assert data["kind"] == "ExternalClientApp"
    assert data["migrated_from"] == {"kind": "ConnectedApp", "name": "Billing_Sync"}
    assert "urls" not in data and "metadata" not in data
    assert data["oauth"] == {"consumer_secret": "env:SECRET"}  # references kept as written
    assert any("urls.mobile_start" in n for n in notes) and any("samlConfig" in n for n in notes)
    renamed, _ = to_external_client_app(entry, name="Billing_Sync_ECA")
    assert renamed["name"] == "Billing_Sync_ECA" and "migrated_from" not in renamed
    _validate(data)


# --- the local org's migration and sfconnect's mapping agree ----------------------------------------------


def _xml(type_name: str, record: dict[str, Any]) -> bytes:
    def body(value: Any) -> str:
        if isinstance(value, dict):
            return "".join(element(k, v) for k, v in value.items())
        return escape(str(value).lower() if isinstance(value, bool) else str(value))

    def element(key: str, value: Any) -> str:
        if isinstance(value, list):
            return "".join(element(key, v) for v in value)
        return f"<{key}>{body(value)}</{key}>"

    return f'<{type_name} xmlns="{_NS}">{body(record)}</{type_name}>'.encode()


RICH = {
    "kind": "ConnectedApp",
    "name": "Billing_Sync",
    "label": "Billing Sync",
    "description": "Nightly sync",
    "contact": {"email": "ops@example.com", "phone": "+1 555 0100"},
    "urls": {
        "info": "https://example.com/info",
        "logo": "https://example.com/logo.png",
        "start": "https://example.com/start",
    },
    "handler": {"apex_class": "BillingHandler", "run_as": "admin@localorg.sfconnect.test"},
    "oauth": {
        "callback_urls": ["https://example.com/cb", "https://example.com/cb2"],
        "scopes": ["api", "refresh_token", "openid"],
        "flows": {
            "authorization_code": {"require_pkce": False, "require_secret": False},
            "client_credentials": {"enabled": True, "run_as": "integration@localorg.sfconnect.test"},
            "token_exchange": {"enabled": True, "require_secret": True},
            "device": {"enabled": True},
        },
        "refresh_token": {"policy": "after_lifetime", "period": 12, "unit": "hours", "rotation": True},
        "introspect_all_tokens": True,
        "id_token": {"validity_minutes": 5, "audiences": ["aud1"], "include": ["standard_claims"]},
        "custom_attributes": [{"key": "dept", "formula": "$User.Department"}],
        "single_logout_url": "https://example.com/logout",
    },
    "access": {
        "permitted_users": "admin_approved",
        "permission_sets": ["Integration_API_Access"],
        "profiles": ["Standard User"],
        "ip_relaxation": "relax_with_second_factor",
        "trusted_ip_ranges": [{"start": "10.0.0.1", "end": "10.0.0.9", "description": "office"}],
        "session_timeout_minutes": 30,
        "high_assurance": {"required": True, "action": "raise_session_level"},
    },
}


def test_the_local_orgs_migration_matches_the_converted_yaml(tmp_path: Path) -> None:
    ca_spec = _validate(RICH)
    ca = compile_app(ca_spec, files=lambda _ref: "").components[0]
    seed = default_seed()
    # the device flow of a Connected App is Setup's "Enable for Device Flow" (no metadata field)
    seed.apps.append(SeedApp("ConnectedApp", "Billing_Sync", to_plain(ca.fields), device_flow=True))
    schema = load_schema()
    org = LocalOrg(tmp_path / "org.db", ids=SequentialIds(), seed=seed, schema=schema)
    try:
        migrate_connected_app(org, "Billing_Sync")
        records = org.app_components("ExternalClientApplication", "Billing_Sync")
        names = {r.type: r.full_name for r in org.components() if r.type != "ConnectedApp"}
    finally:
        org.close()
    live = [
        read_component(
            _xml(t, {k: v for k, v in rec.items() if k != "fullName"}), type_hint=t, full_name=names[t]
        )
        for t, rec in records.items()
    ]
    data, _notes = to_external_client_app(RICH, migrated_from="Billing_Sync")
    eca = compile_app(_validate(data), files=lambda _ref: "")
    plan = diff_app(eca, live)
    assert plan.action == "no-op", [(c.path, c.before, c.after) for c in plan.changes]
