"""The differ: actions per app, field changes with YAML paths, secrets and generated fields."""

from __future__ import annotations

import io
from pathlib import Path
from typing import cast

from sfconnect.metadata.compiled import CompiledApp
from sfconnect.metadata.component import Component, Record
from sfconnect.org.metadata_api import FileProperties, MetadataApi
from sfconnect.plan.diff import diff_app, family_of, unit_map
from sfconnect.plan.model import Plan
from sfconnect.plan.render import render_text


def connected_app(**oauth: object) -> Component:
    fields: dict[str, object] = {
        "contactEmail": "ops@example.com",
        "label": "Legacy",
        "oauthConfig": {"callbackUrl": "https://app.example.com/cb", "scopes": ["Api"], **oauth},
    }
    return Component.build("ConnectedApp", "Legacy", fields)


def compiled(*components: Component, kind: str = "ConnectedApp", state: str = "present") -> CompiledApp:
    return CompiledApp(
        name="Legacy",
        kind=kind,  # type: ignore[arg-type]
        state=state,  # type: ignore[arg-type]
        components=components,
        yaml_paths={
            ("ConnectedApp", "oauthConfig.scopes"): "oauth.scopes",
            ("ConnectedApp", "label"): "label",
        },
        secret_refs={("ConnectedApp", "oauthConfig.consumerSecret"): "env:LEGACY_SECRET"},
        source="apps/legacy.yaml:3",
    )


def test_identical_components_are_a_no_op() -> None:
    plan = diff_app(compiled(connected_app()), [connected_app()])
    assert plan.action == "no-op"
    assert plan.changes == ()


def test_changed_list_is_one_change_with_yaml_path() -> None:
    plan = diff_app(compiled(connected_app(scopes=["Api", "RefreshToken"])), [connected_app()])
    assert plan.action == "update"
    [change] = plan.changes
    assert change.path == "oauth.scopes"
    assert change.metadata_path == "ConnectedApp.oauthConfig.scopes"
    assert (change.before, change.after) == (["api"], ["api", "refresh_token"])  # as the YAML writes them


def test_a_field_the_yaml_did_not_write_is_shown_by_its_yaml_key_from_the_field_map() -> None:
    plan = diff_app(compiled(connected_app(isPkceRequired=True)), [connected_app()])
    [change] = plan.changes
    assert change.path == "oauth.flows.authorization_code.require_pkce"
    assert (change.before, change.after) == (False, True)  # absent means the documented default


def test_a_field_without_a_yaml_key_falls_back_to_its_metadata_path() -> None:
    plan = diff_app(compiled(connected_app(isFirstPartyThing=True)), [connected_app()])
    [change] = plan.changes
    assert change.path == "metadata.ConnectedApp.oauthConfig.isFirstPartyThing"


def test_one_yaml_value_in_two_fields_is_one_line_and_lists_show_as_lists() -> None:
    live = connected_app(idTokenConfig={"idTokenValidity": 2})
    desired = connected_app(
        isTokenExchangeEnabled=True,
        idTokenConfig={
            "idTokenValidity": 2,
            "idTokenIncludeStandardClaims": True,
            "idTokenIncludeAttributes": True,
        },
    )
    desired = desired.with_fields(
        desired.fields.set("oauthPolicy", Record({"isTokenExchangeFlowEnabled": True}))
    )
    app = CompiledApp(
        name="Legacy",
        kind="ConnectedApp",
        components=(desired,),
        yaml_paths={
            ("ConnectedApp", "oauthConfig.isTokenExchangeEnabled"): "oauth.flows.token_exchange.enabled",
            ("ConnectedApp", "oauthPolicy.isTokenExchangeFlowEnabled"): "oauth.flows.token_exchange.enabled",
        },
    )
    plan = diff_app(app, [live])
    changes = [(c.path, c.before, c.after) for c in plan.changes]
    assert ("oauth.id_token.include", [], ["standard_claims", "custom_attributes"]) in changes
    # the plan keeps one change per metadata field (apply checks them); the rendering prints each line once
    assert changes.count(("oauth.flows.token_exchange.enabled", False, True)) == 2
    out = io.StringIO()
    render_text(Plan(target="t", apps=(plan,)), out)
    lines = [line for line in out.getvalue().splitlines() if line.strip().startswith("~")]
    assert len(lines) == len(set(lines))
    assert sum("oauth.flows.token_exchange.enabled" in line for line in lines) == 1
    assert sum("oauth.id_token.include" in line for line in lines) == 1


def test_org_generated_and_write_only_fields_never_differ() -> None:
    live = connected_app(consumerKey="3MVG9abcdef")
    plan = diff_app(compiled(connected_app()), [live])
    assert plan.action == "no-op"
    assert "consumerKey" not in str(unit_map(live))


def test_create_marks_key_known_after_apply_and_secret_sensitive() -> None:
    plan = diff_app(compiled(connected_app()), [], connected_app_creation_allowed=True)
    assert plan.action == "create"
    assert not plan.errors
    by_path = {c.metadata_path: c for c in plan.changes}
    assert by_path["ConnectedApp.oauthConfig.consumerKey"].known_after_apply
    secret = by_path["ConnectedApp.oauthConfig.consumerSecret"]
    assert secret.sensitive and secret.before is None and secret.after is None


