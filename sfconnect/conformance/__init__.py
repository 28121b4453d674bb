"""The conformance kit: behaviour probes that compare an org with what Salesforce documents.

Client side only (it reaches the org through `org`, never `localorg`): run against the embedded org in CI, and
by users against their sandboxes to find where the embedded org differs from Salesforce.
"""

from __future__ import annotations

from sfconnect.conformance.catalog import ALL_PROBES, CatalogError, Entry, compare, load_catalog
from sfconnect.conformance.context import PREFIX, BrowserUser, OrgFacts
from sfconnect.conformance.model import AREAS, Expected, NotRun, Probe, ProbeResult, Report, Source
from sfconnect.conformance.render import render, render_json, render_markdown, render_text
from sfconnect.conformance.service import (
    ConformanceOptions,
    ProductionRefused,
    cleanup_leftovers,
    run_conformance,
)

__all__ = [
    "ALL_PROBES",
    "AREAS",
    "PREFIX",
    "BrowserUser",
    "CatalogError",
    "ConformanceOptions",
    "Entry",
    "Expected",
    "NotRun",
    "OrgFacts",
    "Probe",
    "ProbeResult",
    "ProductionRefused",
    "Report",
    "Source",
    "apps",
    "catalog",
    "cleanup_leftovers",
    "compare",
    "context",
    "load_catalog",
    "masking",
    "model",
    "probes_credentials",
    "probes_deploy",
    "probes_metadata",
    "probes_oauth",
    "probes_rest",
    "render",
    "render_json",
    "render_markdown",
    "render_text",
    "run_conformance",
    "service",
]
