"""No silent last-writer-wins: an apply asks the org about other deploys before and after it starts its own.

1. Before the org is read for the plan, `DeployGuard.before_read` waits while another deploy is pending or
   in progress (the Tooling API's ``DeployRequest``). When that deploy changed the org, the apply refuses
   with its id (the YAML should be reviewed against the new state); past the wait limit it refuses too.
2. Right after our deploy is created, `DeployGuard.after_start` looks again. Another deploy that was created
   before ours and has not finished, or one that changed the org since step 1, means two applies overlap:
   ours backs off (it is canceled when it has not run yet) and the apply fails naming the other deploy.
   Of two overlapping applies the one whose deploy is older goes on, so they never both report success.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sfconnect.errors import MetadataFault, OrgError
from sfconnect.org.deploy_requests import (
    CHANGED_STATUSES,
    DeployRequestInfo,
    active_deploys,
    recent_deploys,
)
from sfconnect.org.metadata_api import MetadataApi

__all__ = ["ConcurrentDeploy", "DeployGuard"]

log = logging.getLogger(__name__)


class ConcurrentDeploy(OrgError):
    """Another deploy to the same org overlaps this apply; `other_id` names it, `deploy_id` is ours (or "")."""

    def __init__(self, message: str, *, other_id: str, deploy_id: str = "", target: str = "") -> None:
        super().__init__(message, target=target, operation="deploy")
        self.other_id = other_id
        self.deploy_id = deploy_id


class DeployGuard:
    """Watches one org's deploy queue around one apply.

    Args:
        api: the org.
        wait_seconds: how long `before_read` waits for another deploy before it refuses.
        notice: told (one line) when the apply waits.
    """

    def __init__(
        self,
        api: MetadataApi,
        *,
        wait_seconds: float = 600.0,
        interval: float = 1.0,
        notice: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api
        self.wait_seconds = wait_seconds
        self.interval = interval
        self.notice = notice
        self.sleep = sleep
        self.clock = clock
        self.enabled = True
        self.seen: set[str] = set()
        self.started: float | None = None

    def _unavailable(self, fault: MetadataFault) -> None:
        log.warning(
            "cannot ask the org about other deploys (%s): an apply running at the same time would not be "
            "noticed",
            fault,
        )
        self.enabled = False

    def before_read(self) -> None:
        """Wait while another deploy is pending or in progress.

        Raises:
            ConcurrentDeploy: one is still running after `wait_seconds`.
        """
        began = self.clock()
        announced: set[str] = set()
        while True:
            self.started = self.clock()
            try:
                active = [d for d in active_deploys(self.api) if not d.check_only]
            except MetadataFault as fault:
                self._unavailable(fault)
                return
            self.seen.update(d.id for d in active)
            if not active:
                if announced:
                    self._refuse_if_changed(set(self.seen))
                return
            first = active[0]
            where = f" -t {self.api.target}" if self.api.target else ""
            if self.clock() - began >= self.wait_seconds:
                raise ConcurrentDeploy(
                    f"deploy {first.id} ({first.status}) of another command is still running in the org after "
                    f"{self.wait_seconds:.0f}s; nothing was applied. Apply again when it is done "
                    f"(`sfconnect status {first.id}{where}` follows it)",
                    other_id=first.id,
                    target=self.api.target,
                )
            if first.id not in announced:  # waited for: checked afterwards, even when nobody is told
                announced.add(first.id)
                if self.notice is not None:
                    self.notice(
                        f"Waiting for deploy {first.id} ({first.status}) of another command to finish..."
                    )
            self.sleep(self.interval)

    def _refuse_if_changed(self, waited_for: set[str]) -> None:
        """After waiting: a deploy that changed the org means this apply's YAML met a new org state."""
        try:
            recent = recent_deploys(self.api)
        except (MetadataFault, OrgError) as exc:
            log.warning("cannot ask the org how the deploys it waited for ended (%s)", exc)
            return
        for other in recent:
            if other.id in waited_for and other.status in CHANGED_STATUSES:
                raise ConcurrentDeploy(
                    f"deploy {other.id} of another command changed the org ({other.status}) while this apply "
                    "waited for it; nothing was applied. Run `sfconnect plan` to review against the org as it "
                    "is now, then apply again",
                    other_id=other.id,
                    target=self.api.target,
                )

    def after_start(self, deploy_id: str) -> DeployRequestInfo | None:
        """The other deploy that overlaps ours, or None (when it cannot be told, None too)."""
        if not self.enabled or self.started is None:
            return None
        try:
            recent = recent_deploys(self.api)
        except (MetadataFault, OrgError) as exc:
            log.warning("cannot ask the org about other deploys (%s)", exc)
            return None
        ours = next((d for d in recent if d.id[:15] == deploy_id[:15]), None)
        if ours is None:
            return None
        # The org's time when `before_read` asked: our deploy's creation minus what elapsed here since then.
        since = ours.created - (self.clock() - self.started)
        for other in sorted(recent, key=lambda d: (d.created, d.id)):
            if other.id == ours.id or other.check_only or other.id in self.seen:
                continue
            if (other.created, other.id) >= (ours.created, ours.id):
                continue  # newer than ours: its apply backs off, not ours
            if other.active or (other.status in CHANGED_STATUSES and other.created >= since):
                return other
        return None
