"""The embedded local org: a Salesforce-compatible server (SOAP login, Metadata API, REST) over SQLite.

It imports nothing from the rest of sfconnect. Start one for a block of code with::

    with serve_local_org(data_dir) as handle:
        handle.instance_url, handle.ca_bundle, handle.admin_username, handle.admin_password
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sfconnect.localorg.ids import RandomIds, SequentialIds
    from sfconnect.localorg.models import LocalOrg
    from sfconnect.localorg.seed import Seed, SeedError, default_seed, load_seed_file
    from sfconnect.localorg.service import (
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
    "RandomIds": "ids",
    "SequentialIds": "ids",
    "LocalOrg": "models",
    "Seed": "seed",
    "SeedError": "seed",
    "default_seed": "seed",
    "load_seed_file": "seed",
    "AlreadyServed": "service",
    "LocalOrgHandle": "service",
    "ServerInfo": "service",
    "find_running": "service",
    "local_org_dir": "service",
    "open_local_org": "service",
    "reset_local_org": "service",
    "serve_local_org": "service",
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
    "behaviour",
    "credentials",
    "credentials_api",
    "credentials_responses",
    "daemon",
    "default_seed",
    "deploys",
    "exceptions",
    "faults",
    "find_running",
    "identity",
    "ids",
    "load_seed_file",
    "local_org_dir",
    "metadata",
    "metadata_rules",
    "migration",
    "models",
    "oauth",
    "oauth_apps",
    "oauth_responses",
    "open_local_org",
    "pidlock",
    "private",
    "records",
    "reset_local_org",
    "responses",
    "seed",
    "seeding",
    "serve_local_org",
    "server",
    "service",
    "sobjects",
    "soql",
    "store",
    "tls",
    "urls",
    "versions",
    "wsdl",
    "xml",
]
