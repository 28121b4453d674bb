"""Apply's outputs, as Terraform has them: each created app's consumer key, printed and written with ``--out``.

A consumer key is an identifier (OAuth's ``client_id``), not a secret; secrets are never read here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from sfconnect.apply.service import ApplyResult
    from sfconnect.org.session import OrgSession

__all__ = ["OUTPUT_FORMAT_VERSION", "created_app_keys", "write_apply_out"]

OUTPUT_FORMAT_VERSION = "1.0"


def created_app_keys(session: OrgSession, target: str, apps: Sequence[str]) -> dict[str, dict[str, str]]:
    """``{app: {"consumer_key", "consumer_key_variable"}}`` for the created apps, read through the org's
    credentials API (keys only). An app whose key cannot be read gets a ``note`` instead, and is printed so."""
    from sfconnect.errors import CredentialsApiError
    from sfconnect.org.credentials import CredentialsClient
    from sfconnect.smoke import consumer_key_variable

    outputs: dict[str, dict[str, str]] = {}
    if not apps:
        return outputs
    with CredentialsClient(session, target=target) as client:
        for name in apps:
            try:
                key = client.read(name, "key").key or ""
            except CredentialsApiError as exc:
                note = f"the key could not be read ({exc.error_code}); see docs/credentials.md"
                outputs[name] = {"consumer_key_variable": consumer_key_variable(name), "note": note}
                click.echo(f"  {name}: {note}", err=True)
                continue
            outputs[name] = {"consumer_key": key, "consumer_key_variable": consumer_key_variable(name)}
            click.echo(f"  {name} consumer key: {key}")
    return outputs


def write_apply_out(
    out: Path, target: str, result: ApplyResult | None, outputs: dict[str, dict[str, str]]
) -> None:
    """The apply result as JSON: deploy id, what changed, and the outputs (never a secret)."""
    from sfconnect.cli._render import write_report

    doc: dict[str, Any] = {
        "format_version": OUTPUT_FORMAT_VERSION,
        "target": target,
        "deploy_id": result.deploy_id if result else None,
        "changes": {
            "created": list(result.created) if result else [],
            "updated": list(result.updated) if result else [],
            "deleted": list(result.deleted) if result else [],
        },
        "outputs": outputs,
    }
    write_report(json.dumps(doc, indent=2) + "\n", out)
    click.echo(f"wrote {out}", err=True)
