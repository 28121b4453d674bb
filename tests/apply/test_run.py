"""`apply.run`: what goes into the deploy, in which order apply talks to the org, and how each failure ends."""

from __future__ import annotations

import pytest

from sfconnect.apply.prepare import input_from_result
from sfconnect.apply.run import ApplyInput, DeployGuard, apply_plan, build_request, destructive_manifest
from sfconnect.apply.service import DeployNotVerified
from sfconnect.errors import ConfigError, DeployFailed, OrgError
from sfconnect.metadata.compiled import CompiledApp
from sfconnect.metadata.formats import ComponentRef, read_zip
from sfconnect.plan.model import AppPlan, ComponentChange, Plan
from tests.apply.conftest import compiled, connected_app, plan_against
from tests.apply.fake_org import FakeApi, failed, names

SECRET = "s3cr3t-value-for-the-zip-only"


def _resolve(ref: str) -> str:
    if ref == "env:FRESH_SECRET":
        return SECRET
    raise ConfigError(f"{ref} is not set")


def _fresh() -> CompiledApp:
    return CompiledApp(
        name="Fresh",
        kind="ConnectedApp",
        components=(connected_app("Fresh"),),
        secret_refs={("ConnectedApp", "oauthConfig.consumerSecret"): "env:FRESH_SECRET"},
    )


def _input(api: FakeApi, *apps: CompiledApp) -> ApplyInput:
    return input_from_result(plan_against(api, *apps, creation_allowed=True), "63.0")


# --- build_request --------------------------------------------------------------------------------------


def test_only_changing_components_are_deployed_and_secrets_only_for_creates(api: FakeApi) -> None:
    unchanged = compiled(connected_app())  # Legacy, as the org has it
    updated = CompiledApp(
        name="Legacy",
        kind="ConnectedApp",
        components=(connected_app(scopes=["Api", "Web"]),),
        secret_refs={("ConnectedApp", "oauthConfig.consumerSecret"): "env:FRESH_SECRET"},
    )
    assert build_request(_input(api, unchanged), _resolve).components == ()

    request = build_request(_input(api, updated, _fresh()), _resolve)
    by_name = {c.full_name: c for c in request.components}
    assert sorted(by_name) == ["Fresh", "Legacy"]
    assert by_name["Fresh"].get("oauthConfig.consumerSecret") == SECRET
    assert by_name["Legacy"].get("oauthConfig.consumerSecret") is None  # an update never sends a secret


def test_an_unset_secret_of_a_new_app_stops_the_request(api: FakeApi) -> None:
    app = _fresh()
    app = CompiledApp(
        name=app.name,
        kind=app.kind,
        components=app.components,
        secret_refs={("ConnectedApp", "oauthConfig.consumerSecret"): "env:UNSET"},
    )
    with pytest.raises(ConfigError, match="env:UNSET"):
        build_request(_input(api, app), _resolve)


def _eca_plan(header_deleted: bool) -> Plan:
    children = [ComponentChange("ExtlClntAppOauthSettings", "Eca_oauth", "delete", "f1")]
    header = ComponentChange(
        "ExternalClientApplication", "Eca", "delete" if header_deleted else "no-op", "f0"
    )
    return Plan.build("test", [AppPlan("Eca", "ExternalClientApp", "delete", (header, *children))])


def test_an_eca_header_takes_its_children_along_in_the_manifest() -> None:
    deletions = (
        ComponentRef("ExternalClientApplication", "Eca"),
        ComponentRef("ExtlClntAppOauthSettings", "Eca_oauth"),
    )
    manifest, cascaded = destructive_manifest(_eca_plan(True), deletions)
    assert manifest == (ComponentRef("ExternalClientApplication", "Eca"),)
    assert cascaded == (ComponentRef("ExtlClntAppOauthSettings", "Eca_oauth"),)
    # a child whose header stays is named itself
    manifest, cascaded = destructive_manifest(_eca_plan(False), deletions[1:])
    assert manifest == deletions[1:] and cascaded == ()


# --- apply_plan -----------------------------------------------------------------------------------------


