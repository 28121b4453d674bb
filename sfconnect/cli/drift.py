"""``sfconnect drift``: does each target org still match the YAML? For CI: 0 in sync, 2 drift, 1 error."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sfconnect.cli._options import OutputPath, color_option, project_dir_option, verbose_option
from sfconnect.cli.context import AppContext, Outcome, pass_app

if TYPE_CHECKING:
    from sfconnect.plan.drift import DriftReport
    from sfconnect.plan.model import Plan

__all__ = ["drift_command"]


def _render(app: AppContext, report: DriftReport, fmt: str, out: Path | None) -> tuple[str, str]:
    """The report in `fmt`, and its text for the terminal (the same, except for JSON written to a file)."""
    from sfconnect.cli._errors import error_lines
    from sfconnect.cli._render import color_for
    from sfconnect.plan.json_format import plan_to_json
    from sfconnect.plan.render import render_markdown, render_text

    buffer = io.StringIO()
    docs: list[object] = []
    for t in report.targets:
        if t.skipped:
            buffer.write(f"Target {t.target!r}: skipped, {t.skipped}\n\n")
            docs.append({"target": t.target, "skipped": t.skipped})
        elif t.error is not None:
            cause = "\n".join(f"  {line}" for line in error_lines(t.error))
            buffer.write(f"Target {t.target!r}: could not be checked:\n{cause}\n\n")
            docs.append({"target": t.target, "error": str(t.error), "details": error_lines(t.error)})
        elif t.plan is None:
            continue
        elif fmt == "markdown":
            render_markdown(t.plan, buffer, mode="drift")
        elif fmt == "json":
            docs.append(plan_to_json(t.plan, mode="drift"))
        else:
            render_text(t.plan, buffer, mode="drift", color=out is None and color_for(app))
            buffer.write("\n")
    text = json.dumps(docs, indent=2, sort_keys=True) + "\n" if fmt == "json" else buffer.getvalue()
    return text, buffer.getvalue()


@click.command("drift")
@click.option(
    "-t", "--target", "targets", multiple=True, help="Target to check (repeatable; default: every target)."
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True
)
@click.option("--out", type=OutputPath(dir_okay=False), default=None, help="Write the report to FILE.")
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
    from sfconnect.cli._render import color_for, write_report
    from sfconnect.cli._runtime import connect_target, load
    from sfconnect.errors import SfconnectError
    from sfconnect.plan.drift import check_drift
    from sfconnect.plan.service import make_plan

    project = load(app)

    def plan_target(name: str) -> Plan:
        with connect_target(app, project, name) as tc:
            return make_plan(project, tc.name, tc.connection.api).plan

    report = check_drift(project, targets, plan_target, skip_unconfigured=skip_unconfigured)
    text, terminal = _render(app, report, fmt, out)
    if out is not None:
        write_report(text, out)
    click.echo(
        text if out is None else terminal or f"Drift report written to {out}",
        nl=False,
        color=out is None and fmt == "text" and color_for(app),
    )
    if report.failed():
        raise SfconnectError("one or more targets could not be checked")
    return Outcome.FOUND if report.drifted() else Outcome.OK
