"""``sfconnect import`` (source tree or live org -> YAML) and ``sfconnect export`` (YAML -> metadata files)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from sfconnect.cli._options import (
    OutputPath,
    color_option,
    new_project_dir_option,
    project_dir_option,
    target_option,
    verbose_option,
)
from sfconnect.cli.context import AppContext, Outcome, pass_app
from sfconnect.errors import ConfigError, Issue, MetadataError

if TYPE_CHECKING:
    from sfconnect.metadata.component import Component
    from sfconnect.metadata.importer import ImportResult

__all__ = ["export_command", "import_command"]


def _report(result: ImportResult) -> None:
    for issue in (*result.warnings, *result.errors):
        click.echo(str(issue), err=True)


@click.command("import")
@click.option(
    "--from-source",
    "source",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="An SFDX project, package folder or mdapi folder to import (instead of a target org).",
)
@target_option
@click.option("--app", "apps", multiple=True, metavar="NAME", help="Import only this app (repeatable).")
@click.option(
    "--out",
    type=OutputPath(file_okay=False),
    required=True,
    help="Folder for the app files (one <App>.yaml per app); certificates go to certs/ in the project.",
)
@click.option(
    "--kind",
    type=click.Choice(["ConnectedApp", "ExternalClientApp"]),
    default=None,
    help="Import only apps of this kind.",
)
@click.option("--force", is_flag=True, help="Replace existing app and certificate files.")
@click.option(
    "--skip-invalid",
    is_flag=True,
    hidden=True,
    help="Kept for compatibility: the apps that can be imported are always written.",
)
@new_project_dir_option
@color_option
@verbose_option
@pass_app
def import_command(
    app: AppContext,
    source: Path | None,
    apps: tuple[str, ...],
    out: Path,
    kind: str | None,
    force: bool,
    skip_invalid: bool,
) -> Outcome:
    """Turn existing Connected Apps and External Client Apps into YAML, one file per app.

    Reads an SFDX source tree or mdapi folder (--from-source DIR) or a target org (-t TARGET). Consumer keys
    are dropped, consumer secrets become env: references, certificates are written to certs/. Every app is
    checked to compile back to exactly what was read; values without a YAML word go to the metadata: escape
    hatch, each named. Files and apps that cannot be imported are skipped and named, the others are written,
    and the exit code is then 1.
    """
    from sfconnect.metadata.importer import import_components, write_import

    if source is not None and app.target is not None:
        raise click.UsageError("use either --from-source DIR or -t TARGET, not both")
    unreadable: list[Issue] = []
    components = _read(app, source, apps, unreadable)
    result = import_components(components, only=apps, kind=kind)
    _report(result)
    skipped = [*unreadable, *result.errors]
    for issue in unreadable:
        click.echo(str(issue), err=True)
    if not result.apps:
        if skipped:
            raise MetadataError(f"nothing was imported: {len(skipped)} file(s) or app(s) skipped (see above)")
        raise ConfigError("no Connected App or External Client App found to import")
    out_dir = out if out.is_absolute() else Path.cwd() / out
    written = write_import(
        result.apps, out_dir, project_dir=app.project_dir, overwrite=force, relative_to=source
    )
    for path in written:
        click.echo(f"wrote {path}")
    _warn_outside_globs(app, written)
    click.echo(
        f"Imported {len(result.apps)} app(s); run `sfconnect validate` and `sfconnect plan` to check them."
    )
    if skipped:
        click.echo("Skipped (not imported):", err=True)
        for issue in skipped:
            click.echo(f"  {issue.file or '<org>'}: {issue.message} [{issue.code}]", err=True)
        raise MetadataError(
            f"{len(skipped)} file(s) or app(s) were skipped (see above); the others were written"
        )
    return Outcome.OK


def _read(
    app: AppContext, source: Path | None, apps: tuple[str, ...], unreadable: list[Issue]
) -> list[Component]:
    """The components to import: from the source tree (unreadable files added to `unreadable`), or the org."""
    from sfconnect.cli._runtime import connect_target, load
    from sfconnect.metadata.formats import read_source_tree
    from sfconnect.org.apps import read_apps

    if source is not None:
        return read_source_tree(source, skipped=unreadable)
    project = load(app)
    with connect_target(app, project, require_values=False) as tc:
        return read_apps(tc.connection.api, apps)


def _warn_outside_globs(app: AppContext, written: list[Path]) -> None:
    """Say which written app files the project's ``apps:`` globs do not match (their apps would be ignored)."""
    from sfconnect.errors import SfconnectError
    from sfconnect.spec.load import PROJECT_FILE, files_outside_globs
    from sfconnect.spec.project import DEFAULT_APP_GLOBS

    patterns: tuple[str, ...] = DEFAULT_APP_GLOBS
    if (app.project_dir / PROJECT_FILE).is_file():
        from sfconnect.cli._runtime import load

        try:
            patterns = tuple(load(app).config.apps)
        except SfconnectError:
            return
    for path in files_outside_globs(app.project_dir, patterns, written):
        click.echo(
            f"warning: {path} matches no app glob of the project ({', '.join(patterns)}): validate, plan and "
            "apply will ignore it; add a glob to `apps:` in sfconnect.yaml, or import into apps/",
            err=True,
        )


@click.command("export")
@target_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["source", "mdapi"]),
    default="source",
    show_default=True,
    help="source: <out>/<folder>/<Name>.<suffix>-meta.xml (an SFDX package folder); mdapi: package.xml layout.",
)
@click.option("--app", "apps", multiple=True, metavar="NAME", help="Export only this app (repeatable).")
@click.option(
    "--out",
    type=OutputPath(),
    required=True,
    help="Folder to write (with --zip: the zip file to write).",
)
@click.option("--zip", "as_zip", is_flag=True, help="Write a deploy zip (mdapi layout, files at the root).")
@project_dir_option
@color_option
@verbose_option
@pass_app
def export_command(app: AppContext, fmt: str, apps: tuple[str, ...], out: Path, as_zip: bool) -> Outcome:
    """Write the compiled components of a target's apps as metadata files, for pipelines using the sf CLI.

    The target's overrides apply (-t, or the default target); no org is contacted. Consumer keys and secrets
    are never written. Apps marked `state: absent` go to destructiveChanges.xml (mdapi and --zip); with the
    source format they are listed, to delete with the sf CLI's --post-destructive-changes.
    """
    from sfconnect.cli._runtime import load, resolve_target
    from sfconnect.metadata.formats import write_export
    from sfconnect.plan.service import export_target

    project = load(app)
    export = export_target(project, resolve_target(app, project)[0], apps=apps)
    if export.absent and fmt == "source" and not as_zip:
        click.echo(
            f"Not exported (state: absent): {', '.join(export.absent)}; the mdapi format writes them to "
            "destructiveChanges.xml",
            err=True,
        )
    layout: Literal["source", "mdapi", "zip"] = "zip" if as_zip else "mdapi" if fmt == "mdapi" else "source"
    written = write_export(
        export.components, export.deletions, out, layout=layout, api_version=export.api_version
    )
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(
        f"Exported {len(export.components)} component(s) of {export.exported_apps} app(s) for target "
        f"{export.target}."
    )
    return Outcome.OK
