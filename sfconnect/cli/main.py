"""The root command group and the one place where results and errors become exit codes.

Exit codes: 0 success (nothing found); 1 an error prevented the job (including usage errors, rewritten
from click's 2); 2 the command ran and found what it looks for (changes, drift, findings, failed checks).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import NamedTuple

import click

from sfconnect.cli.context import AppContext, Outcome
from sfconnect.errors import SfconnectError

__all__ = ["cli", "main", "run"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_FOUND = 2


class _Entry(NamedTuple):
    """Where a command lives and how ``sfconnect --help`` summarises it."""

    module: str
    """Its module under `sfconnect.cli`."""
    attribute: str
    """The command object's name in that module."""
    summary: str
    """The first sentence of the command's help (or its ``short_help``, when `fixed`)."""
    fixed: bool = False
    """The command sets ``short_help``: shown whole, never shortened."""


COMMANDS: dict[str, _Entry] = {
    "apply": _Entry(
        "apply",
        "apply_command",
        "Apply the YAML to the target org, or apply a saved plan (PLANFILE) exactly.",
    ),
    "conformance": _Entry(
        "conformance",
        "conformance_command",
        "Run the conformance suite: behaviour probes compared with what Salesforce documents.",
    ),
    "credentials": _Entry(
        "credentials",
        "credentials_command",
        "Read apps' consumer keys and secrets from the org and hand them to a sink.",
    ),
    "drift": _Entry(
        "drift",
        "drift_command",
        "Check whether target orgs still match the YAML (someone may have changed an app in Setup).",
    ),
    "export": _Entry(
        "import_export",
        "export_command",
        "Write the compiled components of a target's apps as metadata files, for pipelines using the sf CLI.",
    ),
    "import": _Entry(
        "import_export",
        "import_command",
        "Turn existing Connected Apps and External Client Apps into YAML, one file per app.",
    ),
    "init": _Entry(
        "init", "init_command", "Scaffold a project (files, .gitignore, CI workflows).", fixed=True
    ),
    "keygen": _Entry(
        "keygen",
        "keygen_command",
        "Create every key pair and self-signed certificate the project references and that does not exist.",
    ),
    "lint": _Entry(
        "lint",
        "lint_command",
        "Check the apps against security rules; findings point at the YAML key that causes them.",
    ),
    "localorg": _Entry(
        "localorg", "localorg", "The embedded local org: a Salesforce-compatible server on this machine."
    ),
    "migrate": _Entry(
        "migrate",
        "migrate_command",
        "Move the Connected App APP to an External Client App (see docs/migrate.md).",
    ),
    "plan": _Entry(
        "plan", "plan_command", "Compare the YAML with the target org and show what apply would change."
    ),
    "rotate": _Entry(
        "credentials",
        "rotate_command",
        "Rotate an External Client App's consumer key and secret with no downtime.",
    ),
    "schema": _Entry(
        "schema",
        "schema_command",
        "Print the JSON Schema of app files (or of sfconnect.yaml), or write both with --out.",
    ),
    "smoke": _Entry("smoke", "smoke_command", "Run token-flow smoke checks against a target's apps."),
    "status": _Entry(
        "apply",
        "status_command",
        "Follow a deploy (one that apply left running) to its end and report it like apply does.",
    ),
    "validate": _Entry(
        "validate", "validate_command", "Check the project's YAML: schema, references and semantic rules."
    ),
}
"""Every command by name. A command's module is imported only when that command runs or shows its help, so
that each command imports only what it uses; ``sfconnect --help`` lists them from here
(tests/cli/test_lazy_commands.py checks that each entry matches its command)."""


class LazyGroup(click.Group):
    """A group whose commands are imported on first use, from `COMMANDS`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        entry = COMMANDS.get(cmd_name)
        if command is None and entry is not None:
            import importlib

            command = getattr(importlib.import_module(f"sfconnect.cli.{entry.module}"), entry.attribute)
            assert isinstance(command, click.Command), entry
            self.add_command(command, cmd_name)
        return command

    def _listed(self, name: str) -> click.Command | None:
        """The command itself once loaded, else a stand-in that carries its summary (nothing imported)."""
        command = self.commands.get(name)
        entry = COMMANDS.get(name)
        if command is not None or entry is None:
            return command
        if entry.fixed:
            return click.Command(name, short_help=entry.summary)
        return click.Command(name, help=entry.summary)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands section of ``--help``, laid out as click does, without importing any command."""
        commands = [
            (name, command)
            for name in self.list_commands(ctx)
            if (command := self._listed(name)) is not None and not command.hidden
        ]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in commands])


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="sfconnect", prog_name="sfconnect")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Salesforce Connected Apps and External Client Apps as code.

    Describe apps in YAML, then validate, plan, apply, smoke-test and check for drift.
    With no target configured, org commands use the project's embedded local org.
    """
    ctx.ensure_object(AppContext)


def _report_error(exc: SfconnectError) -> None:
    from sfconnect.cli._errors import error_lines

    for line in error_lines(exc):
        click.echo(line, err=True)


def run(args: Sequence[str] | None = None, obj: AppContext | None = None) -> int:
    """Run the CLI with `args` and return the exit code instead of exiting (tests call this)."""
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
