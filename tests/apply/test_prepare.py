"""`apply.prepare`: a saved plan is held to the org before anything is deployed (stale, other org, other
target, errors), and a fresh plan is shown before it is refused."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sfconnect.apply.prepare import input_from_result, open_plan_file, prepare_apply
from sfconnect.errors import ConfigError, PlanError, StalePlanError
from sfconnect.plan.model import Plan
from tests.apply.conftest import NO_PROJECT, compiled, connected_app, plan_against, save
from tests.apply.fake_org import FakeApi


def _no_secrets(ref: str) -> str:
    raise ConfigError(f"{ref} is not set")


def test_a_saved_plan_of_an_unchanged_org_gives_its_desired_components(tmp_path: Path, api: FakeApi) -> None:
    desired = connected_app(scopes=["Api", "RefreshToken"])
    path = save(plan_against(api, compiled(desired)), tmp_path / "plan.json")
    plan_file = open_plan_file(path, "test")
    shown: list[Plan] = []

    data = prepare_apply(
        api.as_api,
        NO_PROJECT,
        "test",
        org_id=api.session.org_id,
        resolve=_no_secrets,
        plan_file=plan_file,
        show=shown.append,
    )

    assert [(c.type, c.full_name) for c in data.desired] == [("ConnectedApp", "Legacy")]
    assert data.plan.has_changes() and data.api_version == "63.0"
    assert shown == [data.plan]  # shown once, after the checks
    assert "deploy" not in api.log  # preparing never deploys


def test_a_component_changed_since_the_plan_makes_it_stale(tmp_path: Path, api: FakeApi) -> None:
    path = save(
        plan_against(api, compiled(connected_app(scopes=["Api", "RefreshToken"]))), tmp_path / "p.json"
    )
    plan_file = open_plan_file(path)
    api.put(connected_app(scopes=["Api", "Web"]))  # someone changed the app in Setup
    shown: list[Plan] = []

    with pytest.raises(StalePlanError) as raised:
        prepare_apply(
            api.as_api,
            NO_PROJECT,
            "test",
            org_id=api.session.org_id,
            resolve=_no_secrets,
            plan_file=plan_file,
            show=shown.append,
        )

    assert "ConnectedApp Legacy" in str(raised.value) and "re-run plan" in str(raised.value)
    assert shown == []  # a stale plan is refused before it is shown as the plan being applied


def test_a_component_deleted_since_the_plan_makes_it_stale(tmp_path: Path, api: FakeApi) -> None:
    path = save(plan_against(api, compiled(connected_app(scopes=["Api", "Web"]))), tmp_path / "p.json")
    api.records.clear()
    with pytest.raises(StalePlanError, match="ConnectedApp Legacy"):
        prepare_apply(
            api.as_api,
            NO_PROJECT,
            "test",
            org_id=api.session.org_id,
            resolve=_no_secrets,
            plan_file=open_plan_file(path),
        )


def test_a_component_created_since_a_plan_that_creates_it_makes_it_stale(tmp_path: Path) -> None:
    api = FakeApi()
    created = plan_against(api, compiled(connected_app()), creation_allowed=True)  # an org that allows it
    path = save(created, tmp_path / "p.json")
    api.put(connected_app())  # someone else created it meanwhile
    with pytest.raises(StalePlanError, match="ConnectedApp Legacy"):
        prepare_apply(
            api.as_api,
            NO_PROJECT,
            "test",
            org_id=api.session.org_id,
            resolve=_no_secrets,
            plan_file=open_plan_file(path),
        )


def test_a_saved_plan_for_another_org_is_refused(tmp_path: Path, api: FakeApi) -> None:
    result = plan_against(api, compiled(connected_app(scopes=["Api", "Web"])))
    path = save(result, tmp_path / "p.json", org_id="00D000000000002AAA")
    with pytest.raises(PlanError, match="was made for org 00D000000000002AAA") as raised:
        prepare_apply(
            api.as_api,
            NO_PROJECT,
            "test",
            org_id=api.session.org_id,
            resolve=_no_secrets,
            plan_file=open_plan_file(path),
        )
    assert "make the plan again" in str(raised.value)
    assert api.log == []  # refused before reading the org


def test_an_org_id_of_15_or_18_characters_is_the_same_org(tmp_path: Path, api: FakeApi) -> None:
    path = save(plan_against(api, compiled(connected_app(scopes=["Api", "Web"]))), tmp_path / "p.json")
    data = prepare_apply(
        api.as_api,
        NO_PROJECT,
        "test",
        org_id=api.session.org_id[:15],
        resolve=_no_secrets,
        plan_file=open_plan_file(path),
    )
    assert data.plan.has_changes()


def test_a_saved_plan_for_another_target_is_refused(tmp_path: Path, api: FakeApi) -> None:
    path = save(
        plan_against(api, compiled(connected_app(scopes=["Api", "Web"])), target="prod"), tmp_path / "p.json"
    )
    with pytest.raises(PlanError, match="made for target 'prod', not 'test'"):
        open_plan_file(path, "test")
    assert open_plan_file(path).target == "prod"  # without -t, the plan names its target


def test_a_saved_plan_with_errors_is_refused(tmp_path: Path, api: FakeApi) -> None:
    result = plan_against(api, compiled(connected_app(scopes=["Api", "Web"])))
    broken = dataclasses.replace(result.plan.apps[0], errors=("the org refuses it",))
    result = dataclasses.replace(result, plan=Plan.build("test", [broken]))
    path = save(result, tmp_path / "p.json")
    with pytest.raises(PlanError, match="cannot be applied"):
        open_plan_file(path)


def test_the_apply_input_of_a_fresh_plan_carries_its_components_and_deletions(api: FakeApi) -> None:
    gone = compiled(name="Legacy", state="absent")
    new = compiled(connected_app("Fresh"), name="Fresh")
    data = input_from_result(plan_against(api, gone, new, creation_allowed=True), "62.0")
    assert [(c.type, c.full_name) for c in data.desired] == [("ConnectedApp", "Fresh")]
    assert [(d.type, d.full_name) for d in data.deletions] == [("ConnectedApp", "Legacy")]
    assert data.api_version == "62.0"
    assert data.secret_fields == {("ConnectedApp", "Fresh"): {}}
