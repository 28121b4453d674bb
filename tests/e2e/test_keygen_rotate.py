"""End-to-end: `keygen --rotate APP` rotates a JWT app's certificate through plan, apply and smoke.

Salesforce behaviour relied on: the JWT bearer flow verifies the assertion's signature against the app's
uploaded certificate (Salesforce Help "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration"; Metadata
API Developer Guide, `ExtlClntAppGlobalOauthSettings.certificate`).
"""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import Cli

APP = "CI_Integration"


def _checks(out: str) -> dict[str, str]:
    return {c["check"]: c["status"] for c in json.loads(out)["checks"] if c["app"] == APP}


def test_keygen_rotate_through_plan_apply_and_smoke(cli: Cli, project: Callable[[str], Path]) -> None:
    path = project("quickstart")
    assert cli("keygen", "-C", str(path)).code == 0
    assert cli("apply", "-C", str(path), "--auto-approve").code == 0
    key, cert = path / "certs" / "ci-integration.key", path / "certs" / "ci-integration.crt"
    old_key, old_cert = key.read_text(), cert.read_text()

    rotated = cli("keygen", "-C", str(path), "--rotate", APP)
    assert rotated.code == 0, rotated.output
    assert key.read_text() != old_key and cert.read_text() != old_cert
    assert (path / "certs" / "ci-integration.key.old").read_text() == old_key  # kept until done
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((path / "certs" / "ci-integration.key.old").stat().st_mode) == 0o600
    assert old_key not in rotated.output and key.read_text() not in rotated.output
    again = cli("keygen", "-C", str(path), "--rotate", APP)
    assert again.code == 1 and "under way" in again.err

    # before apply: the org still has the old certificate; smoke says so
    before = cli("smoke", "-C", str(path), "--format", "json")
    assert before.code == 2
    checks = _checks(before.out)
    assert checks["jwt_bearer.token"] == "failed" and checks["jwt_bearer.former_key_refused"] == "failed"

    plan = cli("plan", "-C", str(path), "--detailed-exitcode")
    assert plan.code == 2, plan.output
    assert "certificate" in plan.out and APP in plan.out
    assert cli("apply", "-C", str(path), "--auto-approve").code == 0

    after = cli("smoke", "-C", str(path), "--format", "json")
    assert after.code == 0, after.output
    checks = _checks(after.out)
    assert checks["jwt_bearer.token"] == "passed"  # the new key is accepted
    assert checks["jwt_bearer.former_key_refused"] == "passed"  # the old one is refused

    done = cli("keygen", "-C", str(path), "--rotate", APP, "--finish")
    assert done.code == 0 and not (path / "certs" / "ci-integration.key.old").exists()
    assert "jwt_bearer.former_key_refused" not in _checks(
        cli("smoke", "-C", str(path), "--format", "json").out
    )
    unknown = cli("keygen", "-C", str(path), "--rotate", "Web_Portal")
    assert unknown.code == 1 and "no JWT certificate" in unknown.err
