"""`plan.service.with_app_warnings`: how lint (or any explaining service) adds warnings to a plan's apps."""

from __future__ import annotations

from sfconnect.plan.service import with_app_warnings
from tests.apply.conftest import compiled, connected_app, plan_against
from tests.apply.fake_org import FakeApi


def test_warnings_are_added_after_the_apps_own_and_nothing_else_changes() -> None:
    api = FakeApi()
    api.put(connected_app())
    result = plan_against(api, compiled(connected_app(scopes=["Api", "Web"])))
    [before] = result.plan.apps
    added = with_app_warnings(result, {"Legacy": ["lint HIGH X: y"], "Elsewhere": ["ignored"]})
    [after] = added.plan.apps
    assert after.warnings == (*before.warnings, "lint HIGH X: y")
    assert (after.changes, after.action, after.errors) == (before.changes, before.action, before.errors)
    assert added.compiled == result.compiled and added.live == result.live
    assert added.plan.summary() == result.plan.summary()


def test_no_warning_for_the_plans_apps_returns_the_result_itself() -> None:
    result = plan_against(FakeApi(), compiled(connected_app()), creation_allowed=True)
    assert with_app_warnings(result, {}) is result
    assert with_app_warnings(result, {"Legacy": []}) is result
    assert with_app_warnings(result, {"Other": ["x"]}) is result
