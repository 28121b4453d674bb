"""``sfconnect apply`` and ``sfconnect status``: deploy a plan, or follow a deploy to its end."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sfconnect.cli._progress import DeployProgress
from sfconnect.cli.context import AppContext, Outcome, pass_app
from sfconnect.cli.options import color_option, project_dir_option, target_option, verbose_option

if TYPE_CHECKING:
    from sfconnect.apply.run import ApplyInput
    from sfconnect.apply.service import ApplyResult
    from sfconnect.plan.model import Plan

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
    type=click.Path(dir_okay=False, path_type=Path),
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
    from sfconnect.apply.run import ApplyInput, DeployGuard, apply_plan, deletions_of
    from sfconnect.cli._outputs import created_app_keys, write_apply_out
    from sfconnect.cli._runtime import connect_target, load, secret_resolver
    from sfconnect.cli.plan import color_for, render_plan, with_lint_warnings
    from sfconnect.errors import PlanError
    from sfconnect.org.reader import read_named
    from sfconnect.plan.render import render_text
    from sfconnect.plan.saved import check_fresh, load_saved_plan
    from sfconnect.plan.service import make_plan, with_secret_checks

    project = load(app)
    if planfile is not None:
        saved = load_saved_plan(planfile)
        for warning in saved.warnings:
            click.echo(f"Warning: {warning}", err=True)
        if saved.plan.has_errors():
            raise PlanError(
                f"{planfile}: some apps of this plan cannot be applied; see its errors (`sfconnect plan`)"
            )
        if app.target is not None and app.target != saved.plan.target:
            raise PlanError(f"{planfile} was made for target {saved.plan.target!r}, not {app.target!r}")
        target_name: str | None = saved.plan.target
    else:
        target_name = None
    # lint gate: only when the project sets lint.fail_on
    from sfconnect.cli._runtime import resolve_target
    from sfconnect.cli.lint import apply_gate

    lint_warning = apply_gate(project, resolve_target(app, project, target_name)[0], ignore=ignore_lint)
    if lint_warning:
        click.echo(lint_warning, nl=False, err=True)
    with connect_target(app, project, target_name) as tc:
        api = tc.connection.api
        guard = DeployGuard(api, notice=lambda line: click.echo(line, err=True))
        guard.before_read()  # another deploy running: wait for it, so the plan sees its result
        if planfile is not None:
            from sfconnect.metadata.xmlio import read_component
            from sfconnect.plan.binding import check_desired_matches_plan, check_secret_refs
            from sfconnect.plan.service import compile_target

            org_id = tc.connection.session.org_id
            if saved.org_id and org_id and saved.org_id[:15] != org_id[:15]:
                raise PlanError(
                    f"{planfile} was made for org {saved.org_id}, but target {tc.name!r} is now org {org_id}; "
                    "make the plan again"
                )
            recorded = saved.fingerprints()
            live = [
                read_component(r.xml, type_hint=r.type, full_name=r.full_name)
                for r in read_named(api, recorded)
            ]
            check_fresh(recorded, {(c.type, c.full_name): c.fingerprint() for c in live})
            check_desired_matches_plan(saved, live)
            if any(saved.secret_fields.values()):
                check_secret_refs(saved, compile_target(project, tc.name))
            buffer = io.StringIO()
            render_text(saved.plan, buffer, color=color_for(app))  # the plan being applied, as reviewed
            click.echo(buffer.getvalue(), nl=False, color=color_for(app))
            data = ApplyInput(
                saved.plan, saved.desired, saved.deletions, saved.secret_fields, saved.api_version
            )
        else:
            result = make_plan(project, tc.name, api)
            result = with_lint_warnings(project, with_secret_checks(result, secret_resolver(app, project)))
            # exactly what `plan` shows, lint findings included
            click.echo(
                render_plan(
                    result,
                    "text",
                    api_version=project.config.api_version,
                    org_id=tc.connection.session.org_id,
                    color=color_for(app),
                ),
                nl=False,
                color=color_for(app),
            )
            if result.plan.has_errors():
                raise PlanError("some apps cannot be applied; see the errors above")
            secret_fields = {
                (c.type, c.full_name): compiled.secret_refs_for(c)
                for compiled in result.compiled
                for c in compiled.components
            }
            data = ApplyInput(
                result.plan,
                tuple(c for compiled in result.compiled for c in compiled.components),
                deletions_of(result.plan),
                secret_fields,
                project.config.api_version,
            )
        if not data.plan.has_changes():
            click.echo("Nothing to apply: the org matches the YAML.")
            if out is not None:
                write_apply_out(out, tc.name, None, {})
            return Outcome.OK
        _confirm(app, data, auto_approve or planfile is not None)
        progress = DeployProgress()
        try:
            applied = apply_plan(
                api,
                data,
                secret_resolver(app, project),
                progress=progress,
                on_started=lambda deploy_id: click.echo(f"Deploying ({deploy_id})...", err=True),
                guard=guard,
            )
        finally:
            progress.close()
        _report(applied, data.plan)
        created = [a.name for a in data.plan.apps if a.action == "create"]
        outputs = created_app_keys(tc.connection.session, tc.name, created)
    if out is not None:
        write_apply_out(out, tc.name, applied, outputs)
    return Outcome.OK


@click.command("status")
@click.argument("deploy_id")
@target_option
@project_dir_option
@pass_app
def status_command(app: AppContext, deploy_id: str) -> Outcome:
    """Follow a deploy (one that apply left running) to its end and report it like apply does."""
    from sfconnect.apply.service import follow_deploy
    from sfconnect.cli._runtime import connect_target, load

    project = load(app, require_values=False)
    with connect_target(app, project) as tc:
        progress = DeployProgress()
        try:
            status = follow_deploy(tc.connection.api, deploy_id, progress=progress)
        finally:
            progress.close()
    click.echo(
        f"Deploy {deploy_id} {status.status}: {status.number_components_deployed} component(s) deployed."
    )
    return Outcome.OK
