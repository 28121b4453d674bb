"""What an apply deploys, and the checks before it: a fresh plan of the YAML, or a saved plan held to the org.

As Terraform raises "Saved plan is stale" in its backend and not in its command, the rules that decide whether
a plan may be applied live here, and the command only shows what they decide:

- a saved plan (`open_plan_file`) is refused when some of its apps cannot be applied, or when it was made for
  another target than the one asked for;
- before deploying it (`prepare_apply`), the org must still be the org it was made for, every component it
  read must still have the fingerprint it recorded (`StalePlanError`), its desired components must change only
  what its reviewed changes show, and its secret references must be the ones the project's YAML declares
  (`TamperedPlanError`);
- a fresh plan is refused when any app has an error (after it was shown).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sfconnect.apply.run import ApplyInput, SecretResolver, deletions_of
from sfconnect.errors import PlanError
from sfconnect.metadata.xmlio import read_component
from sfconnect.org.metadata_api import MetadataApi
from sfconnect.org.reader import read_named
from sfconnect.plan.model import Plan
from sfconnect.plan.saved import SavedPlan, check_fresh, load_saved_plan
from sfconnect.plan.service import PlanResult, compile_target, make_plan, with_secret_checks
from sfconnect.spec.load import Project

__all__ = ["PlanFile", "input_from_result", "open_plan_file", "prepare_apply"]


@dataclass(frozen=True)
class PlanFile:
    """A saved plan read from `path`, checked against itself, and ready to hold against the org."""

    path: Path
    saved: SavedPlan

    @property
    def target(self) -> str:
        """The target the plan was made for."""
        return self.saved.plan.target

    @property
    def warnings(self) -> tuple[str, ...]:
        """What reading it found worth saying (a newer minor format, for example)."""
        return self.saved.warnings


def open_plan_file(path: Path, target: str | None = None) -> PlanFile:
    """Read a saved plan for apply.

    Args:
        path: the file `plan --out` wrote.
        target: the target asked for on the command line (``-t``), if any.

    Raises:
        PlanError: the file is not a saved plan, is damaged, has apps that cannot be applied, or was made for
            another target than `target`.
        TamperedPlanError: its content does not match its digest, or it would do what its apps do not show.
    """
    saved = load_saved_plan(path)
    if saved.plan.has_errors():
        raise PlanError(
            f"{path}: some apps of this plan cannot be applied; see its errors (`sfconnect plan`)"
        )
    if target is not None and target != saved.plan.target:
        raise PlanError(f"{path} was made for target {saved.plan.target!r}, not {target!r}")
    return PlanFile(path, saved)


def input_from_result(result: PlanResult, api_version: str) -> ApplyInput:
    """The apply input of a plan just made: its compiled components, deletions and secret references."""
    return ApplyInput(
        result.plan,
        tuple(c for compiled in result.compiled for c in compiled.components),
        deletions_of(result.plan),
        {
            (c.type, c.full_name): compiled.secret_refs_for(c)
            for compiled in result.compiled
            for c in compiled.components
        },
        api_version,
    )


def _check_plan_file(
    plan_file: PlanFile, api: MetadataApi, project: Project, target: str, org_id: str
) -> ApplyInput:
    """Hold a saved plan against the org as it is now (see the module's docstring)."""
    from sfconnect.plan.binding import check_desired_matches_plan, check_secret_refs

    saved = plan_file.saved
    if saved.org_id and org_id and saved.org_id[:15] != org_id[:15]:
        raise PlanError(
            f"{plan_file.path} was made for org {saved.org_id}, but target {target!r} is now org {org_id}; "
            "make the plan again"
        )
    recorded = saved.fingerprints()
    live = [read_component(r.xml, type_hint=r.type, full_name=r.full_name) for r in read_named(api, recorded)]
    check_fresh(recorded, {(c.type, c.full_name): c.fingerprint() for c in live})
    check_desired_matches_plan(saved, live)
    if any(saved.secret_fields.values()):
        check_secret_refs(saved, compile_target(project, target))
    return ApplyInput(saved.plan, saved.desired, saved.deletions, saved.secret_fields, saved.api_version)


def prepare_apply(
    api: MetadataApi,
    project: Project,
    target: str,
    *,
    org_id: str,
    resolve: SecretResolver,
    plan_file: PlanFile | None = None,
    annotate: Callable[[PlanResult], PlanResult] = lambda result: result,
    show: Callable[[Plan], None] = lambda _plan: None,
) -> ApplyInput:
    """What to deploy to `target`: the saved plan, checked against the org, or a fresh plan of the YAML.

    Args:
        api: the target's org, read here (the saved plan's components, or everything a plan reads).
        project: the loaded project (its YAML declares the secret references a saved plan may use).
        target: the target's name.
        org_id: the id of the org logged in to (a saved plan records the one it was made for).
        resolve: resolves secret references (a fresh plan checks that a new app's secrets are set).
        plan_file: the saved plan to apply, or None to plan the YAML now.
        annotate: adds explanations to a fresh plan (the lint warnings); apply never reads them.
        show: shown the plan about to be applied, before a fresh plan with errors is refused.

    Raises:
        StalePlanError: a component the saved plan read changed in the org since.
        TamperedPlanError: the saved plan would do what its reviewed changes do not show.
        PlanError: the saved plan was made for another org, or some apps of the fresh plan cannot be applied.
        OrgError: reading the org failed.
    """
    if plan_file is not None:
        data = _check_plan_file(plan_file, api, project, target, org_id)
        show(data.plan)
        return data
    result = annotate(with_secret_checks(make_plan(project, target, api), resolve))
    show(result.plan)
    if result.plan.has_errors():
        raise PlanError("some apps cannot be applied; see the errors above")
    return input_from_result(result, project.config.api_version)
