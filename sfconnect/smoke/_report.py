"""Smoke reports: a text table, Markdown (CI summaries), JSON and JUnit XML (one test case per check).

Every renderer reads only `SmokeReport`, which holds no secret or token.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from sfconnect.smoke.model import REPORT_FORMAT_VERSION, SmokeReport

__all__ = ["render_json", "render_junit", "render_markdown", "render_text", "report_to_json"]

_MARK = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "skipped": "SKIP"}


def _summary(report: SmokeReport) -> str:
    text = (
        f"{len(report.results)} check(s): {report.count('passed')} passed, {report.count('failed')} failed, "
        f"{report.count('error')} error(s)"
    )
    if report.count("skipped"):
        text += f", {report.count('skipped')} skipped"
    if report.waited_seconds:
        text += f"; waited {report.waited_seconds:.0f}s for apps to propagate"
    return text


_PAINT = {"passed": "\x1b[32m", "failed": "\x1b[31m", "error": "\x1b[1;31m", "skipped": "\x1b[33m"}


def _mark(status: str, color: bool, width: int = 0) -> str:
    text = _MARK[status].ljust(width)
    return f"{_PAINT[status]}{text}\x1b[0m" if color else text


def render_text(report: SmokeReport, *, color: bool = False) -> str:
    """A table of checks, then the details of each failure and error, then the summary (ANSI colour if asked)."""
    lines = [f"Smoke checks on target {report.target}" + (" (local org)" if report.local else "")]
    for error in report.errors:
        lines.append(f"error: {error}")
    if report.results:
        app_w = max(len(r.app) for r in report.results)
        check_w = max(len(r.check) for r in report.results)
        lines.append("")
        lines.append(f"{'RESULT':6}  {'APP':{app_w}}  {'CHECK':{check_w}}  WHAT")
        for r in report.results:
            lines.append(f"{_mark(r.status, color, 6)}  {r.app:{app_w}}  {r.check:{check_w}}  {r.title}")
    problems = [r for r in report.results if r.status != "passed"]
    if problems:
        lines.append("")
        for r in problems:
            lines.append(f"{_mark(r.status, color)} {r.app} {r.check}: {r.message}")
            if r.fix:
                lines.append(f"  fix: {r.fix}")
    lines.append("")
    lines.append(_summary(report))
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: SmokeReport) -> str:
    """A Markdown section for CI job summaries."""
    icon = {"passed": "✅", "failed": "❌", "error": "⚠️", "skipped": "⏭️"}
    lines = [f"### Smoke checks: `{report.target}`", "", _summary(report), ""]
    for error in report.errors:
        lines.append(f"- ⚠️ {_md(error)}")
    if report.results:
        lines += ["| | App | Check | Result |", "|---|---|---|---|"]
        for r in report.results:
            detail = (
                r.message
                if r.status == "passed"
                else f"{r.message}. **Fix:** {r.fix}"
                if r.fix
                else r.message
            )
            lines.append(f"| {icon[r.status]} | `{r.app}` | `{r.check}` | {_md(detail)} |")
    return "\n".join(lines) + "\n"


def report_to_json(report: SmokeReport) -> dict[str, Any]:
    """The JSON document of a report (sorted keys when dumped; ``format_version`` first)."""
    return {
        "format_version": REPORT_FORMAT_VERSION,
        "target": report.target,
        "local": report.local,
        "status": report.status,
        "summary": {
            "checks": len(report.results),
            "passed": report.count("passed"),
            "failed": report.count("failed"),
            "errors": report.count("error"),
            "skipped": report.count("skipped"),
            "waited_seconds": round(report.waited_seconds, 3),
        },
        "errors": list(report.errors),
        "checks": [
            {
                "app": r.app,
                "check": r.check,
                "flow": r.flow,
                "title": r.title,
                "status": r.status,
                "message": r.message,
                "fix": r.fix,
                "seconds": r.seconds,
            }
            for r in report.results
        ],
    }


def render_json(reports: list[SmokeReport]) -> str:
    """JSON for one or several targets."""
    docs = [report_to_json(r) for r in reports]
    return json.dumps(docs[0] if len(docs) == 1 else docs, indent=2) + "\n"


def render_junit(reports: list[SmokeReport]) -> str:
    """JUnit XML: one test suite per target, one test case per check (``classname`` = target.app)."""
    root = ET.Element("testsuites", name="sfconnect smoke")
    for report in reports:
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"smoke.{report.target}",
            tests=str(len(report.results) + len(report.errors)),
            failures=str(report.count("failed")),
            errors=str(report.count("error") + len(report.errors)),
            skipped=str(report.count("skipped")),
            time=f"{sum(r.seconds for r in report.results):.3f}",
        )
        for r in report.results:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{report.target}.{r.app}",
                name=f"{r.check}: {r.title}",
                time=f"{r.seconds:.3f}",
            )
            if r.status == "failed":
                ET.SubElement(case, "failure", message=r.message, type=r.check).text = (
                    f"{r.message}\nfix: {r.fix}" if r.fix else r.message
                )
            elif r.status == "error":
                ET.SubElement(case, "error", message=r.message, type=r.check).text = (
                    f"{r.message}\nfix: {r.fix}" if r.fix else r.message
                )
            elif r.status == "skipped":
                ET.SubElement(case, "skipped", message=r.message)
            else:
                ET.SubElement(case, "system-out").text = r.message
        for i, error in enumerate(report.errors):
            case = ET.SubElement(suite, "testcase", classname=f"{report.target}", name=f"setup {i + 1}")
            ET.SubElement(case, "error", message=error, type="setup").text = error
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
