"""Metadata API rule probes: creation, consumer keys and secrets, the CRUD limit, replacement on update,
unknown names, deletion of an External Client App, enumerations and fields by API version."""

from __future__ import annotations

import secrets
import string
from typing import Any

from sfconnect.conformance import _apps
from sfconnect.conformance._context import ProbeContext
from sfconnect.conformance._model import NotRun, Observation, Probe
from sfconnect.conformance._records import field_text
from sfconnect.errors import MetadataFault
from sfconnect.org.raw_metadata import SaveOutcome

__all__ = ["PROBES"]


def _outcome(result: SaveOutcome) -> Observation:
    first = result.errors[0] if result.errors else None
    return {
        "success": result.success,
        "status_code": first.status_code if first else "",
        "message": first.message if first else "",
    }


def _header(ctx: ProbeContext, suffix: str, **extra: Any) -> tuple[str, dict[str, Any]]:
    name = ctx.name(suffix)
    values = _apps.eca_family(name, oauth=False)["header"][1] | extra
    return name, values


def connected_app_creation(ctx: ProbeContext) -> Observation:
    if ctx.connected_app_creation_allowed():
        raise NotRun(
            "this org allows Connected App creation (Salesforce Support lifted the block): nothing to compare"
        )
    outcome = ctx.cache["ca_outcome"]
    return _outcome(outcome)


def _key() -> str:
    alphabet = string.ascii_letters + string.digits
    return "SfcConf" + "".join(secrets.choice(alphabet) for _ in range(33))


def _eca_with_key(ctx: ProbeContext, suffix: str) -> tuple[str, str, SaveOutcome]:
    ctx.require_secret_access()
    name, header = _header(ctx, suffix)
    created = ctx.create([("ExternalClientApplication", header)])
    if not created or not created[0].success:
        raise RuntimeError(f"setup: creating {name} failed: {created[0].errors if created else 'no result'}")
    key = _key()
    glob = _apps.eca_family(name, consumer_key=key, consumer_secret=ctx.new_secret())["global"][1]
    result = ctx.create([("ExtlClntAppGlobalOauthSettings", glob)])
    return name, key, result[0]


def consumer_key_on_create(ctx: ProbeContext) -> Observation:
    name, key, result = _eca_with_key(ctx, "KeyCreate")
    observed = _outcome(result)
    record = ctx.read("ExtlClntAppGlobalOauthSettings", f"{name}_glbloauth") if result.success else None
    observed["key_kept"] = record is not None and field_text(record, "consumerKey") == key
    return observed


def consumer_key_on_update(ctx: ProbeContext) -> Observation:
    name, _key_given, result = _eca_with_key(ctx, "KeyUpdate")
    if not result.success:
        raise NotRun("the org refused a consumer key on create, so a change of key cannot be tried")
    glob = _apps.eca_family(name, consumer_key=_key())["global"][1]
    return _outcome(ctx.update([("ExtlClntAppGlobalOauthSettings", glob)])[0])


def consumer_secret_setting(ctx: ProbeContext) -> Observation:
    setting = ctx.facts.consumer_secret_access
    if setting is None:
        raise NotRun("the org's External Client App settings could not be read")
    name, header = _header(ctx, "Secret")
    ctx.create([("ExternalClientApplication", header)])
    glob = _apps.eca_family(name, consumer_secret=ctx.new_secret())["global"][1]
    result = ctx.create([("ExtlClntAppGlobalOauthSettings", glob)])[0]
    return {"setting_on": setting, "deploy_accepted": result.success, "consistent": result.success == setting}


def crud_limit(ctx: ProbeContext) -> Observation:
    records = [_header(ctx, f"Limit{i:02d}")[1] for i in range(11)]
    try:
        results = ctx.create([("ExternalClientApplication", r) for r in records])
    except MetadataFault as fault:
        return {"fault_code": fault.fault_code, "message": str(fault), "created": 0}
    return {"fault_code": "", "message": "", "created": sum(1 for r in results if r.success)}


