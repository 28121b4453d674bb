"""Credentials API probes (Connect REST, `sfconnect credentials`): reading an app's key and secret, and staged
credentials. They observe the org setting that gates secrets over REST, never change it."""

from __future__ import annotations

from sfconnect.conformance._context import ProbeContext
from sfconnect.conformance._model import NotRun, Observation, Probe
from sfconnect.conformance._probes_oauth import App, _deploy_app
from sfconnect.conformance._records import field_text
from sfconnect.errors import CredentialsApiError
from sfconnect.org.credentials import CredentialsClient

__all__ = ["PROBES"]


def _rest_secret_access(ctx: ProbeContext) -> bool | None:
    record = ctx.read("ExternalClientAppSettings", "ExternalClientApp")
    text = field_text(record, "enableClientSecretInRestApiAccess")
    return None if not text else text.strip().lower() in ("true", "1")


def _client(ctx: ProbeContext) -> CredentialsClient:
    """The Connect REST credentials client (it uses its own API version, whatever the project's)."""
    return CredentialsClient(ctx.api.session, target=ctx.target)


def read_key(ctx: ProbeContext) -> Observation:
    app: App = _deploy_app(ctx, "CredKey")
    with _client(ctx) as client:
        try:
            creds = client.read(app.name, "key")
        except CredentialsApiError as exc:
            return {"found": False, "error_code": exc.error_code}
    ctx.secret(creds.key)
    ctx.secret(creds.secret)
    return {
        "found": True,
        "key_matches": creds.key == app.client_id,
        "secret_returned": creds.secret is not None,
    }


def read_secret(ctx: ProbeContext) -> Observation:
    setting = _rest_secret_access(ctx)
    if setting is None:
        raise NotRun("the org's External Client App settings could not be read")
    app = _deploy_app(ctx, "CredSecret")
    with _client(ctx) as client:
        try:
            creds = client.read(app.name, "keyandsecret")
            returned = creds.secret is not None
            ctx.secret(creds.secret)
            matches = creds.secret == app.client_secret
        except CredentialsApiError:
            returned, matches = False, False
    return {
        "setting_on": setting,
        "consistent": returned == setting,
        "secret_matches": matches or not setting,
    }


def staged(ctx: ProbeContext) -> Observation:
    if not _rest_secret_access(ctx):
        raise NotRun(
            "staged credentials need 'Allow access to External Client App consumer secrets via REST API', "
            "which this org does not allow; the kit never changes org settings"
        )
    app = _deploy_app(ctx, "CredStaged")
    with _client(ctx) as client:
        creds = client.read(app.name, "key")
        new = client.stage(creds)
        ctx.secret(new.key)
        ctx.secret(new.secret)
        _primary, listed = client.staged(app.name)
        client.delete_staged(creds, new.id)
        _primary, after = client.staged(app.name)
    return {
        "new_key": bool(new.key) and new.key != app.client_id,
        "listed": any(s.id == new.id for s in listed),
        "deleted": not any(s.id == new.id for s in after),
    }


PROBES = (
    Probe(
        "credentials.read_key",
        "credentials",
        "The credentials API returns an app's consumer key, and no secret unless asked",
        read_key,
        creates="one External Client App (5 components)",
        names=("CredKey",),
    ),
    Probe(
        "credentials.read_secret",
        "credentials",
        "The credentials API returns the secret exactly when the org allows REST access to secrets",
        read_secret,
        creates="one External Client App (5 components)",
        names=("CredSecret",),
    ),
    Probe(
        "credentials.staged",
        "credentials",
        "Staged credentials: a new key is staged, listed and deleted",
        staged,
        creates="one External Client App (5 components)",
        names=("CredStaged",),
    ),
)
