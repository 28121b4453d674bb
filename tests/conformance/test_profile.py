"""The kit checks itself: an embedded org started with a behaviour profile differs in exactly the probes its
flags touch, and the suite reports those probes as differing and every other probe as matching."""

from __future__ import annotations

import pytest

from sfconnect.conformance import Report
from sfconnect.localorg._behaviour import FLAGS, SETTING
from tests.conformance.conftest import PENDING_ISSUE_15, ServedOrg

FLAG_PROBES: dict[str, tuple[str, ...]] = {
    "cc_token_without_api_instance_url": ("oauth.client_credentials",),
    "wrong_secret_invalid_grant": ("oauth.wrong_secret",),
    "callback_mismatch_invalid_request": ("oauth.callback_mismatch",),
    "userinfo_wrong_user": ("oauth.client_credentials",),
    "device_flow_always_on": ("oauth.device_flow_eca", "oauth.device_flow_connected_app"),
    "refresh_reuse_accepted": ("oauth.refresh_rotation",),
    "check_only_not_reported": ("deploy.check_only",),
    "crud_limit_call_wording": ("metadata.crud_limit",),
    "redeploy_reports_changed": ("deploy.identical_redeploy",),
    "parse_errors_without_position": ("deploy.parse_error_position",),
    "api_versions_up_to_63": ("deploy.api_version_66",),
}
"""Each flag of the profile, and the probes it must make differ (the device flow is off by default for
Connected Apps and follows the switch of External Client Apps: a flag turning it always on touches both)."""

TESTABLE = sorted(
    flag for flag, probes in FLAG_PROBES.items() if not any(p in PENDING_ISSUE_15 for p in probes)
)
"""Flags whose probe matches the embedded org today (the others wait for issue 15, see conftest)."""


def test_every_flag_names_its_probe() -> None:
    assert set(FLAG_PROBES) == set(FLAGS)


def test_at_least_five_differences_are_checked() -> None:
    assert len(TESTABLE) >= 5, TESTABLE


def _run_with(org: ServedOrg, flags: list[str]) -> Report:
    org.handle.org.set_setting(SETTING, flags)
    try:
        return org.run(exclude=tuple(PENDING_ISSUE_15))
    finally:
        org.handle.org.set_setting(SETTING, [])


@pytest.mark.parametrize("flag", TESTABLE)
def test_the_report_names_exactly_the_flags_probe(served_orgs: dict[str, ServedOrg], flag: str) -> None:
    # The org that allows Connected App creation runs every probe but the creation-block one.
    report = _run_with(served_orgs["connected_apps"], [flag])
    statuses = {r.probe_id: r.status for r in report.results}
    for probe in FLAG_PROBES[flag]:
        assert statuses.pop(probe) == "differs", probe
    assert statuses.pop("metadata.connected_app_creation") == "not run"
    assert {s for s in statuses.values()} == {"matches"}, {
        p: s for p, s in statuses.items() if s != "matches"
    }
    assert report.untouched_verified is True and report.cleanup_errors == []


def test_an_unknown_flag_is_refused(tmp_path_factory: pytest.TempPathFactory) -> None:
    from sfconnect.localorg import serve_local_org

    with (
        pytest.raises(ValueError, match="unknown behaviour profile flag"),
        serve_local_org(tmp_path_factory.mktemp("bad-profile"), profile=["no_such_flag"]),
    ):
        pass