def update_replaces_whole(ctx: ProbeContext) -> Observation:
    name, header = _header(ctx, "Replace", description="set on create")
    created = ctx.create([("ExternalClientApplication", header)])[0]
    if not created.success:
        raise RuntimeError(f"setup: creating {name} failed: {created.errors}")
    without = {k: v for k, v in header.items() if k != "description"}
    updated = ctx.update([("ExternalClientApplication", without)])[0]
    record = ctx.read("ExternalClientApplication", name)
    kept = bool(field_text(record, "description"))
    return {"update_success": updated.success, "omitted_field_kept": kept}


def unknown_name_read(ctx: ProbeContext) -> Observation:
    try:
        found = ctx.raw.read("ExternalClientApplication", [ctx.name("Missing")])
    except MetadataFault as fault:
        return {"fault_code": fault.fault_code, "records": 0}
    return {"fault_code": "", "records": sum(1 for r in found if r is not None)}


def unknown_name_update(ctx: ProbeContext) -> Observation:
    _name, header = _header(ctx, "NeverCreated")
    try:
        result = ctx.update([("ExternalClientApplication", header)])[0]
    except MetadataFault as fault:
        return {"success": False, "fault_code": fault.fault_code}
    return {"success": result.success, "fault_code": ""}


def delete_header_children(ctx: ProbeContext) -> Observation:
    name, header = _header(ctx, "Cascade")
    parts = _apps.eca_family(name)
    ctx.create([("ExternalClientApplication", header)])
    oauth_values = parts["oauth"][1]
    child = ctx.create([("ExtlClntAppOauthSettings", oauth_values)])[0]
    if not child.success:
        raise RuntimeError(f"setup: creating the OAuth settings of {name} failed: {child.errors}")
    deleted = ctx.raw.delete("ExternalClientApplication", [name])[0]
    left = ctx.read("ExtlClntAppOauthSettings", str(oauth_values["fullName"]))
    return {"delete_success": deleted.success, "children_left": 0 if left is None else 1}


def enumeration_check(ctx: ProbeContext) -> Observation:
    name, header = _header(ctx, "Enum")
    ctx.create([("ExternalClientApplication", header)])
    policies = _apps.eca_family(name, policies={"ipRelaxationPolicyType": "Not_A_Relaxation"})["policies"][1]
    try:
        result = ctx.create([("ExtlClntAppOauthConfigurablePolicies", policies)])[0]
    except MetadataFault as fault:
        return {"success": False, "fault_code": fault.fault_code}
    return {"success": result.success, "fault_code": ""}


def _accepted(ctx: ProbeContext, name: str, version: str) -> bool:
    glob = _apps.eca_family(
        name, consumer_secret=ctx.new_secret(), global_settings={"isCodeCredFlowEnabled": True}
    )["global"][1]
    try:
        result = ctx.create([("ExtlClntAppGlobalOauthSettings", glob)], api_version=version)[0]
    except MetadataFault:
        return False
    return result.success


def field_by_version(ctx: ProbeContext) -> Observation:
    ctx.require_secret_access()
    old, header_old = _header(ctx, "Ver60")
    new, header_new = _header(ctx, "Ver61")
    ctx.create([("ExternalClientApplication", header_old), ("ExternalClientApplication", header_new)])
    return {
        "accepted_before_its_version": _accepted(ctx, old, "60.0"),
        "accepted_at_its_version": _accepted(ctx, new, "61.0"),
    }


def client_credentials_without_user(ctx: ProbeContext) -> Observation:
    ctx.require_connected_apps()
    name = ctx.name("CcNoUser")
    record = _apps.connected_app(name, oauth={"isClientCredentialEnabled": True})
    return _outcome(ctx.create([("ConnectedApp", record)])[0])


