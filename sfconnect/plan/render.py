"""Renderers: a plan as text for a terminal, Markdown for pull-request comments, or JSON for machines.

Every renderer is a pure function of the plan: it writes to the given stream, sorts by app name and field
path, and prints ``(sensitive)`` for secret fields, so an identical plan renders identically. ``mode="drift"``
words the same plan for CI drift checks ("has drifted" instead of "will be updated").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Literal, TextIO

from sfconnect._types import JSONValue
from sfconnect.plan.json_format import plan_to_json
from sfconnect.plan.model import (
    ACTION_SYMBOLS,
    KNOWN_AFTER_APPLY,
    SENSITIVE,
    AppPlan,
    FieldChange,
    Plan,
)

__all__ = ["RENDERERS", "Mode", "count_apps", "format_value", "render_json", "render_markdown", "render_text"]

Mode = Literal["plan", "drift"]

_COLORS = {"+": "\x1b[32m", "~": "\x1b[33m", "-": "\x1b[31m", "!": "\x1b[1;31m"}
_RESET = "\x1b[0m"

_PLAN_VERBS = {
    "create": "will be created",
    "update": "will be updated in-place",
    "delete": "will be destroyed",
    "no-op": "is up to date",
}
_DRIFT_VERBS = {
    "create": "is missing from the org",
    "update": "has drifted from the YAML",
    "delete": "is still in the org (the YAML says absent)",
    "no-op": "is in sync",
}


def format_value(value: JSONValue) -> str:
    """A value as a reviewer reads it: JSON literals, lists on one line."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _before_after(change: FieldChange) -> tuple[str, str]:
    if change.sensitive:
        return SENSITIVE, SENSITIVE
    after = KNOWN_AFTER_APPLY if change.known_after_apply else format_value(change.after)
    return format_value(change.before), after


def _change_lines(app: AppPlan) -> list[tuple[str, str]]:
    """``(symbol, text)`` per changed field of an app; a removal lists the components it deletes."""
    lines: list[tuple[str, str]] = []
    if app.action == "delete":
        return [("-", f"{c.type} {c.name!r}") for c in app.components]
    width = max((len(c.path) for c in app.changes), default=0)
    for change in sorted(app.changes, key=lambda c: (c.path, c.metadata_path)):
        before, after = _before_after(change)
        name = change.path.ljust(width)
        if app.action == "create" or (change.before is None and not change.sensitive):
            line = ("+", f"{name} = {after}")
        elif change.after is None and not change.known_after_apply:
            line = ("-", f"{name} = {before}")
        else:
            line = ("~", f"{name} = {before} -> {after}")
        if line not in lines:  # one YAML value written to several fields is one line
            lines.append(line)
    return lines


def _summary_line(plan: Plan, mode: Mode) -> str:
    s = plan.summary()
    if mode == "drift":
        drifted = s.add + s.change + s.destroy
        if not drifted:
            return f"No drift: target {plan.target!r} matches the YAML ({s.unchanged} app(s) in sync)."
        return f"Drift: {drifted} app(s) differ from the YAML ({s.add} missing, {s.change} changed, {s.destroy} to remove)."
    if not plan.has_changes():
        return "No changes. The org matches the YAML."
    return (
        f"Plan: {count_apps(s.add, s.add_components)} to add, {count_apps(s.change, s.change_components)} to "
        f"change, {count_apps(s.destroy, s.destroy_components)} to destroy."
    )


def count_apps(apps: int, components: int) -> str:
    """``2 apps (10 components)``: how plan and apply count, the same way everywhere (``0`` for none)."""
    if not apps and not components:
        return "0"
    app_word = "app" if apps == 1 else "apps"
    component_word = "component" if components == 1 else "components"
    return f"{apps} {app_word} ({components} {component_word})"


