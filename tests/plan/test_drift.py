"""`plan.drift`: the definition of drift, and the per-target results `sfconnect drift` reports (no org needed:
each target's plan comes from a function the test supplies)."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from sfconnect.errors import ConfigError, Issue, OrgError, SpecValidationError
from sfconnect.plan.drift import check_drift, has_drifted
from sfconnect.plan.model import AppPlan, Plan, UnmanagedApp
from sfconnect.spec.load import Project, load_project
from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def project() -> Project:
    return load_project(REPO_ROOT / "examples" / "multi-env", environ={}, require_values=False)


def _plan(target: str, action: str = "no-op", unmanaged: bool = False) -> Plan:
    apps = [AppPlan("Order_Sync", "ExternalClientApp", action)]  # type: ignore[arg-type]
    return Plan.build(target, apps, [UnmanagedApp("ConnectedApp", "Stray")] if unmanaged else [])


def _with_policy(project: Project, policy: str) -> Project:
    config = project.config.model_copy(
        update={"unmanaged": project.config.unmanaged.model_copy(update={"policy": policy})}
    )
    return dataclasses.replace(project, config=config)


def test_changes_are_drift_and_unmanaged_apps_only_under_the_drift_policy(project: Project) -> None:
    assert has_drifted(_plan("local", "update"), project)
    assert not has_drifted(_plan("local"), project)
    assert not has_drifted(_plan("local", unmanaged=True), _with_policy(project, "report"))
    assert has_drifted(_plan("local", unmanaged=True), _with_policy(project, "drift"))


def test_every_target_is_planned_concurrently_and_reported_in_order(project: Project) -> None:
    names = sorted(project.config.targets)
    barrier = threading.Barrier(len(names), timeout=10)  # passes only when all plans run at once

    def plan_target(name: str) -> Plan:
        barrier.wait()
        return _plan(name, "update" if name == "production" else "no-op")

    report = check_drift(project, [], plan_target)
    assert [t.target for t in report.targets] == names
    assert [t.target for t in report.targets if t.drifted] == ["production"]
    assert report.drifted() and not report.failed()


def _unset(name: str) -> SpecValidationError:
    issue = Issue(
        "warning", "unset_variable", f"the environment variable {name} is not set", file="sfconnect.yaml"
    )
    return SpecValidationError([issue])


def test_a_target_that_cannot_be_checked_fails_the_report_unless_only_its_variables_are_unset(
    project: Project,
) -> None:
    def plan_target(name: str) -> Plan:
        if name == "uat":
            raise _unset("UAT_DEPLOY_CONSUMER_KEY")
        if name == "production":
            raise OrgError("login refused", target=name)
        return _plan(name)

    strict = check_drift(project, ["uat", "local"], plan_target)
    assert strict.failed() and not strict.drifted()
    assert isinstance(strict.targets[0].error, SpecValidationError) and strict.targets[0].skipped == ""

    lenient = check_drift(project, ["uat", "local"], plan_target, skip_unconfigured=True)
    assert not lenient.failed()
    assert lenient.targets[0].skipped == "not configured (UAT_DEPLOY_CONSUMER_KEY not set)"

    other = check_drift(project, ["production"], plan_target, skip_unconfigured=True)
    assert other.failed() and other.targets[0].skipped == ""  # a login failure is never skipped


def test_an_unknown_target_names_the_known_ones(project: Project) -> None:
    with pytest.raises(ConfigError) as raised:
        check_drift(project, ["nope"], lambda name: _plan(name))
    assert "unknown target(s): nope" in str(raised.value) and "local, production, uat" in str(raised.value)
