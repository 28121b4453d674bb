"""The plan: what would change in one target org, as plain frozen data.

`Plan.has_changes()` is the single definition of "something to apply". Fields kept only to explain a decision
(`reason`, `warnings`) are never consulted by apply. Secret values never enter a plan: a change to a secret
carries ``sensitive=True`` and no values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

from sfconnect._types import JSONValue

__all__ = [
    "ACTION_SYMBOLS",
    "Action",
    "AppPlan",
    "ComponentChange",
    "FieldChange",
    "Plan",
    "PlanSummary",
    "UnmanagedApp",
]

Action = Literal["create", "update", "delete", "no-op"]
"""What happens to an app or component. Each action is also its diff symbol."""

ACTION_SYMBOLS: dict[str, str] = {"create": "+", "update": "~", "delete": "-", "no-op": " "}

KNOWN_AFTER_APPLY = "(known after apply)"
SENSITIVE = "(sensitive)"


@dataclass(frozen=True)
class FieldChange:
    """One field that differs between the org and the YAML.

    `path` is the YAML key path a reviewer recognises (``oauth.scopes``); `metadata_path` is where the value
    lives in Salesforce metadata (``ExtlClntAppOauthSettings:Billing.commaSeparatedOauthScopes``).
    """

    path: str
    metadata_path: str
    before: JSONValue = None
    after: JSONValue = None
    sensitive: bool = False
    known_after_apply: bool = False

    def __post_init__(self) -> None:
        if self.sensitive and (self.before is not None or self.after is not None):
            raise ValueError("a sensitive change must not carry values")


@dataclass(frozen=True)
class ComponentChange:
    """One metadata component an app spans, and what happens to it.

    `fingerprint` identifies the live component as read ("" when it does not exist); a saved plan refuses
    to apply when any fingerprint no longer matches the org.
    """

    type: str
    name: str
    action: Action
    fingerprint: str = ""


@dataclass(frozen=True)
class AppPlan:
    """Everything the plan says about one app of the YAML."""

    name: str
    kind: str
    action: Action
    components: tuple[ComponentChange, ...] = ()
    changes: tuple[FieldChange, ...] = ()
    irreversible: bool = False
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class UnmanagedApp:
    """An app in the org that the YAML does not name: listed, never changed."""

    kind: str
    name: str
    managed_package: str = ""


@dataclass(frozen=True)
class PlanSummary:
    """Counts for the closing line: ``Plan: 1 to add, 2 to change, 0 to destroy.``"""

    add: int = 0
    change: int = 0
    destroy: int = 0
    unchanged: int = 0
    errors: int = 0
    add_components: int = 0
    change_components: int = 0
    destroy_components: int = 0


@dataclass(frozen=True)
class Plan:
    """What would change in one target."""

    target: str
    apps: tuple[AppPlan, ...]
    unmanaged: tuple[UnmanagedApp, ...] = ()
    partial: bool = False
    api_calls: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        target: str,
        apps: Iterable[AppPlan],
        unmanaged: Iterable[UnmanagedApp] = (),
        *,
        partial: bool = False,
        api_calls: dict[str, int] | None = None,
    ) -> Plan:
        """A plan in stable order: apps and unmanaged apps by name, components by type, changes by path."""
        ordered = [
            replace(
                a,
                components=tuple(sorted(a.components, key=lambda c: (c.type, c.name))),
                changes=tuple(sorted(a.changes, key=lambda c: (c.path, c.metadata_path))),
            )
            for a in apps
        ]
        return cls(
            target=target,
            apps=tuple(sorted(ordered, key=lambda a: (a.name, a.kind))),
            unmanaged=tuple(sorted(unmanaged, key=lambda u: (u.name, u.kind))),
            partial=partial,
            api_calls=dict(sorted((api_calls or {}).items())),
        )

    def has_changes(self) -> bool:
        """Whether applying this plan would change the org."""
        return any(app.action != "no-op" for app in self.apps)

    def has_errors(self) -> bool:
        """Whether any app cannot be planned (for example, a Connected App the org refuses to create)."""
        return any(app.errors for app in self.apps)

    def summary(self) -> PlanSummary:
        """The counts per action."""
        actions = [a.action for a in self.apps]
        return PlanSummary(
            add=actions.count("create"),
            change=actions.count("update"),
            destroy=actions.count("delete"),
            unchanged=actions.count("no-op"),
            errors=sum(1 for a in self.apps if a.errors),
            add_components=self._components_of("create"),
            change_components=self._components_of("update"),
            destroy_components=self._components_of("delete"),
        )

    def _components_of(self, action: str) -> int:
        """How many components the apps with `action` deploy or delete."""
        return sum(1 for a in self.apps if a.action == action for c in a.components if c.action != "no-op")
