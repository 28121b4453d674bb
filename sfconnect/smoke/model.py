"""What a smoke run produces: one `CheckResult` per check, gathered in a `SmokeReport`.

Results are data: a failed check is a finding (exit 2), a check that could not run is an error (exit 1).
No result ever holds a secret or a token: messages name where a credential comes from, never its value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["REPORT_FORMAT_VERSION", "CheckResult", "SmokeReport", "Status"]

Status = Literal["passed", "failed", "error", "skipped"]

REPORT_FORMAT_VERSION = 1
"""Version of the JSON report; changes whenever a consumer would have to change."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check of one app.

    Attributes:
        app: the app's API name.
        check: the check's id, e.g. ``client_credentials.token`` (stable; documented in docs/smoke.md).
        flow: the OAuth flow (or policy) it exercises.
        title: what the check proves, as a sentence.
        status: passed, failed (the app does not behave as declared), error (could not check a flow the
            app declares) or skipped (a negative check whose optional credential is not given).
        message: what happened; for a failure, what is wrong.
        fix: for a failure or an error, what to do.
        seconds: how long the check took (waits for propagation included).
    """

    app: str
    check: str
    flow: str
    title: str
    status: Status
    message: str
    fix: str = ""
    seconds: float = 0.0


@dataclass
class SmokeReport:
    """Every check of one target."""

    target: str
    local: bool
    results: list[CheckResult] = field(default_factory=list)
    waited_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    """Errors that prevented checking an app at all (besides per-check errors)."""

    def count(self, status: Status) -> int:
        """How many checks ended with `status`."""
        return sum(1 for r in self.results if r.status == status)

    @property
    def status(self) -> Status:
        """error if anything could not be checked, else failed if any check failed, else passed."""
        if self.errors or self.count("error"):
            return "error"
        if self.count("failed"):
            return "failed"
        return "passed"
