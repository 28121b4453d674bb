"""``sfconnect smoke``: prove that each app's OAuth flows work as declared, and that what must be refused is.

Exit 0 when every check passed, 2 when a check failed, 1 when an error prevented checking.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from sfconnect.cli._options import OutputPath, color_option, project_dir_option, target_option, verbose_option
from sfconnect.cli.context import AppContext, Outcome, pass_app

if TYPE_CHECKING:
    from sfconnect.smoke import SmokeReport
    from sfconnect.spec.models import AppSpec

__all__ = ["smoke_command"]


@click.command("smoke")
@click.option("--app", "app_names", multiple=True, help="Check only this app (name or glob; repeatable).")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True
)
@click.option("--out", type=OutputPath(dir_okay=False), default=None, help="Write the report to FILE.")
@click.option(
    "--junit",
    type=OutputPath(dir_okay=False),
    default=None,
    help="Also write a JUnit XML report (one test case per check) to FILE.",
)
@click.option(
    "--wait-minutes",
    type=click.FloatRange(0, 120),
    default=None,
    help="How long to retry while new apps propagate (default: smoke.wait_minutes; 0 for a local org).",
)
@project_dir_option
@target_option
@color_option
@verbose_option
@pass_app
def smoke_command(
    app: AppContext,
    app_names: tuple[str, ...],
    fmt: str,
    out: Path | None,
    junit: Path | None,
    wait_minutes: float | None,
) -> Outcome | int:
    """Run token-flow smoke checks against a target's apps.

    Checks derive from each app's YAML: every flow it enables must work (a token is issued, checked with
    userinfo, then revoked), and every flow it disables, where an app or org switch backs it, must be refused.
    Against the embedded local org the interactive flows run end to end with its seeded users.
    """
    from sfconnect.cli._render import color_for, echo_report, write_report
    from sfconnect.cli._runtime import load, smoke_environment
    from sfconnect.smoke import deprecated_variables, render_junit, run_smoke

    project = load(app)

    def progress(message: str) -> None:
        if app.verbose or "propagate" in message:
            click.echo(message, err=True)

    with smoke_environment(app, project, app.target, wait_minutes=wait_minutes) as (env, apps):
        if env.credentials_note:
            click.echo(f"smoke: {env.credentials_note}", err=True)
        for warning in deprecated_variables([a.name for a in apps], app.environ):
            click.echo(warning, err=True)
        report = run_smoke(
            _selected(apps, app_names, env.target),
            env,
            project.config.smoke,
            environ=app.environ,
            base_dir=project.directory,
            progress=progress,
        )
    if not report.results and not report.errors:
        report.errors.append(f"target {env.target} has no app with OAuth to check")
    color = fmt == "text" and out is None and color_for(app)
    echo_report(_rendered(report, fmt, color), out, color=color)
    if junit is not None:
        write_report(render_junit([report]), junit)
        click.echo(f"wrote {junit}", err=True)
    if report.status == "error":
        return 1
    return Outcome.FOUND if report.status == "failed" else Outcome.OK


def _selected(apps: list[AppSpec], patterns: tuple[str, ...], target: str) -> list[AppSpec]:
    """The apps `--app` names (names or globs); every pattern must match one."""
    from fnmatch import fnmatchcase

    if not patterns:
        return apps
    unknown = [n for n in patterns if not any(fnmatchcase(a.name, n) for a in apps)]
    if unknown:
        raise click.BadParameter(
            f"no app of target {target} matches {', '.join(unknown)}", param_hint="--app"
        )
    return [a for a in apps if any(fnmatchcase(a.name, n) for n in patterns)]


def _rendered(report: SmokeReport, fmt: str, color: bool) -> str:
    from sfconnect.smoke import render_json, render_markdown, render_text

    if fmt == "text":
        return render_text(report, color=color)
    return render_markdown(report) if fmt == "markdown" else render_json([report])
