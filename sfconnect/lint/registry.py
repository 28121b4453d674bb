"""Every rule, collected from the rule modules: adding a rule is one decorated function in one of them."""

from __future__ import annotations

from types import ModuleType

from sfconnect.lint import _rules_app, _rules_migration, _rules_org, _rules_project
from sfconnect.lint.model import Rule

__all__ = ["AREAS", "RULES", "find_rule"]

AREAS: tuple[str, ...] = (
    "OAUTH",
    "FLOW",
    "TOKEN",
    "SESSION",
    "NETWORK",
    "ACCESS",
    "SECRET",
    "CERT",
    "ORG",
    "META",
    "MIGRATE",
)
"""Rule areas, in catalog order."""


def _order(rule: Rule) -> tuple[int, str]:
    area = rule.id.split("-")[1]
    return (AREAS.index(area) if area in AREAS else len(AREAS), rule.id)


def _collect(*modules: ModuleType) -> tuple[Rule, ...]:
    found = [value for module in modules for value in vars(module).values() if isinstance(value, Rule)]
    ids = [r.id for r in found]
    slugs = [r.slug for r in found]
    if len(set(ids)) != len(ids) or len(set(slugs)) != len(slugs):
        raise RuntimeError("duplicate lint rule id or slug")
    return tuple(sorted(found, key=_order))


RULES: tuple[Rule, ...] = _collect(_rules_app, _rules_project, _rules_org, _rules_migration)
"""Every rule, in catalog order (a constant: built once from the rule modules)."""


def find_rule(name: str) -> Rule:
    """The rule with this id (``SFC-OAUTH-001``) or slug (``callback-wildcard``).

    Raises:
        KeyError: no such rule.
    """
    for rule in RULES:
        if name in (rule.id, rule.slug):
            return rule
    raise KeyError(name)
