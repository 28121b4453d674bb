"""Audit mode: `sfconnect lint -t TARGET --live` against a local org where another client created risky apps."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sfconnect.localorg import local_org_dir, serve_local_org
from tests.e2e.conftest import Cli
from tests.localorg.conftest import close_client, simple_salesforce_client


def test_live_audit_reports_apps_created_by_another_client(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("quickstart")
    with serve_local_org(local_org_dir(root, "default")) as handle:
        sf = simple_salesforce_client(handle)
        handle.org.set_setting("connected_app_creation_allowed", True)
        try:
            ca = sf.mdapi.ConnectedApp
            ca.create(
                [
                    ca(
                        fullName="Risky_Audit",
                        label="Risky Audit",
                        contactEmail="ops@example.com",
                        oauthConfig={
                            "callbackUrl": "http://risky.example.com/cb",
                            "scopes": ["Full", "RefreshToken"],
                            "isAdminApproved": False,
                        },
                        oauthPolicy={"ipRelaxation": "BYPASS", "refreshTokenPolicy": "infinite"},
                    )
                ]
            )
            eca = sf.mdapi.ExternalClientApplication
            glbl = sf.mdapi.ExtlClntAppGlobalOauthSettings
            eca.create([eca(fullName="Risky_Eca", label="Risky ECA", contactEmail="ops@example.com",
                            distributionState="Local")])  # fmt: skip
            glbl.create(
                [
                    glbl(
                        fullName="Risky_Eca_glbl",
                        externalClientApplication="Risky_Eca",
                        callbackUrl="https://*.example.com/cb",
                        isPkceRequired=False,
                        isDeviceFlowEnabled=True,
                    )
                ]
            )
        finally:
            handle.org.set_setting("connected_app_creation_allowed", False)
            close_client(sf)

        result = cli("lint", "-C", str(root), "-t", "local", "--live", "--format", "json")
        assert result.code == 2, result.output
        doc = json.loads(result.out)
        assert doc["mode"] == "live"
        found = {(f["app"], f["rule"], f["field"]) for f in doc["findings"]}
        assert ("Risky_Audit", "SFC-OAUTH-002", "ConnectedApp.oauthConfig.callbackUrl") in found
        assert ("Risky_Audit", "SFC-OAUTH-006", "ConnectedApp.oauthConfig.scopes[0]") in found
        assert ("Risky_Audit", "SFC-NETWORK-001", "ConnectedApp.oauthPolicy.ipRelaxation") in found
        assert ("Risky_Audit", "SFC-TOKEN-001", "ConnectedApp.oauthPolicy.refreshTokenPolicy") in found
        assert ("Risky_Audit", "SFC-FLOW-001", "ConnectedApp.oauthConfig.isPkceRequired") in found
        assert ("Risky_Eca", "SFC-OAUTH-001", "ExtlClntAppGlobalOauthSettings.callbackUrl") in found
        assert ("Risky_Eca", "SFC-FLOW-006", "ExtlClntAppGlobalOauthSettings.isDeviceFlowEnabled") in found
        assert all(f["file"] == "" for f in doc["findings"])

        text = cli("lint", "-C", str(root), "--live")
        assert text.code == 2
        assert "Risky_Audit ConnectedApp.oauthConfig.scopes[0] HIGH SFC-OAUTH-006" in text.out
        sarif = json.loads(cli("lint", "-C", str(root), "--live", "--format", "sarif").out)
        names = {
            r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
            for r in sarif["runs"][0]["results"]
        }
        assert "local/Risky_Audit/ConnectedApp.oauthConfig.scopes[0]" in names
