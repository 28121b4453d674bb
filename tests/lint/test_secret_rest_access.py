"""SFC-SECRET-003 on a live org: REST access to consumer secrets (the prerequisite of `credentials` and
`rotate`) is medium and passes the default gate; Metadata API access to secrets stays high.

Source: Metadata API Developer Guide, `ExternalClientAppSettings` (API 66.0: `enableClientSecretInRestApiAccess`
since 62.0; `enableConsumerSecretApiAccess` deprecated), and Salesforce Help "Stage, Rotate, and Delete OAuth
Credentials for an External Client App" (the REST setting is a prerequisite of staging and rotation).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sfconnect.localorg import local_org_dir, serve_local_org
from tests.e2e.conftest import Cli


def test_rest_access_is_medium_and_metadata_access_high(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("quickstart")
    with serve_local_org(local_org_dir(root, "default")) as handle:
        handle.org.set_setting("consumer_secret_api_access", False)
        result = cli("lint", "-C", str(root), "-t", "local", "--live", "--format", "json")
        assert result.code == 0, result.output  # the default gate (high) is not reached
        found = {(f["rule"], f["field"], f["severity"]) for f in json.loads(result.out)["findings"]}
        assert (
            "SFC-SECRET-003",
            "ExternalClientAppSettings.enableClientSecretInRestApiAccess",
            "medium",
        ) in found
        handle.org.set_setting("consumer_secret_api_access", True)
        strict = cli("lint", "-C", str(root), "-t", "local", "--live", "--format", "json")
        assert strict.code == 2
        found = {(f["rule"], f["field"], f["severity"]) for f in json.loads(strict.out)["findings"]}
        assert ("SFC-SECRET-003", "ExternalClientAppSettings.enableConsumerSecretApiAccess", "high") in found
