"""Safety: production refused, cleanup after a failure, Ctrl-C and `--cleanup`, nothing outside the run's
prefix touched (the org's other apps fingerprinted before and after), no secret in any report format."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from sfconnect.conformance import (
    PREFIX,
    BrowserUser,
    ConformanceOptions,
    OrgFacts,
    Probe,
    ProductionRefused,
    render,
    run_conformance,
)
from sfconnect.conformance import _apps as conf_apps
from sfconnect.conformance._catalog import load_catalog, parse_expected
from sfconnect.conformance._context import ProbeContext
from sfconnect.localorg import LocalOrg, serve_local_org
from sfconnect.org.auth import UsernamePasswordAuth
from sfconnect.org.targets import connect
from tests.conformance.conftest import PENDING_ISSUE_15, ServedOrg

SOURCE = {"kind": "documentation", "title": "test", "section": "test"}
OTHER_APPS = [
    {
        "type": "ConnectedApp",
        "fullName": "Legacy_Partner_App",
        "record": {
            "label": "Legacy Partner App",
            "contactEmail": "ops@example.com",
            "oauthConfig": {"callbackUrl": "https://partner.example.com/cb", "scopes": ["Api"]},
        },
    },
    {
        "type": "ExternalClientApplication",
        "fullName": "Partner_Eca",
        "record": {"label": "Partner Eca", "contactEmail": "ops@example.com", "distributionState": "Local"},
    },
]


def prefixed(org: LocalOrg) -> list[str]:
    return sorted(f"{c.type}/{c.full_name}" for c in org.components() if c.full_name.startswith(PREFIX))


def others_fingerprint(org: LocalOrg) -> dict[str, str]:
    """Every component outside the conformance prefix: its full record and modification date, hashed."""
    return {
        f"{c.type}/{c.full_name}": hashlib.sha256(
            json.dumps([c.record, c.modified_date], sort_keys=True, default=str).encode()
        ).hexdigest()
        for c in org.components()
        if not c.full_name.startswith(PREFIX)
    }


@pytest.fixture(scope="module")
def org_with_apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedOrg]:
    directory = tmp_path_factory.mktemp("conformance-safety")
    seed = directory / "seed.yaml"
    seed.write_text(yaml.safe_dump({"apps": OTHER_APPS}), encoding="utf-8")
    with serve_local_org(directory / "org", seed_file=seed) as handle:
        auth = UsernamePasswordAuth(handle.instance_url, handle.admin_username, handle.admin_password)
        connection = connect("local", auth, str(handle.ca_bundle), api_version="63.0")
        try:
            yield ServedOrg(handle, connection, None)
        finally:
            connection.close()


def _entries(*probes: Probe) -> list[Any]:
    return load_catalog(
        probes, parse_expected({p.id: {"expect": {"ok": True}, "source": SOURCE} for p in probes})
    )


def _creates_then(failure: BaseException) -> Probe:
    def run(ctx: ProbeContext) -> dict[str, Any]:
        ctx.deploy_eca(conf_apps.eca_family(ctx.name("Failing"), consumer_secret=ctx.new_secret()))
        raise failure

    return Probe("metadata.failing", "metadata", "creates an app, then fails", run)


# --- production ---------------------------------------------------------------------------------------


def test_production_is_told_apart_by_the_org_itself() -> None:
    def facts(**kw: Any) -> OrgFacts:
        base: dict[str, Any] = {
            "org_id": "x",
            "is_sandbox": False,
            "organization_type": "Enterprise Edition",
            "trial_expiration": None,
            "consumer_secret_access": True,
        }
        return OrgFacts(**(base | kw))

    assert facts().is_production
    assert not facts(is_sandbox=True).is_production
    assert not facts(trial_expiration="2026-12-30").is_production  # scratch orgs expire
    assert not facts(organization_type="Developer Edition").is_production
    assert facts().jwt_audience == "https://login.salesforce.com"
    assert facts(is_sandbox=True).jwt_audience == "https://test.salesforce.com"


@pytest.fixture(scope="module")
def production_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedOrg]:
    """An embedded org seeded to describe itself as production (Enterprise Edition, not a sandbox)."""
    directory = tmp_path_factory.mktemp("conformance-production")
    seed = directory / "seed.yaml"
    seed.write_text(
        yaml.safe_dump(
            {"settings": {"is_sandbox": False, "organization_type": "Enterprise Edition"}, "apps": OTHER_APPS}
        ),
        encoding="utf-8",
    )
    with serve_local_org(directory / "org", seed_file=seed) as handle:
        auth = UsernamePasswordAuth(handle.instance_url, handle.admin_username, handle.admin_password)
        connection = connect("local", auth, str(handle.ca_bundle), api_version="63.0")
        try:
            yield ServedOrg(handle, connection, None)
        finally:
            connection.close()


def test_a_production_org_is_refused_before_anything_is_created(production_org: ServedOrg) -> None:
    before = others_fingerprint(production_org.handle.org)
    with pytest.raises(ProductionRefused, match="--allow-production"):
        production_org.run(only=("metadata",))
    assert prefixed(production_org.handle.org) == []
    assert others_fingerprint(production_org.handle.org) == before


def test_allow_production_runs_the_suite(production_org: ServedOrg) -> None:
    report = production_org.run(only=("metadata.update_replaces_whole",), allow_production=True)
    assert report.org_kind == "production"
    assert [r.status for r in report.results] == ["matches"]


def test_a_sandbox_is_not_production(production_org: ServedOrg) -> None:
    org = production_org.handle.org
    org.set_setting("is_sandbox", True)
    try:
        report = production_org.run(only=("metadata.update_replaces_whole",))
    finally:
        org.set_setting("is_sandbox", False)
    assert report.org_kind == "sandbox"
    assert [r.status for r in report.results] == ["matches"]


# --- cleanup ------------------------------------------------------------------------------------------


def test_cleanup_after_a_failing_probe(org_with_apps: ServedOrg) -> None:
    s = org_with_apps
    opts = ConformanceOptions()
    report = run_conformance(
        s.connection.session, s.connection.api, opts, entries=_entries(_creates_then(RuntimeError("boom")))
    )
    assert [(r.status, r.reason) for r in report.results] == [("error", "RuntimeError: boom")]
    assert len(report.cleanup) == 5 and report.cleanup_errors == []
    assert prefixed(s.handle.org) == []


class Abort(BaseException):
    """Something that stops the whole run (not a probe's own failure)."""


def test_cleanup_after_a_failure_that_stops_the_run(org_with_apps: ServedOrg) -> None:
    s = org_with_apps
    with pytest.raises(Abort):
        run_conformance(
            s.connection.session,
            s.connection.api,
            ConformanceOptions(),
            entries=_entries(_creates_then(Abort())),
        )
    assert prefixed(s.handle.org) == []


def test_cleanup_after_ctrl_c_in_process(org_with_apps: ServedOrg) -> None:
    s = org_with_apps
    later = Probe("metadata.never", "metadata", "never runs", lambda ctx: {"ok": True})
    report = run_conformance(
        s.connection.session,
        s.connection.api,
        ConformanceOptions(),
        entries=_entries(_creates_then(KeyboardInterrupt()), later),
    )
    assert report.interrupted and report.status == "error"
    assert [r.probe_id for r in report.results] == []
    assert len(report.cleanup) == 5
    assert prefixed(s.handle.org) == []


# --- nothing outside the prefix -----------------------------------------------------------------------


def test_nothing_outside_the_prefix_is_touched(org_with_apps: ServedOrg) -> None:
    org = org_with_apps.handle.org
    before = others_fingerprint(org)
    assert {"ConnectedApp/Legacy_Partner_App", "ExternalClientApplication/Partner_Eca"} <= set(before)
    report = org_with_apps.run(exclude=tuple(PENDING_ISSUE_15))
    assert report.results and report.untouched_verified is True
    assert others_fingerprint(org) == before
    assert prefixed(org) == []


def test_the_context_refuses_names_outside_the_prefix(org_with_apps: ServedOrg) -> None:
    def outside(ctx: ProbeContext) -> dict[str, Any]:
        ctx.create(
            [("ExternalClientApplication", conf_apps.eca_family("Partner_Eca", oauth=False)["header"][1])]
        )
        return {"ok": True}

    s = org_with_apps
    probe = Probe("metadata.outside", "metadata", "touches another app", outside)
    report = run_conformance(
        s.connection.session, s.connection.api, ConformanceOptions(), entries=_entries(probe)
    )
    assert (
        report.results[0].status == "error" and "refuses to touch 'Partner_Eca'" in report.results[0].reason
    )


def test_a_change_to_another_app_during_the_run_is_reported(org_with_apps: ServedOrg) -> None:
    org = org_with_apps.handle.org

    def meddle(ctx: ProbeContext) -> dict[str, Any]:
        record = dict(org.component("ExternalClientApplication", "Partner_Eca").record)  # type: ignore[union-attr]
        record["description"] = "changed behind the kit's back"
        time.sleep(1.1)  # listMetadata dates have a resolution of one second
        changed = org.update_metadata(
            [("ExternalClientApplication", {"fullName": "Partner_Eca", **record})], org.admin_user()
        )
        assert changed[0].success
        return {"ok": True}

    s = org_with_apps
    probe = Probe("metadata.meddle", "metadata", "another app changes meanwhile", meddle)
    report = run_conformance(
        s.connection.session, s.connection.api, ConformanceOptions(), entries=_entries(probe)
    )
    assert report.untouched_verified is False
    assert report.untouched_changes == ["ExternalClientApplication/Partner_Eca"]
    assert report.status == "error"


# --- secrets ------------------------------------------------------------------------------------------


def test_no_secret_in_any_report_format(org_with_apps: ServedOrg, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real_secret, real_new = ProbeContext.secret, ProbeContext.new_secret

    def secret(self: ProbeContext, value: str | None) -> str | None:
        if value:
            seen.append(value)
        return real_secret(self, value)

    def new_secret(self: ProbeContext, length: int = 40) -> str:
        value = real_new(self, length)
        seen.append(value)
        return value

    monkeypatch.setattr(ProbeContext, "secret", secret)
    monkeypatch.setattr(ProbeContext, "new_secret", new_secret)
    s = org_with_apps
    leaky = Probe(
        "oauth.leaky",
        "oauth",
        "observes credentials",
        lambda ctx: {
            "token": ctx.api.session.session_id,
            "user": s.handle.admin_username,
            "org": s.handle.org_id,
            "secrets": sorted(ctx.secrets_seen),
        },
    )
    entries = [*load_catalog(), *_entries(leaky)]
    opts = ConformanceOptions(
        browser_user=BrowserUser(s.handle.admin_username, s.handle.admin_password),
        exclude=tuple(PENDING_ISSUE_15),
    )
    report = run_conformance(s.connection.session, s.connection.api, opts, entries=entries)
    assert len(seen) > 20  # consumer secrets, keys, tokens and codes of the OAuth probes
    forbidden = {
        *seen,
        s.handle.admin_password,
        s.handle.admin_username,
        s.handle.org_id,
        s.connection.session.session_id,
    }
    for fmt in ("text", "json", "markdown"):
        text = render(report, fmt)
        leaks = [v for v in forbidden if len(v) >= 6 and v in text]
        assert leaks == [], fmt
        assert s.handle.org_id[:15] not in text