def unknown_permission_set(ctx: ProbeContext) -> Observation:
    name, header = _header(ctx, "PermSet")
    ctx.create([("ExternalClientApplication", header)])
    policies = _apps.eca_family(
        name,
        policies={
            "permittedUsersPolicyType": "AdminApprovedPreAuthorized",
            "commaSeparatedPermissionSet": ctx.name("NoSuchPermissionSet"),
        },
    )["policies"][1]
    try:
        result = ctx.create([("ExtlClntAppOauthConfigurablePolicies", policies)])[0]
    except MetadataFault as fault:
        return {"success": False, "fault_code": fault.fault_code}
    return {"success": result.success, "fault_code": ""}


PROBES = (
    Probe(
        "metadata.connected_app_creation",
        "metadata",
        "Creating a Connected App through the Metadata API is blocked",
        connected_app_creation,
        creates="one Connected App (refused where creation is blocked)",
        names=("CaProbe",),
    ),
    Probe(
        "metadata.consumer_key_on_create",
        "metadata",
        "A consumer key given on create is accepted and kept",
        consumer_key_on_create,
        rows=(5,),
        creates="one External Client App header and its global OAuth settings",
        names=("KeyCreate",),
    ),
    Probe(
        "metadata.consumer_key_on_update",
        "metadata",
        "A different consumer key on update is refused",
        consumer_key_on_update,
        rows=(5,),
        creates="one External Client App header and its global OAuth settings",
        names=("KeyUpdate",),
    ),
    Probe(
        "metadata.consumer_secret_setting",
        "metadata",
        "Global OAuth settings deploy exactly when consumer-secret access is allowed",
        consumer_secret_setting,
        rows=(8,),
        creates="one External Client App header and its global OAuth settings",
        names=("Secret",),
    ),
    Probe(
        "metadata.crud_limit",
        "metadata",
        "createMetadata refuses more than 10 components in one call",
        crud_limit,
        rows=(12,),
        creates="nothing (eleven External Client App headers, refused)",
        names=(
            "Limit00",
            "Limit01",
            "Limit02",
            "Limit03",
            "Limit04",
            "Limit05",
            "Limit06",
            "Limit07",
            "Limit08",
            "Limit09",
            "Limit10",
        ),
    ),
    Probe(
        "metadata.update_replaces_whole",
        "metadata",
        "updateMetadata replaces the whole component",
        update_replaces_whole,
        creates="one External Client App header",
        names=("Replace",),
    ),
    Probe(
        "metadata.unknown_name_read",
        "metadata",
        "readMetadata of an unknown name returns no record and no fault",
        unknown_name_read,
    ),
    Probe(
        "metadata.unknown_name_update",
        "metadata",
        "updateMetadata of an unknown name fails",
        unknown_name_update,
        creates="nothing (an update of a name that does not exist)",
        names=("NeverCreated",),
    ),
    Probe(
        "metadata.delete_header_children",
        "metadata",
        "Deleting an External Client App header leaves none of its children",
        delete_header_children,
        creates="one External Client App header and its OAuth settings (then deleted)",
        names=("Cascade",),
    ),
    Probe(
        "metadata.enumeration_check",
        "metadata",
        "An invalid ipRelaxationPolicyType is refused",
        enumeration_check,
        rows=(13,),
        creates="one External Client App header (its OAuth policies are refused)",
        names=("Enum",),
    ),
    Probe(
        "metadata.field_by_version",
        "metadata",
        "A field is refused below the API version it arrived in, and accepted from it",
        field_by_version,
        rows=(14,),
        creates="two External Client App headers and global OAuth settings",
        names=("Ver60", "Ver61"),
    ),
    Probe(
        "metadata.client_credentials_without_user",
        "metadata",
        "A Connected App with the client credentials flow and no run-as user deploys",
        client_credentials_without_user,
        rows=(6,),
        creates="one Connected App (where creation is allowed)",
        names=("CaProbe", "CcNoUser"),
    ),
    Probe(
        "metadata.unknown_permission_set",
        "metadata",
        "An External Client App policy naming a missing permission set is refused",
        unknown_permission_set,
        rows=(15,),
        creates="one External Client App header (its OAuth policies are refused)",
        names=("PermSet",),
    ),
)
