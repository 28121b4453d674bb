"""The conformance kit: behaviour probes that compare an org with what Salesforce documents.

Client side only (it reaches the org through `org`, never `localorg`): run against the embedded org in CI, and
by users against their sandboxes to find where the embedded org differs from Salesforce.

Offers `run_conformance` (with `ConformanceOptions`; `cleanup_leftovers` for an interrupted run), the probe
catalog (`ALL_PROBES`, `load_catalog`, `compare`) and the report model, re-exported from private modules
(``_service``, ``_catalog``, ``_context``, ``_model``; the probes themselves are ``_probes_*``), and the public
`render` module, whose renderers turn a `Report` into text, Markdown or JSON.
"""

from __future__ import annotations

from sfconnect.conformance._catalog import ALL_PROBES, CatalogError, Entry, compare, load_catalog
from sfconnect.conformance._context import PREFIX, BrowserUser, OrgFacts
from sfconnect.conformance._model import AREAS, Expected, NotRun, Probe, ProbeResult, Report, Source
from sfconnect.conformance._service import (
    ConformanceOptions,
    ProductionRefused,
    cleanup_leftovers,
    run_conformance,
)
from sfconnect.conformance.render import render, render_json, render_markdown, render_text

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
    "cleanup_leftovers",
    "compare",
    "load_catalog",
    "render",
    "render_json",
    "render_markdown",
    "render_text",
    "run_conformance",
]