def test_connected_app_create_in_blocking_org_is_an_error_with_the_fix() -> None:
    plan = diff_app(compiled(connected_app()), [])
    assert plan.action == "create"
    assert plan.errors and "ExternalClientApp" in plan.errors[0] and "apps/legacy.yaml:3" in plan.errors[0]


def test_absent_app_is_deleted_and_irreversible_for_connected_apps() -> None:
    plan = diff_app(
        compiled(state="absent"), [connected_app()], fingerprints={("ConnectedApp", "Legacy"): "abc"}
    )
    assert plan.action == "delete"
    assert plan.irreversible
    assert plan.components[0].fingerprint == "abc"
    assert diff_app(compiled(state="absent"), []).action == "no-op"


def test_eca_family_is_found_by_parent_reference() -> None:
    header = Component.build("ExternalClientApplication", "Web", {"label": "Web", "contactEmail": "a@b.c"})
    child = Component.build(
        "ExtlClntAppOauthSettings", "Web_oauth", {"externalClientApplication": "Web", "label": "Web"}
    )
    other = Component.build(
        "ExtlClntAppOauthSettings", "Other_oauth", {"externalClientApplication": "Other", "label": "O"}
    )
    assert family_of("Web", "ExternalClientApp", [header, child, other]) == [header, child]


def test_leftover_live_component_is_deleted_within_the_app() -> None:
    header = Component.build("ExternalClientApplication", "Web", {"label": "Web", "contactEmail": "a@b.c"})
    saml = Component.build(
        "ExtlClntAppSamlConfigurablePolicies",
        "Web_samlPlcy",
        {"externalClientApplication": "Web", "acsUrl": "https://x", "entityUrl": "https://y"},
    )
    app = CompiledApp(name="Web", kind="ExternalClientApp", components=(header,))
    plan = diff_app(app, [header, saml])
    assert plan.action == "update"
    assert [(c.type, c.action) for c in plan.components] == [
        ("ExternalClientApplication", "no-op"),
        ("ExtlClntAppSamlConfigurablePolicies", "delete"),
    ]


def test_grouping_matches_family_of() -> None:
    from sfconnect.plan.diff import group_families

    header = Component.build("ExternalClientApplication", "Web", {"label": "Web", "contactEmail": "a@b.c"})
    child = Component.build(
        "ExtlClntAppOauthSettings", "Web_oauth", {"externalClientApplication": "Web", "label": "W"}
    )
    live = [header, child, connected_app()]
    groups = group_families(live)
    assert groups[("ExternalClientApp", "Web")] == family_of("Web", "ExternalClientApp", live)
    assert groups[("ConnectedApp", "Legacy")] == family_of("Legacy", "ConnectedApp", live)


class _ListingOnlyOrg:
    """An org that lists components and is never asked to read one: enough to plan a project of no apps."""

    def __init__(self, listed: list[FileProperties]) -> None:
        self.listed = listed
        self.calls: dict[str, int] = {"listMetadata": 0}

    def list_metadata(self, types: list[str]) -> list[FileProperties]:
        self.calls["listMetadata"] += 1
        return [f for f in self.listed if f.type in types]


def test_a_plan_names_the_unmanaged_apps_and_their_package(tmp_path: Path) -> None:
    from sfconnect.plan.service import make_plan
    from sfconnect.spec.load import load_project

    (tmp_path / "apps").mkdir()
    (tmp_path / "sfconnect.yaml").write_text("targets:\n  local: {local: {org: default}}\n", encoding="utf-8")
    project = load_project(tmp_path, environ={})
    org = _ListingOnlyOrg(
        [
            FileProperties(
                "ConnectedApp", "ns__Installed", namespace_prefix="ns", manageable_state="installed"
            ),
            FileProperties("ExternalClientApplication", "Hand_Made"),
            FileProperties("ExtlClntAppOauthSettings", "Hand_Made_oauth"),
        ]
    )

    plan = make_plan(project, "local", cast(MetadataApi, org)).plan

    assert {(u.kind, u.name, u.managed_package) for u in plan.unmanaged} == {
        ("ConnectedApp", "ns__Installed", "ns"),
        ("ExternalClientApp", "Hand_Made", ""),
    }
    assert org.calls == {"listMetadata": 1}
    assert not plan.has_changes()


def test_values_are_shown_as_the_yaml_says_them() -> None:
    """An inverted switch shows the YAML's sense; an ECA enumeration its YAML word, its default filled in."""
    plan = diff_app(compiled(connected_app(isConsumerSecretOptional=True)), [connected_app()])
    [change] = plan.changes
    assert (
        change.path == "metadata.ConnectedApp.oauthConfig.isConsumerSecretOptional"
        or change.path.endswith("require_secret")
    )
    assert (change.before, change.after) == (True, False)  # require_secret: true -> false

    def policies(**fields: object) -> Component:
        return Component.build(
            "ExtlClntAppOauthConfigurablePolicies",
            "Web_oauthPlcy",
            {"externalClientApplication": "Web", **fields},
        )

    app = CompiledApp(
        name="Web",
        kind="ExternalClientApp",
        components=(policies(permittedUsersPolicyType="AdminApprovedPreAuthorized"),),
        yaml_paths={
            ("ExtlClntAppOauthConfigurablePolicies", "permittedUsersPolicyType"): "access.permitted_users"
        },
    )
    [change] = diff_app(app, [policies()]).changes
    assert (change.path, change.before, change.after) == (
        "access.permitted_users",
        "all_users",
        "admin_approved",
    )
