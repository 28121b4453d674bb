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
        # the org blocks the user-agent flow, as the example's seed does, so SFC-ORG-001 (high) stays quiet
        handle.org.set_setting("user_agent_flows_blocked", True)
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


def test_live_audit_reads_the_org_wide_user_agent_switch(project: Callable[[str], Path], cli: Cli) -> None:
    # Metadata API Developer Guide, OauthOidcSettings (blockOAuthUsrAgtFlow): the embedded org serves the
    # org's OAuth and OpenID Connect Settings, so the org rule SFC-ORG-001 fires live when the flow is allowed.
    root = project("quickstart")
    with serve_local_org(local_org_dir(root, "default")) as handle:
        handle.org.set_setting("user_agent_flows_blocked", False)
        allowed = cli("lint", "-C", str(root), "-t", "local", "--live", "--format", "json")
        rules = {f["rule"] for f in json.loads(allowed.out)["findings"]}
        assert "SFC-ORG-001" in rules, allowed.output
        handle.org.set_setting("user_agent_flows_blocked", True)
        blocked = cli("lint", "-C", str(root), "-t", "local", "--live", "--format", "json")
        assert "SFC-ORG-001" not in {f["rule"] for f in json.loads(blocked.out)["findings"]}
