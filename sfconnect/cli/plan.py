"""``sfconnect plan``: what applying the YAML would change in a target org."""

from __future__ import annotations

import io
import json
from pathlib import Path

import click

from sfconnect.cli.context import AppContext, Outcome, pass_app
from sfconnect.cli.options import color_option, project_dir_option, target_option, verbose_option

__all__ = ["plan_command", "write_report"]

_EXTENSIONS = {".json": "json", ".md": "markdown", ".markdown": "markdown"}


def write_report(text: str, out: Path) -> None:
    """Write a report file whole (a temporary file renamed into place: never half a report)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)


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
    help="Output format (default text; with --out, taken from the file's extension).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the plan to FILE. A JSON plan (FILE.json) is a saved plan that `apply FILE` applies.",
)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 without changes, 1 on error, 2 with changes.")
@project_dir_option
@color_option
@verbose_option
@pass_app
def plan_command(
    app: AppContext, apps: tuple[str, ...], fmt: str | None, out: Path | None, detailed_exitcode: bool
) -> Outcome:
    """Compare the YAML with the target org and show what apply would change.

    Reads the org through the Metadata API (one listing, then reads in batches of ten) and never changes it.
    Secrets are shown as (sensitive); a new app's consumer key as (known after apply).
    """
    from sfconnect.cli._runtime import connect_target, load
    from sfconnect.errors import PlanError
    from sfconnect.plan.render import RENDERERS, render_text
    from sfconnect.plan.saved import saved_plan_json
    from sfconnect.plan.service import make_plan

    if fmt is None:
        fmt = _EXTENSIONS.get(out.suffix.lower(), "text") if out is not None else "text"
    project = load(app)
    if apps:
        click.echo("Warning: partial plan (--app): other apps are not compared.", err=True)
    with connect_target(app, project) as tc:
        result = make_plan(project, tc.name, tc.connection.api, apps=apps)
        org_id = tc.connection.session.org_id
    plan = result.plan
    if fmt == "json":
        doc = saved_plan_json(result, api_version=project.config.api_version, org_id=org_id)
        text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    else:
        buffer = io.StringIO()
        if fmt == "text":
            render_text(plan, buffer, color=_color(app))
        else:
            RENDERERS[fmt](plan, buffer)
        text = buffer.getvalue()
    if out is not None:
        write_report(text, out)
        summary = io.StringIO()
        render_text(plan, summary, color=_color(app))
        click.echo(summary.getvalue(), nl=False)
        click.echo(
            f"Plan written to {out}" + (f"; apply it with `sfconnect apply {out}`" if fmt == "json" else "")
        )
    else:
        click.echo(text, nl=False)
    # lint: the findings of the apps this plan creates or updates
    from sfconnect.cli.lint import plan_findings

    changed = [a.name for a in plan.apps if a.action in ("create", "update")]
    findings = plan_findings(project, result.plan.target, changed)
    if findings:
        click.echo(findings, nl=False, err=fmt != "text" or out is not None)
    if app.verbose:
        calls = ", ".join(f"{k}={v}" for k, v in plan.api_calls.items())
        click.echo(f"API calls: {calls}", err=True)
    if plan.has_errors():
        raise PlanError(f"{plan.summary().errors} app(s) cannot be planned; see the errors above")
    return Outcome.FOUND if detailed_exitcode and plan.has_changes() else Outcome.OK


def _color(app: AppContext) -> bool:
    if app.color is not None:
        return app.color
    import sys

    return sys.stdout.isatty()
