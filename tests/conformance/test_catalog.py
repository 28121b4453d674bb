"""The catalog: every probe has an expected result with a source, every fidelity row has a probe, and the
comparison of expected and observed results can fail."""

from __future__ import annotations

import pytest

from sfconnect.conformance import ALL_PROBES, CatalogError, Probe, compare, load_catalog
from sfconnect.conformance._catalog import parse_expected
from sfconnect.conformance._masking import Masker
from tests.conformance.conftest import PENDING_ISSUE_15

FIDELITY_ROWS = range(1, 16)
"""The rows of the fidelity issue's table (issue 15)."""


def test_every_probe_has_an_expected_result_with_a_source() -> None:
    entries = load_catalog()
    assert {e.probe.id for e in entries} == {p.id for p in ALL_PROBES}
    for entry in entries:
        source = entry.expected.source
        assert source.kind in ("documentation", "real-org"), entry.probe.id
        assert source.title and (source.section or source.url or source.date), entry.probe.id
        assert entry.expected.values, entry.probe.id


def test_a_probe_without_a_source_is_refused() -> None:
    probe = Probe("metadata.sourceless", "metadata", "no source", lambda ctx: {})
    with pytest.raises(CatalogError, match=r"metadata\.sourceless: no source"):
        parse_expected({"metadata.sourceless": {"expect": {"success": True}}})
    with pytest.raises(CatalogError, match="without an expected result"):
        load_catalog([probe], expected={})


def test_sources_must_say_where_they_come_from() -> None:
    with pytest.raises(CatalogError, match="section or a url"):
        parse_expected({"p": {"expect": {"a": 1}, "source": {"kind": "documentation", "title": "Guide"}}})
    with pytest.raises(CatalogError, match="date of the run"):
        parse_expected({"p": {"expect": {"a": 1}, "source": {"kind": "real-org", "title": "sandbox"}}})
    with pytest.raises(CatalogError, match="source kind"):
        parse_expected({"p": {"expect": {"a": 1}, "source": {"kind": "hearsay", "title": "a blog"}}})
    with pytest.raises(CatalogError, match="no expected result"):
        parse_expected({"p": {"source": {"kind": "documentation", "title": "Guide", "section": "x"}}})


def test_an_expected_result_without_a_probe_is_refused() -> None:
    expected = parse_expected(
        {
            "ghost.probe": {
                "expect": {"a": 1},
                "source": {"kind": "documentation", "title": "G", "section": "s"},
            }
        }
    )
    with pytest.raises(CatalogError, match=r"without a probe: ghost\.probe"):
        load_catalog([], expected=expected)


@pytest.mark.parametrize("row", FIDELITY_ROWS)
def test_each_fidelity_row_has_a_probe(row: int) -> None:
    assert any(row in p.rows for p in ALL_PROBES), f"fidelity row {row} has no probe"


def test_pending_probes_are_real_probes_with_reasons() -> None:
    ids = {p.id for p in ALL_PROBES}
    for probe_id, reason in PENDING_ISSUE_15.items():
        assert probe_id in ids
        assert reason.strip()


def test_compare_reports_each_kind_of_difference() -> None:
    expected = {
        "success": False,
        "message~": "in this operation",
        "fields_present": ["access_token", "api_instance_url"],
        "fields_absent": ["expires_in"],
        "status": 400,
    }
    assert (
        compare(
            expected,
            {
                "success": False,
                "message": "cannot submit more than 10 records IN THIS OPERATION",
                "fields": ["access_token", "api_instance_url"],
                "status": 400,
            },
        )
        == []
    )
    differences = compare(
        expected,
        {"success": True, "message": "into this call", "fields": ["access_token", "expires_in"]},
    )
    assert differences == [
        "success: expected False, observed True",
        "message: expected to contain 'in this operation', observed 'into this call'",
        "fields missing: api_instance_url",
        "fields present that should not be: expires_in",
        "status: expected 400, not observed",
    ]


def test_masker_masks_registered_secrets_and_identifiers() -> None:
    masker = Masker(["s3cretConsumerValue"])
    text = (
        "secret s3cretConsumerValue token 00D5g000004XyZa!AQ0AQH.x_y org 00D5g000004XyZaEAK "
        "user 0055g00000ABCDE user@example.com key -----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY----- "
        "jwt eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln"
    )
    masked = masker.text(text)
    for leak in (
        "s3cretConsumerValue",
        "00D5g000004XyZa",
        "0055g00000ABCDE",
        "user@example.com",
        "abc",
        "eyJ",
    ):
        assert leak not in masked
    assert masked.count("<") >= 6
    assert masker.value({"k": ["user@example.com"]}) == {"k": ["<user>"]}
