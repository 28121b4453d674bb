"""`apply.concurrency.DeployGuard`: wait for another deploy before reading, refuse when it changed the org, and
find an older deploy that overlaps ours after it started. The org's ``DeployRequest`` rows are scripted."""

from __future__ import annotations

from typing import Any

import pytest

from sfconnect.apply._concurrency import ConcurrentDeploy, DeployGuard
from sfconnect.errors import MetadataFault
from tests.apply.fake_org import FakeApi

OURS = "0Af000000000001AAA"
OTHER = "0Af000000000009AAA"


def _row(deploy_id: str, status: str, second: int, check_only: bool = False) -> dict[str, Any]:
    return {
        "Id": deploy_id,
        "Status": status,
        "CheckOnly": check_only,
        "CreatedDate": f"2026-01-01T00:00:{second:02d}.000+0000",
    }


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _guard(api: FakeApi, clock: Clock, notices: list[str] | None = None, wait: float = 600.0) -> DeployGuard:
    return DeployGuard(
        api.as_api,
        wait_seconds=wait,
        interval=1.0,
        notice=(notices.append if notices is not None else None),
        sleep=clock.sleep,
        clock=clock,
    )


def test_nothing_running_means_no_wait() -> None:
    api, clock = FakeApi(), Clock()
    _guard(api, clock).before_read()
    assert clock.now == 0.0 and api.log == ["tooling_query"]


def test_it_waits_for_a_running_deploy_and_says_so_once() -> None:
    api, clock = FakeApi(), Clock()
    notices: list[str] = []
    rows = [[_row(OTHER, "InProgress", 1)]] * 3 + [[], []]

    def answer(soql: str, *, operation: str = "") -> list[dict[str, Any]]:
        api.log.append("tooling_query")
        return rows.pop(0) if "LIMIT" not in soql else [_row(OTHER, "Failed", 1)]

    api.tooling_query = answer  # type: ignore[method-assign]
    _guard(api, clock, notices).before_read()
    assert clock.now == 3.0
    assert notices == [f"Waiting for deploy {OTHER} (InProgress) of another command to finish..."]


def test_a_deploy_that_changed_the_org_while_we_waited_refuses_the_apply() -> None:
    api, clock = FakeApi(), Clock()
    rows = [[_row(OTHER, "InProgress", 1)], []]

    def answer(soql: str, *, operation: str = "") -> list[dict[str, Any]]:
        return rows.pop(0) if "LIMIT" not in soql else [_row(OTHER, "Succeeded", 1)]

    api.tooling_query = answer  # type: ignore[method-assign]
    with pytest.raises(ConcurrentDeploy) as raised:
        _guard(api, clock).before_read()
    assert raised.value.other_id == OTHER
    assert "changed the org (Succeeded) while this apply waited" in str(raised.value)


def test_a_deploy_still_running_after_the_wait_limit_refuses() -> None:
    api, clock = FakeApi(deploy_requests=[_row(OTHER, "Pending", 1)]), Clock()
    with pytest.raises(ConcurrentDeploy) as raised:
        _guard(api, clock, wait=5.0).before_read()
    assert clock.now == 5.0
    assert f"sfconnect status {OTHER} -t test" in str(raised.value) and "nothing was applied" in str(
        raised.value
    )


def test_check_only_deploys_are_not_waited_for() -> None:
    api, clock = FakeApi(deploy_requests=[_row(OTHER, "InProgress", 1, check_only=True)]), Clock()
    _guard(api, clock).before_read()
    assert clock.now == 0.0


def test_an_org_that_cannot_be_asked_disables_the_guard() -> None:
    api, clock = FakeApi(), Clock()

    def refuse(soql: str, *, operation: str = "") -> list[dict[str, Any]]:
        raise MetadataFault("no Tooling API", fault_code="INSUFFICIENT_ACCESS")

    api.tooling_query = refuse  # type: ignore[method-assign]
    guard = _guard(api, clock)
    guard.before_read()
    assert not guard.enabled
    assert guard.after_start(OURS) is None


def test_after_start_an_older_unfinished_deploy_overlaps_ours() -> None:
    api, clock = FakeApi(), Clock()
    guard = _guard(api, clock)
    guard.before_read()
    api.deploy_requests = [_row(OURS, "Pending", 10), _row(OTHER, "InProgress", 5)]
    other = guard.after_start(OURS)
    assert other is not None and other.id == OTHER


def test_after_start_a_newer_deploy_is_the_one_that_backs_off() -> None:
    api, clock = FakeApi(), Clock()
    guard = _guard(api, clock)
    guard.before_read()
    api.deploy_requests = [_row(OTHER, "Pending", 20), _row(OURS, "InProgress", 10)]
    assert guard.after_start(OURS) is None


def test_after_start_a_deploy_that_finished_before_we_read_does_not_overlap() -> None:
    api, clock = FakeApi(), Clock()
    guard = _guard(api, clock)
    guard.before_read()
    clock.now = 3.0  # the org created ours 3 s after the guard asked, at second 10: it asked at second 7
    api.deploy_requests = [_row(OURS, "Pending", 10), _row(OTHER, "Succeeded", 2)]
    assert guard.after_start(OURS) is None
    api.deploy_requests = [
        _row(OURS, "Pending", 10),
        _row(OTHER, "Succeeded", 8),
    ]  # changed the org meanwhile
    other = guard.after_start(OURS)
    assert other is not None and other.id == OTHER
