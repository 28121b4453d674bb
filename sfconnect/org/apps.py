"""Reading whole apps from an org, for `import -t`: every component of every type an app can span.

One listing of the app types, then reads in batches (`org.reader`); each record is parsed by the one XML layer
(`metadata.xmlio`). An app's children are found by the app they reference, so asking for an app brings its
External Client App settings and policies along.
"""

from __future__ import annotations

from collections.abc import Sequence

from sfconnect.metadata.compiler import ECA_OPTIONAL_CHILD_SUFFIXES
from sfconnect.metadata.component import Component
from sfconnect.metadata.schema import ComponentType
from sfconnect.metadata.xmlio import read_component
from sfconnect.org.metadata_api import MetadataApi
from sfconnect.org.reader import read_components

__all__ = ["APP_TYPES", "read_apps"]

APP_TYPES: tuple[str, ...] = (
    ComponentType.CONNECTED_APP,
    ComponentType.EXTERNAL_CLIENT_APP,
    ComponentType.ECA_OAUTH_SETTINGS,
    ComponentType.ECA_GLOBAL_OAUTH_SETTINGS,
    ComponentType.ECA_OAUTH_POLICIES,
    ComponentType.ECA_POLICIES,
    *ECA_OPTIONAL_CHILD_SUFFIXES,
)
"""Every type an app can span: what an import or an audit of a whole org reads."""


def read_apps(api: MetadataApi, apps: Sequence[str] = ()) -> list[Component]:
    """List the app types once and read every component, or those of `apps` (children found by reference).

    Raises:
        OrgError: listing or reading failed. MetadataError: a record is not well-formed metadata.
    """
    snapshot = read_components(api, APP_TYPES)
    components = [
        read_component(r.xml, path=f"{r.type}:{r.full_name}", type_hint=r.type, full_name=r.full_name)
        for r in snapshot.records
    ]
    if apps:
        wanted = set(apps)
        components = [c for c in components if c.full_name in wanted or c.parent in wanted]
    return components
