"""Consumer credentials through the Connect REST API (models layer): apps, consumers, keys, secrets, staging.

Sources: Connect REST API Developer Guide, "OAuth Credentials Resources", "OAuth Usage", "OAuth Credentials by
App ID", "OAuth Credentials by Consumer ID", "OAuth Staged Credentials", "OAuth Staged Credentials ID", "App
Oauth Credentials" and "App Oauth Staged Credentials" (API 60.0-67.0); Salesforce Help "Stage, Rotate, and
Delete OAuth Credentials for an External Client App" (xcloud.eca_stage_oauth_credentials).

What is documented and modelled as such: the resources and their versions (usage 59.0, credentials 60.0, staged
65.0); `part=key|secret|keyandsecret` with the key alone when `part` is absent; the prerequisites (the org
setting "Allow access to External Client App consumer secrets via REST API", the user permissions "External
Client App Developer" and "View Client Secret"); staged credentials only for local (not packaged) External
Client Apps; staged credentials valid for 30 days; their states `Active`, `Expired`, `Rotated`; DELETE answering
204. What is not public, and chosen here (docs/credentials.md lists the choices):

* Which requests need the setting: those that return or change a secret (`part=secret|keyandsecret` and
  every staged resource). Listing apps and consumers and reading a key need "External Client App Developer";
  secrets also need "View Client Secret".
* Error codes and statuses: 403 `FUNCTIONALITY_NOT_ENABLED` (setting off), 403 `INSUFFICIENT_ACCESS`
  (permission missing), 400 `INVALID_OPERATION` (packaged app, Connected App, a second staging, rotating
  credentials that are not `Active`), 400 `INVALID_INPUT` (bad `part`, bad PATCH command), 404 `NOT_FOUND`.
* PATCH takes `{"command": "rotate"}` (what public clients send). Rotating swaps: the primary credentials
  become the staged ones, and the staged record keeps the former primary key and secret in state `Rotated`,
  which OAuth refuses; DELETE removes it.
* Staging makes a new key and a new secret (the staged object has both); a consumer has one staged record at
  a time, so POST is refused while one exists.
* Identifiers: an app is its component id (`0H4…` Connected App, `0xI…` External Client App header); its one
  OAuth consumer has the id `0Ho` + the app id's 12 middle characters; a staged record's id starts `0Hs`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sfconnect.localorg._exceptions import RestError
from sfconnect.localorg._ids import to_18
from sfconnect.localorg._models import LocalOrg, User
from sfconnect.localorg._store import StagedRow

__all__ = [
    "REST_ACCESS_OFF",
    "STAGED_DAYS",
    "AppRef",
    "check_access",
    "consumer_of",
    "delete_staged",
    "find_app",
    "primary_credentials",
    "rotate_staged",
    "stage",
    "staged_list",
    "staged_record",
    "usage",
]

STAGED_DAYS = 30
"""Staged credentials are valid for 30 days unless deleted before then ("App Oauth Staged Credentials")."""

REST_ACCESS_OFF = (
    "Access to External Client App consumer secrets via the REST API is not currently enabled in this org. "
    "Turn on 'Allow access to External Client App consumer secrets via REST API' in Setup > External Client "
    "App Settings (ExternalClientAppSettings.enableClientSecretInRestApiAccess)."
)
_PERMISSIONS = "External Client App Developer"
_SECRET_PERMISSIONS = "External Client App Developer and View Client Secret"  # noqa: S105


@dataclass(frozen=True)
class AppRef:
    """An app with OAuth credentials, as the credentials resources name it."""

    id: str
    type: str
    """`ConnectedApp` or `ExternalClientApplication`."""
    name: str
    label: str
    distribution_state: str
    """`Local`, `Packaged`, `Managed` (External Client Apps); `Local` for a Connected App."""

    @property
    def consumer_id(self) -> str:
        """The id of the app's one OAuth consumer."""
        return to_18("0Ho" + self.id[3:15])


def check_access(org: LocalOrg, user: User, *, secret: bool) -> None:
    """Refuse a user without the permissions, or any secret while the org setting is off.

    Raises:
        RestError: `INSUFFICIENT_ACCESS` or `FUNCTIONALITY_NOT_ENABLED` (HTTP 403).
    """
    if not user.eca_developer or (secret and not user.view_client_secret):
        needed = _SECRET_PERMISSIONS if secret else _PERMISSIONS
        raise RestError(
            "INSUFFICIENT_ACCESS",
            f"You don't have permission to do this: it needs the {needed} user permission"
            f"{'s' if secret else ''}. Assign them (one integration user only) in a permission set.",
            403,
        )
    if secret and not org.setting("client_secret_rest_api_access"):
        raise RestError("FUNCTIONALITY_NOT_ENABLED", REST_ACCESS_OFF, 403)


def _apps(org: LocalOrg) -> list[AppRef]:
    out: list[AppRef] = []
    for type_ in ("ConnectedApp", "ExternalClientApplication"):
        for row in org.components(type_):
            if org.credentials_of(type_, row.full_name) is None:
                continue
            state = (
                str(row.record.get("distributionState") or "Local") if type_ != "ConnectedApp" else "Local"
            )
            out.append(
                AppRef(row.id, type_, row.full_name, str(row.record.get("label") or row.full_name), state)
            )
    return sorted(out, key=lambda a: a.name.lower())


