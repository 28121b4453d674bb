"""Security lint for Connected Apps and External Client Apps: rules, profiles, suppressions, reports.

Entry points: `lint_project` (the YAML, per target), `lint_live` / `lint_live_project` (an org's apps and
settings), `lint_apps` (what ``plan`` lists for the apps it changes). Rules live in ``rules_app.py``,
``rules_project.py`` and ``rules_org.py``; `RULES` collects them. Renderers are in `sfconnect.lint.render`;
`gate` holds the apply gate and the lint warnings a plan shows.
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
    "rules_app",
    "rules_migration",
    "rules_org",
    "rules_project",
    "runner",
    "severity_at_least",
]
