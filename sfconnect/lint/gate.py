"""Where lint meets plan and apply: the apply gate (``lint.fail_on``) and the plan's lint warnings.

- `apply_gate`: apply refuses when the project sets ``lint.fail_on`` and findings of the target reach it
  (``--ignore-lint`` turns the refusal into a warning).
- `with_lint_warnings`: a plan with the lint findings of each app it creates or updates added to that app's
  warnings, so `plan` and `apply` show what the linter says about the change being made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sfconnect.errors import PlanError

if TYPE_CHECKING:
    from sfconnect.plan.model import Plan
    from sfconnect.plan.service import PlanResult
    from sfconnect.spec.load import Project

__all__ = ["apply_gate", "plan_warnings", "with_lint_warnings"]


def apply_gate(project: Project, target: str, *, ignore: bool) -> str:
    """Refuse to apply when the project sets ``lint.fail_on`` and findings of `target` reach it.

    Returns:
        A warning to show when `ignore` let findings through ('' otherwise, and when no gate is set).

    Raises:
        PlanError: findings reach the gate and `ignore` is false (each finding named, with the ways out).
    """
    from sfconnect.lint.runner import lint_project

    gate = project.config.lint.fail_on
    if gate is None:
        return ""
    failing = lint_project(project, targets=[target]).failing()
    if not failing:
        return ""
    listed = "\n".join(f"  {f.location()} {f.severity.upper()} {f.rule_id}: {f.message}" for f in failing)
    if ignore:
        return (
            f"Warning: --ignore-lint: applying despite {len(failing)} lint finding(s) at or above {gate} "
            f"(lint.fail_on):\n{listed}\n"
        )
    raise PlanError(
        f"{len(failing)} lint finding(s) at or above {gate} (lint.fail_on) for target {target!r}:\n{listed}\n"
        "fix them, suppress them with a reason in sfconnect.yaml (lint.suppressions), or pass --ignore-lint"
    )


def plan_warnings(project: Project, plan: Plan) -> dict[str, list[str]]:
    """The lint findings of the apps `plan` creates or updates, as warning lines by app name."""
    from sfconnect.lint.runner import lint_apps

    changed = [a.name for a in plan.apps if a.action in ("create", "update")]
    if not changed:
        return {}
    by_app: dict[str, list[str]] = {}
    for f in lint_apps(project, plan.target, changed).findings:
        if f.app is not None:
            by_app.setdefault(f.app, []).append(
                f"lint {f.severity.upper()} {f.rule_id} {f.slug}: {f.message} ({f.location()})"
            )
    return by_app


def with_lint_warnings(project: Project, result: PlanResult) -> PlanResult:
    """`result` with `plan_warnings` added to its apps' warnings (apply never reads warnings)."""
    from sfconnect.plan.service import with_app_warnings

    return with_app_warnings(result, plan_warnings(project, result.plan))
