"""Migration rules: Connected Apps an org could move to External Client Apps (live audit only)."""

from __future__ import annotations

from collections.abc import Iterator

from sfconnect.lint.model import AppView, Hit, define
from sfconnect.metadata.migration import assess, eligible


@define(
    "SFC-MIGRATE-001",
    "connected-app-eligible-for-migration",
    "low",
    "app",
    title="Connected App eligible for migration to an External Client App",
    what="In a live audit (`lint -t TARGET --live`), a local Connected App that Setup's \"Migrate to External "
    'Client App" could migrate: not installed from a package, not already migrated, not declared with the '
    "username-password flow.",
    why="Salesforce blocks new Connected Apps since Spring '26 and steers every org to External Client Apps, "
    "which separate developer settings from admin policies and are fully metadata-compliant.",
    fix="Run `sfconnect migrate APP --check` for the mapping report, then migrate in place (Setup's button and "
    "`sfconnect migrate APP --adopt`) or side by side (`sfconnect migrate APP --new-name NAME`).",
    bad="<ConnectedApp> (local, OAuth, no username-password flow)",
    good="<ExternalClientApplication> (migrated, `migrated_from:` in the YAML)",
    kinds=("ConnectedApp",),
    tags=("migration",),
)
def eligible_for_migration(app: AppView) -> Iterator[Hit]:
    if not app.live:
        return
    component = app.components.get("ConnectedApp")
    problems = assess(app.name, component, spec=app.declared, namespace=app.namespace, migrated=app.migrated)
    if eligible(problems):
        yield Hit(
            f"Connected App {app.name} can be migrated to an External Client App: run "
            f"`sfconnect migrate {app.name} --check`",
            field="ConnectedApp",
        )
