"""The kit's vocabulary: probes, their expected results with sources, observations and the report.

A probe has a setup (it deploys a small app named with the run's prefix), an action (one Metadata API call
or OAuth request, through `org`) and an observation: a flat mapping of what the org answered (status, fault
code, message, the fields present). Its expected result says what Salesforce does, and where that is
written down (`Source`): a documentation page, or a run against a real org on a date.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from sfconnect.conformance._context import ProbeContext

__all__ = [
    "AREAS",
    "Expected",
    "NotRun",
    "Probe",
    "ProbeResult",
    "Report",
    "Source",
    "Status",
]

AREAS = ("metadata", "deploy", "oauth", "rest", "credentials")
"""The areas a probe belongs to (`--only` takes these)."""

Status = Literal["matches", "differs", "not run", "error"]
Observation = dict[str, Any]


class NotRun(Exception):
    """Raised by a probe that cannot run here: the reason is reported (a flow disabled, a setting missing)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Source:
    """Where an expected result comes from.

    `kind` is ``documentation`` (`title` and `section` or `url`) or ``real-org`` (`title` names the org
    kind, e.g. "Enterprise Edition sandbox", and `date` the day of the run).
    """

    kind: str
    title: str
    section: str = ""
    url: str = ""
    date: str = ""

    def cite(self) -> str:
        """One line: ``Metadata API Developer Guide, deploy() (https://...)``."""
        where = ", ".join(p for p in (self.title, self.section) if p)
        if self.kind == "real-org":
            where = f"run against a real org ({where}) on {self.date}"
        return f"{where} ({self.url})" if self.url else where


@dataclass(frozen=True)
class Expected:
    """What Salesforce does, as observation keys and values, with its source.

    Keys compare by equality; a key ending in ``~`` compares as "contains, ignoring case"; ``fields_present``
    lists names the observation's ``fields`` must include, ``fields_absent`` names it must not.
    """

    values: Mapping[str, Any]
    source: Source
    note: str = ""


@dataclass(frozen=True)
class Probe:
    """One behaviour check."""

    id: str
    area: str
    title: str
    run: Callable[[ProbeContext], Observation] = field(repr=False)
    rows: tuple[int, ...] = ()
    """The rows of the fidelity table (issue 15) this probe checks."""
    creates: str = ""
    """What the setup creates, in words (listed before the run starts)."""
    names: tuple[str, ...] = ()
    """The names (after the run's prefix) of the components the probe may create; an External Client App's
    children carry its name plus ``_oauth``, ``_glbloauth``, ``_oauthPlcy`` or ``_plcy``."""


@dataclass
class ProbeResult:
    """One probe's outcome."""

    probe_id: str
    area: str
    title: str
    status: Status
    expected: dict[str, Any] = field(default_factory=dict)
    observed: dict[str, Any] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)
    reason: str = ""
    source: str = ""
    source_kind: str = ""
    rows: tuple[int, ...] = ()
    seconds: float = 0.0


@dataclass
class Report:
    """A conformance run: where, what ran, each probe's result, and what cleanup did."""

    target: str
    org_kind: str
    run_id: str
    api_version: str
    results: list[ProbeResult] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    cleanup: list[str] = field(default_factory=list)
    cleanup_errors: list[str] = field(default_factory=list)
    untouched_verified: bool | None = None
    untouched_changes: list[str] = field(default_factory=list)
    interrupted: bool = False
    started: str = ""

    def counts(self) -> dict[str, int]:
        """How many probes ended in each status."""
        out = {"matches": 0, "differs": 0, "not run": 0, "error": 0}
        for r in self.results:
            out[r.status] += 1
        return out

    @property
    def status(self) -> str:
        """``matches`` when no probe differs or failed, else ``differs`` or ``error``."""
        counts = self.counts()
        if counts["error"] or self.cleanup_errors or self.untouched_verified is False or self.interrupted:
            return "error"
        return "differs" if counts["differs"] else "matches"
