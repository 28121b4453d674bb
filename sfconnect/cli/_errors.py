"""How an `SfconnectError` reads on the terminal: the same lines wherever it is shown (a command, drift)."""

from __future__ import annotations

from sfconnect.errors import DeployFailed, SfconnectError, SpecValidationError, YamlSyntaxError

__all__ = ["error_lines"]


def error_lines(exc: SfconnectError) -> list[str]:
    """The lines that explain `exc`: every issue of a validation error, every failure of a deploy."""
    if isinstance(exc, SpecValidationError):
        return [str(issue) for issue in exc.issues] + [f"error: {exc}"]
    if isinstance(exc, YamlSyntaxError):
        return [str(exc.issue)]
    if isinstance(exc, DeployFailed):
        lines = [f"error: {exc}", f"Failures of deploy {exc.deploy_id} ({len(exc.component_errors)}):"]
        for e in exc.component_errors:
            where = f" ({e.file_name}" + (f":{e.line}" if e.line else "") + ")" if e.file_name else ""
            lines.append(f"  - {e.component_type} {e.full_name}{where}: {e.problem}")
        return lines
    return [f"error: {exc}"]
