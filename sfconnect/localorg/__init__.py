"""The embedded local org: a Salesforce-compatible server (SOAP login, Metadata API, REST) over SQLite.

It imports nothing from the rest of sfconnect. Start one for a block of code with::

    with serve_local_org(data_dir) as handle:
        handle.instance_url, handle.ca_bundle, handle.admin_username, handle.admin_password
"""

from __future__ import annotations

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
    "credentials_api",
    "credentials_responses",
    "daemon",
    "default_seed",
    "deploys",
    "exceptions",
    "faults",
    "find_running",
    "ids",
    "load_seed_file",
    "local_org_dir",
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