def render_text(plan: Plan, stream: TextIO, *, mode: Mode = "plan", color: bool = False) -> None:
    """Terraform-style text: one block per app that changes, then unmanaged apps, then the summary."""

    def paint(symbol: str, text: str) -> str:
        return f"{_COLORS[symbol]}{text}{_RESET}" if color and symbol in _COLORS else text

    verbs = _DRIFT_VERBS if mode == "drift" else _PLAN_VERBS
    write = stream.write
    changing = [a for a in plan.apps if a.action != "no-op" or a.errors]
    if plan.partial:
        write(paint("!", "Warning: partial plan (--app): other apps were not compared.") + "\n\n")
    if changing:
        heading = "differ from the YAML" if mode == "drift" else "will change"
        write(f"Target {plan.target!r}: {len(changing)} app(s) {heading}.\n")
        if mode == "drift":
            write("Values are shown as: in the org -> declared in the YAML.\n")
        write("\n")
    for app in changing:
        symbol = ACTION_SYMBOLS[app.action]
        write(f"  # {app.kind} {app.name!r} {verbs[app.action]}\n")
        if app.irreversible:
            write(paint("!", "  # irreversible: a Connected App cannot be created again once deleted") + "\n")
        for error in app.errors:
            write(paint("!", f"  # error: {error}") + "\n")
        for warning in app.warnings:
            write(f"  # warning: {warning}\n")
        write(paint(symbol, f"  {symbol} {app.kind} {app.name!r} {{") + "\n")
        for line_symbol, text in _change_lines(app):
            write(paint(line_symbol, f"      {line_symbol} {text}") + "\n")
        write(paint(symbol, "    }") + "\n\n")
    if plan.unmanaged:
        write("Apps in the org that the YAML does not manage (never changed):\n")
        for u in plan.unmanaged:
            suffix = f" (installed from {u.managed_package})" if u.managed_package else ""
            write(f"  - {u.kind} {u.name!r}{suffix}\n")
        write("\n")
    write(_summary_line(plan, mode) + "\n")


def render_markdown(plan: Plan, stream: TextIO, *, mode: Mode = "plan") -> None:
    """Markdown for a pull-request comment or job summary: summary first, one collapsible section per app."""
    write = stream.write
    title = "drift" if mode == "drift" else "plan"
    write(f"### sfconnect {title}: `{plan.target}`\n\n")
    write(f"**{_summary_line(plan, mode)}**\n\n")
    if plan.partial:
        write("> [!WARNING]\n> Partial plan (`--app`): other apps were not compared.\n\n")
    verbs = _DRIFT_VERBS if mode == "drift" else _PLAN_VERBS
    for app in (a for a in plan.apps if a.action != "no-op" or a.errors):
        symbol = ACTION_SYMBOLS[app.action]
        flag = " :warning: irreversible" if app.irreversible else ""
        write(
            f"<details><summary><code>{symbol}</code> {app.kind} <b>{app.name}</b> {verbs[app.action]}{flag}</summary>\n\n"
        )
        for error in app.errors:
            write(f"> [!CAUTION]\n> {error}\n\n")
        for warning in app.warnings:
            write(f"> [!NOTE]\n> {warning}\n\n")
        write("```diff\n")
        for line_symbol, text in _change_lines(app):
            marker = {"~": "!"}.get(line_symbol, line_symbol)
            write(f"{marker} {text}\n")
        write("```\n\n</details>\n\n")
    if plan.unmanaged:
        write("<details><summary>Unmanaged apps in the org</summary>\n\n")
        for u in plan.unmanaged:
            suffix = f" (installed from `{u.managed_package}`)" if u.managed_package else ""
            write(f"- {u.kind} `{u.name}`{suffix}\n")
        write("\n</details>\n")


def render_json(plan: Plan, stream: TextIO, *, mode: Mode = "plan") -> None:
    """The versioned JSON document (`schemas/plan.schema.json`), keys sorted, two-space indent."""
    json.dump(plan_to_json(plan, mode=mode), stream, indent=2, sort_keys=True, ensure_ascii=False)
    stream.write("\n")


RENDERERS: dict[str, Callable[..., None]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}
