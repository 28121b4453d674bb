"""The apply sequence: choose what to deploy, resolve secrets for new apps, deploy, verify."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sfconnect.apply._concurrency import ConcurrentDeploy, DeployGuard
from sfconnect.apply.service import (
    ApplyRequest,
    ApplyResult,
    DeployInterrupted,
    DeployNotVerified,
    DeployUnfinished,
    ProgressCallback,
    check_consumer_secret_access,
    describe_state,
    follow_deploy,
    start_deploy,
    status_hint,
    with_secrets,
)
from sfconnect.errors import OrgError
from sfconnect.metadata.component import Component
from sfconnect.metadata.formats import ComponentRef
from sfconnect.metadata.xmlio import read_component
from sfconnect.org.metadata_api import MetadataApi
from sfconnect.org.reader import read_named
from sfconnect.plan.diff import unit_map
from sfconnect.plan.model import Plan

__all__ = [
    "ApplyInput",
    "ConcurrentDeploy",
    "DeployGuard",
    "DeployInterrupted",
    "apply_plan",
    "build_request",
    "deletions_of",
    "destructive_manifest",
    "verify",
]

ECA_HEADER = "ExternalClientApplication"

SecretResolver = Callable[[str], str]
"""Turns a secret reference (``env:NAME``, ``file:PATH``) into its value; raises `ConfigError` when unset."""


@dataclass(frozen=True)
class ApplyInput:
    """A plan and the desired components it was made with (from a fresh plan or a saved one)."""

    plan: Plan
    desired: tuple[Component, ...]
    deletions: tuple[ComponentRef, ...]
    secret_fields: Mapping[tuple[str, str], Mapping[str, str]]
    api_version: str


def build_request(data: ApplyInput, resolve: SecretResolver) -> ApplyRequest:
    """The deploy for a plan: only components it creates or updates; secrets only for creates."""
    actions = {(c.type, c.name): c.action for a in data.plan.apps for c in a.components}
    components: list[Component] = []
    for component in data.desired:
        action = actions.get((component.type, component.full_name), "no-op")
        if action not in ("create", "update"):
            continue
        refs = data.secret_fields.get((component.type, component.full_name), {})
        if action == "create" and refs:
            values = {name: value for name, ref in refs.items() if (value := resolve(ref))}
            component = with_secrets(component, values)
        components.append(component)
    manifest, cascaded = destructive_manifest(data.plan, data.deletions)
    return ApplyRequest(tuple(components), manifest, data.api_version, cascaded=cascaded)


def destructive_manifest(
    plan: Plan, deletions: tuple[ComponentRef, ...]
) -> tuple[tuple[ComponentRef, ...], tuple[ComponentRef, ...]]:
    """Split a plan's deletions into what the destructive manifest names and what goes with it.

    Deleting an External Client App's header deletes its settings and policies with it ("If you delete a
    parent component, you delete its children automatically": Metadata API Developer Guide, deleteMetadata(),
    Rules and Guidelines), so naming a child beside its header makes the child's own delete fail. The manifest
    names the header alone; its children are verified gone afterwards. Children whose header stays (or is
    already gone) are named themselves.

    Returns:
        ``(manifest, cascaded)``: the deletions to send, and those that the headers' deletion takes along.
    """
    wanted = set(deletions)
    cascaded: list[ComponentRef] = []
    for app in plan.apps:
        refs = [ComponentRef(c.type, c.name) for c in app.components if c.action == "delete"]
        if any(r.type == ECA_HEADER and r in wanted for r in refs):
            cascaded += [r for r in refs if r.type != ECA_HEADER and r in wanted]
    gone = set(cascaded)
    return tuple(d for d in deletions if d not in gone), tuple(cascaded)


def verify(api: MetadataApi, request: ApplyRequest) -> list[str]:
    """Read the deployed components back; returns what does not match (empty when all do)."""
    removed = request.deletions + request.cascaded
    keys = [(c.type, c.full_name) for c in request.components] + [(d.type, d.full_name) for d in removed]
    records = {(r.type, r.full_name): r for r in read_named(api, keys)}
    problems: list[str] = []
    for desired in request.components:
        record = records.get((desired.type, desired.full_name))
        if record is None:
            problems.append(f"{desired.type} {desired.full_name} is missing after the deploy")
            continue
        live = read_component(record.xml, type_hint=record.type, full_name=record.full_name)
        want, got = unit_map(desired), unit_map(live)
        for path in sorted(set(want) | set(got)):
            if want.get(path) != got.get(path):
                problems.append(
                    f"{desired.type} {desired.full_name}: {path} is {got.get(path)!r}, expected {want.get(path)!r}"
                )
    for deletion in removed:
        if (deletion.type, deletion.full_name) in records:
            problems.append(f"{deletion.type} {deletion.full_name} is still in the org after the deploy")
    return problems


def apply_plan(
    api: MetadataApi,
    data: ApplyInput,
    resolve: SecretResolver,
    *,
    progress: ProgressCallback | None = None,
    on_started: Callable[[str], None] | None = None,
    poll_interval: float = 1.0,
    guard: DeployGuard | None = None,
) -> ApplyResult:
    """Deploy a plan all-or-nothing and confirm the org now matches it.

    With a `guard` (whose `before_read` ran before the plan read the org), a deploy of another command that
    overlaps this one makes this apply back off instead of silently overwriting it.

    Raises:
        ConfigError: a secret is unset, or the org lacks a setting the deploy needs (nothing was deployed).
        DeployFailed: the deploy failed (nothing was changed); per-component failures attached.
        DeployInterrupted: Ctrl-C while following the deploy (or while it was being sent).
        DeployUnfinished: the deploy's status could not be read, or it did not finish in time.
        ConcurrentDeploy: another deploy overlapped this one.
        DeployNotVerified: the deploy succeeded but the org could not be read back.
        OrgError: the org does not match the plan after a successful deploy.
    """
    request = build_request(data, resolve)
    check_consumer_secret_access(api, request.components)
    try:
        deploy_id = start_deploy(api, request)
    except KeyboardInterrupt:
        raise _interrupted_in_flight(api, guard) from None
    if on_started is not None:
        on_started(deploy_id)
    if guard is not None:
        other = guard.after_start(deploy_id)
        if other is not None:
            _back_off(api, deploy_id, other.id, other.status, poll_interval)
    status = follow_deploy(api, deploy_id, progress=progress, interval=poll_interval)
    try:
        problems = verify(api, request)
    except KeyboardInterrupt:
        raise DeployNotVerified(
            "interrupted while reading the org back", deploy_id=deploy_id, target=api.target
        ) from None
    except OrgError as exc:
        raise DeployNotVerified(
            f"reading the org back failed ({exc})", deploy_id=deploy_id, target=api.target
        ) from exc
    if problems:
        raise OrgError(
            f"deploy {deploy_id} succeeded but the org does not match the plan: " + "; ".join(problems),
            target=api.target,
            operation="verify",
        )
    actions = {(c.type, c.name): c.action for a in data.plan.apps for c in a.components}
    return ApplyResult(
        deploy_id=deploy_id,
        status=status,
        created=tuple(sorted(f"{t} {n}" for (t, n), a in actions.items() if a == "create")),
        updated=tuple(sorted(f"{t} {n}" for (t, n), a in actions.items() if a == "update")),
        deleted=tuple(sorted(f"{d.type} {d.full_name}" for d in request.deletions + request.cascaded)),
    )


def _interrupted_in_flight(api: MetadataApi, guard: DeployGuard | None) -> OrgError:
    """Ctrl-C while the deploy request was in flight: ask the org whether a deploy started, and name it."""
    from sfconnect.org.deploy_requests import active_deploys

    if guard is not None and guard.enabled:
        try:
            started = [d for d in active_deploys(api) if d.id not in guard.seen and not d.check_only]
        except (OrgError, KeyboardInterrupt):
            started = []
        if started:
            newest = started[-1]
            return DeployUnfinished(
                f"interrupted while the deploy request was in flight; the org shows deploy {newest.id} "
                f"({newest.status}), probably this one",
                deploy_id=newest.id,
                target=api.target,
            )
    return OrgError(
        "interrupted while the deploy request was in flight: the org may have started a deploy. Its id is "
        "not known; `sfconnect plan` shows whether the changes arrived",
        target=api.target,
        operation="deploy",
    )


def _back_off(api: MetadataApi, deploy_id: str, other_id: str, other_status: str, interval: float) -> None:
    """Our deploy overlaps another command's: cancel ours if it has not run, and fail either way."""
    from sfconnect.errors import MetadataFault

    with contextlib.suppress(MetadataFault):  # already finished: it cannot be canceled
        api.cancel_deploy(deploy_id)
    last = None
    try:
        deadline = time.monotonic() + min(api.timeouts.deploy, 600.0)
        while time.monotonic() < deadline:
            last = api.check_deploy_status(deploy_id, include_details=False, deadline=deadline)
            if last.done:
                break
            time.sleep(interval)
    except OrgError:
        pass
    other = f"deploy {other_id} ({other_status}) of another command"
    if last is not None and last.done and not last.success:
        raise ConcurrentDeploy(
            f"{other} changes this org at the same time as this apply; this apply's deploy {deploy_id} was "
            f"{last.status.lower() or 'stopped'} and changed nothing. Run `sfconnect plan` again, and apply "
            "when that deploy is done",
            other_id=other_id,
            deploy_id=deploy_id,
            target=api.target,
        )
    if last is not None and last.done:
        raise ConcurrentDeploy(
            f"deploy {deploy_id} succeeded, but {other} ran at the same time: the org may match neither plan. "
            "Run `sfconnect plan` to see what it holds now",
            other_id=other_id,
            deploy_id=deploy_id,
            target=api.target,
        )
    raise ConcurrentDeploy(
        f"{other} changes this org at the same time as this apply; this apply's deploy {deploy_id} was asked "
        f"to cancel and was last {describe_state(last)}: follow it with {status_hint(deploy_id, api.target)}",
        other_id=other_id,
        deploy_id=deploy_id,
        target=api.target,
    )


def deletions_of(plan: Plan) -> tuple[ComponentRef, ...]:
    """The components a plan removes (whole apps with ``state: absent``, or leftovers of an app)."""
    return tuple(
        ComponentRef(c.type, c.name) for a in plan.apps for c in a.components if c.action == "delete"
    )
