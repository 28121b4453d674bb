"""``sfconnect drift``: does each target org still match the YAML? For CI: 0 in sync, 2 drift, 1 error."""

from __future__ import annotations

import io
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sfconnect.cli.context import AppContext, Outcome, pass_app
from sfconnect.cli.options import color_option, project_dir_option, verbose_option

if TYPE_CHECKING:
    from sfconnect.plan.model import Plan
    from sfconnect.spec.load import Project

__all__ = ["drift_command"]


def _plan_target(app: AppContext, project: Project, name: str) -> Plan:
    from sfconnect.cli._runtime import connect_target
    from sfconnect.plan.service import make_plan

    with connect_target(app, project, name) as tc:
        return make_plan(project, tc.name, tc.connection.api).plan


def _unset_variables(result: object) -> list[str]:
    """The unset variables that alone kept a target from being checked (empty for any other failure)."""
    from sfconnect.cli._runtime import UNSET_VARIABLE
    from sfconnect.errors import SpecValidationError

    if not isinstance(result, SpecValidationError) or not result.issues:
        return []
    if any(i.code != UNSET_VARIABLE for i in result.issues):
        return []
    found = [m for i in result.issues for m in re.findall(r"variable ([A-Za-z_][A-Za-z0-9_]*)", i.message)]
    return sorted(set(found)) or ["a variable"]


def _drifted(plan: Plan, project: Project) -> bool:
    if plan.has_changes():
        return True
    return project.config.unmanaged.policy == "drift" and bool(plan.unmanaged)


@click.command("drift")
@click.option(
    "-t", "--target", "targets", multiple=True, help="Target to check (repeatable; default: every target)."
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write the report to FILE."
)
@click.option(
    "--skip-unconfigured",
    is_flag=True,
    help="Skip (and report) targets whose ${env:...} settings are unset, instead of failing on them.",
)
@project_dir_option
@color_option
@verbose_option
@pass_app
def drift_command(
    app: AppContext, targets: tuple[str, ...], fmt: str, out: Path | None, skip_unconfigured: bool
) -> Outcome:
    """Check whether target orgs still match the YAML (someone may have changed an app in Setup).

    Several targets are checked concurrently. Exit 0 when every target checked is in sync, 2 when any drifted,
    1 when a target could not be checked (its cause is shown as `plan -t` shows it). With --skip-unconfigured,
    a target whose variables are unset is reported as skipped and does not count. Unmanaged apps count as drift
    only with `unmanaged: {policy: drift}`.
    """
    from sfconnect.cli._errors import error_lines
    from sfconnect.cli._runtime import load
    from sfconnect.cli.plan import color_for, write_report
    from sfconnect.errors import SfconnectError
    from sfconnect.plan.json_format import plan_to_json
    from sfconnect.plan.render import render_markdown, render_text

    project = load(app)
    names = list(targets) or sorted(project.config.targets)
    unknown = [n for n in names if n not in project.config.targets]
    if unknown:
        raise click.BadParameter(f"unknown target(s): {', '.join(unknown)}", param_hint="--target")
    results: dict[str, Plan | SfconnectError] = {}
    with ThreadPoolExecutor(max_workers=min(4, len(names))) as pool:
        futures = {name: pool.submit(_plan_target, app, project, name) for name in names}
        for name, future in futures.items():
            try:
                results[name] = future.result()
            except SfconnectError as exc:
                results[name] = exc
    buffer = io.StringIO()
    docs: list[object] = []
    skipped: set[str] = set()
    for name in names:
        result = results[name]
        missing = _unset_variables(result) if skip_unconfigured else []
        if missing:
            skipped.add(name)
            reason = f"not configured ({', '.join(missing)} not set)"
            buffer.write(f"Target {name!r}: skipped, {reason}\n\n")
            docs.append({"target": name, "skipped": reason})
        elif isinstance(result, SfconnectError):
            cause = "\n".join(f"  {line}" for line in error_lines(result))
            buffer.write(f"Target {name!r}: could not be checked:\n{cause}\n\n")
            docs.append({"target": name, "error": str(result), "details": error_lines(result)})
        elif fmt == "markdown":
            render_markdown(result, buffer, mode="drift")
        elif fmt == "json":
            docs.append(plan_to_json(result, mode="drift"))
        else:
            render_text(result, buffer, mode="drift", color=out is None and color_for(app))
            buffer.write("\n")
    text = json.dumps(docs, indent=2, sort_keys=True) + "\n" if fmt == "json" else buffer.getvalue()
    if out is not None:
        write_report(text, out)
    click.echo(
        text if out is None else buffer.getvalue() or f"Drift report written to {out}",
        nl=False,
        color=out is None and fmt == "text" and color_for(app),
    )
    if any(isinstance(r, SfconnectError) for n, r in results.items() if n not in skipped):
        raise SfconnectError("one or more targets could not be checked")
    if any(_drifted(r, project) for r in results.values() if not isinstance(r, SfconnectError)):
        return Outcome.FOUND
    return Outcome.OK
