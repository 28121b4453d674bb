"""``sfconnect conformance``: run the behaviour suite against an org and report where it differs from Salesforce.

Exit 0 when every probe that ran matches, 2 when a probe differs, 1 when an error prevented the run (or a
probe failed, or cleanup left something behind).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from sfconnect.cli._options import OutputPath, project_dir_option, target_option, verbose_option
from sfconnect.cli.context import AppContext, Outcome, pass_app

if TYPE_CHECKING:
    from sfconnect.org.session import OrgSession

__all__ = ["conformance_command"]


@click.command("conformance")
@click.option(
    "--only",
    multiple=True,
    metavar="AREA|PROBE",
    help="Run only this area (metadata, deploy, oauth, rest, credentials) or probe id (repeatable).",
)
@click.option("--skip", multiple=True, metavar="PROBE", help="Leave out this probe id or area (repeatable).")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True
)
@click.option("--out", type=OutputPath(dir_okay=False), default=None, help="Write the report to FILE.")
@click.option(
    "--allow-production", is_flag=True, help="Run even when the target is a production org (not advised)."
)
@click.option(
    "--cleanup",
    "cleanup_only",
    is_flag=True,
    help="Only remove what earlier runs left (SfcConf_* components).",
)
@click.option("--list", "list_only", is_flag=True, help="List the probes with their sources, and exit.")
@click.option(
    "--wait-minutes",
    type=click.FloatRange(0, 30),
    default=None,
    help="How long to retry while new apps propagate to OAuth (default: 10 for Salesforce, 0 for a local org).",
)
@project_dir_option
@target_option
@verbose_option
@pass_app
def conformance_command(
    app: AppContext,
    only: tuple[str, ...],
    skip: tuple[str, ...],
    fmt: str,
    out: Path | None,
    allow_production: bool,
    cleanup_only: bool,
    list_only: bool,
    wait_minutes: float | None,
) -> Outcome | int:
    """Run the conformance suite: behaviour probes compared with what Salesforce documents.

    Meant for sandboxes and scratch orgs: it refuses production orgs unless --allow-production is given, says
    what it will create before starting, creates only components named SfcConf_<run id>_..., and removes
    them at the end (after a failure or Ctrl-C too). `--cleanup` removes what an interrupted run left.
    """
    from sfconnect.cli._render import echo_report
    from sfconnect.cli._runtime import conformance_users, connect_target, load
    from sfconnect.conformance import ConformanceOptions, render, run_conformance

    if list_only:
        return _list_probes()
    project = load(app)

    def say(message: str) -> None:
        if app.verbose or not message.startswith("running "):
            click.echo(message, err=True)

    with connect_target(app, project) as tc:
        if cleanup_only:
            return _cleanup(tc.connection.session, tc.name)
        browser, restricted = conformance_users(app, project, tc.target, tc.endpoint)
        minutes = wait_minutes if wait_minutes is not None else (0.0 if tc.endpoint is not None else 10.0)
        options = ConformanceOptions(
            only=only,
            exclude=skip,
            allow_production=allow_production,
            browser_user=browser,
            restricted_user=restricted,
            propagation_seconds=minutes * 60,
        )
        report = run_conformance(tc.connection.session, tc.connection.api, options, target=tc.name, say=say)
    echo_report(render(report, fmt), out)
    if report.status == "error":
        return 1
    return Outcome.FOUND if report.status == "differs" else Outcome.OK


def _list_probes() -> Outcome:
    """``--list``: every probe with its area, the rows it checks and its source."""
    from sfconnect.conformance import load_catalog

    for entry in load_catalog():
        rows = ", ".join(str(r) for r in entry.probe.rows)
        click.echo(f"{entry.probe.id}  [{entry.probe.area}]{f' rows {rows}' if rows else ''}")
        click.echo(f"    {entry.probe.title}")
        click.echo(f"    source ({entry.expected.source.kind}): {entry.expected.source.cite()}")
    return Outcome.OK


def _cleanup(session: OrgSession, target: str) -> Outcome | int:
    """``--cleanup``: remove what earlier runs left."""
    from sfconnect.conformance import cleanup_leftovers

    removed, errors = cleanup_leftovers(session, target=target)
    for name in removed:
        click.echo(f"removed {name}")
    for error in errors:
        click.echo(f"error: {error}", err=True)
    click.echo(f"cleanup: removed {len(removed)} component(s)", err=True)
    return 1 if errors else Outcome.OK
