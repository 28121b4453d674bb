"""CI runs the whole suite against the embedded org, and every probe matches its expected result.

Connected App probes need an org that allows creating Connected Apps, and the creation-block probe an org
that blocks it, so the suite runs against both kinds of embedded org; together every probe runs and matches.
Probes waiting for the fidelity issue are listed with their reason in `conftest.PENDING_ISSUE_15`.
"""

from __future__ import annotations

from sfconnect.conformance import ALL_PROBES, Report
from tests.conformance.conftest import PENDING_ISSUE_15, ServedOrg

CONNECTED_APP_REASONS = ("blocks Connected App creation", "allows Connected App creation")


def _problems(report: Report) -> list[tuple[str, str, object]]:
    return [
        (r.probe_id, r.status, r.differences or r.reason)
        for r in report.results
        if r.status in ("differs", "error")
    ]


def test_every_probe_matches_the_embedded_org(served_orgs: dict[str, ServedOrg]) -> None:
    reports = {key: org.run(exclude=tuple(PENDING_ISSUE_15)) for key, org in served_orgs.items()}
    for key, report in reports.items():
        assert _problems(report) == [], key
        assert report.cleanup_errors == [] and report.untouched_verified is True, key
        for r in report.results:
            if r.status == "not run":
                assert any(reason in r.reason for reason in CONNECTED_APP_REASONS), (
                    key,
                    r.probe_id,
                    r.reason,
                )
    matched = {r.probe_id for report in reports.values() for r in report.results if r.status == "matches"}
    assert matched == {p.id for p in ALL_PROBES} - set(PENDING_ISSUE_15)
