"""`apply.validate` (``plan --validate``): a check-only deploy whose refusals become errors of the apps they
concern; the org is never changed."""

from __future__ import annotations

from sfconnect.apply.validate import validate_plan
from sfconnect.errors import ConfigError
from sfconnect.metadata.compiled import CompiledApp
from sfconnect.plan.diff import CONNECTED_APP_CREATION_BLOCKED
from sfconnect.plan.service import PlanResult
from tests.apply.conftest import compiled, connected_app, plan_against
from tests.apply.fake_org import FakeApi, failed


def _unset(ref: str) -> str:
    raise ConfigError(f"{ref} is not set")


def _two_apps(api: FakeApi) -> PlanResult:
    legacy = compiled(connected_app(scopes=["Api", "Web"]))
    fresh = CompiledApp(
        name="Fresh",
        kind="ConnectedApp",
        components=(connected_app("Fresh"),),
        secret_refs={("ConnectedApp", "oauthConfig.consumerSecret"): "env:UNSET"},
    )
    return plan_against(api, legacy, fresh)  # Fresh: creating a Connected App is blocked


def test_a_refusal_becomes_an_error_of_the_app_that_owns_the_component(api: FakeApi) -> None:
    result = _two_apps(api)
    [fresh] = [a for a in result.plan.apps if a.name == "Fresh"]
    assert any(e.startswith(CONNECTED_APP_CREATION_BLOCKED) for e in fresh.errors)
    before = dict(api.records)
    api.statuses = [failed("0Af000000000001AAA", ("ConnectedApp", "Legacy", "invalid scope Web"))]

    checked = validate_plan(api.as_api, result, _unset, "63.0", poll_interval=0)

    errors = {a.name: a.errors for a in checked.plan.apps}
    assert errors["Legacy"] == ("the org refuses ConnectedApp Legacy: invalid scope Web",)
    # the org accepted Fresh: it allows creating Connected Apps, so that plan error goes
    assert not any(e.startswith(CONNECTED_APP_CREATION_BLOCKED) for e in errors["Fresh"])
    assert api.options[0].check_only and api.records == before  # nothing changed, the unset secret left out


def test_a_refusal_without_components_is_an_error_of_every_changing_app(api: FakeApi) -> None:
    result = _two_apps(api)
    api.statuses = [failed("0Af000000000001AAA")]
    checked = validate_plan(api.as_api, result, _unset, "63.0", poll_interval=0)
    for app in checked.plan.apps:
        assert any(e.startswith("the org refuses the change:") for e in app.errors), app.name


def test_an_accepted_check_keeps_the_plan_and_counts_the_calls(api: FakeApi) -> None:
    legacy = compiled(connected_app(scopes=["Api", "Web"]))
    result = plan_against(api, legacy)
    checked = validate_plan(api.as_api, result, _unset, "63.0", poll_interval=0)
    assert [a.errors for a in checked.plan.apps] == [()]
    assert [a.changes for a in checked.plan.apps] == [a.changes for a in result.plan.apps]
    assert checked.plan.api_calls == dict(api.calls)
