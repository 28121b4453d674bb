"""The embedded local org: a Salesforce-compatible server (SOAP login, Metadata API, REST) over SQLite.

It imports nothing from the rest of sfconnect. Start one for a block of code with::

    with serve_local_org(data_dir) as handle:
        handle.instance_url, handle.ca_bundle, handle.admin_username, handle.admin_password

What it offers: the names in ``__all__`` (the `LocalOrg`, serving and finding an org, seeds, id sources), loaded
on first use, and three public modules: `daemon` (one detached server per org, which commands attach to),
`migration` (Setup's "Migrate to External Client App" button) and `wsdl` (its own reader of the bundled
Metadata API WSDL). Every other module is private (`_name.py`): the org's parts (`_identity`, `_credentials`,
`_metadata`, `_deploys`, `_oauth`) over `_store`, the only module that touches SQLite, and the wire layers
(`_urls`, `_responses`, `_server`). Tests may import them; other packages may not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sfconnect.localorg._ids import RandomIds, SequentialIds
    from sfconnect.localorg._models import LocalOrg
    from sfconnect.localorg._seed import Seed, SeedError, default_seed, load_seed_file
    from sfconnect.localorg._service import (
        AlreadyServed,
        LocalOrgHandle,
        ServerInfo,
        find_running,
        local_org_dir,
        open_local_org,
        reset_local_org,
        serve_local_org,
    )

_HOMES = {
    "RandomIds": "_ids",
    "SequentialIds": "_ids",
    "LocalOrg": "_models",
    "Seed": "_seed",
    "SeedError": "_seed",
    "default_seed": "_seed",
    "load_seed_file": "_seed",
    "AlreadyServed": "_service",
    "LocalOrgHandle": "_service",
    "ServerInfo": "_service",
    "find_running": "_service",
    "local_org_dir": "_service",
    "open_local_org": "_service",
    "reset_local_org": "_service",
    "serve_local_org": "_service",
}
"""Where each exported name lives: imported on first use, so that a command attaching to a running org does
not import the server (HTTP, TLS, OAuth) it does not run."""


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "AlreadyServed",
    "LocalOrg",
    "LocalOrgHandle",
    "RandomIds",
    "Seed",
    "SeedError",
    "SequentialIds",
    "ServerInfo",
    "daemon",
    "default_seed",
    "find_running",
    "load_seed_file",
    "local_org_dir",
    "migration",
    "open_local_org",
    "reset_local_org",
    "serve_local_org",
    "wsdl",
]
