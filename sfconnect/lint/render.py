"""Lint renderers: text, JSON, Markdown and SARIF 2.1.0 (GitHub code scanning), and the rules reference.

Renderers are pure: a report in, a string out. Suppressed findings are listed in text, JSON and Markdown,
and left out of SARIF (GitHub ingests SARIF suppressions as open alerts).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from sfconnect._types import JSONValue
from sfconnect.lint.model import SEVERITIES, Finding, LintReport, Rule, Severity, severity_at_least

__all__ = [
    "INFORMATION_URI",
    "RENDERERS",
    "SARIF_SCHEMA_URI",
    "render_json",
    "render_markdown",
    "render_rules_markdown",
    "render_rules_text",
    "render_sarif",
    "render_text",
]

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://example.invalid/sfconnect/docs/rules.md"  # the lead sets the published docs URL
JSON_FORMAT_VERSION = "1.0"

_LEVEL: dict[Severity, str] = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
    "info": "note",
}
_SECURITY_SEVERITY: dict[Severity, str] = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def _summary(report: LintReport) -> str:
    counts = report.counts()
    parts = [f"{n} {s}" for s, n in counts.items() if n]
    failing = len(report.failing())
    total = len(report.findings)
    text = f"{total} finding(s)" + (f" ({', '.join(parts)})" if parts else "")
    text += f", {failing} at or above the gate ({report.gate})"
    if report.suppressed:
        text += f", {len(report.suppressed)} suppressed"
    return text + "."


_SEVERITY_PAINT = {"critical": "\x1b[1;31m", "high": "\x1b[31m", "medium": "\x1b[33m"}


def render_text(report: LintReport, *, color: bool = False) -> str:
    """Human-readable: one line per finding (``file:line:col severity RULE slug: message``), ANSI colour if asked."""
    lines = []
    for f in report.findings:
        severity = f.severity.upper()
        if color:
            severity = f"{_SEVERITY_PAINT.get(f.severity, chr(27) + '[36m')}{severity}\x1b[0m"
        lines.append(f"{f.location()} {severity} {f.rule_id} {f.slug}: {f.message}")
        if f.field and f.file:
            lines.append(f"  at {f.field}")
    for s in report.suppressed:
        f = s.finding
        until = f" until {s.expires}" if s.expires else ""
        lines.append(
            f"{f.location()} suppressed {f.rule_id} {f.slug}: {f.message} (reason: {s.reason}{until})"
        )
    lines.append(_summary(report))
    return "\n".join(lines) + "\n"


def _finding_json(f: Finding) -> dict[str, JSONValue]:
    return {
        "rule": f.rule_id,
        "slug": f.slug,
        "severity": f.severity,
        "message": f.message,
        "app": f.app,
        "field": f.field,
        "file": f.file,
        "line": f.line,
        "column": f.column,
        "target": f.target,
        "key": f.key,
    }


def render_json(report: LintReport) -> str:
    """A JSON document: findings, suppressed findings (with reasons), counts and the gate."""
    doc: dict[str, JSONValue] = {
        "format_version": JSON_FORMAT_VERSION,
        "mode": report.mode,
        "profile": report.profile,
        "gate": report.gate,
        "failed": bool(report.failing()),
        "counts": dict(report.counts()),
        "findings": [_finding_json(f) for f in report.findings],
        "suppressed": [
            {
                **_finding_json(s.finding),
                "reason": s.reason,
                "expires": s.expires.isoformat() if s.expires else None,
                "suppression": s.suppression_index,
            }
            for s in report.suppressed
        ],
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: LintReport) -> str:
    """A Markdown report (for a CI job summary or a pull-request comment)."""
    out = ["## sfconnect lint", "", _summary(report), ""]
    if report.findings:
        out += ["| severity | rule | where | message |", "|---|---|---|---|"]
        for f in report.findings:
            out.append(
                f"| {f.severity} | `{f.rule_id}` {f.slug} | `{_md(f.location())}` | {_md(f.message)} |"
            )
        out.append("")
    if report.suppressed:
        out += ["### Suppressed", "", "| rule | where | reason | expires |", "|---|---|---|---|"]
        for s in report.suppressed:
            f = s.finding
            expires = s.expires.isoformat() if s.expires else ""
            out.append(f"| `{f.rule_id}` | `{_md(f.location())}` | {_md(s.reason)} | {expires} |")
        out.append("")
    return "\n".join(out)


def _help_markdown(rule: Rule) -> str:
    return (
        f"**{rule.title}** ({rule.severity.upper()})\n\n{rule.what}\n\n**Why:** {rule.why}\n\n"
        f"**Fix:** {rule.fix}\n\nBad:\n\n```yaml\n{rule.bad}\n```\n\nGood:\n\n```yaml\n{rule.good}\n```\n"
    )


def _sarif_rule(rule: Rule, profile: str) -> dict[str, JSONValue]:
    severity = rule.severity_for(profile)
    properties: dict[str, JSONValue] = {
        "tags": ["security", "salesforce", *rule.tags] if severity != "info" else ["salesforce", *rule.tags],
        "precision": "very-high" if rule.scope != "project" else "high",
    }
    if severity in _SECURITY_SEVERITY:
        properties["security-severity"] = _SECURITY_SEVERITY[severity]
    return {
        "id": rule.id,
        "name": rule.slug,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.what},
        "help": {"text": f"{rule.what} Why: {rule.why} Fix: {rule.fix}", "markdown": _help_markdown(rule)},
        "helpUri": f"{INFORMATION_URI}#{rule.id.lower()}",
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "properties": properties,
    }


def render_sarif(report: LintReport, *, uri_prefix: str = "", version: str = "") -> str:
    """SARIF 2.1.0 as GitHub code scanning reads it; suppressed findings are left out.

    Args:
        report: the lint report.
        uri_prefix: the project directory relative to the repository root (``examples/app/``), prepended to
            every file so that URIs are relative to the repository root.
        version: the tool's version, when known.
    """
    rules = list(report.rules)
    index = {rule.id: i for i, rule in enumerate(rules)}
    prefix = uri_prefix.strip("/")
    results: list[JSONValue] = []
    for f in report.findings:
        result: dict[str, JSONValue] = {
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": _LEVEL[f.severity],
            "message": {"text": f.message},
            "properties": {"sfconnectKey": f.key, "severity": f.severity},
        }
        if f.file:
            line = max(f.line, 1)
            column = max(f.column, 1)
            result["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f"{prefix}/{f.file}" if prefix else f.file},
                        "region": {
                            "startLine": line,
                            "startColumn": column,
                            "endLine": line,
                            "endColumn": column + 1,
                        },
                    }
                }
            ]
        else:
            name = "/".join(p for p in (f.target or "", f.app or "", f.field) if p)
            result["locations"] = [
                {"logicalLocations": [{"fullyQualifiedName": name or "org", "kind": "object"}]}
            ]
        results.append(result)
    driver: dict[str, JSONValue] = {
        "name": "sfconnect",
        "informationUri": INFORMATION_URI,
        "rules": [_sarif_rule(r, report.profile) for r in rules],
    }
    if version:
        driver["semanticVersion"] = version
    doc: dict[str, JSONValue] = {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "automationDetails": {"id": f"sfconnect/lint/{report.mode}/"},
                "invocations": [{"executionSuccessful": True}],
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Callable[[LintReport], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "sarif": render_sarif,
}
"""Report renderers by ``--format`` name."""


# --- the rules reference ------------------------------------------------------------------------------------


def render_rules_text(rules: Sequence[Rule]) -> str:
    """One line per rule: id, severity, scope, slug and title."""
    return "".join(f"{r.id:<16} {r.severity:<8} {r.scope:<7} {r.slug}: {r.title}\n" for r in rules)


def render_rules_markdown(rules: Sequence[Rule]) -> str:
    """``docs/rules.md``: every rule with what it checks, why, the fix, and a bad and a good setting."""
    out = [
        "# Lint rules",
        "",
        "<!-- Generated from the rules' metadata by `sfconnect lint --list-rules --format markdown`; "
        "a test fails when this file is stale. -->",
        "",
        "`sfconnect lint` checks apps (their YAML and components, or apps read from an org with `--live`), the "
        "project's files, and org-wide settings. Exit codes: 0 nothing at or above the gate (`--fail-on`, "
        "default `high`, or `lint.fail_on`), 2 findings at or above it, 1 an error prevented linting.",
        "",
        "Severities map to SARIF levels and GitHub security severities: "
        + ", ".join(
            f"{s} = `{_LEVEL[s]}`" + (f" ({_SECURITY_SEVERITY[s]})" if s in _SECURITY_SEVERITY else "")
            for s in SEVERITIES
        )
        + ".",
        "",
        "Profiles (`--profile`, `lint.profile`): `default`; `production` raises context-dependent rules "
        "(loopback callbacks, plain-HTTP callbacks, self-authorization, session timeouts) for apps whose "
        "target is a production org; `partner` applies the partner (ISV) grades shown below.",
        "",
        "Suppressions are data in `sfconnect.yaml` (`lint.suppressions`: `rule` id or slug, `app` glob, "
        "`reason`, optional `expires`). An expired suppression stops suppressing (SFC-META-001); an unused one "
        "is reported (SFC-META-002). Suppressed findings are listed in text, JSON and Markdown, and left out "
        "of SARIF.",
        "",
        "| Rule | Slug | Severity | Scope | Title |",
        "|---|---|---|---|---|",
    ]
    for r in rules:
        out.append(f"| [{r.id}](#{r.id.lower()}) | `{r.slug}` | {r.severity} | {r.scope} | {_md(r.title)} |")
    out.append("")
    for r in rules:
        grades = f"**Severity:** {r.severity.upper()}"
        if r.partner:
            grades += f" ({r.partner.upper()} in the `partner` profile)"
        kinds = "" if len(r.kinds) == 2 else f" · **Kinds:** {', '.join(r.kinds)}"
        out += [
            f"## {r.id}",
            "",
            f"`{r.slug}`: {r.title}",
            "",
            f"{grades} · **Scope:** {r.scope}{kinds}",
            "",
            f"**Checks:** {r.what}",
            "",
            f"**Why:** {r.why}",
            "",
            f"**Fix:** {r.fix}",
            "",
            "Bad:",
            "",
            "```yaml",
            r.bad,
            "```",
            "",
            "Good:",
            "",
            "```yaml",
            r.good,
            "```",
            "",
        ]
    return "\n".join(out)


def gate_reached(report: LintReport) -> bool:
    """Whether any finding is at or above the report's gate."""
    return any(severity_at_least(f.severity, report.gate) for f in report.findings)
