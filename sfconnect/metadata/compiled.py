"""What the compiler hands to the rest of the pipeline: one app's components, and how to explain them.

`yaml_paths` maps each metadata field the compiler wrote to the YAML key a reviewer wrote, so a plan can say
``oauth.scopes`` rather than ``ExtlClntAppOauthSettings.commaSeparatedOauthScopes``. `secret_refs` names the
secret references (``env:NAME``, ``file:PATH``) behind write-only fields; the values are resolved only when a
deploy is built, never stored here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from sfconnect.metadata import fieldmap
from sfconnect.metadata.component import Component

__all__ = ["AppKind", "AppState", "CompiledApp"]

AppKind = Literal["ConnectedApp", "ExternalClientApp"]
AppState = Literal["present", "absent"]


@dataclass(frozen=True)
class CompiledApp:
    """One app of the YAML as metadata components.

    Attributes:
        name: the app's API name.
        kind: its YAML kind.
        state: ``absent`` asks for its removal.
        components: its desired components (empty when absent), in canonical form.
        yaml_paths: ``(component type, metadata path)`` -> YAML key path, relative to the app.
        secret_refs: ``(component type, metadata field)`` -> secret reference.
        source: ``file:line`` of the app in the YAML, for messages.
        installed: the app comes from an installed package (``installed: true``): `components` are the only
            ones it manages; the org's header and other children are the package's, never deleted.
    """

    name: str
    kind: AppKind
    state: AppState = "present"
    components: tuple[Component, ...] = ()
    yaml_paths: Mapping[tuple[str, str], str] = field(default_factory=dict)
    secret_refs: Mapping[tuple[str, str], str] = field(default_factory=dict)
    source: str = ""
    installed: bool = False

    def _mapped(self, component_type: str, metadata_path: str) -> str | None:
        path = metadata_path
        while path:
            found = self.yaml_paths.get((component_type, path))
            if found is not None:
                if found.startswith("metadata.") and path != metadata_path:
                    return found + metadata_path[len(path) :]  # escape-hatch structures: field by field
                return found
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None

    def yaml_path(self, component_type: str, metadata_path: str) -> str:
        """The YAML key for a metadata path: the key the YAML wrote it with, the field map's key for the field
        (a value only the org holds), or ``metadata.<Type>.<path>``."""
        return (
            self._mapped(component_type, metadata_path)
            or fieldmap.yaml_path_of(component_type, metadata_path.split("[", 1)[0])
            or f"metadata.{component_type}.{metadata_path}"
        )

    def has_yaml_path(self, component_type: str, metadata_path: str) -> bool:
        """Whether the value at `metadata_path` was written in YAML (structural fields were not)."""
        return self._mapped(component_type, metadata_path) is not None

    def secret_refs_for(self, component: Component) -> dict[str, str]:
        """The secret references behind `component`'s write-only fields (field -> reference)."""
        return {f: ref for (t, f), ref in self.secret_refs.items() if t == component.type}
