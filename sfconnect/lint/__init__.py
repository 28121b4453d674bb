"""Security lint for Connected Apps and External Client Apps: rules, profiles, suppressions, reports.

Entry points: `lint_project` (the YAML, per target), `lint_live` / `lint_live_project` (an org's apps and
settings), `lint_apps` (what ``plan`` lists for the apps it changes). Rules live in the private ``_rules_app.py``,
``_rules_project.py``, ``_rules_org.py`` and ``_rules_migration.py``; `RULES` (`registry`) collects them. `model`
holds what rules see and report, `runner` runs them, `render` shows the report (text, JSON, SARIF) and `gate`
is the gate that ``plan`` and ``apply`` apply. Public modules: `gate`, `model`, `registry`, `render`, `runner`.
"""

from __future__ import annotations

from sfconnect.lint.model import AppView, Finding, LintReport, OrgView, ProjectView, Rule, severity_at_least
from sfconnect.lint.registry import RULES, find_rule
from sfconnect.lint.runner import lint_apps, lint_live, lint_live_project, lint_project

__all__ = [
    "RULES",
    "AppView",
    "Finding",
    "LintReport",
    "OrgView",
    "ProjectView",
    "Rule",
    "find_rule",
    "gate",
    "lint_apps",
    "lint_live",
    "lint_live_project",
    "lint_project",
    "model",
    "registry",
    "render",
    "runner",
    "severity_at_least",
]
