"""Type aliases shared across sfconnect's packages."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeAlias

__all__ = ["JSONValue", "Loc", "PathLike", "Severity"]

PathLike: TypeAlias = str | Path
"""A filesystem path as users pass it."""

Loc: TypeAlias = tuple[str | int, ...]
"""A key path into a YAML document, as pydantic reports it: ``("apps", 0, "oauth", "scopes", 2)``."""

Severity: TypeAlias = Literal["error", "warning"]
"""How bad a validation issue is: errors fail a run, warnings are reported and do not."""

JSONValue: TypeAlias = "bool | int | float | str | list[JSONValue] | dict[str, JSONValue] | None"
"""A value that survives a round trip through JSON."""
