"""``sfconnect plan``: what applying the YAML would change in a target org."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sfconnect.cli._options import OutputPath, color_option, project_dir_option, target_option, verbose_option
from sfconnect.cli.context import AppContext, Outcome, pass_app

if TYPE_CHECKING:
    from sfconnect.org.metadata_api import MetadataApi
    from sfconnect.plan.service import PlanResult
    from sfconnect.spec.load import Project

__all__ = ["plan_command"]


@click.command("plan")
@target_option
@click.option(
    "--app",
    "apps",
    multiple=True,
    metavar="NAME",
    help="Plan only this app (repeatable); the plan is partial.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default=None,
    help="Format of the output (default text). With --out: the format of that file when its extension "
    "names none (.md and .txt are renderings for reading; any other file is a saved plan).",
)
@click.option(
    "--out",
    "outs",
    multiple=True,
    type=OutputPath(dir_okay=False),
    help="Write the plan to FILE (repeatable: tfplan for apply and plan.md for a comment, from one read). "
    "FILE is a saved plan that `apply FILE` applies, unless its extension names a rendering (.md, .txt).",
)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 without changes, 1 on error, 2 with changes.")
@click.option(
    "--validate",
    "check_only",
    is_flag=True,
    help="Also send the changes to the org as a check-only deploy, so server-side refusals appear in the plan.",
)
@click.option(
    "--concurrency", type=click.IntRange(1, 16), default=4, show_default=True, help="Concurrent read calls."
)
@project_dir_option
@color_option
@verbose_option
@pass_app
def plan_command(
    app: AppContext,
    apps: tuple[str, ...],
    fmt: str | None,
    outs: tuple[Path, ...],
    detailed_exitcode: bool,
    check_only: bool,
    concurrency: int,
) -> Outcome:
    """Compare the YAML with the target org and show what apply would change.

    Reads the org through the Metadata API (one listing, then reads in batches of ten) and never changes it.
    Secrets are shown as (sensitive); a new app's consumer key as (known after apply).
    """
    from sfconnect.cli._render import color_for, out_format, render_plan, timings_line, write_report
    from sfconnect.cli._runtime import connect_target, load
    from sfconnect.errors import PlanError

    started = time.monotonic()
    project = load(app)
    if apps:
        click.echo("Warning: partial plan (--app): other apps are not compared.", err=True)
    with connect_target(app, project) as tc:
        result = _plan(app, project, tc.name, tc.connection.api, apps, concurrency, check_only)
        org_id = tc.connection.session.org_id
        seconds = dict(tc.connection.api.seconds)
    version = project.config.api_version
    for out in outs:
        write_report(
            render_plan(result, out_format(out, fmt, len(outs) == 1), api_version=version, org_id=org_id), out
        )
    stdout_fmt = fmt if fmt is not None and not outs else "text"
    color = stdout_fmt == "text" and color_for(app)
    click.echo(
        render_plan(result, stdout_fmt, api_version=version, org_id=org_id, color=color),
        nl=False,
        color=color,
    )
    for out in outs:
        saved = out_format(out, fmt, len(outs) == 1) == "json"
        click.echo(f"Plan written to {out}" + (f"; apply it with `sfconnect apply {out}`" if saved else ""))
    if app.verbose:
        click.echo(
            timings_line(result.plan.api_calls, seconds, time.monotonic() - started, what="plan"), err=True
        )
    if result.plan.has_errors():
        raise PlanError(f"{result.plan.summary().errors} app(s) cannot be planned; see the errors above")
    return Outcome.FOUND if detailed_exitcode and result.plan.has_changes() else Outcome.OK


def _plan(
    app: AppContext,
    project: Project,
    target: str,
    api: MetadataApi,
    apps: tuple[str, ...],
    concurrency: int,
    check_only: bool,
) -> PlanResult:
    """The plan of one target with its secret checks, the org's check-only refusals (--validate) and lint
    warnings: each added by the service that owns it."""
    from sfconnect.cli._runtime import secret_resolver
    from sfconnect.lint.gate import with_lint_warnings
    from sfconnect.plan.service import make_plan, with_secret_checks

    result = make_plan(project, target, api, apps=apps, concurrency=concurrency)
    result = with_secret_checks(result, secret_resolver(app, project))
    if check_only and result.plan.has_changes():
        from sfconnect.apply.validate import validate_plan

        result = validate_plan(api, result, secret_resolver(app, project), project.config.api_version)
    return with_lint_warnings(project, result)
