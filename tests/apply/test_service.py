"""`apply.service`: following a deploy to its end, and the consumer-secret setting checked before deploying."""

from __future__ import annotations

import pytest

from sfconnect.apply.service import (
    DeployInterrupted,
    DeployUnfinished,
    check_consumer_secret_access,
    describe_state,
    follow_deploy,
    with_secrets,
)
from sfconnect.errors import ConfigError, DeployFailed, MetadataFault, OrgError
from sfconnect.metadata.component import Component
from sfconnect.org.metadata_api import DeployOptions, DeployStatus, RawRecord
from tests.apply.conftest import connected_app
from tests.apply.fake_org import FakeApi, failed

DEPLOY = "0Af000000000001AAA"


def _running(done: int, total: int = 4) -> DeployStatus:
    return DeployStatus(
        DEPLOY, False, "InProgress", False, number_components_total=total, number_components_deployed=done
    )


def _following(api: FakeApi) -> FakeApi:
    api.options.append(DeployOptions())
    api.deployed.append(b"")
    api.apply_deploys = False
    return api


def test_polling_backs_off_until_the_deploy_is_done() -> None:
    api = _following(
        FakeApi(statuses=[_running(0), _running(2), DeployStatus(DEPLOY, True, "Succeeded", True)])
    )
    seen: list[str] = []
    waits: list[float] = []
    status = follow_deploy(
        api.as_api,
        DEPLOY,
        progress=lambda s: seen.append(describe_state(s)),
        interval=1.0,
        max_interval=2.0,
        sleep=waits.append,
    )
    assert status.success and status.status == "Succeeded"
    assert seen == ["InProgress (0/4 components)", "InProgress (2/4 components)", "Succeeded"]
    assert waits == [1.0, 1.5]  # grows by half each time, at most max_interval


def test_a_failed_deploy_carries_each_component_failure() -> None:
    api = _following(
        FakeApi(statuses=[failed(DEPLOY, ("ConnectedApp", "A", "bad"), ("ConnectedApp", "B", "worse"))])
    )
    with pytest.raises(DeployFailed) as raised:
        follow_deploy(api.as_api, DEPLOY, sleep=lambda _s: None)
    assert raised.value.deploy_id == DEPLOY
    assert [(e.full_name, e.problem) for e in raised.value.component_errors] == [("A", "bad"), ("B", "worse")]
    assert "2 component(s) failed; nothing was changed (rollbackOnError)" in str(raised.value)


def test_the_deadline_ends_following_with_the_status_command() -> None:
    api = _following(FakeApi(statuses=[_running(1)]))
    ticks = iter([0.0, 5.0, 11.0])
    with pytest.raises(DeployUnfinished) as raised:
        follow_deploy(api.as_api, DEPLOY, timeout=10.0, sleep=lambda _s: None, clock=lambda: next(ticks))
    message = str(raised.value)
    assert "did not finish within 10s" in message and "InProgress (1/4 components)" in message
    assert f"sfconnect status {DEPLOY} -t test" in message


def test_a_status_error_ends_following_without_losing_the_deploy_id() -> None:
    api = _following(FakeApi())

    def broken(deploy_id: str, **_kw: object) -> DeployStatus:
        raise OrgError("connection refused", target="test")

    api.check_deploy_status = broken  # type: ignore[method-assign]
    with pytest.raises(DeployUnfinished) as raised:
        follow_deploy(api.as_api, DEPLOY, sleep=lambda _s: None)
    assert raised.value.deploy_id == DEPLOY and raised.value.last is None
    assert "not known yet" in str(raised.value)


def test_ctrl_c_while_following_leaves_the_deploy_running() -> None:
    api = _following(FakeApi(statuses=[_running(3)]))

    def interrupt(_seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(DeployInterrupted) as raised:
        follow_deploy(api.as_api, DEPLOY, sleep=interrupt)
    assert raised.value.last is not None and raised.value.last.number_components_deployed == 3
    assert "may still be running" in str(raised.value)


# --- the consumer-secret setting (Metadata API Developer Guide, ExtlClntAppOauthSettings: "access to OAuth
# consumer secrets through the Metadata API" must be allowed) ------------------------------------------------

_ECA_OAUTH = Component.build("ExtlClntAppOauthSettings", "Eca_oauth", {"externalClientApplication": "Eca"})


def _settings(api: FakeApi, xml: bytes | None = None, fault: bool = False) -> FakeApi:
    def read(type_name: str, names: list[str]) -> list[RawRecord]:
        api.log.append(f"readMetadata {type_name}")
        if fault:
            raise MetadataFault("no access", fault_code="INSUFFICIENT_ACCESS", target="test")
        return [RawRecord(type_name, names[0], xml)] if xml is not None else []

    api.read_metadata = read  # type: ignore[method-assign, assignment]
    return api


def _settings_xml(value: str) -> bytes:
    return (
        '<ExternalClientAppSettings xmlns="http://soap.sforce.com/2006/04/metadata">'
        f"<enableConsumerSecretApiAccess>{value}</enableConsumerSecretApiAccess></ExternalClientAppSettings>"
    ).encode()


def test_the_setting_off_stops_the_deploy_with_the_fix() -> None:
    api = _settings(FakeApi(), _settings_xml("false"))
    with pytest.raises(ConfigError, match="Allow Access to OAuth Consumer Secrets via Metadata API"):
        check_consumer_secret_access(api.as_api, [_ECA_OAUTH])


@pytest.mark.parametrize("answer", [_settings_xml("true"), None, b"<not xml", "fault"])
def test_the_deploy_decides_when_the_setting_is_on_or_cannot_be_read(answer: bytes | str | None) -> None:
    api = _settings(FakeApi(), answer if isinstance(answer, bytes | None) else None, fault=answer == "fault")
    check_consumer_secret_access(api.as_api, [_ECA_OAUTH])  # no error
    assert api.log == ["readMetadata ExternalClientAppSettings"]


def test_apps_without_eca_oauth_settings_do_not_ask() -> None:
    api = _settings(FakeApi(), _settings_xml("false"))
    check_consumer_secret_access(api.as_api, [connected_app()])
    assert api.log == []


def test_with_secrets_sets_a_connected_apps_secret_inside_its_oauth_config() -> None:
    component = with_secrets(connected_app(), {"oauthConfig.consumerSecret": "v"})
    assert component.get("oauthConfig.consumerSecret") == "v"
    assert component.get("consumerSecret") is None
    eca = with_secrets(_ECA_OAUTH, {"consumerSecret": "w"})
    assert eca.get("consumerSecret") == "w"
