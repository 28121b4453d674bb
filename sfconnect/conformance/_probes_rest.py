"""REST probes: the SOQL the kit itself relies on (Organization) and the error for bad syntax."""

from __future__ import annotations

from sfconnect.conformance._context import ProbeContext
from sfconnect.conformance._model import Observation, Probe

__all__ = ["PROBES"]


def organization_query(ctx: ProbeContext) -> Observation:
    answer = ctx.rest.query("SELECT Id, IsSandbox, OrganizationType, TrialExpirationDate FROM Organization")
    records = answer.records
    fields = sorted(k for k in records[0] if k != "attributes") if records else []
    return {"status": answer.status, "records": len(records), "fields": fields}


def malformed_query(ctx: ProbeContext) -> Observation:
    answer = ctx.rest.query("SELEC Id FROM User")
    return {"status": answer.status, "error_code": answer.error_code}


def unknown_field(ctx: ProbeContext) -> Observation:
    answer = ctx.rest.query("SELECT Id, SfcConfNoSuchField FROM User LIMIT 1")
    return {"status": answer.status, "error_code": answer.error_code}


PROBES = (
    Probe(
        "rest.organization_query",
        "rest",
        "SOQL on Organization returns IsSandbox and OrganizationType",
        organization_query,
    ),
    Probe("rest.malformed_query", "rest", "Bad SOQL syntax is MALFORMED_QUERY (HTTP 400)", malformed_query),
    Probe(
        "rest.unknown_field", "rest", "An unknown field in SOQL is INVALID_FIELD (HTTP 400)", unknown_field
    ),
)
