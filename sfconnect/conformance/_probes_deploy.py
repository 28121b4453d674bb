"""Deploy and retrieve probes: rollback on error, check-only deploys, identical redeploys, positions of parse
errors, scope folding on retrieve, and the API versions the org serves."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

from sfconnect.conformance import _apps
from sfconnect.conformance._context import ProbeContext
from sfconnect.conformance._model import Observation, Probe
from sfconnect.errors import MetadataFault
from sfconnect.org.raw_metadata import RawMetadataClient

__all__ = ["PROBES"]

ECA = "ExternalClientApplication"


def _header_file(ctx: ProbeContext, suffix: str, **extra: str) -> tuple[str, str, str]:
    name = ctx.name(suffix)
    values = _apps.eca_family(name, oauth=False)["header"][1] | extra
    return ECA, name, _apps.file_xml(ECA, values)


def rollback_on_error(ctx: ProbeContext) -> Observation:
    good = _header_file(ctx, "RollbackGood")
    bad = _header_file(ctx, "RollbackBad", distributionState="Not_A_State")
    status = ctx.deploy([good, bad])
    return {"success": status.success, "valid_component_created": ctx.read(ECA, good[1]) is not None}


def check_only(ctx: ProbeContext) -> Observation:
    component = _header_file(ctx, "CheckOnly")
    status = ctx.deploy([component], check_only=True)
    return {
        "success": status.success,
        "check_only": status.check_only,
        "component_created": ctx.read(ECA, component[1]) is not None,
    }


def identical_redeploy(ctx: ProbeContext) -> Observation:
    component = _header_file(ctx, "Redeploy")
    first = ctx.deploy([component])
    if not first.success:
        raise RuntimeError(f"setup deploy failed: {first.error_message or first.status}")
    second = ctx.deploy([component])
    mine = [m for m in second.component_successes if m.full_name == component[1]]
    if not mine:
        raise RuntimeError("the redeploy reported no result for the component")
    return {"success": second.success, "created": mine[0].created, "changed": mine[0].changed}


def parse_error_position(ctx: ProbeContext) -> Observation:
    name = ctx.name("Malformed")
    broken = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ExternalClientApplication xmlns="{_apps.MD_NS}">\n'
        "    <label>Malformed\n"
        "</ExternalClientApplication>\n"
    )
    status = ctx.deploy([(ECA, name, broken)])
    failures = [m for m in status.component_failures if m.problem]
    first = failures[0] if failures else None
    return {
        "success": status.success,
        "has_line": bool(first and first.line > 0),
        "has_column": bool(first and first.column > 0),
    }


def _retrieved_scopes(zip_bytes: bytes, name: str) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        member = next((n for n in archive.namelist() if n.endswith(f"{name}.connectedApp")), None)
        if member is None:
            return []
        root = ET.fromstring(archive.read(member))  # noqa: S314 - our own org's answer, parsed for names only
    return sorted({(e.text or "").strip() for e in root.iter() if e.tag.endswith("}scopes")})


def scope_folding(ctx: ProbeContext) -> Observation:
    ctx.require_connected_apps()
    name = ctx.name("Scopes")
    record = _apps.connected_app(name, oauth={"scopes": ["Api", "Profile", "Email", "OfflineAccess"]})
    status = ctx.deploy([("ConnectedApp", name, _apps.file_xml("ConnectedApp", record))])
    if not status.success:
        raise RuntimeError(f"setup deploy failed: {status.error_message or status.status}")
    retrieved = ctx.raw.retrieve({"ConnectedApp": [name]})
    return {"retrieve_success": retrieved.success, "scopes": _retrieved_scopes(retrieved.zip_file, name)}


def api_version_66(ctx: ProbeContext) -> Observation:
    listed = "66.0" in ctx.rest.versions()
    raw66 = RawMetadataClient(ctx.api.session, target=ctx.target)
    try:
        raw66.call("listMetadata", f"<queries><type>{ECA}</type></queries>", api_version="66.0")
        call = "ok"
    except MetadataFault as fault:
        call = fault.fault_code
    finally:
        raw66.close()
    return {"listed": listed, "metadata_call": call}


PROBES = (
    Probe(
        "deploy.rollback_on_error",
        "deploy",
        "A deploy with rollbackOnError and one bad component creates nothing",
        rollback_on_error,
        creates="two External Client App headers in one deploy (one invalid: nothing is created)",
        names=("RollbackGood", "RollbackBad"),
    ),
    Probe(
        "deploy.check_only",
        "deploy",
        "A check-only deploy validates without creating",
        check_only,
        creates="nothing (a check-only deploy of one External Client App header)",
        names=("CheckOnly",),
    ),
    Probe(
        "deploy.identical_redeploy",
        "deploy",
        "Redeploying an identical component reports it unchanged",
        identical_redeploy,
        creates="one External Client App header, deployed twice",
        names=("Redeploy",),
    ),
    Probe(
        "deploy.parse_error_position",
        "deploy",
        "A parse error in a deployed file carries a line and a column",
        parse_error_position,
        creates="nothing (a malformed External Client App file, refused)",
        names=("Malformed",),
    ),
    Probe(
        "deploy.scope_folding",
        "deploy",
        "A retrieve returns folded scope names",
        scope_folding,
        rows=(11,),
        creates="one Connected App (where creation is allowed)",
        names=("CaProbe", "Scopes"),
    ),
    Probe(
        "deploy.api_version_66",
        "deploy",
        "API version 66.0 is listed and served by the Metadata API",
        api_version_66,
        rows=(14,),
    ),
)
