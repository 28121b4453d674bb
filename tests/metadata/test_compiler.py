"""The compiler: examples compile to WSDL-valid components, with YAML paths, secret references and no keys."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from sfconnect.errors import MetadataError
from sfconnect.metadata.compiler import compile_app
from sfconnect.metadata.schema import ComponentType
from sfconnect.metadata.xmlio import read_component, write_component
from sfconnect.spec.load import load_project
from sfconnect.spec.models import ConnectedAppSpec, ExternalClientAppSpec
from tests.conftest import REPO_ROOT
from tests.metadata import _xsd

EXAMPLES = sorted(p for p in (REPO_ROOT / "examples").iterdir() if (p / "sfconnect.yaml").exists())
FAKE_CERT = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"


def _spec(cls: type[ExternalClientAppSpec] | type[ConnectedAppSpec], data: Mapping[str, object]) -> Any:
    """A spec built in code (YAML lists arrive as lists; the loader freezes them, here lax mode does)."""
    return cls.model_validate(data, strict=False)


def fake_files(ref: str) -> str:
    assert ref.startswith("file:")
    return FAKE_CERT


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_app_compiles_to_valid_metadata(example: Path) -> None:
    project = load_project(example, environ={})
    for target in project.config.targets:
        for app in project.apps_for_target(target):
            compiled = compile_app(app, files=fake_files)
            assert compiled.components, app.name
            for component in compiled.components:
                xml = write_component(component, "63.0")
                assert b"consumerKey" not in xml and b"consumerSecret" not in xml
                assert _xsd.errors(xml) == [], (app.name, component.type)
                again = read_component(xml, type_hint=component.type, full_name=component.full_name)
                assert again == component


def _eca(**oauth: object) -> ExternalClientAppSpec:
    return _spec(
        ExternalClientAppSpec,
        {
            "kind": "ExternalClientApp",
            "name": "Web",
            "label": "Web",
            "contact": {"email": "a@example.com"},
            "oauth": {"callback_urls": ["https://x.example.com/cb"], "scopes": ["api", "openid"], **oauth},
            "access": {"permitted_users": "admin_approved", "permission_sets": ["B", "A"]},
        },
    )


def test_eca_compiles_to_its_family_with_setup_names() -> None:
    compiled = compile_app(_eca(consumer_secret="env:WEB_SECRET"), files=fake_files)
    names = {c.type: c.full_name for c in compiled.components}
    assert names == {
        ComponentType.EXTERNAL_CLIENT_APP: "Web",
        ComponentType.ECA_POLICIES: "Web_plcy",
        ComponentType.ECA_OAUTH_SETTINGS: "Web_oauth",
        ComponentType.ECA_GLOBAL_OAUTH_SETTINGS: "Web_glbloauth",
        ComponentType.ECA_OAUTH_POLICIES: "Web_oauthPlcy",
    }
    for c in compiled.components:
        if c.type != ComponentType.EXTERNAL_CLIENT_APP:
            assert c.parent == "Web"
    by_type = {c.type: c for c in compiled.components}
    assert by_type[ComponentType.ECA_OAUTH_SETTINGS].get("commaSeparatedOauthScopes") == "Api, OpenID"
    assert by_type[ComponentType.ECA_OAUTH_POLICIES].get("commaSeparatedPermissionSet") == "A, B"
    assert compiled.secret_refs == {
        (ComponentType.ECA_GLOBAL_OAUTH_SETTINGS, "consumerSecret"): "env:WEB_SECRET"
    }
    assert "WEB_SECRET" not in str([c.to_json() for c in compiled.components])
    assert compiled.yaml_path(ComponentType.ECA_OAUTH_SETTINGS, "commaSeparatedOauthScopes") == "oauth.scopes"


def test_intent_only_switch_produces_nothing_for_a_connected_app() -> None:
    base = {
        "kind": "ConnectedApp",
        "name": "Legacy",
        "label": "Legacy",
        "contact": {"email": "a@example.com"},
        "oauth": {"callback_urls": ["https://x.example.com/cb"], "scopes": ["api"]},
    }
    plain = compile_app(_spec(ConnectedAppSpec, base), files=fake_files)
    with_device = _spec(
        ConnectedAppSpec,
        {**base, "oauth": {**base["oauth"], "flows": {"device": {"enabled": True}}}},  # type: ignore[dict-item]
    )
    assert compile_app(with_device, files=fake_files).components == plain.components


def test_missing_certificate_names_the_app() -> None:
    def missing(ref: str) -> str:
        raise MetadataError(f"{ref} does not exist; run `sfconnect keygen` to create it")

    app = _eca(flows={"jwt_bearer": {"enabled": True, "certificate": "file:certs/web.crt"}})
    with pytest.raises(MetadataError, match=r"app 'Web'.*keygen"):
        compile_app(app, files=missing)


def test_absent_app_compiles_to_nothing() -> None:
    app = _spec(ConnectedAppSpec, {"kind": "ConnectedApp", "name": "Old", "label": "Old", "state": "absent"})
    compiled = compile_app(app, files=fake_files)
    assert compiled.state == "absent" and compiled.components == ()
