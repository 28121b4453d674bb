"""``sfconnect lint``: security rules over the YAML (or, with ``--live``, over every app of an org)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from sfconnect.cli._options import OutputPath, color_option, project_dir_option, target_option, verbose_option
from sfconnect.cli.context import AppContext, Outcome, pass_app

if TYPE_CHECKING:
    from sfconnect.lint.model import LintReport, Severity

__all__ = ["lint_command", "repo_prefix"]

_SEVERITIES = ["critical", "high", "medium", "low", "info"]
_EXTENSIONS = {".json": "json", ".sarif": "sarif", ".md": "markdown", ".markdown": "markdown"}


def repo_prefix(project_dir: Path) -> str:
    """The project directory relative to the enclosing git work tree ('' when none): SARIF URIs need it."""
    here = project_dir.resolve()
    for parent in (here, *here.parents):
        if (parent / ".git").exists():
            rel = here.relative_to(parent).as_posix()
            return "" if rel == "." else rel
    return ""


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@target_option
@click.option(
    "--live", is_flag=True, help="Audit every Connected App and External Client App of the target org."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif", "markdown"]),
    default=None,
    help="Output format (default text; with --out, taken from the file's extension).",
)
@click.option("--out", type=OutputPath(dir_okay=False), default=None, help="Write the report to FILE.")
@click.option(
    "--fail-on",
    type=click.Choice(_SEVERITIES),
    default=None,
    help="Gate: exit 2 when findings reach it (default: lint.fail_on, else high).",
)
@click.option(
    "--profile",
    type=click.Choice(["default", "production", "partner"]),
    default=None,
    help="Severity profile (default: lint.profile).",
)
@click.option(
    "--list-rules", is_flag=True, help="List the rules (text, or the docs page with --format markdown)."
)
@project_dir_option
@color_option
@verbose_option
@pass_app
def lint_command(
    app: AppContext,
    paths: tuple[Path, ...],
    live: bool,
    fmt: str | None,
    out: Path | None,
    fail_on: str | None,
    profile: str | None,
    list_rules: bool,
) -> Outcome:
    """Check the apps against security rules; findings point at the YAML key that causes them.

    PATHS limit the report to files under them. Without -t, apps are linted as written and for every
    target; with -t, as they go to that target. --live audits the org instead (installed apps too).
    Exit 0: nothing at or above the gate; 2: findings at or above it; 1: an error prevented linting.
    """
    from sfconnect.cli._render import color_for, write_report
    from sfconnect.lint.registry import RULES
    from sfconnect.lint.render import RENDERERS, render_rules_markdown, render_rules_text, render_sarif

    if fmt is None:
        fmt = _EXTENSIONS.get(out.suffix.lower(), "text") if out is not None else "text"
    if list_rules:
        text = render_rules_markdown(RULES) if fmt == "markdown" else render_rules_text(RULES)
        _emit(text, out, write_report)
        return Outcome.OK
    report = _report(app, paths, live, fail_on, profile)
    if fmt == "sarif":
        text = render_sarif(report, uri_prefix=repo_prefix(app.project_dir), version=_version())
    elif fmt == "text":
        from sfconnect.lint.render import render_text

        text = render_text(report, color=out is None and color_for(app))
    else:
        text = RENDERERS[fmt](report)
    _emit(text, out, write_report, color=fmt == "text" and out is None and color_for(app))
    if out is not None and fmt != "text":
        click.echo(RENDERERS["text"](report).splitlines()[-1])
    return Outcome.FOUND if report.failing() else Outcome.OK


def _report(
    app: AppContext, paths: tuple[Path, ...], live: bool, fail_on: str | None, profile: str | None
) -> LintReport:
    from sfconnect.cli._runtime import connect_target, load, resolve_target
    from sfconnect.errors import ConfigError
    from sfconnect.lint.runner import lint_live_project, lint_project

    project = load(app)
    gate = cast("Severity | None", fail_on)  # one of the severities: click validated it
    if live:
        with connect_target(app, project) as tc:
            return lint_live_project(tc.connection.api, project, tc.name, profile=profile, gate=gate)
    targets = None
    if app.target is not None:
        targets = [resolve_target(app, project)[0]]
    resolved = [p if p.is_absolute() else Path.cwd() / p for p in paths]
    for p in resolved:
        if not p.exists():
            raise ConfigError(f"{p}: no such file or directory")
    return lint_project(project, targets=targets, profile=profile, gate=gate, paths=resolved)


def _emit(text: str, out: Path | None, write: Callable[[str, Path], None], *, color: bool = False) -> None:
    if out is not None:
        write(text, out)
        click.echo(f"Report written to {out}", err=True)
    else:
        click.echo(text, nl=False, color=color)  # click strips ANSI codes off a terminal unless told


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sfconnect")
    except PackageNotFoundError:
        return ""
