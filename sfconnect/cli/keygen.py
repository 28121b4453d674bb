"""``sfconnect keygen``: create the key pairs and certificates the project references but lacks."""

from __future__ import annotations

import click

from sfconnect.cli._options import project_dir_option
from sfconnect.cli.context import AppContext, Outcome, pass_app

__all__ = ["keygen_command"]


@click.command("keygen")
@click.option(
    "--rotate", "rotate", metavar="APP", default=None, help="Rotate APP's JWT key pair and certificate."
)
@click.option(
    "--finish", is_flag=True, help="With --rotate: delete the old key pair (after apply and smoke)."
)
@project_dir_option
@pass_app
def keygen_command(app: AppContext, rotate: str | None, finish: bool) -> Outcome:
    """Create every key pair and self-signed certificate the project references and that does not exist.

    Private keys are written with mode 0600 and never printed; existing files are kept. Keep private keys out
    of version control (the examples' .gitignore does).

    With --rotate APP: keep APP's current pair as PATH.old and make a new one at the referenced paths; then
    `plan` shows the certificate change, `apply` sets it, and `smoke` checks that the new key is accepted and
    the old one refused; `keygen --rotate APP --finish` deletes the old pair.
    """
    from sfconnect.cli._runtime import load
    from sfconnect.metadata.certificates import finish_rotation, generate, keygen_jobs, start_rotation

    project = load(app)
    if finish and rotate is None:
        raise click.BadParameter("--finish needs --rotate APP", param_hint="--finish")
    if rotate is not None:
        if finish:
            removed = finish_rotation(project, rotate)
            click.echo(
                f"removed {len(removed)} old file(s) of {rotate}" if removed else "no old key pair left"
            )
            return Outcome.OK
        for path in start_rotation(project, rotate):
            click.echo(f"created new {'private key' if path.suffix == '.key' else 'certificate'} {path}")
        click.echo(
            f"The old pair is kept as *.old. Next: `sfconnect plan` (shows the certificate change), "
            f"`sfconnect apply`, `sfconnect smoke` (new key accepted, old refused), then "
            f"`sfconnect keygen --rotate {rotate} --finish`."
        )
        return Outcome.OK
    jobs = keygen_jobs(project)
    created = 0
    for job in jobs:
        if not job.missing():
            continue
        for path in generate(job):
            kind = "private key" if path == job.key_path else "certificate"
            click.echo(f"created {kind} {path}" + (f" (app {job.app})" if job.app else ""))
            created += 1
    if not jobs:
        click.echo("The project references no key pairs or certificates.")
    elif not created:
        click.echo(f"All {len(jobs)} key pair(s) the project references exist.")
    return Outcome.OK
