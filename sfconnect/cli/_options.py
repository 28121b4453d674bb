"""Options shared by several commands, defined once and applied by each command to itself.

Their callbacks write into the `AppContext`, so commands never repeat the handling.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sfconnect.cli.context import AppContext

__all__ = [
    "OutputPath",
    "color_option",
    "new_project_dir_option",
    "project_dir_option",
    "target_option",
    "verbose_option",
]

F = TypeVar("F", bound=Callable[..., Any])


def _app(ctx: click.Context) -> AppContext:
    return ctx.ensure_object(AppContext)


def _set_project_dir(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        _app(ctx).project_dir = value


def _set_target(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        _app(ctx).target = value


def _set_color(ctx: click.Context, _param: click.Parameter, value: bool | None) -> None:
    if value is not None:
        _app(ctx).color = value


def _set_verbose(ctx: click.Context, _param: click.Parameter, value: int) -> None:
    if value:
        _app(ctx).verbose = max(_app(ctx).verbose, value)


def project_dir_option(f: F) -> F:
    """``-C/--project-dir DIR``: run as if started in DIR (where ``sfconnect.yaml`` lives), which must exist: a
    mistyped DIR would otherwise be an empty project, which plans "No changes" and passes a CI check."""
    return click.option(
        "-C",
        "--project-dir",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        callback=_set_project_dir,
        expose_value=False,
        is_eager=True,
        help="Run as if sfconnect was started in this directory.",
    )(f)


def new_project_dir_option(f: F) -> F:
    """``-C/--project-dir DIR`` for the commands that write a project (``init``, ``import``): DIR is created when
    it does not exist."""
    return click.option(
        "-C",
        "--project-dir",
        type=click.Path(file_okay=False, path_type=Path),
        callback=_set_project_dir,
        expose_value=False,
        is_eager=True,
        help="Run as if sfconnect was started in this directory (created if needed).",
    )(f)


class OutputPath(click.Path):
    """A path to write (``--out``): like `click.Path`, and refused at once, before any work, when a file stands
    where one of its folders would go (writing would fail only at the end, after a deploy, say)."""

    def __init__(self, *, file_okay: bool = True, dir_okay: bool = True) -> None:
        super().__init__(file_okay=file_okay, dir_okay=dir_okay, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = Path(os.fsdecode(super().convert(value, param, ctx)))
        for folder in reversed(path.parents):
            if folder.exists() and not folder.is_dir():
                self.fail(f"{folder} is a file, not a folder, so {path} cannot be written", param, ctx)
        return path


def target_option(f: F) -> F:
    """``-t/--target NAME``: the org target of ``sfconnect.yaml`` to use."""
    return click.option(
        "-t",
        "--target",
        callback=_set_target,
        expose_value=False,
        help="The target org (a name under `targets:` in sfconnect.yaml).",
    )(f)


def color_option(f: F) -> F:
    """``--color/--no-color``: force colour on or off (default: on for a terminal only)."""
    return click.option(
        "--color/--no-color",
        default=None,
        callback=_set_color,
        expose_value=False,
        help="Force coloured output on or off (default: only on a terminal).",
    )(f)


def verbose_option(f: F) -> F:
    """``-v/--verbose``: more detail (repeat for more)."""
    return click.option(
        "-v",
        "--verbose",
        count=True,
        callback=_set_verbose,
        expose_value=False,
        help="Show more detail (API calls, timings). Repeat for more.",
    )(f)