def usage(org: LocalOrg) -> list[AppRef]:
    """Every app of the org that has OAuth credentials, by name."""
    return _apps(org)


def find_app(org: LocalOrg, app_id: str) -> AppRef:
    """The app with this id (15 or 18 characters).

    Raises:
        RestError: `NOT_FOUND` (404).
    """
    for app in _apps(org):
        if app_id in (app.id, app.id[:15]):
            return app
    raise RestError("NOT_FOUND", f"No app with OAuth credentials has the identifier {app_id}.", 404)


def consumer_of(app: AppRef, consumer_id: str) -> None:
    """Check that `consumer_id` is the app's OAuth consumer.

    Raises:
        RestError: `NOT_FOUND` (404).
    """
    if consumer_id not in (app.consumer_id, app.consumer_id[:15]):
        raise RestError("NOT_FOUND", f"The app {app.id} has no OAuth consumer {consumer_id}.", 404)


def primary_credentials(org: LocalOrg, app: AppRef) -> tuple[str, str]:
    """The app's primary (consumer key, consumer secret)."""
    creds = org.credentials_of(app.type, app.name)
    if creds is None:  # the app lost its OAuth settings between the lookup and now
        raise RestError("NOT_FOUND", f"The app {app.id} has no OAuth consumer.", 404)
    return creds.consumer_key, creds.consumer_secret


def _stageable(app: AppRef) -> None:
    if app.type != "ExternalClientApplication":
        raise RestError(
            "INVALID_OPERATION",
            "Staged credentials exist only for external client apps; this app is a connected app.",
        )
    if app.distribution_state != "Local":
        raise RestError(
            "INVALID_OPERATION",
            f"Staged credentials are available only for local external client apps; {app.name} is "
            f"{app.distribution_state.lower()}.",
        )


def staged_list(org: LocalOrg, app: AppRef) -> list[StagedRow]:
    """The consumer's staged credentials (expired ones show as `Expired`).

    Raises:
        RestError: `INVALID_OPERATION` for a Connected App or a packaged External Client App.
    """
    _stageable(app)
    now = org.clock()
    return [
        r if r.state != "Active" or now < r.expires else _with_state(r, "Expired")
        for r in org.store.staged_of(org.org_id, app.type, app.name)
    ]


def _with_state(row: StagedRow, state: str) -> StagedRow:
    return StagedRow(
        row.org_id,
        row.id,
        row.app_type,
        row.app_name,
        row.consumer_key,
        row.consumer_secret,
        state,
        row.created,
        row.created_by,
        row.expires,
    )


def stage(org: LocalOrg, app: AppRef, user: User) -> StagedRow:
    """Create staged credentials: a new key and secret, accepted beside the primary ones for 30 days.

    Raises:
        RestError: `INVALID_OPERATION` when the consumer already has staged credentials.
    """
    _stageable(app)
    with org.store.transaction():
        existing = org.store.staged_of(org.org_id, app.type, app.name)
        if existing:
            raise RestError(
                "INVALID_OPERATION",
                f"The OAuth consumer of {app.name} already has staged credentials ({existing[0].id}, "
                f"{existing[0].state}). Rotate or delete them before staging new ones.",
            )
        now = org.clock()
        row = StagedRow(
            org.org_id,
            org.ids.new_id("0Hs"),
            app.type,
            app.name,
            org.new_consumer_key(),
            org.new_consumer_secret(),
            "Active",
            now,
            user.id,
            now + STAGED_DAYS * 86400,
        )
        org.store.put_staged(row)
    return row


def staged_record(org: LocalOrg, app: AppRef, staged_id: str) -> StagedRow:
    """One staged record of the consumer.

    Raises:
        RestError: `NOT_FOUND` (404).
    """
    for row in staged_list(org, app):
        if staged_id in (row.id, row.id[:15]):
            return row
    raise RestError(
        "NOT_FOUND", f"The OAuth consumer of {app.name} has no staged credentials {staged_id}.", 404
    )


def rotate_staged(org: LocalOrg, app: AppRef, staged_id: str) -> StagedRow:
    """Make the staged credentials primary; the former primary ones stay in the record as `Rotated` (refused).

    Raises:
        RestError: `NOT_FOUND`; `INVALID_OPERATION` when the record is not `Active` (expired or rotated).
    """
    with org.store.transaction():
        row = staged_record(org, app, staged_id)
        if row.state != "Active":
            raise RestError(
                "INVALID_OPERATION",
                f"Only active staged credentials can be rotated; {row.id} is {row.state.lower()}.",
            )
        old_key, old_secret = primary_credentials(org, app)
        org.store.delete_staged(org.org_id, row.id)  # frees the staged key for the primary row
        org.credentials.set(app.type, app.name, row.consumer_key, row.consumer_secret)
        now = org.clock()
        rotated = StagedRow(
            org.org_id,
            row.id,
            app.type,
            app.name,
            old_key,
            old_secret,
            "Rotated",
            row.created,
            row.created_by,
            now + STAGED_DAYS * 86400,
        )
        org.store.put_staged(rotated)
    return rotated


def delete_staged(org: LocalOrg, app: AppRef, staged_id: str) -> None:
    """Delete a staged record (active, expired or rotated).

    Raises:
        RestError: `NOT_FOUND`.
    """
    row = staged_record(org, app, staged_id)
    org.store.delete_staged(org.org_id, row.id)
