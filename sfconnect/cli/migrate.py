"""``sfconnect migrate APP --check | --adopt | --new-name NAME``: Connected App -> External Client App."""

from __future__ import annotations

import io
from pathlib import Path

import click

from sfconnect.cli._options import OutputPath, project_dir_option, target_option
from sfconnect.cli.context import AppContext, Outcome, pass_app

__all__ = ["migrate_command"]


@click.command("migrate")
@click.argument("app_name", metavar="APP")
@click.option("--check", "check_", is_flag=True, help="Report eligibility and where every setting goes.")
@click.option("--adopt", is_flag=True, help="After Setup's migration: rewrite APP's YAML as its new ECA.")
@click.option(
    "--new-name", metavar="NAME", default=None, help="Write a new External Client App NAME beside APP."
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="--check"
)
@click.option(
    "--out",
    type=OutputPath(dir_okay=False),
    default=None,
    help="Write the --check report here.",
)
@target_option
@project_dir_option
@pass_app
def migrate_command(
    app: AppContext,
    app_name: str,
    check_: bool,
    adopt: bool,
    new_name: str | None,
    fmt: str,
    out: Path | None,
) -> Outcome:
    """Move the Connected App APP to an External Client App (see docs/migrate.md).

    --check reads APP from the target org: eligibility for Setup's "Migrate to External Client App", every
    Connected App field with its destination, and what cannot carry over (exit 0 eligible, 2 not eligible).

    --adopt runs after Setup's button (local org: `sfconnect localorg migrate APP`): it finds the read-only
    Connected App and the External Client App of the same name, rewrites APP's YAML as the External Client App
    with `migrated_from:`, and shows the plan, which has no changes when the migration carried everything.

    --new-name NAME writes a new External Client App NAME beside APP's file, to apply and smoke-test while the
    Connected App still serves its clients; retire the Connected App later with `state: absent`.
    """
    chosen = [flag for flag, on in (("--check", check_), ("--adopt", adopt), ("--new-name", new_name)) if on]
    if len(chosen) != 1:
        raise click.UsageError("choose one of --check, --adopt or --new-name NAME")
    if new_name is not None:
        return _side_by_side(app, app_name, new_name)
    if adopt:
        return _adopt(app, app_name)
    return _check(app, app_name, fmt, out)


def _check(app: AppContext, name: str, fmt: str, out: Path | None) -> Outcome:
    from sfconnect.cli._render import write_report
    from sfconnect.cli._runtime import connect_target, load
    from sfconnect.migrate import check, render_json, render_text

    project = load(app)
    with connect_target(app, project) as tc:
        report = check(project, tc.connection.api, tc.name, name)
    if fmt == "json":
        text = render_json(report)
    else:
        buffer = io.StringIO()
        render_text(report, buffer)
        text = buffer.getvalue()
    if out is not None:
        write_report(text, out)
        click.echo(f"Report written to {out}: {name} is {'' if report.eligible else 'NOT '}eligible")
    else:
        click.echo(text, nl=False)
    return Outcome.OK if report.eligible else Outcome.FOUND


def _adopt(app: AppContext, name: str) -> Outcome:
    from sfconnect.cli._runtime import connect_target, load, reload
    from sfconnect.migrate import adopt
    from sfconnect.plan.render import render_text as render_plan_text
    from sfconnect.plan.service import make_plan

    project = load(app)
    with connect_target(app, project) as tc:
        result = adopt(project, tc.connection.api, tc.name, name)
        click.echo(
            f"{name}: {result.file} now declares the External Client App (migrated_from: ConnectedApp {name})"
        )
        for note in result.notes:
            click.echo(f"  note: {note}")
        project = reload(app)
        plan = make_plan(project, tc.name, tc.connection.api, apps=[name]).plan
    if plan.has_changes():
        buffer = io.StringIO()
        render_plan_text(plan, buffer)
        click.echo(buffer.getvalue(), nl=False)
        click.echo(
            f"The External Client App in target {tc.name!r} differs from the YAML above: `sfconnect apply` would "
            "push the YAML's values; edit the YAML to keep the org's."
        )
    else:
        click.echo(
            f"Plan for target {tc.name!r}: no changes. The YAML matches the migrated External Client App."
        )
    return Outcome.OK


def _side_by_side(app: AppContext, name: str, new_name: str) -> Outcome:
    from sfconnect.cli._runtime import load, reload
    from sfconnect.migrate import side_by_side, side_by_side_warnings

    project = load(app)
    result = side_by_side(project, name, new_name)
    click.echo(
        f"Wrote {result.file}: External Client App {new_name}, converted from the Connected App {name}"
    )
    for note in result.notes:
        click.echo(f"  note: {note}")
    for warning in side_by_side_warnings(reload(app), name, new_name, result.file):
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        "Next: `sfconnect apply` creates it (with its own consumer key), `sfconnect smoke` proves both apps, "
        f"`sfconnect credentials {new_name} --to SINK` hands out the new key; move the clients to it, then set "
        f"`state: absent` on {name} and apply (it asks for the name)."
    )
    return Outcome.OK
