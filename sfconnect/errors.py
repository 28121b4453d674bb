"""sfconnect's exceptions, and the `Issue` record that validation errors carry.

An exception means the job could not be done. Changes found, drift, lint findings and failed smoke checks
are results (data in a plan or report), never exceptions.

```
SfconnectError
├─ ConfigError                     the project or app files are wrong
│  ├─ YamlSyntaxError              not loadable YAML (syntax, encoding, size, aliases)
│  └─ SpecValidationError          loadable, but invalid: carries every `Issue` found
├─ MetadataError                   a metadata file or component cannot be read or written
├─ PlanError                       a plan cannot be made or used
│  ├─ StalePlanError               the org changed since the saved plan was made
│  ├─ TamperedPlanError            a saved plan differs from what was reviewed
│  └─ UnsupportedFormatVersion     a saved plan from a newer sfconnect
└─ OrgError(target, operation)     talking to an org failed
   ├─ AuthError                    could not log in
   ├─ MetadataFault(fault_code)    the Metadata API answered with a fault
   ├─ CredentialsApiError(error_code, status)   the Connect REST credentials resources refused
   └─ DeployFailed(deploy_id, component_errors)
```

Secrets never appear in messages. Programming errors (bad call order, impossible state) are `RuntimeError` or
`TypeError`, never `SfconnectError`, so that they surface as tracebacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sfconnect._types import Loc, Severity

__all__ = [
    "AuthError",
    "ComponentError",
    "ConfigError",
    "CredentialsApiError",
    "DeployFailed",
    "Issue",
    "MetadataError",
    "MetadataFault",
    "OrgError",
    "PlanError",
    "SfconnectError",
    "SpecValidationError",
    "StalePlanError",
    "TamperedPlanError",
    "UnsupportedFormatVersion",
    "YamlSyntaxError",
    "format_loc",
]


def format_loc(loc: Loc) -> str:
    """Render a key path the way users read it: ``apps[0].oauth.callback_urls[1]``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True)
class Issue:
    """One problem found in a file: where it is, what it is, and how bad.

    `line` and `column` are 1-based; 0 means unknown (for example, an issue about a whole file).
    """

    severity: Severity
    code: str
    message: str
    file: str = ""
    line: int = 0
    column: int = 0
    loc: Loc = ()
    hint: str = ""

    def location(self) -> str:
        """``file:line:column``, as much of it as is known."""
        parts = [self.file or "<input>"]
        if self.line:
            parts.append(str(self.line))
            if self.column:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        where = format_loc(self.loc)
        text = f"{self.location()} {self.severity} "
        if where:
            text += f"{where}: "
        text += f"{self.message} [{self.code}]"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class SfconnectError(Exception):
    """Base of every error sfconnect raises on purpose; its message is meant for the user."""


class ConfigError(SfconnectError):
    """The project file or an app file is wrong."""


class YamlSyntaxError(ConfigError):
    """A file is not loadable YAML (syntax, encoding, size, alias expansion)."""

    def __init__(self, message: str, *, issue: Issue) -> None:
        super().__init__(message)
        self.issue = issue


class SpecValidationError(ConfigError):
    """The files load but are invalid; `issues` holds every problem found, errors and warnings."""

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        errors = [i for i in self.issues if i.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in the configuration")


class MetadataError(SfconnectError):
    """A metadata file or component cannot be read or written (the file is named in the message)."""

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


class PlanError(SfconnectError):
    """A plan cannot be made, saved or used."""


class StalePlanError(PlanError):
    """The org changed since the saved plan was made; the plan must be made again."""


class TamperedPlanError(PlanError):
    """A saved plan does not match its digest, or would do what its listed changes do not show."""


class UnsupportedFormatVersion(PlanError):
    """A saved plan was written by a newer sfconnect whose format this one cannot read."""


class OrgError(SfconnectError):
    """Talking to an org failed; `target` and `operation` say which org and what was being done."""

    def __init__(self, message: str, *, target: str = "", operation: str = "") -> None:
        super().__init__(message)
        self.target = target
        self.operation = operation


class AuthError(OrgError):
    """Could not log in to the org."""


class MetadataFault(OrgError):
    """The Metadata API answered with a fault (`fault_code`, e.g. ``INVALID_SESSION_ID``)."""

    def __init__(self, message: str, *, fault_code: str, target: str = "", operation: str = "") -> None:
        super().__init__(message, target=target, operation=operation)
        self.fault_code = fault_code


class CredentialsApiError(OrgError):
    """The Connect REST credentials resources refused (`error_code` such as ``FUNCTIONALITY_NOT_ENABLED``,
    ``INSUFFICIENT_ACCESS``, ``NOT_FOUND``; `status` the HTTP status)."""

    def __init__(
        self, message: str, *, error_code: str, status: int, target: str = "", operation: str = ""
    ) -> None:
        super().__init__(message, target=target, operation=operation)
        self.error_code = error_code
        self.status = status


@dataclass(frozen=True)
class ComponentError:
    """One component's failure in a deploy, as the Metadata API reports it."""

    component_type: str
    full_name: str
    problem: str
    file_name: str = ""
    problem_type: str = "Error"
    line: int = 0
    column: int = 0


class DeployFailed(OrgError):
    """A deploy ended without success; `component_errors` lists each failing component (possibly empty)."""

    def __init__(
        self,
        message: str,
        *,
        deploy_id: str,
        component_errors: Sequence[ComponentError] = (),
        target: str = "",
    ) -> None:
        super().__init__(message, target=target, operation="deploy")
        self.deploy_id = deploy_id
        self.component_errors: tuple[ComponentError, ...] = tuple(component_errors)
