"""``sfconnect plan``: what applying the YAML would change in a target org."""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sfconnect.cli.context import AppContext, Outcome, pass_app
from sfconnect.cli.options import color_option, project_dir_option, target_option, verbose_option

if TYPE_CHECKING:
    from sfconnect.plan.service import PlanResult
    from sfconnect.spec.load import Project

__all__ = ["color_for", "plan_command", "render_plan", "timings_line", "write_report"]

_RENDERINGS = {".md": "markdown", ".markdown": "markdown", ".txt": "text"}
"""Extensions that name a rendering for reading; any other file given to --out is a saved plan."""


def out_format(out: Path, fmt: str | None, single: bool) -> str:
    """The format of an --out file: its extension's rendering, else --format (one file), else a saved plan."""
    rendering = _RENDERINGS.get(out.suffix.lower())
    if rendering is not None:
        return rendering
    return fmt if fmt is not None and single else "json"


def write_report(text: str, out: Path) -> None:
    """Write a report file whole (a temporary file renamed into place: never half a report)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)


def timings_line(calls: Mapping[str, int], seconds: Mapping[str, float], total: float, *, what: str) -> str:
    """``-v``: the API calls per operation with the time each took, and the command's wall time."""
    parts = ", ".join(f"{k}={v} ({seconds.get(k, 0.0):.2f}s)" for k, v in sorted(calls.items()))
    return f"API calls: {parts or 'none'}; {what} took {total:.2f}s"


def color_for(app: AppContext) -> bool:
    """Colour when asked (``--color``/``--no-color``), else on a terminal unless ``NO_COLOR`` is set (no-color.org)."""
    if app.color is not None:
        return app.color
    return sys.stdout.isatty() and not app.environ.get("NO_COLOR")


def render_plan(result: PlanResult, fmt: str, *, api_version: str, org_id: str, color: bool = False) -> str:
    """The plan in one format; JSON is always a saved plan that `apply` accepts."""
    from sfconnect.plan.render import render_markdown, render_text
    from sfconnect.plan.saved import saved_plan_json

    if fmt == "json":
        doc = saved_plan_json(result, api_version=api_version, org_id=org_id)
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    if fmt == "markdown":
        render_markdown(result.plan, buffer)
    else:
        render_text(result.plan, buffer, color=color)
    return buffer.getvalue()


def with_lint_warnings(project: Project, result: PlanResult) -> PlanResult:
    """The plan with the lint findings of each app it creates or updates added to that app's warnings.

    Warnings explain; apply never reads them. Every renderer shows them (text, the Markdown comment, JSON).
    """
    import dataclasses

    from sfconnect.lint.runner import lint_apps
    from sfconnect.plan.model import Plan

    changed = [a.name for a in result.plan.apps if a.action in ("create", "update")]
    if not changed:
        return result
    by_app: dict[str, list[str]] = {}
    for f in lint_apps(project, result.plan.target, changed).findings:
        if f.app is None:
            continue
        by_app.setdefault(f.app, []).append(
            f"lint {f.severity.upper()} {f.rule_id} {f.slug}: {f.message} ({f.location()})"
        )
    if not by_app:
        return result
    plan = result.plan
    apps = [dataclasses.replace(a, warnings=a.warnings + tuple(by_app.get(a.name, ()))) for a in plan.apps]
    new_plan = Plan.build(
        plan.target, apps, plan.unmanaged, partial=plan.partial, api_calls=dict(plan.api_calls)
    )
    return dataclasses.replace(result, plan=new_plan)


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
    type=click.Path(dir_okay=False, path_type=Path),
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
    from sfconnect.apply.validate import validate_plan
    from sfconnect.cli._runtime import connect_target, load, secret_resolver
    from sfconnect.errors import PlanError
    from sfconnect.plan.service import make_plan, with_secret_checks

    started = time.monotonic()
    project = load(app)
    if apps:
        click.echo("Warning: partial plan (--app): other apps are not compared.", err=True)
    with connect_target(app, project) as tc:
        result = make_plan(project, tc.name, tc.connection.api, apps=apps, concurrency=concurrency)
        result = with_secret_checks(result, secret_resolver(app, project))
        if check_only and result.plan.has_changes():
            result = validate_plan(
                tc.connection.api, result, secret_resolver(app, project), project.config.api_version
            )
        org_id = tc.connection.session.org_id
        seconds = dict(tc.connection.api.seconds)
    result = with_lint_warnings(project, result)
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
