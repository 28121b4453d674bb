"""The migration report of one Connected App: eligibility, every field and its destination, what is lost."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TextIO

from sfconnect.metadata.component import Record, Value
from sfconnect.metadata.migration import (
    MIGRATION_LIMITS,
    Destination,
    Limit,
    Problem,
    ca_fields,
    destination,
    eligible,
    yaml_only_destinations,
)

__all__ = ["MigrationReport", "SettingRow", "build_report", "render_json", "render_text"]


@dataclass(frozen=True)
class SettingRow:
    """One Connected App field: its value in this app (None when unset) and its destination."""

    destination: Destination
    value: Value = None

    @property
    def is_set(self) -> bool:
        """Whether the app sets the field."""
        return self.value is not None


@dataclass(frozen=True)
class MigrationReport:
    """What `sfconnect migrate APP --check` found."""

    app: str
    target: str
    source: str
    """Where the Connected App was read: ``org`` or ``yaml``."""
    problems: tuple[Problem, ...]
    rows: tuple[SettingRow, ...]
    intent_rows: tuple[Destination, ...]
    limits: tuple[Limit, ...] = MIGRATION_LIMITS

    @property
    def eligible(self) -> bool:
        """Whether nothing blocks the migration."""
        return eligible(self.problems)

    @property
    def without_destination(self) -> tuple[SettingRow, ...]:
        """Every Connected App field with no External Client App destination."""
        return tuple(r for r in self.rows if not r.destination.carried)


def build_report(
    app: str, target: str, source: str, problems: tuple[Problem, ...], values: dict[str, Value]
) -> MigrationReport:
    """A report for every Connected App field, with the app's values."""
    rows = tuple(SettingRow(destination(f), values.get(f)) for f in ca_fields())
    return MigrationReport(app, target, source, problems, rows, yaml_only_destinations())


def _show(field: str, value: Value) -> str:
    if field.endswith("consumerKey"):
        return "(org-generated)"
    if field.lower().endswith("certificate") or field.endswith("applicationBinaryFile"):
        return f"({len(str(value))} characters)"
    return json.dumps(_plain(value), ensure_ascii=False)


def _plain(value: Value) -> Any:
    if isinstance(value, Record):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def render_text(report: MigrationReport, out: TextIO) -> None:
    """The report for a terminal."""
    w = out.write
    w(
        f"Migration check: Connected App {report.app} (target {report.target}, read from the {report.source})\n"
    )
    if report.eligible:
        w(
            "Eligible for Setup's migration. In place: Setup > App Manager > "
            f"{report.app} > Migrate to External Client App (local org: `sfconnect localorg migrate "
            f"{report.app}`), then `sfconnect migrate {report.app} --adopt`. Side by side: "
            f"`sfconnect migrate {report.app} --new-name NAME`.\n"
        )
    else:
        w("NOT eligible for Setup's migration (see the blockers below).\n")
    if report.problems:
        w("\nProblems:\n")
        for p in report.problems:
            w(f"  {p.severity.upper()} {p.code}: {p.message}\n")
            if p.alternative:
                w(f"    instead: {p.alternative}\n")
    set_rows = [r for r in report.rows if r.is_set]
    w("\nSettings of this app and where they go in the External Client App family:\n")
    for r in set_rows:
        d = r.destination
        target = ", ".join(d.eca_fields) if d.carried else "NO DESTINATION"
        w(f"  {d.ca_field} = {_show(d.ca_field, r.value)}\n    -> {target}\n")
        if d.note:
            w(f"       ({d.note})\n")
        if not d.carried:
            w(f"       lost: {d.consequence}; instead: {d.alternative}\n")
    w("\nYAML keys with no Connected App field that become External Client App fields:\n")
    for d in report.intent_rows:
        w(f"  {d.yaml_path} -> {', '.join(d.eca_fields)} ({d.note})\n")
    w("\nWhat Setup's migration does not carry:\n")
    for limit in report.limits:
        w(f"  - {limit.what}: {limit.consequence}.\n    instead: {limit.alternative}\n")
    lost = report.without_destination
    w(f"\nConnected App fields with no External Client App destination ({len(lost)}):\n")
    by_reason: dict[tuple[str, str], list[str]] = {}
    for r in lost:
        by_reason.setdefault((r.destination.consequence, r.destination.alternative), []).append(
            r.destination.ca_field
        )
    for (consequence, alternative), fields in by_reason.items():
        for field in fields:
            w(f"  {field}\n")
        w(f"    lost: {consequence}; instead: {alternative}\n")
    others = [r for r in report.rows if not r.is_set and r.destination.carried]
    w(f"\nOther Connected App fields (not set in this app) and their destinations ({len(others)}):\n")
    for r in others:
        w(f"  {r.destination.ca_field} -> {', '.join(r.destination.eca_fields)}\n")


def render_json(report: MigrationReport) -> str:
    """The report as JSON (no secret values: consumer secrets are never read)."""
    doc = {
        "app": report.app,
        "target": report.target,
        "source": report.source,
        "eligible": report.eligible,
        "problems": [
            {"code": p.code, "severity": p.severity, "message": p.message, "alternative": p.alternative}
            for p in report.problems
        ],
        "fields": [
            {
                "field": r.destination.ca_field,
                "yaml": r.destination.yaml_path,
                "set": r.is_set,
                "value": (
                    _show(r.destination.ca_field, r.value)
                    if r.is_set and r.destination.ca_field.lower().endswith(("certificate", "consumerkey"))
                    else _plain(r.value)
                ),
                "destinations": list(r.destination.eca_fields),
                "note": r.destination.note,
                "consequence": r.destination.consequence,
                "alternative": r.destination.alternative,
            }
            for r in report.rows
        ],
        "yaml_only": [
            {"yaml": d.yaml_path, "destinations": list(d.eca_fields), "note": d.note}
            for d in report.intent_rows
        ],
        "without_destination": [r.destination.ca_field for r in report.without_destination],
        "not_carried_by_setup": [
            {"what": lim.what, "consequence": lim.consequence, "alternative": lim.alternative}
            for lim in report.limits
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
