"""The root command group and the one place where results and errors become exit codes.

Exit codes: 0 success (nothing found); 1 an error prevented the job (including usage errors, rewritten
from click's 2); 2 the command ran and found what it looks for (changes, drift, findings, failed checks).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import click

from sfconnect.cli.context import AppContext, Outcome
from sfconnect.errors import SfconnectError

__all__ = ["cli", "main", "run"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_FOUND = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="sfconnect", prog_name="sfconnect")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Salesforce Connected Apps and External Client Apps as code.

    Describe apps in YAML, then validate, plan, apply, smoke-test and check for drift.
    With no target configured, org commands use the project's embedded local org.
    """
    ctx.ensure_object(AppContext)


def _register_commands() -> None:
    """Attach the commands. Each lives in its own module under `sfconnect.cli`."""
    from sfconnect.cli.apply import apply_command, status_command
    from sfconnect.cli.conformance import conformance_command
    from sfconnect.cli.credentials import credentials_command, rotate_command
    from sfconnect.cli.drift import drift_command
    from sfconnect.cli.import_export import export_command, import_command
    from sfconnect.cli.init import init_command
    from sfconnect.cli.keygen import keygen_command
    from sfconnect.cli.lint import lint_command
    from sfconnect.cli.localorg import localorg
    from sfconnect.cli.migrate import migrate_command
    from sfconnect.cli.plan import plan_command
    from sfconnect.cli.schema import schema_command
    from sfconnect.cli.smoke import smoke_command
    from sfconnect.cli.validate import validate_command

    cli.add_command(init_command)
    cli.add_command(validate_command)
    cli.add_command(schema_command)
    cli.add_command(plan_command)
    cli.add_command(apply_command)
    cli.add_command(status_command)
    cli.add_command(drift_command)
    cli.add_command(keygen_command)
    cli.add_command(lint_command)
    cli.add_command(localorg)
    cli.add_command(import_command)
    cli.add_command(export_command)
    cli.add_command(smoke_command)
    cli.add_command(migrate_command)
    cli.add_command(credentials_command)
    cli.add_command(rotate_command)
    cli.add_command(conformance_command)


def _report_error(exc: SfconnectError) -> None:
    from sfconnect.cli._errors import error_lines

    for line in error_lines(exc):
        click.echo(line, err=True)


def run(args: Sequence[str] | None = None, obj: AppContext | None = None) -> int:
    """Run the CLI with `args` and return the exit code instead of exiting (tests call this)."""
    _register_commands()
    try:
        result = cli.main(args=list(args) if args is not None else None, standalone_mode=False, obj=obj)
    except SfconnectError as exc:
        _report_error(exc)
        return EXIT_ERROR
    except click.exceptions.Exit as exc:
        return EXIT_OK if exc.exit_code == 0 else EXIT_ERROR
    except click.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_ERROR
    except click.ClickException as exc:
        exc.show()
        return EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return EXIT_ERROR
    if result is Outcome.FOUND:
        return EXIT_FOUND
    if isinstance(result, int) and result in (EXIT_OK, EXIT_ERROR, EXIT_FOUND):
        return result
    return EXIT_OK


def main() -> None:
    """Console-script entry point."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        code = run()
    except Exception:  # unexpected: show the traceback, ask for a report
        logging.getLogger("sfconnect").exception("unexpected error")
        click.echo("This is a bug in sfconnect; please report it with the traceback above.", err=True)
        code = EXIT_ERROR
    sys.exit(code)
