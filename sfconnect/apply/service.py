"""Applying a plan: one all-or-nothing deploy, followed to its end, then verified by reading the org again.

Everything a plan changes goes into one deploy zip with ``rollbackOnError`` (removals through
``destructiveChanges.xml``), so a failure leaves the org as it was. Consumer secrets are resolved from their
references only here, only for components being created, and only into the zip sent to the org.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sfconnect.errors import (
    ComponentError,
    ConfigError,
    DeployFailed,
    MetadataError,
    MetadataFault,
    OrgError,
)
from sfconnect.metadata.component import Component, Record
from sfconnect.metadata.formats import ComponentRef, build_deploy_zip
from sfconnect.metadata.schema import ComponentType
from sfconnect.metadata.xmlio import read_fields
from sfconnect.org.metadata_api import DeployOptions, DeployStatus, MetadataApi

__all__ = [
    "ApplyRequest",
    "ApplyResult",
    "DeployInterrupted",
    "DeployNotVerified",
    "DeployUnfinished",
    "check_consumer_secret_access",
    "follow_deploy",
    "start_deploy",
    "with_secrets",
]

log = logging.getLogger(__name__)

ProgressCallback = Callable[[DeployStatus], None]


@dataclass(frozen=True)
class ApplyRequest:
    """What to deploy: components to create or update (secrets resolved), and components to delete."""

    components: tuple[Component, ...]
    deletions: tuple[ComponentRef, ...] = ()
    api_version: str = "63.0"
    check_only: bool = False
    cascaded: tuple[ComponentRef, ...] = ()
    """Deleted with an External Client App's header, not named in the manifest; verified gone afterwards."""

    def is_empty(self) -> bool:
        """Nothing to deploy."""
        return not self.components and not self.deletions


@dataclass(frozen=True)
class ApplyResult:
    """A finished deploy."""

    deploy_id: str
    status: DeployStatus
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    elapsed: float = 0.0
    warnings: tuple[str, ...] = field(default=())


def status_hint(deploy_id: str, target: str = "") -> str:
    """The command that follows a deploy."""
    where = f" -t {target}" if target else ""
    return f"`sfconnect status {deploy_id}{where}`"


def describe_state(status: DeployStatus | None) -> str:
    """A deploy's last known state in words, e.g. ``InProgress (1/5 components)``."""
    if status is None:
        return "not known yet (no status was read)"
    done = status.number_components_deployed + status.number_component_errors
    total = status.number_components_total
    return f"{status.status or 'Pending'}" + (f" ({done}/{total} components)" if total else "")


class DeployUnfinished(OrgError):
    """sfconnect stopped following a deploy that may still run in the org (a status error or the deadline).

    The message always ends with the deploy id, its last known state and the `sfconnect status` command.
    """

    def __init__(
        self, reason: str, *, deploy_id: str, last: DeployStatus | None = None, target: str = ""
    ) -> None:
        super().__init__(
            f"{reason}. Deploy {deploy_id} was last {describe_state(last)}; it may still be running in the "
            f"org: follow it with {status_hint(deploy_id, target)}",
            target=target,
            operation="deploy",
        )
        self.deploy_id = deploy_id
        self.last = last


class DeployInterrupted(DeployUnfinished):
    """Polling was interrupted (Ctrl-C); the deploy keeps running in the org."""

    def __init__(self, deploy_id: str, *, last: DeployStatus | None = None, target: str = "") -> None:
        super().__init__("interrupted", deploy_id=deploy_id, last=last, target=target)


class DeployNotVerified(OrgError):
    """The deploy succeeded, but reading the org back afterwards failed or was interrupted."""

    def __init__(self, reason: str, *, deploy_id: str, target: str = "") -> None:
        where = f" -t {target}" if target else ""
        super().__init__(
            f"deploy {deploy_id} succeeded; {reason}, so the org was not compared with the plan. "
            f"Run `sfconnect plan{where}` to confirm it matches",
            target=target,
            operation="verify",
        )
        self.deploy_id = deploy_id


def with_secrets(component: Component, secrets: Mapping[str, str]) -> Component:
    """`component` with write-only fields set (``consumerSecret``), for the deploy of a new app only."""
    fields = component.fields
    for name, value in secrets.items():
        if component.type == ComponentType.CONNECTED_APP:
            oauth = fields.get("oauthConfig")
            if isinstance(oauth, Record):
                fields = fields.set("oauthConfig", oauth.set(name.rsplit(".", 1)[-1], value))
        else:
            fields = fields.set(name.rsplit(".", 1)[-1], value)
    return component.with_fields(fields)


