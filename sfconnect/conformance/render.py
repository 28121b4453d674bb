"""Reports of a conformance run: text for a terminal, JSON for machines, Markdown to paste into an issue.

Every renderer passes its output through the pattern masker, so even a value the run never registered as a
secret cannot leave as an org id, a session id, a JWT or a user name.
"""

from __future__ import annotations

import json
from typing import Any

from sfconnect.conformance._masking import Masker
from sfconnect.conformance._model import ProbeResult, Report

__all__ = ["FORMAT_VERSION", "render", "render_json", "render_markdown", "render_text", "report_data"]

FORMAT_VERSION = 1


def _fmt(value: Any) -> str:
    return json.dumps(value, sort_keys=True) if not isinstance(value, str) else repr(value)


def report_data(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data (the JSON format, and the source of the other two)."""
    return {
        "format_version": FORMAT_VERSION,
        "target": report.target,
        "org_kind": report.org_kind,
        "run_id": report.run_id,
        "api_version": report.api_version,
        "started": report.started,
        "status": report.status,
        "counts": report.counts(),
        "interrupted": report.interrupted,
        "created": report.created,
        "cleanup": report.cleanup,
        "cleanup_errors": report.cleanup_errors,
        "untouched_verified": report.untouched_verified,
        "untouched_changes": report.untouched_changes,
        "results": [
            {
                "id": r.probe_id,
                "area": r.area,
                "title": r.title,
                "status": r.status,
                "expected": r.expected,
                "observed": r.observed,
                "differences": r.differences,
                "reason": r.reason,
                "source": r.source,
                "source_kind": r.source_kind,
                "fidelity_rows": list(r.rows),
                "seconds": round(r.seconds, 2),
            }
            for r in report.results
        ],
    }


def render_json(report: Report) -> str:
    """The JSON report."""
    return Masker().text(json.dumps(report_data(report), indent=2, sort_keys=False)) + "\n"


def _summary(report: Report) -> str:
    c = report.counts()
    return f"{c['matches']} match, {c['differs']} differ, {c['not run']} not run, {c['error']} error" + (
        " (interrupted)" if report.interrupted else ""
    )


def _cleanup_lines(report: Report) -> list[str]:
    lines = [f"cleanup: removed {len(report.cleanup)} component(s)"]
    lines += [f"  cleanup error: {e}" for e in report.cleanup_errors]
    if report.untouched_verified is True:
        lines.append("other apps: unchanged (fingerprinted before and after)")
    elif report.untouched_verified is False:
        lines.append("other apps: CHANGED during the run: " + "; ".join(report.untouched_changes))
    return lines


def render_text(report: Report) -> str:
    """The terminal report: one line per probe, details under those that differ, fail or did not run."""
    lines = [
        f"conformance of {report.target} ({report.org_kind}), run {report.run_id}, API {report.api_version}",
        "",
    ]
    for r in report.results:
        lines.append(f"{r.status.upper():8} {r.probe_id}  {r.title}")
        if r.status == "differs":
            for d in r.differences:
                lines.append(f"           {d}")
            lines.append(f"           source: {r.source}")
        elif r.status in ("not run", "error"):
            lines.append(f"           {r.reason}")
    lines += ["", _summary(report), *_cleanup_lines(report)]
    return Masker().text("\n".join(lines)) + "\n"


def _cell(value: Any) -> str:
    return _fmt(value).replace("|", "\\|")


def _differs_table(r: ProbeResult) -> list[str]:
    keys = list(r.expected)
    rows = ["| | expected | observed |", "|---|---|---|"]
    for key in keys:
        name = key.removesuffix("~")
        if key in ("fields_present", "fields_absent"):
            observed = r.observed.get("fields", [])
        else:
            observed = r.observed.get(name, "(not observed)")
        rows.append(f"| `{key}` | {_cell(r.expected[key])} | {_cell(observed)} |")
    return rows


def render_markdown(report: Report) -> str:
    """A report to paste into an issue: summary, then each difference with expected and observed side by side."""
    out = [
        f"### sfconnect conformance: {report.org_kind}, API {report.api_version}",
        "",
        f"**{_summary(report)}** (run `{report.run_id}`)",
        "",
    ]
    differs = [r for r in report.results if r.status == "differs"]
    if differs:
        out += ["#### Differences", ""]
        for r in differs:
            rows = ", ".join(str(n) for n in r.rows)
            out += [f"**`{r.probe_id}`**: {r.title}" + (f" (fidelity rows {rows})" if rows else ""), ""]
            out += _differs_table(r)
            out += ["", f"Source: {r.source}", ""]
    others = [r for r in report.results if r.status in ("not run", "error")]
    if others:
        out += ["#### Not run or failed", "", "| probe | status | reason |", "|---|---|---|"]
        out += [f"| `{r.probe_id}` | {r.status} | {r.reason.replace('|', '/')} |" for r in others]
        out.append("")
    matches = [r for r in report.results if r.status == "matches"]
    if matches:
        out += ["<details><summary>Matching probes</summary>", ""]
        out += [f"- `{r.probe_id}`: {r.title}" for r in matches]
        out += ["", "</details>", ""]
    out += [f"- {line.strip()}" for line in _cleanup_lines(report)]
    return Masker().text("\n".join(out)) + "\n"


def render(report: Report, fmt: str) -> str:
    """The report in `fmt` (``text``, ``json`` or ``markdown``)."""
    return {"text": render_text, "json": render_json, "markdown": render_markdown}[fmt](report)
