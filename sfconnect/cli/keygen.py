"""``sfconnect keygen``: create the key pairs and certificates the project references but lacks."""

from __future__ import annotations

import click

from sfconnect.cli.context import AppContext, Outcome, pass_app
from sfconnect.cli.options import project_dir_option

__all__ = ["keygen_command"]


@click.command("keygen")
@project_dir_option
@pass_app
def keygen_command(app: AppContext) -> Outcome:
    """Create every key pair and self-signed certificate the project references and that does not exist.

    Private keys are written with mode 0600 and never printed; existing files are kept. Keep private keys out
    of version control (the examples' .gitignore does).
    """
    from sfconnect.cli._runtime import load
    from sfconnect.metadata.certificates import generate, keygen_jobs

    project = load(app, require_values=False)
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
