"""Drift: does each target org still match the YAML? A plan per target, worded for CI, run concurrently.

A target has drifted when its plan has changes, or, with ``unmanaged: {policy: drift}``, when the org holds
apps the YAML does not name. A target that cannot be checked carries its error; with `skip_unconfigured`, a
target whose only problem is unset ``${env:VAR}`` settings is skipped (and says which).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sfconnect.errors import ConfigError, SfconnectError, SpecValidationError
from sfconnect.plan.model import Plan
from sfconnect.spec.load import Project

__all__ = ["UNSET_VARIABLE", "DriftReport", "TargetDrift", "check_drift", "has_drifted"]

UNSET_VARIABLE = "unset_variable"
"""The issue code `spec.load` gives an unset ``${env:VAR}``."""


def has_drifted(plan: Plan, project: Project) -> bool:
    """The definition of drift: changes, or unmanaged apps when the project counts them as drift."""
    if plan.has_changes():
        return True
    return project.config.unmanaged.policy == "drift" and bool(plan.unmanaged)


def unset_variables(error: SfconnectError) -> list[str]:
    """The unset variables that alone kept a target from being checked (empty for any other failure)."""
    if not isinstance(error, SpecValidationError) or not error.issues:
        return []
    if any(i.code != UNSET_VARIABLE for i in error.issues):
        return []
    found = [m for i in error.issues for m in re.findall(r"variable ([A-Za-z_][A-Za-z0-9_]*)", i.message)]
    return sorted(set(found)) or ["a variable"]


@dataclass(frozen=True)
class TargetDrift:
    """One target's result: its plan, or the error that kept it from being checked, or why it was skipped."""

    target: str
    plan: Plan | None = None
    error: SfconnectError | None = None
    skipped: str = ""
    drifted: bool = False


@dataclass(frozen=True)
class DriftReport:
    """Every target asked for, in the order asked."""

    targets: tuple[TargetDrift, ...]

    def failed(self) -> bool:
        """Some target could not be checked (skipped ones do not count)."""
        return any(t.error is not None and not t.skipped for t in self.targets)

    def drifted(self) -> bool:
        """Some target checked has drifted."""
        return any(t.drifted for t in self.targets)


def check_drift(
    project: Project,
    targets: Sequence[str],
    plan_target: Callable[[str], Plan],
    *,
    skip_unconfigured: bool = False,
    workers: int = 4,
) -> DriftReport:
    """Plan each target (`plan_target` connects and plans one) concurrently and say which drifted.

    Args:
        targets: target names (all of the project's when empty).

    Raises:
        ConfigError: a name is not a target of the project.
    """
    names = list(targets) or sorted(project.config.targets)
    unknown = [n for n in names if n not in project.config.targets]
    if unknown:
        known = ", ".join(sorted(project.config.targets))
        raise ConfigError(f"unknown target(s): {', '.join(unknown)}; the project's targets are: {known}")
    results: list[TargetDrift] = []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(names)))) as pool:
        futures = {name: pool.submit(plan_target, name) for name in names}
        for name, future in futures.items():
            try:
                plan = future.result()
            except SfconnectError as exc:
                missing = unset_variables(exc) if skip_unconfigured else []
                skipped = f"not configured ({', '.join(missing)} not set)" if missing else ""
                results.append(TargetDrift(name, error=exc, skipped=skipped))
            else:
                results.append(TargetDrift(name, plan, drifted=has_drifted(plan, project)))
    return DriftReport(tuple(results))