def test_apply_deploys_once_follows_and_reads_back_in_that_order(api: FakeApi) -> None:
    data = _input(api, compiled(connected_app(scopes=["Api", "Web"])), _fresh())
    started: list[str] = []
    result = apply_plan(api.as_api, data, _resolve, on_started=started.append, poll_interval=0)

    assert api.log.index("deploy") < api.log.index("checkDeployStatus") < len(api.log) - 1
    assert api.log[-1].startswith("readMetadata")  # verified last
    assert api.log.count("deploy") == 1 and started == [result.deploy_id]
    assert api.options[0].rollback_on_error and not api.options[0].check_only
    assert result.created == ("ConnectedApp Fresh",) and result.updated == ("ConnectedApp Legacy",)
    assert names(read_zip(api.deployed[0], normalized=False)) == ["ConnectedApp Fresh", "ConnectedApp Legacy"]


def test_a_removal_goes_in_the_destructive_manifest_and_is_verified_gone(api: FakeApi) -> None:
    result = apply_plan(api.as_api, _input(api, compiled(state="absent")), _resolve, poll_interval=0)
    assert result.deleted == ("ConnectedApp Legacy",)
    assert ("ConnectedApp", "Legacy") not in api.records


def test_a_failed_deploy_raises_with_its_component_failures_and_nothing_is_read_back(api: FakeApi) -> None:
    api.statuses = [failed("0Af000000000001AAA", ("ConnectedApp", "Legacy", "bad scope"))]
    with pytest.raises(DeployFailed) as raised:
        apply_plan(
            api.as_api, _input(api, compiled(connected_app(scopes=["Api", "Web"]))), _resolve, poll_interval=0
        )
    assert "nothing was changed" in str(raised.value)
    assert [(e.full_name, e.problem) for e in raised.value.component_errors] == [("Legacy", "bad scope")]
    assert not any(entry.startswith("readMetadata") for entry in api.log[api.log.index("deploy") :])


def test_an_org_that_does_not_match_after_the_deploy_is_an_error(api: FakeApi) -> None:
    api.apply_deploys = False  # the org reports success but keeps its old value
    with pytest.raises(OrgError, match="does not match the plan") as raised:
        apply_plan(
            api.as_api, _input(api, compiled(connected_app(scopes=["Api", "Web"]))), _resolve, poll_interval=0
        )
    assert "oauthConfig.scopes" in str(raised.value)


def test_a_failure_while_reading_back_says_the_deploy_succeeded(api: FakeApi) -> None:
    data = _input(api, compiled(connected_app(scopes=["Api", "Web"])))
    real_read = api.read_metadata
    deployed: list[bool] = []

    def read(type_name: str, names_: list[str]) -> list[object]:
        if deployed:
            raise OrgError("connection reset", target="test", operation="readMetadata")
        return real_read(type_name, names_)  # type: ignore[return-value]

    api.on_deploy = lambda: deployed.append(True)
    api.read_metadata = read  # type: ignore[method-assign, assignment]
    with pytest.raises(DeployNotVerified) as raised:
        apply_plan(api.as_api, data, _resolve, poll_interval=0)
    assert "succeeded" in str(raised.value) and "sfconnect plan" in str(raised.value)


def test_ctrl_c_while_the_deploy_request_is_in_flight_says_the_org_may_have_started_one(api: FakeApi) -> None:
    def interrupt() -> None:
        raise KeyboardInterrupt

    api.on_deploy = interrupt
    guard = DeployGuard(api.as_api)
    guard.enabled = False  # the org cannot be asked which deploy started
    with pytest.raises(OrgError, match="in flight: the org may have started a deploy"):
        apply_plan(
            api.as_api, _input(api, compiled(connected_app(scopes=["Api", "Web"]))), _resolve, guard=guard
        )


def test_an_overlapping_older_deploy_makes_this_apply_back_off(api: FakeApi) -> None:
    from sfconnect.apply._concurrency import ConcurrentDeploy

    guard = DeployGuard(api.as_api, clock=lambda: 100.0)
    guard.before_read()  # nothing running
    api.apply_deploys = False
    api.deploy_requests = [
        {"Id": "0Af000000000001AAA", "Status": "Pending", "CreatedDate": "2026-01-01T00:00:10.000+0000"},
        {"Id": "0Af000000000009AAA", "Status": "InProgress", "CreatedDate": "2026-01-01T00:00:05.000+0000"},
    ]
    api.statuses = [failed("0Af000000000001AAA")]
    with pytest.raises(ConcurrentDeploy) as raised:
        apply_plan(
            api.as_api,
            _input(api, compiled(connected_app(scopes=["Api", "Web"]))),
            _resolve,
            guard=guard,
            poll_interval=0,
        )
    assert raised.value.other_id == "0Af000000000009AAA"
    assert api.canceled == ["0Af000000000001AAA"]  # ours, asked to cancel
    assert "changed nothing" in str(raised.value)