def check_consumer_secret_access(api: MetadataApi, components: Sequence[Component]) -> None:
    """Stop before deploying when an External Client App's OAuth settings cannot be deployed.

    The Metadata API Developer Guide (API 66.0 edition) gives ``ExtlClntAppGlobalOauthSettings`` and
    ``ExtlClntAppOauthSettings`` the same special access rule: the org must allow access to OAuth consumer
    secrets through the Metadata API (Setup). In 66.0 the Metadata field that reports it,
    ``ExternalClientAppSettings.enableConsumerSecretApiAccess``, is marked deprecated but is still read; the
    rule itself stands. When the org answers that the setting is off this raises with the fix; when the org
    cannot say (the field absent or unreadable), the deploy itself decides. The embedded org applies the same
    rule to both types.

    Raises:
        ConfigError: the setting is off.
    """
    gated = (ComponentType.ECA_GLOBAL_OAUTH_SETTINGS, ComponentType.ECA_OAUTH_SETTINGS)
    if not any(c.type in gated for c in components):
        return
    try:
        records = api.read_metadata("ExternalClientAppSettings", ["ExternalClientApp"])
    except MetadataFault as fault:
        log.info("cannot read ExternalClientAppSettings (%s); the deploy will tell", fault.fault_code)
        return
    if not records:
        return
    try:
        settings = read_fields(records[0].xml, path="ExternalClientAppSettings")
    except MetadataError as exc:
        log.info("cannot read ExternalClientAppSettings (%s); the deploy will tell", exc)
        return
    if settings.get("enableConsumerSecretApiAccess", "").lower() == "false":
        raise ConfigError(
            "the org does not allow access to consumer secrets through the Metadata API, which deploying an "
            "External Client App's OAuth settings requires: in Setup > External Client App Settings, turn on "
            "'Allow Access to OAuth Consumer Secrets via Metadata API' (ExternalClientAppSettings."
            "enableConsumerSecretApiAccess), then apply again"
        )


def start_deploy(api: MetadataApi, request: ApplyRequest) -> str:
    """Build the zip and start the deploy; returns its id."""
    zip_bytes = build_deploy_zip(request.components, request.deletions, api_version=request.api_version)
    return api.deploy(zip_bytes, DeployOptions(check_only=request.check_only, rollback_on_error=True))


def follow_deploy(
    api: MetadataApi,
    deploy_id: str,
    *,
    progress: ProgressCallback | None = None,
    interval: float = 1.0,
    max_interval: float = 5.0,
    timeout: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> DeployStatus:
    """Poll a deploy until it is done, for at most `timeout` seconds (default: the target's
    ``timeouts.deploy``); each status check also stops retrying at that deadline.

    Raises:
        DeployFailed: it ended without success (always with the per-component failures, possibly none).
        DeployInterrupted: Ctrl-C while polling (the deploy goes on in the org).
        DeployUnfinished: the org could not be asked (stalled, unreachable) or the deadline passed.
    """
    limit = api.timeouts.deploy if timeout is None else timeout
    started = clock()
    deadline = time.monotonic() + limit
    wait = interval
    last: DeployStatus | None = None
    host = api.session.host
    try:
        while True:
            try:
                status = api.check_deploy_status(deploy_id, include_details=True, deadline=deadline)
            except DeployFailed:
                raise
            except OrgError as exc:
                raise DeployUnfinished(
                    f"cannot check deploy {deploy_id} at {host}: {exc}",
                    deploy_id=deploy_id,
                    last=last,
                    target=api.target,
                ) from exc
            last = status
            if progress is not None:
                progress(status)
            if status.done:
                break
            if clock() - started > limit:
                raise DeployUnfinished(
                    f"deploy {deploy_id} at {host} did not finish within {limit:.0f}s (timeouts.deploy)",
                    deploy_id=deploy_id,
                    last=last,
                    target=api.target,
                )
            sleep(wait)
            wait = min(max_interval, wait * 1.5)
    except KeyboardInterrupt:
        raise DeployInterrupted(deploy_id, last=last, target=api.target) from None
    if not status.success:
        failures = [
            ComponentError(
                component_type=m.component_type,
                full_name=m.full_name,
                problem=m.problem,
                file_name=m.file_name,
                problem_type=m.problem_type or "Error",
                line=m.line,
                column=m.column,
            )
            for m in status.component_failures
        ]
        reason = status.error_message or f"{len(failures)} component(s) failed"
        raise DeployFailed(
            f"deploy {deploy_id} {status.status or 'failed'}: {reason}; nothing was changed (rollbackOnError)",
            deploy_id=deploy_id,
            component_errors=failures,
            target=api.target,
        )
    return status
