"""What the org says about its deploys: the Tooling API's ``DeployRequest`` object.

Asking the org (not a local record) is what lets two commands on two machines see each other's deploys:
``SELECT ... FROM DeployRequest WHERE Status IN (...)`` on ``/services/data/vXX.X/tooling/query``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sfconnect.org.metadata_api import MetadataApi

__all__ = ["ACTIVE_STATUSES", "CHANGED_STATUSES", "DeployRequestInfo", "active_deploys", "recent_deploys"]

ACTIVE_STATUSES = ("Pending", "InProgress", "Canceling")
"""A deploy in one of these has not finished."""
CHANGED_STATUSES = ("Succeeded", "SucceededPartial")
"""A deploy that ended in one of these changed the org."""
_FIELDS = "Id, Status, CheckOnly, CreatedDate, CompletedDate"


@dataclass(frozen=True)
class DeployRequestInfo:
    """One deploy as the org lists it (times in seconds since the epoch, the org's clock)."""

    id: str
    status: str
    check_only: bool
    created: float
    completed: float | None = None

    @property
    def active(self) -> bool:
        """Not finished yet."""
        return self.status in ACTIVE_STATUSES


def _time(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.replace("Z", "+0000")
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(text, fmt).timestamp()
        except ValueError:
            continue
    return None


def _info(record: dict[str, Any]) -> DeployRequestInfo:
    return DeployRequestInfo(
        id=str(record.get("Id") or ""),
        status=str(record.get("Status") or ""),
        check_only=bool(record.get("CheckOnly")),
        created=_time(record.get("CreatedDate")) or 0.0,
        completed=_time(record.get("CompletedDate")),
    )


def _in(statuses: tuple[str, ...]) -> str:
    return ", ".join(f"'{s}'" for s in statuses)


def active_deploys(api: MetadataApi) -> list[DeployRequestInfo]:
    """Deploys (check-only ones too) that are pending or in progress, oldest first.

    Raises:
        MetadataFault: the org cannot answer (e.g. the user may not query the Tooling API).
    """
    records = api.tooling_query(
        f"SELECT {_FIELDS} FROM DeployRequest WHERE Status IN ({_in(ACTIVE_STATUSES)}) ORDER BY CreatedDate ASC",  # noqa: S608 - constants only
        operation="query DeployRequest",
    )
    return [_info(r) for r in records]


def recent_deploys(api: MetadataApi, limit: int = 20) -> list[DeployRequestInfo]:
    """The newest deploys that are unfinished or changed the org, newest first (at most `limit`)."""
    statuses = _in(ACTIVE_STATUSES + CHANGED_STATUSES)
    records = api.tooling_query(
        f"SELECT {_FIELDS} FROM DeployRequest WHERE Status IN ({statuses}) ORDER BY CreatedDate DESC "  # noqa: S608
        f"LIMIT {int(limit)}",
        operation="query DeployRequest",
    )
    return [_info(r) for r in records]
