"""``sfconnect schema``: print or write the JSON Schemas of the YAML files."""

from __future__ import annotations

from pathlib import Path

import click

from sfconnect.cli._options import OutputPath
from sfconnect.cli.context import Outcome

__all__ = ["schema_command"]


@click.command("schema")
@click.option(
    "--which",
    type=click.Choice(["apps", "project"]),
    default="apps",
    show_default=True,
    help="Which schema to print (without --out).",
)
@click.option(
    "--out",
    type=OutputPath(file_okay=False),
    help="Write apps.schema.json and project.schema.json into this directory (only files that changed).",
)
def schema_command(which: str, out: Path | None) -> Outcome:
    """Print the JSON Schema of app files (or of sfconnect.yaml), or write both with --out.

    Editors use it through the '# yaml-language-server: $schema=...' comment at the top of a YAML file.
    """
    from sfconnect.spec.schema import SCHEMA_FILES, app_schema, project_schema, render

    schemas = {"apps": app_schema, "project": project_schema}
    if out is None:
        click.echo(render(schemas[which]()), nl=False)
        return Outcome.OK
    out.mkdir(parents=True, exist_ok=True)
    for file_name, name in SCHEMA_FILES.items():
        path = out / file_name
        text = render(schemas[name]())
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            click.echo(f"wrote {path}")
        else:
            click.echo(f"unchanged {path}")
    return Outcome.OK
