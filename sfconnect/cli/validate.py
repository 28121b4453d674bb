"""``sfconnect validate``: check project and app files, reporting every issue with file:line:column."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sfconnect.cli._options import project_dir_option
from sfconnect.cli.context import AppContext, pass_app

__all__ = ["validate_command"]

if TYPE_CHECKING:
    from sfconnect.errors import Issue

    Result = tuple[Path, list[str], list[Issue]]


def _groups(project_dir: Path, paths: tuple[Path, ...]) -> list[tuple[Path, list[Path] | None]]:
    """Split PATHS into projects (directories holding sfconnect.yaml) and loose app files of `project_dir`."""
    from sfconnect.spec.load import PROJECT_FILE

    if not paths:
        return [(project_dir, None)]
    groups: list[tuple[Path, list[Path] | None]] = []
    loose: list[Path] = []
    for path in paths:
        if path.is_dir() and ((path / PROJECT_FILE).is_file() or (path / "apps").is_dir()):
            groups.append((path, None))
        elif path.name == PROJECT_FILE:
            groups.append((path.parent, None))
        else:
            loose.append(path)
    if loose:
        groups.append((project_dir, loose))
    return groups


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@project_dir_option
@pass_app
def validate_command(app: AppContext, paths: tuple[Path, ...], fmt: str) -> int:
    """Check the project's YAML: schema, references and semantic rules.

    PATHS are project directories (holding sfconnect.yaml or apps/), app files or directories of app
    files; without PATHS the project in the current directory (or -C DIR) is checked.

    Exit 0 when valid, 1 otherwise; unset ${env:VAR} variables are warnings.
    """
    from sfconnect.errors import SpecValidationError
    from sfconnect.spec.load import load_project

    results: list[Result] = []
    for directory, files in _groups(app.project_dir, paths):
        try:
            project = load_project(directory, environ=app.environ, paths=files)
        except SpecValidationError as exc:
            results.append((directory, [], list(exc.issues)))
        else:
            if files is not None and not project.apps and not project.warnings:
                continue  # directories given as PATHS that hold no app files (CI workflows, docs)
            results.append((directory, [a.name for a in project.apps], list(project.warnings)))
    errors = sum(1 for _, _, issues in results for i in issues if i.severity == "error")
    warnings = sum(1 for _, _, issues in results for i in issues if i.severity == "warning")
    if fmt == "json":
        click.echo(json.dumps(_as_json(results, errors, warnings), indent=2, sort_keys=True))
    else:
        _as_text(results, errors, warnings)
    return 1 if errors else 0


def _issue_json(issue: Issue) -> dict[str, object]:
    from sfconnect.errors import format_loc

    return {
        "severity": issue.severity,
        "code": issue.code,
        "message": issue.message,
        "file": issue.file,
        "line": issue.line,
        "column": issue.column,
        "path": format_loc(issue.loc),
        "hint": issue.hint,
    }


def _as_json(results: list[Result], errors: int, warnings: int) -> dict[str, object]:
    return {
        "format_version": "1.0",
        "valid": errors == 0,
        "projects": [
            {
                "directory": str(directory),
                "valid": not any(i.severity == "error" for i in issues),
                "apps": names,
                "issues": [_issue_json(i) for i in issues],
            }
            for directory, names, issues in results
        ],
        "summary": {"errors": errors, "warnings": warnings},
    }


def _as_text(results: list[Result], errors: int, warnings: int) -> None:
    for directory, names, issues in results:
        current = None
        for issue in issues:
            if issue.file != current:
                current = issue.file
                click.echo(f"{current}:")
            click.echo(f"  {issue}".replace("\n", "\n  "))
        n_err = sum(1 for i in issues if i.severity == "error")
        if n_err:
            click.echo(f"{directory}: invalid ({n_err} error(s))")
        else:
            click.echo(f"{directory}: {len(names)} app(s) valid")
    if len(results) > 1 or warnings:
        click.echo(f"{errors} error(s), {warnings} warning(s)")
