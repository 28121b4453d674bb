"""What several commands share to show and write their results: colour, report files, plan renderings.

Commands import these helpers from here, never from another command's module.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sfconnect.cli.context import AppContext

if TYPE_CHECKING:
    from sfconnect.plan.model import Plan
    from sfconnect.plan.service import PlanResult

__all__ = [
    "color_for",
    "echo_report",
    "out_format",
    "render_plan",
    "render_plan_text",
    "timings_line",
    "write_report",
]

_RENDERINGS = {".md": "markdown", ".markdown": "markdown", ".txt": "text"}
"""Extensions that name a plan rendering for reading; any other file given to `plan --out` is a saved plan."""


def color_for(app: AppContext) -> bool:
    """Colour when asked (``--color``/``--no-color``), else on a terminal unless ``NO_COLOR`` is set (no-color.org)."""
    if app.color is not None:
        return app.color
    return sys.stdout.isatty() and not app.environ.get("NO_COLOR")


def write_report(text: str, out: Path) -> None:
    """Write a report file whole (a temporary file renamed into place: never half a report)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)


def echo_report(text: str, out: Path | None, *, color: bool = False, written: str = "wrote {out}") -> None:
    """Write `text` to `out` (and say so on stderr), or print it on stdout when no file is given."""
    if out is not None:
        write_report(text, out)
        click.echo(written.format(out=out), err=True)
    else:
        click.echo(text, nl=False, color=color)  # click strips ANSI codes off a terminal unless told


def timings_line(calls: Mapping[str, int], seconds: Mapping[str, float], total: float, *, what: str) -> str:
    """``-v``: the API calls per operation with the time each took, and the command's wall time."""
    parts = ", ".join(f"{k}={v} ({seconds.get(k, 0.0):.2f}s)" for k, v in sorted(calls.items()))
    return f"API calls: {parts or 'none'}; {what} took {total:.2f}s"


def out_format(out: Path, fmt: str | None, single: bool) -> str:
    """The format of a `plan --out` file: its extension's rendering, else --format (one file), else a saved plan."""
    rendering = _RENDERINGS.get(out.suffix.lower())
    if rendering is not None:
        return rendering
    return fmt if fmt is not None and single else "json"


def render_plan_text(plan: Plan, *, color: bool = False) -> str:
    """The plan as text, as `plan` shows it."""
    from sfconnect.plan.render import render_text

    buffer = io.StringIO()
    render_text(plan, buffer, color=color)
    return buffer.getvalue()


def render_plan(result: PlanResult, fmt: str, *, api_version: str, org_id: str, color: bool = False) -> str:
    """The plan in one format; JSON is always a saved plan that `apply` accepts."""
    from sfconnect.plan.render import render_markdown
    from sfconnect.plan.saved import saved_plan_json

    if fmt == "json":
        doc = saved_plan_json(result, api_version=api_version, org_id=org_id)
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        buffer = io.StringIO()
        render_markdown(result.plan, buffer)
        return buffer.getvalue()
    return render_plan_text(result.plan, color=color)
