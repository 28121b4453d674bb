"""The decompiler (components -> app YAML) and the importer (grouping, YAML files): compile(decompile(x)) == x."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from sfconnect.errors import MetadataError
from sfconnect.metadata import Component, normalize, read_source_tree
from sfconnect.metadata._decompiler import decompile_app, import_equivalent, secret_env_name
from sfconnect.metadata.compiler import compile_app
from sfconnect.metadata.importer import (
    app_name,
    group_apps,
    import_components,
    render_app_file,
    schema_comment,
    write_import,
)
from sfconnect.plan.service import file_reader
from sfconnect.spec.load import load_project
from sfconnect.spec.models import AppSpec
from tests.conftest import REPO_ROOT, generated_private_key_pem, pem_body_line

_ADAPTER: TypeAdapter[AppSpec] = TypeAdapter(AppSpec)
PEM = "-----BEGIN CERTIFICATE-----\nMIIBexample\n-----END CERTIFICATE-----"


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _compile(data: dict[str, Any], files: dict[str, str] | None = None) -> tuple[Component, ...]:
    files = files or {}
    spec = _ADAPTER.validate_python(_freeze(data))
    return compile_app(spec, files=lambda ref: files.get(ref.removeprefix("file:"), PEM)).components


def _round_trip(components: tuple[Component, ...]) -> tuple[Component, ...]:
    app = decompile_app(components)
    return _compile(app.data, app.files)


def _ca(**fields: object) -> Component:
    base: dict[str, object] = {"label": "Web", "contactEmail": "ops@example.com"}
    return normalize(Component.build("ConnectedApp", "Web", {**base, **fields}))


def test_connected_app_with_every_intent_key_round_trips() -> None:
    data: dict[str, Any] = {
        "kind": "ConnectedApp",
        "name": "Full_App",
        "label": "Full App",
        "description": "Line one.\nLine two.",
        "contact": {"email": "ops@example.com", "phone": "+1 415 555 0100"},
        "urls": {"info": "https://i.example.com", "logo": "https://l.example.com/l.png", "start": "/apex/Home"},
        "oauth": {
            "callback_urls": ["https://a.example.com/cb", "com.example.app://cb"],
            "scopes": ["api", "refresh_token", "openid"],
            "flows": {
                "authorization_code": {"require_pkce": False, "require_secret": False},
                "client_credentials": {"enabled": True, "run_as": "run@example.com"},
                "jwt_bearer": {"enabled": True, "certificate": "file:certs/full.crt"},
                "token_exchange": {"enabled": True, "require_secret": False},
                "code_credential": {"enabled": True, "post_only": True},
            },
            "refresh_token": {"policy": "after_inactivity", "period": 30, "unit": "days", "rotation": True},
            "introspect_all_tokens": True,
            "jwt_access_tokens": {"enabled": True},
            "id_token": {"validity_minutes": 5, "audiences": ["aud1"], "include": ["standard_claims"]},
            "custom_attributes": [{"key": "dept", "formula": "$User.Department"}],
            "single_logout_url": "https://a.example.com/logout",
        },
        "access": {
            "permitted_users": "admin_approved",
            "profiles": ["System Administrator"],
            "permission_sets": ["Ops"],
            "ip_relaxation": "relax_with_second_factor",
            "trusted_ip_ranges": [{"start": "10.0.0.1", "end": "10.0.0.9", "description": "office"}],
            "session_timeout_minutes": 120,
            "high_assurance": {"required": True, "action": "block"},
        },
        "handler": {"apex_class": "MyHandler", "run_as": "admin@example.com"},
        "metadata": {"ConnectedApp": {"samlConfig": {"acsUrl": "https://sp.example.com/acs",
                                                     "entityUrl": "https://sp.example.com",
                                                     "samlSubjectType": "Username"}}},
    }  # fmt: skip
    original = _compile(data, {"certs/full.crt": PEM})
    app = decompile_app(original)
    assert app.files == {"certs/Full_App.crt": PEM + "\n"}
    assert app.data["oauth"]["flows"]["jwt_bearer"] == {
        "enabled": True,
        "certificate": "file:certs/Full_App.crt",
    }
    assert app.data["metadata"]["ConnectedApp"]["samlConfig"]["samlSubjectType"] == "Username"
    assert app.data["access"]["high_assurance"] == {"required": True, "action": "block"}
    assert _compile(app.data, app.files) == original
    assert list(app.data)[:3] == ["kind", "name", "label"]


def test_external_client_app_keeps_its_child_names_and_escape_hatch_fields() -> None:
    family = (
        normalize(Component.build("ExternalClientApplication", "Eca", {"label": "Eca", "distributionState": "Packaged"})),
        normalize(Component.build("ExtlClntAppOauthSettings", "Eca_settings", {
            "externalClientApplication": "Eca", "label": "Eca_settings", "commaSeparatedOauthScopes": "Api, MCP",
            "isFirstPartyAppEnabled": True,
            "trustedIpRanges": [{"startIpAddress": "1.1.1.1", "endIpAddress": "1.1.1.2"}]})),
        normalize(Component.build("ExtlClntAppGlobalOauthSettings", "Eca_global", {
            "externalClientApplication": "Eca", "label": "Eca_global", "callbackUrl": "https://e.example.com/cb",
            "isPkceRequired": False, "isDeviceFlowEnabled": True, "shouldRotateConsumerKey": True})),
        normalize(Component.build("ExtlClntAppOauthConfigurablePolicies", "Eca_policy", {
            "externalClientApplication": "Eca", "label": "Eca_policy",
            "permittedUsersPolicyType": "AdminApprovedPreAuthorized", "commaSeparatedProfile": "B, A",
            "refreshTokenPolicyType": "SpecificLifetime", "refreshTokenValidityPeriod": 3,
            "refreshTokenValidityUnit": "Months", "requiredSessionLevel": "HIGH_ASSURANCE",
            "policyAction": "RaiseSessionLevel", "namedUserJwtTimeout": 30})),
        normalize(Component.build("ExtlClntAppConfigurablePolicies", "Eca_plcy", {
            "externalClientApplication": "Eca", "label": "Eca_plcy", "isEnabled": True,
            "isOauthPluginEnabled": True, "isSamlPluginEnabled": True, "startUrl": "https://e.example.com"})),
    )  # fmt: skip
    app = decompile_app(family)
    assert app.data["component_names"] == {
        "ExtlClntAppGlobalOauthSettings": "Eca_global",
        "ExtlClntAppOauthConfigurablePolicies": "Eca_policy",
        "ExtlClntAppOauthSettings": "Eca_settings",
    }
    assert app.data["distribution_state"] == "packaged"
    # the plugin policies' start URL is the Custom start page's, not the OAuth start URL (urls.start)
    assert app.data["metadata"] == {
        "ExtlClntAppConfigurablePolicies": {"isSamlPluginEnabled": True, "startUrl": "https://e.example.com"},
        "ExtlClntAppGlobalOauthSettings": {"shouldRotateConsumerKey": True},
        "ExtlClntAppOauthSettings": {"isFirstPartyAppEnabled": True},
    }
    assert app.data["oauth"]["scopes"] == ["Api", "MCP"]
    assert app.data["access"]["profiles"] == ["A", "B"]
    assert set(_round_trip(family)) == set(family)


def test_missing_children_are_compiled_with_defaults_and_originals_match() -> None:
    header = normalize(Component.build("ExternalClientApplication", "Solo", {"label": "Solo"}))
    compiled = _round_trip((header,))
    assert compiled[0] == header
    assert [c.type for c in compiled] == ["ExternalClientApplication", "ExtlClntAppConfigurablePolicies"]


def test_consumer_secret_becomes_a_reference_with_a_warning() -> None:
    raw = Component.build(
        "ConnectedApp",
        "My_App",
        {"label": "A", "contactEmail": "a@example.com",
         "oauthConfig": {"callbackUrl": "https://a.example.com/cb", "consumerKey": "KEY123",
                         "consumerSecret": "SECRET123"}},
    )  # fmt: skip
    app = decompile_app((normalize(raw),))
    assert app.data["oauth"]["consumer_secret"] == "env:MY_APP_CONSUMER_SECRET"
    assert {n.code for n in app.notes} == {"consumer-secret-replaced", "consumer-key-dropped"}
    text = render_app_file(app) + "".join(str(n) for n in app.notes)
    assert "SECRET123" not in text and "KEY123" not in text


@pytest.mark.parametrize(("name", "env"), [("My_App", "MY_APP"), ("app2", "APP2")])
def test_secret_env_name(name: str, env: str) -> None:
    assert secret_env_name(name) == f"{env}_CONSUMER_SECRET"


def test_nil_values_are_kept_as_nil_in_the_escape_hatch_with_a_note() -> None:
    nil = Component.build("ConnectedApp", "Nil", {"label": "Nil", "contactEmail": None})
    app = decompile_app((nil,))
    assert app.data["metadata"] == {"ConnectedApp": {"contactEmail": {"xsi:nil": True}}}
    assert any(n.code == "nil-kept" and "contactEmail" in n.message for n in app.notes)
    assert _round_trip((nil,)) == (nil,)


def test_values_without_a_yaml_form_go_to_the_escape_hatch_named_in_the_notes() -> None:
    odd = _ca(pluginExecutionUser="someone@example.com")
    app = decompile_app((odd,))
    assert app.data["metadata"] == {"ConnectedApp": {"pluginExecutionUser": "someone@example.com"}}
    assert any("metadata.ConnectedApp.pluginExecutionUser" in n.message for n in app.notes)
    assert _round_trip((odd,)) == (odd,)


def test_unknown_elements_go_to_the_escape_hatch() -> None:
    odd = _ca(brandNewElement="x")
    app = decompile_app((odd,))
    assert app.data["metadata"] == {"ConnectedApp": {"brandNewElement": "x"}}
    assert _round_trip((odd,)) == (odd,)


def test_child_types_without_yaml_words_are_kept_as_raw_components() -> None:
    family = (
        Component.build("ExternalClientApplication", "E", {"label": "E"}),
        Component.build("ExtlClntAppMobileSettings", "E_mobile", {"externalClientApplication": "E"}),
        Component.build(
            "ExtlClntAppOauthSecuritySettings", "E_sec", {"externalClientApplication": "E", "label": "E_sec",
                                                          "isSomethingNew": "true"}
        ),
    )  # fmt: skip
    app = decompile_app(family)
    assert app.data["component_names"]["ExtlClntAppOauthSecuritySettings"] == "E_sec"
    assert app.data["metadata"]["ExtlClntAppOauthSecuritySettings"]["isSomethingNew"] == "true"
    assert set(family) <= set(_round_trip(family))


def test_saml_policies_go_to_the_escape_hatch_with_their_name() -> None:
    saml = {
        "externalClientApplication": "E",
        "label": "E_saml",
        "acsUrl": "https://sp/acs",
        "entityUrl": "https://sp",
        "subjectType": "Username",
    }
    family = (
        Component.build("ExternalClientApplication", "E", {"label": "E", "contactEmail": "a@b.c"}),
        Component.build(
            "ExtlClntAppConfigurablePolicies",
            "E_plcy",
            {
                "externalClientApplication": "E",
                "label": "E_plcy",
                "isEnabled": True,
                "isSamlPluginEnabled": True,
            },
        ),
        Component.build("ExtlClntAppSamlConfigurablePolicies", "E_saml", saml),
    )
    data = decompile_app(family).data
    assert data["metadata"]["ExtlClntAppSamlConfigurablePolicies"]["acsUrl"] == "https://sp/acs"
    assert data["component_names"] == {"ExtlClntAppSamlConfigurablePolicies": "E_saml"}
    assert "ExtlClntAppConfigurablePolicies" not in data.get("metadata", {})  # the SAML switch follows


def test_connected_app_without_oauth_policy_has_salesforce_defaults() -> None:
    bare = _ca(oauthConfig={"callbackUrl": "https://a.example.com/cb"})
    filled = import_equivalent(bare)
    assert filled.get("oauthPolicy.ipRelaxation") == "ENFORCE"
    assert filled.get("oauthPolicy.refreshTokenPolicy") == "infinite"
    assert _round_trip((bare,)) == (filled,)
    assert import_equivalent(_ca()) == _ca()


def test_children_without_their_app_import_as_an_installed_app_and_compile_back() -> None:
    # Salesforce Help, "Packaging External Client Apps": a subscriber admin edits the OAuth policies of an app
    # installed from a package; retrieved, the policies name the packaged app (ns__App), whose header is not
    # the subscriber's metadata.
    orphan = Component.build(
        "ExtlClntAppOauthConfigurablePolicies",
        "Pkg_policy",
        {"externalClientApplication": "ns__Pkg", "label": "Pkg_policy", "ipRelaxationPolicyType": "Bypass"},
    )
    groups, problems = group_apps([_ca(), orphan])
    assert [app_name(g) for g in groups] == ["Web", "ns__Pkg"] and problems == []
    result = import_components([_ca(), orphan])
    assert not result.errors
    app = next(a for a in result.apps if a.name == "ns__Pkg")
    assert app.data == {
        "kind": "ExternalClientApp",
        "name": "ns__Pkg",
        "installed": True,
        "metadata": {"ExtlClntAppOauthConfigurablePolicies": {"ipRelaxationPolicyType": "Bypass"}},
        "component_names": {"ExtlClntAppOauthConfigurablePolicies": "Pkg_policy"},
    }
    assert [w.code for w in result.warnings if w.code == "installed-app"] == ["installed-app"]
    spec = TypeAdapter(AppSpec).validate_python(app.data)
    compiled = compile_app(spec, files=lambda ref: "")
    assert compiled.installed and compiled.components == (normalize(orphan),)


def test_a_packaged_app_with_its_header_imports_its_policies_as_an_installed_app() -> None:
    # the header of an app installed from a package carries the package's namespace (ns__App): the subscriber
    # cannot deploy it, only the app's policies
    header = Component.build("ExternalClientApplication", "ns__Pkg", {"label": "Pkg"})
    policy = Component.build(
        "ExtlClntAppOauthConfigurablePolicies",
        "ns__Pkg_oauthPlcy",
        {
            "externalClientApplication": "ns__Pkg",
            "label": "ns__Pkg_oauthPlcy",
            "ipRelaxationPolicyType": "Bypass",
        },
    )
    app = decompile_app((header, policy))
    assert app.data["installed"] is True and "label" not in app.data and "component_names" not in app.data
    assert app.data["metadata"] == {
        "ExtlClntAppOauthConfigurablePolicies": {"ipRelaxationPolicyType": "Bypass"}
    }
    with pytest.raises(MetadataError, match="installed from a package"):
        decompile_app((header,))


def test_same_name_for_both_kinds_imports_the_external_client_app_and_names_its_migrated_original() -> None:
    # Salesforce Help, "Connected App to External Client App Migration": the Connected App stays as a read-only
    # version beside the External Client App of the same name.
    eca = Component.build("ExternalClientApplication", "Web", {"label": "Web"})
    result = import_components([_ca(), eca])
    assert [a.kind for a in result.apps] == ["ExternalClientApp"] and not result.errors
    [note] = [w for w in result.warnings if w.code == "migrated-original"]
    assert "migrated original" in note.message
    # the YAML records the original, as `migrate --adopt` does, so plan and drift do not call it unmanaged
    [app] = result.apps
    assert app.data["migrated_from"] == {"kind": "ConnectedApp", "name": "Web"}
    assert list(app.data).index("migrated_from") == list(app.data).index("name") + 1
    chosen = import_components([_ca(), eca], kind="ConnectedApp")
    assert [a.kind for a in chosen.apps] == ["ConnectedApp"] and not chosen.errors
    with pytest.raises(MetadataError, match="no app named Nope"):
        import_components([_ca()], only=["Nope"])


def test_one_bad_app_does_not_stop_the_others() -> None:
    header = Component.build("ExternalClientApplication", "Bad", {"label": "Bad"})
    stranger = Component.build(
        "ExtlClntAppOauthSettings", "Bad_oauth", {"externalClientApplication": "Other", "label": "x"}
    )
    twin = Component.build(
        "ExtlClntAppOauthSettings", "Bad_oauth2", {"externalClientApplication": "Other", "label": "y"}
    )
    result = import_components([_ca(), header, stranger, twin])
    assert [a.name for a in result.apps] == ["Bad", "Web"]
    assert [e.code for e in result.errors] == ["not-importable"]
    assert "two ExtlClntAppOauthSettings" in result.errors[0].message


def test_rendered_file_loads_back_to_the_same_data(tmp_path: Path) -> None:
    app = decompile_app((_ca(description="First line.\nSecond line.", contactPhone="0123"),))
    text = render_app_file(app, header=schema_comment(tmp_path / "apps", tmp_path))
    assert text.startswith("# yaml-language-server: $schema=../schemas/apps.schema.json\n")
    assert "description: |-\n" in text
    assert "phone: '0123'" in text
    assert yaml.safe_load(text) == {"apps": [app.data]}


def test_write_import_is_all_or_nothing_and_refuses_to_overwrite(tmp_path: Path) -> None:
    app = decompile_app((_ca(),))
    out = tmp_path / "apps"
    out.mkdir()
    (out / "Web.yaml").write_text("mine\n")
    with pytest.raises(MetadataError, match="--force"):
        write_import([app], out, project_dir=tmp_path)
    assert (out / "Web.yaml").read_text() == "mine\n"
    written = write_import([app], out, project_dir=tmp_path, overwrite=True)
    assert written == [out / "Web.yaml"]
    assert load_project(tmp_path, environ={}).app("Web").label == "Web"


@pytest.mark.parametrize(
    "example", sorted(p.name for p in (REPO_ROOT / "examples").iterdir() if (p / "sfconnect.yaml").is_file())
)
def test_every_example_app_decompiles_to_yaml_that_compiles_back(example: str) -> None:
    root = REPO_ROOT / "examples" / example
    environ = {"X": "y"}
    project = load_project(root, environ=environ)
    read = file_reader(root)
    for spec in project.apps:
        if spec.state == "absent":
            continue
        components = compile_app(spec, files=lambda ref: PEM if ref.startswith("file:certs/") else read(ref))
        assert set(_round_trip(components.components)) >= set(components.components), spec.name


@pytest.mark.parametrize("folder", ["project", "mdapi", "legacy"])
def test_fixture_trees_import_completely(fixtures: Path, folder: str) -> None:
    components = read_source_tree(fixtures / folder)
    result = import_components(components)
    assert result.apps and not result.errors
    imported = {c for app in result.apps for c in app.components}
    assert imported == set(components)


# --- property: any app the YAML can say survives compile -> decompile -> compile ---------------------------

_URL = st.sampled_from(["https://a.example.com/cb", "https://b.example.com/x", "http://localhost:1717/cb"])
_NAMES = st.sampled_from(["Ops", "Admins", "Sales Team"])


@st.composite
def _apps(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["ConnectedApp", "ExternalClientApp"]))
    eca = kind == "ExternalClientApp"
    data: dict[str, Any] = {
        "kind": kind,
        "name": "Gen_App",
        "label": draw(st.sampled_from(["Gen", "Gen App"])),
    }
    data["contact"] = {"email": "ops@example.com"}
    if draw(st.booleans()):
        data["urls"] = {"start": draw(_URL), "logo": "https://l.example.com/l.png"}
    admin = draw(st.booleans())
    access: dict[str, Any] = {
        "permitted_users": "admin_approved" if admin else "all_users",
        "ip_relaxation": draw(st.sampled_from(["enforce", "relax", "relax_with_second_factor"])),
    }
    if admin:
        access["profiles"] = draw(st.lists(_NAMES, unique=True, max_size=2))
    if draw(st.booleans()):
        access["session_timeout_minutes"] = draw(st.sampled_from([15, 60, 120]))
    if draw(st.booleans()):
        access["high_assurance"] = {
            "required": True,
            "action": draw(st.sampled_from(["block", "raise_session_level"])),
        }
    if draw(st.booleans()):
        access["trusted_ip_ranges"] = [{"start": "10.0.0.1", "end": "10.0.0.2"}]
    data["access"] = access
    if draw(st.booleans()) or not eca:
        policy = draw(st.sampled_from(["until_revoked", "immediately", "after_lifetime", "after_inactivity"]))
        refresh: dict[str, Any] = {"policy": policy, "rotation": draw(st.booleans())}
        refresh["require_secret"] = draw(st.booleans())
        if policy.startswith("after_"):
            refresh |= {"period": draw(st.integers(1, 12)), "unit": draw(st.sampled_from(["hours", "days"]))}
        cc = draw(st.booleans())
        flows: dict[str, Any] = {
            "authorization_code": {
                "require_pkce": draw(st.booleans()),
                "require_secret": draw(st.booleans()),
            },
            "client_credentials": {"enabled": cc, **({"run_as": "run@example.com"} if cc else {})},
            "token_exchange": {"enabled": draw(st.booleans()), "require_secret": draw(st.booleans())},
            "code_credential": {"enabled": draw(st.booleans()), "post_only": draw(st.booleans())},
        }
        if eca:
            flows["device"] = {"enabled": draw(st.booleans())}
        if draw(st.booleans()):
            flows["jwt_bearer"] = {"enabled": True, "certificate": "file:certs/x.crt"}
        oauth: dict[str, Any] = {
            "callback_urls": draw(st.lists(_URL, unique=True, min_size=1, max_size=3)),
            "scopes": draw(st.lists(st.sampled_from(["api", "Web", "openid", "refresh_token"]), unique=True)),
            "flows": flows,
            "refresh_token": refresh,
            "introspect_all_tokens": draw(st.booleans()),
            "jwt_access_tokens": {"enabled": draw(st.booleans())},
        }
        if draw(st.booleans()):
            oauth["id_token"] = {
                "validity_minutes": draw(st.integers(1, 60)),
                "audiences": draw(st.lists(st.sampled_from(["a1", "a2"]), unique=True)),
                "include": draw(
                    st.lists(st.sampled_from(["standard_claims", "custom_attributes"]), unique=True)
                ),
            }
        if draw(st.booleans()):
            oauth["custom_attributes"] = [{"key": "k", "formula": "$User.Email"}]
        data["oauth"] = oauth
    if eca and "oauth" not in data:  # an External Client App's start URL and access are OAuth policies
        data.pop("access", None)
        data.get("urls", {}).pop("start", None)
    return data


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_apps())
def test_any_app_survives_compile_decompile_compile(data: dict[str, Any]) -> None:
    original = _compile(data, {"certs/x.crt": PEM})
    assert _round_trip(original) == original


def test_a_private_key_in_the_certificate_field_is_never_copied() -> None:
    key = generated_private_key_pem()
    leaked = _ca(oauthConfig={"callbackUrl": "https://a.example.com/cb", "certificate": key.strip()})
    with pytest.raises(MetadataError, match="private key") as info:
        decompile_app((leaked,))
    assert pem_body_line(key) not in str(info.value)


_FREE_TEXT = (
    st.lists(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff\ufeff")
        | st.sampled_from(["\n", "${", "$${", "${env:X}", " ", "#", ": ", "'", '"', "- "]),
        min_size=1,
        max_size=12,
    )
    .map(lambda parts: "".join(parts).strip())
    .filter(bool)
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(label=_FREE_TEXT, description=_FREE_TEXT)
def test_any_text_survives_writing_and_loading(label: str, description: str) -> None:
    app = decompile_app((_ca(label=label, description=description),))
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_import([app], root / "apps", project_dir=root)
        loaded = load_project(root, environ={"X": "interpolated"}).app("Web")
    assert (loaded.label, loaded.description) == (app.data["label"], app.data["description"])


def test_every_child_of_an_external_client_app_reports_what_was_dropped() -> None:
    family = (
        Component.build("ExternalClientApplication", "E", {"label": "E", "orgScopedExternalApp": "00Dx"}),
        Component.build("ExtlClntAppOauthSettings", "E_oauth", {
            "externalClientApplication": "E", "label": "E_oauth", "oauthLink": "https://x", "commaSeparatedOauthScopes": "Api"}),
        Component.build("ExtlClntAppGlobalOauthSettings", "E_glbloauth", {
            "externalClientApplication": "E", "label": "E_glbloauth", "consumerKey": "K1", "consumerSecret": "S1",
            "callbackUrl": "https://e.example.com/cb"}),
    )  # fmt: skip
    app = decompile_app(tuple(normalize(c) for c in family))
    assert sorted(n.code for n in app.notes) == ["consumer-key-dropped", "consumer-secret-replaced"]
    assert app.data["oauth"]["consumer_secret"] == "env:E_CONSUMER_SECRET"
    assert "S1" not in render_app_file(app) and "K1" not in render_app_file(app)
