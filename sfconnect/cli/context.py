"""The one context object every command receives, and the outcome a command returns."""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from sfconnect.spec.load import Project

__all__ = ["AppContext", "Outcome", "pass_app"]


class Outcome(enum.Enum):
    """What a command found. `main` maps it to the exit code (0 or 2); errors are exceptions (1)."""

    OK = 0
    FOUND = 2


@dataclass
class AppContext:
    """Per-invocation state shared by the commands, in the order it is filled.

    1. The shared options (`cli._options`) set `project_dir`, `target`, `color` and `verbose` while click parses
       the command line, before the command runs. `environ` is given when the context is made: this is the only
       place that reads the process environment, so that tests can pass their own.
    2. `project` is loaded once, on first use, by `cli._runtime.load` (and dropped by `reload` after a
       command rewrote the YAML).

    Nothing else is kept here: whether a target's ``${env:VAR}`` values must be set is an argument of
    `cli._runtime.connect_target`, not state left behind by an earlier call.
    """

    project_dir: Path = field(default_factory=Path.cwd)
    target: str | None = None
    color: bool | None = None
    verbose: int = 0
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    project: Project | None = None
    """The loaded project (`cli._runtime.load`); None until a command asks for it."""


pass_app = click.make_pass_decorator(AppContext, ensure=True)
