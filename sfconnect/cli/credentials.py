"""``sfconnect credentials`` and ``sfconnect rotate``: consumer keys and secrets through the org's credentials API."""

from __future__ import annotations

import click

from sfconnect.cli._options import project_dir_option, target_option, verbose_option
from sfconnect.cli.context import AppContext, Outcome, pass_app

__all__ = ["credentials_command", "rotate_command"]

_SINK_HELP = (
    "Where to publish: file:PATH (JSON, or dotenv when PATH ends in .env; mode 0600) or github[:OWNER/REPO] "
    "(GitHub Actions secrets through `gh secret set`, the value on standard input)."
)


@click.command("credentials")
@click.argument("apps", nargs=-1)
@click.option(
    "--part",
    type=click.Choice(["key", "secret", "both"]),
    default="both",
    show_default=True,
    help="What to read: the consumer key (an identifier), the secret, or both.",
)
@click.option("--to", "sink", metavar="SINK", default=None, help=_SINK_HELP)
@click.option("--reveal", is_flag=True, help="Print secrets on standard output (never done otherwise).")
@project_dir_option
@target_option
@verbose_option
@pass_app
def credentials_command(
    app: AppContext, apps: tuple[str, ...], part: str, sink: str | None, reveal: bool
) -> Outcome:
    """Read apps' consumer keys and secrets from the org and hand them to a sink.

    APPS are app names or globs (default: every app of the target with OAuth). Values are named
    SFCONNECT_<APP>_CONSUMER_KEY and SFCONNECT_<APP>_CONSUMER_SECRET, the names smoke reads. Keys are printed;
    secrets only go to the sink, or to standard output with --reveal. The org needs "Allow access to External
    Client App consumer secrets via REST API" and the user "External Client App Developer" and "View Client
    Secret" (docs/credentials.md).
    """
    from sfconnect.cli._runtime import connect_target, load
    from sfconnect.credentials import entries_for, parse_sink, read_credentials
    from sfconnect.credentials.service import apps_with_oauth, select_apps
    from sfconnect.org.credentials import CredentialsClient

    destination = parse_sink(sink, environ=app.environ) if sink else None
    project = load(app)
    with connect_target(app, project) as tc:
        names = select_apps(apps, apps_with_oauth(project, tc.name))
        if not names:
            click.echo(f"target {tc.name} has no app with OAuth", err=True)
            return Outcome.OK
        with CredentialsClient(tc.connection.session, target=tc.name) as client:
            published = read_credentials(client, names, part)  # type: ignore[arg-type]
            calls = client.calls
    entries = entries_for(published)
    if destination is not None:
        destination.write(entries)
        click.echo(f"wrote {', '.join(e.name for e in entries)} to {destination.describe()}", err=True)
    for entry in entries:
        if not entry.secret or reveal:
            click.echo(f"{entry.name}={entry.value}")
        elif destination is None:
            click.echo(f"{entry.name}=(sensitive: publish it with --to SINK, or print it with --reveal)")
    if app.verbose:
        click.echo(f"{calls} credentials API call(s)", err=True)
    return Outcome.OK


@click.command("rotate")
@click.argument("app_name", metavar="APP")
@click.option("--to", "sink", metavar="SINK", default=None, help=_SINK_HELP)
@click.option("--dry-run", is_flag=True, help="Show the steps and change nothing.")
@project_dir_option
@target_option
@verbose_option
@pass_app
def rotate_command(app: AppContext, app_name: str, sink: str | None, dry_run: bool) -> Outcome | int:
    """Rotate an External Client App's consumer key and secret with no downtime.

    Steps: stage new credentials; run the app's smoke checks with them; hand them to the sink; promote them to
    primary; show that the former ones are refused; delete what remains staged. If a smoke check fails,
    nothing is promoted. An interrupted rotation finishes when run again (the state lives in the org).
    """
    from sfconnect.cli._runtime import connect_target, load, smoke_environment
    from sfconnect.credentials import parse_sink, rotate_app
    from sfconnect.credentials.service import app_to_rotate
    from sfconnect.org.credentials import CredentialsClient
    from sfconnect.smoke import render_text

    destination = parse_sink(sink, environ=app.environ) if sink else None
    project = load(app)
    # The target's connection first: a local org it serves is then found and reused by smoke_environment.
    with connect_target(app, project) as tc, smoke_environment(app, project, tc.name) as (env, apps):
        spec = app_to_rotate(apps, app_name, env.target)
        with CredentialsClient(tc.connection.session, target=tc.name) as c:
            result = rotate_app(
                c,
                spec,
                env,
                project.config.smoke,
                destination,
                environ=app.environ,
                base_dir=project.directory,
                dry_run=dry_run,
                progress=(lambda m: click.echo(m, err=True)) if app.verbose else (lambda _m: None),
            )
    marks = {"done": "done", "skipped": "skip", "would": "would", "failed": "FAILED"}
    click.echo(f"{'Dry run: rotation' if dry_run else 'Rotation'} of {app_name} on {env.target}")
    for step in result.steps:
        click.echo(f"  {step.number}. {marks[step.status]:6} {step.name}: {step.detail}")
    if result.smoke is not None and result.smoke.status != "passed":
        click.echo(render_text(result.smoke), nl=False)
    if not result.ok:
        click.echo("The rotation did not finish; see the failed step.", err=True)
        return 1
    return Outcome.OK
