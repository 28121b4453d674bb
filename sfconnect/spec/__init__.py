"""The YAML language: pydantic models, loading, positions for error messages, semantic rules.

Entry points for the other packages:

- `load_project(project_dir, environ=..., paths=None, require_values=False) -> Project`
  (raises `SpecValidationError` carrying every issue);
- `Project.apps`, `Project.config`, `Project.apps_for_target(name)`, `Project.target(name)`,
  `Project.position(file, loc)`, and each app's `source.position(loc)`;
- the models (`AppSpec` = `ConnectedAppSpec | ExternalClientAppSpec`, `ProjectConfig`, `Target`, ...);
- `SWITCHES` (where each YAML key lives, per kind, and the API version it needs), `parse_ref` / `resolve_ref`
  (secret references), `canonical_scope` / `token_name` (scope names), `reads_as_number_in_yaml_1_2` (for
  writers of YAML that must quote such strings).
"""

from __future__ import annotations

from sfconnect.spec._yaml import reads_as_number_in_yaml_1_2
from sfconnect.spec.load import PROJECT_FILE, Project, load_project
from sfconnect.spec.models import AppSpec, ConnectedAppSpec, ExternalClientAppSpec
from sfconnect.spec.project import ProjectConfig, Target
from sfconnect.spec.refs import Ref, parse_ref, resolve_ref
from sfconnect.spec.scopes import canonical_scope, token_name
from sfconnect.spec.switches import SWITCHES, Location, Switch

__all__ = [
    "PROJECT_FILE",
    "SWITCHES",
    "AppSpec",
    "ConnectedAppSpec",
    "ExternalClientAppSpec",
    "Location",
    "Project",
    "ProjectConfig",
    "Ref",
    "Switch",
    "Target",
    "canonical_scope",
    "files",
    "load",
    "load_project",
    "models",
    "parse_ref",
    "project",
    "reads_as_number_in_yaml_1_2",
    "refs",
    "resolve_ref",
    "rules",
    "schema",
    "scopes",
    "switches",
    "token_name",
]
