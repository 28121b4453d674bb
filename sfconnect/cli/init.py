"""``sfconnect init``: scaffold a project (project file, an example app, .gitignore entries, CI files).

The files and the rules for writing them are `sfconnect.scaffold.project`'s; this command parses the options,
writes, and says what to do next.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from sfconnect.cli._options import new_project_dir_option
from sfconnect.cli.context import AppContext, Outcome, pass_app
from sfconnect.scaffold.project import (
    PLACEHOLDER_REF,
    ActionRef,
    CiKind,
    parse_action_ref,
    resolve_action_ref,
    scaffold,
    write_scaffold,
)

__all__ = ["init_command"]


def _check_ref(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        try:
            parse_action_ref(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc
    return value


@click.command("init", short_help="Scaffold a project (files, .gitignore, CI workflows).")
@click.option(
    "--ci",
    type=click.Choice(["github", "gitlab", "none"]),
    default="github",
    show_default=True,
    help="CI files to write: GitHub Actions workflows, a GitLab CI pipeline, or none.",
)
@click.option(
    "--action-ref",
    metavar="OWNER/REPO@SHA",
    callback=_check_ref,
    help="The sfconnect repository and commit the CI files use (default: the commit this sfconnect "
    "was installed from, when it was installed from GitHub; else a placeholder to replace).",
)
@new_project_dir_option
@pass_app
def init_command(app: AppContext, ci: CiKind, action_ref: str | None) -> Outcome:
    """Create a project in the current directory (or -C DIR): sfconnect.yaml, an example app in apps/,
    .gitignore entries and CI files.

    Existing files are never overwritten: when any file to write exists, nothing is written. An existing
    .gitignore gets only the entries it lacks.
    """
    ref = resolve_action_ref(action_ref)
    for written in write_scaffold(app.project_dir, scaffold(ci, ref)):
        click.echo(f"{written.action} {written.path}")
    _next_steps(app.project_dir, ci, ref)
    return Outcome.OK


def _next_steps(root: Path, ci: CiKind, ref: ActionRef) -> None:
    if ci != "none":
        where = ".github/workflows/" if ci == "github" else ".gitlab-ci.yml"
        if ref.source == "placeholder":
            click.echo(
                f"\nThe CI files in {where} name sfconnect as {PLACEHOLDER_REF}: replace it with the sfconnect "
                "repository and release commit you use (init --action-ref OWNER/REPO@SHA writes them)."
            )
        else:
            click.echo(f"\nThe CI files in {where} use sfconnect at {ref.uses} ({_ref_origin(ref)}).")
        click.echo(
            "They plan a target named `production`: uncomment it in sfconnect.yaml (docs/ci.md in the sfconnect repository)."
        )
    option = "" if root.resolve() == Path.cwd().resolve() else f" -C {_shell_path(root)}"
    click.echo("\nNext, try the example app against the embedded local org:")
    click.echo(f"  sfconnect validate{option}")
    click.echo(f"  sfconnect plan{option}")
    click.echo(f"  sfconnect apply{option}")
    click.echo(f"  sfconnect smoke{option}")
    click.echo(
        "The local org is seeded from localorg-seed.yaml with the user the example app admits; give your own "
        "apps' permission sets, profiles and test users there too, then `sfconnect localorg reset`."
    )


def _ref_origin(ref: ActionRef) -> str:
    return "from --action-ref" if ref.source == "option" else "the commit this sfconnect was installed from"


def _shell_path(path: Path) -> str:
    text = str(path)
    return text if re.fullmatch(r"[\w./~+-]+", text) else "'" + text.replace("'", "'\\''") + "'"
