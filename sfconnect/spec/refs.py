"""Secret references (``env:NAME``, ``file:PATH``) and ``${env:VAR}`` interpolation.

Secrets (consumer secrets, private keys, tokens, passwords) are never written in YAML: a field that holds one
takes a *reference* that names where the value lives. Any other string value may interpolate environment
variables with ``${env:VAR}``; ``$${`` writes a literal ``${``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sfconnect.errors import ConfigError
from sfconnect.spec.files import read_file_text

__all__ = [
    "ENV_NAME",
    "INTERPOLATION",
    "MAX_REFERENCED_BYTES",
    "InterpolationError",
    "Ref",
    "interpolate",
    "parse_ref",
    "resolve_ref",
]

MAX_REFERENCED_BYTES = 1024 * 1024
"""Largest file a ``file:`` reference may name (keys, certificates and secrets are a few KB)."""

ENV_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
"""What an environment variable name may look like."""

INTERPOLATION = re.compile(r"\$\$\{|\$\{env:(" + ENV_NAME + r")\}|\$\{[^}]*\}?")
_REF = re.compile(r"^(?:env:(" + ENV_NAME + r")|file:(\S.*))$")

REFERENCE_HINT = (
    "put the value in an environment variable or a file that is not committed, and write "
    "'env:NAME' or 'file:path/to/file' here"
)


@dataclass(frozen=True)
class Ref:
    """A parsed reference: an environment variable or a file (relative to the project directory)."""

    kind: Literal["env", "file"]
    name: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


def parse_ref(text: str) -> Ref:
    """Parse ``env:NAME`` or ``file:PATH``.

    Raises:
        ValueError: `text` is not a reference; the message never repeats `text` (it may be a secret).
    """
    match = _REF.match(text)
    if match is None:
        if text.startswith("env:"):
            raise ValueError("'env:' must be followed by a variable name (letters, digits, underscores)")
        if text.startswith("file:"):
            raise ValueError("'file:' must be followed by a path")
        raise ValueError("a secret is written inline; secrets are never stored in YAML")
    if match.group(1):
        return Ref("env", match.group(1))
    return Ref("file", match.group(2))


def resolve_ref(ref: Ref, *, environ: Mapping[str, str], base_dir: Path) -> str | None:
    """The referenced value, or None when the variable is unset or the file does not exist.

    File references are read as UTF-8 text, relative to `base_dir` unless absolute; surrounding whitespace of
    an environment variable is kept as is.

    Raises:
        ConfigError: the file is a directory, FIFO or device, is larger than `MAX_REFERENCED_BYTES`, is not
            UTF-8 text, or cannot be read (the message names the reference, never its content).
    """
    if ref.kind == "env":
        return environ.get(ref.name)
    path = Path(ref.name).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    try:
        return read_file_text(path, limit=MAX_REFERENCED_BYTES)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(
            f"{ref}: {exc.strerror or exc}; a file: reference names a small text file"
        ) from None


class InterpolationError(ValueError):
    """A ``${...}`` that is not ``${env:NAME}``."""


def interpolate(text: str, environ: Mapping[str, str]) -> tuple[str, list[str]]:
    """Replace ``${env:VAR}`` with the variable's value.

    Returns:
        The new text and the names of unset variables (left in the text as written).

    Raises:
        InterpolationError: a ``${`` that is not a well-formed ``${env:NAME}``.
    """
    if "$" not in text:
        return text, []
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        whole = match.group(0)
        if whole == "$${":
            return "${"
        name = match.group(1)
        if name is None:
            raise InterpolationError(
                f"'{whole}' is not a valid interpolation: write ${{env:NAME}} (or $${{ for a literal '${{')"
            )
        if name in environ:
            return environ[name]
        missing.append(name)
        return whole

    return INTERPOLATION.sub(replace, text), missing
