"""The one context object every command receives, and the outcome a command returns."""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import click

__all__ = ["AppContext", "Outcome", "pass_app"]


class Outcome(enum.Enum):
    """What a command found. `main` maps it to the exit code (0 or 2); errors are exceptions (1)."""

    OK = 0
    FOUND = 2


@dataclass
class AppContext:
    """Per-invocation state shared by the commands.

    It is the only place that reads the process environment (`environ`), so that tests can pass their own.
    Costly things (the loaded project, org clients) are built lazily by the commands' helpers and cached here.
    """

    project_dir: Path = field(default_factory=Path.cwd)
    target: str | None = None
    color: bool | None = None
    verbose: int = 0
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    cache: dict[str, object] = field(default_factory=dict)


pass_app = click.make_pass_decorator(AppContext, ensure=True)
