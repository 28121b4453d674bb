"""``sfconnect apply`` and ``sfconnect status``: deploy a plan, or follow a deploy to its end."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sfconnect.cli._options import OutputPath, color_option, project_dir_option, target_option, verbose_option
from sfconnect.cli._progress import DeployProgress
from sfconnect.cli.context import AppContext, Outcome, pass_app

if TYPE_CHECKING:
    from sfconnect.apply.run import ApplyInput, DeployGuard
    from sfconnect.apply.service import ApplyResult
    from sfconnect.org.metadata_api import MetadataApi
    from sfconnect.plan.model import Plan
    from sfconnect.spec.load import Project

__all__ = ["apply_command", "status_command"]


def _report(result: ApplyResult, plan: Plan) -> None:
    from sfconnect.plan.render import count_apps

    for label, items in (
        ("created", result.created),
        ("updated", result.updated),
        ("deleted", result.deleted),
    ):
        for item in items:
            click.echo(f"  {label} {item}")
    s = plan.summary()
    click.echo(
        f"Apply complete (deploy {result.deploy_id}): {count_apps(s.add, s.add_components)} created, "
        f"{count_apps(s.change, s.change_components)} updated, {count_apps(s.destroy, s.destroy_components)} "
        "deleted. The org matches the plan."
    )


def _interactive() -> bool:
    """Whether a person can answer prompts."""
    return sys.stdin.isatty()


def _confirm(app: AppContext, data: ApplyInput, auto_approve: bool) -> None:
    from sfconnect.errors import PlanError

    removed = [a for a in data.plan.apps if a.action == "delete" and a.irreversible]
    if auto_approve:
        return
    if not _interactive():
        raise PlanError(
            "apply needs confirmation: run it in a terminal, or pass --auto-approve (or a saved plan)"
        )
    if not click.confirm("Apply these changes?", default=False):
        raise click.Abort()
    for plan_app in removed:
        typed = click.prompt(
            f"Deleting Connected App {plan_app.name!r} cannot be undone (it can never be created again). "
            "Type its name to confirm"
        )
        if typed != plan_app.name:
            raise PlanError(
                f"the name did not match; {plan_app.name!r} was not deleted and nothing was applied"
            )


@click.command("apply")
@click.argument("planfile", required=False, type=click.Path(dir_okay=False, path_type=Path))
@target_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option("--ignore-lint", is_flag=True, help="Apply even when lint findings reach lint.fail_on.")
@click.option(
    "--out",
    type=OutputPath(dir_okay=False),
    default=None,
    help="Write the result as JSON to FILE: deploy id, changes, and outputs (created apps' consumer keys).",
)
@project_dir_option
@color_option
@verbose_option
@pass_app
def apply_command(
    app: AppContext, planfile: Path | None, auto_approve: bool, ignore_lint: bool, out: Path | None
) -> Outcome:
    """Apply the YAML to the target org, or apply a saved plan (PLANFILE) exactly.

    All changes go in one deploy that rolls back on any error; afterwards the org is read again and must
    match. A saved plan is refused when the org changed since it was made. Ctrl-C while waiting leaves the
    deploy running: `sfconnect status DEPLOY_ID` follows it.
    """
    from sfconnect.apply.prepare import open_plan_file, prepare_apply
    from sfconnect.apply.run import DeployGuard
    from sfconnect.cli._outputs import created_app_keys, write_apply_out
    from sfconnect.cli._runtime import connect_target, load, resolve_target, secret_resolver
    from sfconnect.lint.gate import apply_gate, with_lint_warnings

    project = load(app)
    plan_file = open_plan_file(planfile, app.target) if planfile is not None else None
    for warning in plan_file.warnings if plan_file is not None else ():
        click.echo(f"Warning: {warning}", err=True)
    target_name = plan_file.target if plan_file is not None else None
    gate = apply_gate(project, resolve_target(app, project, target_name)[0], ignore=ignore_lint)
    click.echo(gate, nl=False, err=True)
    with connect_target(app, project, target_name) as tc:
        guard = DeployGuard(tc.connection.api, notice=lambda line: click.echo(line, err=True))
        guard.before_read()  # another deploy running: wait for it, so the plan sees its result
        data = prepare_apply(
            tc.connection.api,
            project,
            tc.name,
            org_id=tc.connection.session.org_id,
            resolve=secret_resolver(app, project),
            plan_file=plan_file,
            annotate=lambda result: with_lint_warnings(project, result),  # exactly what `plan` shows
            show=lambda plan: _show(app, plan),
        )
        applied, outputs = None, {}
        if not data.plan.has_changes():
            click.echo("Nothing to apply: the org matches the YAML.")
        else:
            _confirm(app, data, auto_approve or planfile is not None)
            applied = _deploy(app, project, tc.connection.api, data, guard)
            _report(applied, data.plan)
            created = [a.name for a in data.plan.apps if a.action == "create"]
            outputs = created_app_keys(tc.connection.session, tc.name, created)
    if out is not None:
        write_apply_out(out, tc.name, applied, outputs)
    return Outcome.OK


def _show(app: AppContext, plan: Plan) -> None:
    """The plan being applied, as `plan` shows it (lint warnings included)."""
    from sfconnect.cli._render import color_for, render_plan_text

    click.echo(render_plan_text(plan, color=color_for(app)), nl=False, color=color_for(app))


def _deploy(
    app: AppContext, project: Project, api: MetadataApi, data: ApplyInput, guard: DeployGuard
) -> ApplyResult:
    """Deploy with the progress line on stderr."""
    from sfconnect.apply.run import apply_plan
    from sfconnect.cli._runtime import secret_resolver

    progress = DeployProgress()
    try:
        return apply_plan(
            api,
            data,
            secret_resolver(app, project),
            progress=progress,
            on_started=lambda deploy_id: click.echo(f"Deploying ({deploy_id})...", err=True),
            guard=guard,
        )
    finally:
        progress.close()


@click.command("status")
@click.argument("deploy_id")
@target_option
@project_dir_option
@pass_app
def status_command(app: AppContext, deploy_id: str) -> Outcome:
    """Follow a deploy (one that apply left running) to its end and report it like apply does."""
    from sfconnect.apply.service import follow_deploy
    from sfconnect.cli._runtime import connect_target, load

    project = load(app)
    with connect_target(app, project, require_values=False) as tc:
        progress = DeployProgress()
        try:
            status = follow_deploy(tc.connection.api, deploy_id, progress=progress)
        finally:
            progress.close()
    click.echo(
        f"Deploy {deploy_id} {status.status}: {status.number_components_deployed} component(s) deployed."
    )
    return Outcome.OK
