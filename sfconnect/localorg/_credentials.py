"""OAuth consumer credentials of the local org's apps: one part of the org (`LocalOrg.credentials`).

It owns the `credentials` table (and, with `credentials_api.py`, the Connect REST rules, `staged_credentials`)
through the store. Consumer secrets are write-only: a component is stored without them (`pop_credentials`),
and only the OAuth endpoints and the credentials resources read them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sfconnect.localorg._records import Record
from sfconnect.localorg.migration import migration_of

if TYPE_CHECKING:
    from sfconnect.localorg._models import LocalOrg

__all__ = ["AppCredentials", "Credentials", "has_oauth", "pop_credentials"]


@dataclass(frozen=True)
class AppCredentials:
    """An app's OAuth client credentials and where they belong (for the OAuth endpoints)."""

    org_id: str
    app_type: str
    app_name: str
    consumer_key: str
    consumer_secret: str


class Credentials:
    """The apps' OAuth consumer credentials.

    Args:
        org: the org it belongs to.
    """

    def __init__(self, org: LocalOrg) -> None:
        self.org = org
        self.store = org.store

    def app_credentials(self, consumer_key: str) -> AppCredentials | None:
        """The app owning a consumer key, with its secret (for the OAuth endpoints).

        Staged credentials in state `Active` that have not expired are accepted beside the primary ones
        (that is what makes a rotation free of downtime); `Rotated` ones (the former primary) are not.
        """
        found = self.store.credentials_by_key(consumer_key)
        if found is None:
            staged = self.store.staged_by_key(consumer_key)
            if (
                staged is None
                or staged.org_id != self.org.org_id
                or staged.state != "Active"
                or self.org.clock() >= staged.expires
            ):
                return None
            return AppCredentials(
                staged.org_id, staged.app_type, staged.app_name, consumer_key, staged.consumer_secret
            )
        if found[0] != self.org.org_id:
            return None
        if found[1] == "ConnectedApp" and migration_of(self.org, found[2]) is not None:
            return None  # a migrated (read-only) Connected App issues no tokens
        return AppCredentials(found[0], found[1], found[2], consumer_key, found[3])

    def credentials_of(self, app_type: str, app_name: str) -> AppCredentials | None:
        """An app's credentials: `ConnectedApp` + name, or `ExternalClientApplication` + ECA name."""
        found = self.store.credentials(self.org.org_id, app_type, app_name)
        if found is None:
            return None
        return AppCredentials(self.org.org_id, app_type, app_name, found[0], found[1])

    def new_consumer_key(self) -> str:
        """A new, unused consumer key."""
        while True:
            key = "3MVG9" + self.org.ids.token(80)
            if not self.store.key_taken(key):
                return key

    def new_consumer_secret(self) -> str:
        """A new consumer secret."""
        return self.org.ids.token(64).upper()

    def primary(self, app_type: str, app_name: str) -> tuple[str, str] | None:
        """(consumer key, consumer secret) of an app's primary credentials, or None."""
        return self.store.credentials(self.org.org_id, app_type, app_name)

    def key_taken(self, consumer_key: str) -> bool:
        """Whether a consumer key is in use (primary or staged, in any org of the file)."""
        return self.store.key_taken(consumer_key)

    def ensure(self, app_type: str, app_name: str, key: str | None, secret: str | None) -> None:
        """Give an app credentials unless it has some: the ones given (at creation), else new ones."""
        if self.store.credentials(self.org.org_id, app_type, app_name) is None:
            self.store.set_credentials(
                self.org.org_id,
                app_type,
                app_name,
                key or self.new_consumer_key(),
                secret or self.new_consumer_secret(),
            )

    def set(self, app_type: str, app_name: str, key: str, secret: str) -> None:
        """Store an app's primary credentials (replacing any)."""
        self.store.set_credentials(self.org.org_id, app_type, app_name, key, secret)

    def forget(self, app_type: str, app_name: str) -> None:
        """Delete an app's credentials, primary and staged (the app is gone)."""
        self.store.delete_credentials(self.org.org_id, app_type, app_name)

    def rename(self, app_type: str, old: str, new: str) -> None:
        """Follow a rename of the app."""
        self.store.rename_credentials(self.org.org_id, app_type, old, new)

    @staticmethod
    def owner(type_: str, full_name: str, record: Record) -> tuple[str, str]:
        """Whose credentials a component carries: (`ConnectedApp`, its name) or (`ExternalClientApplication`,
        the External Client App its global OAuth settings name)."""
        if type_ == "ConnectedApp":
            return ("ConnectedApp", full_name)
        return ("ExternalClientApplication", str(record.get("externalClientApplication", full_name)))


def pop_credentials(type_: str, record: Record) -> tuple[str | None, str | None]:
    """Remove consumerKey/consumerSecret from a record (they are stored apart, the secret write-only)."""
    target: Record | None = None
    if type_ == "ConnectedApp" and isinstance(record.get("oauthConfig"), dict):
        target = record["oauthConfig"]
    elif type_ == "ExtlClntAppGlobalOauthSettings":
        target = record
    if target is None:
        return None, None
    key = target.pop("consumerKey", None)
    secret = target.pop("consumerSecret", None)
    return (str(key) if key else None, str(secret) if secret else None)


def has_oauth(type_: str, record: Record) -> bool:
    """Whether a component carries OAuth credentials (a Connected App with OAuth, an ECA's global settings)."""
    return (type_ == "ConnectedApp" and isinstance(record.get("oauthConfig"), dict)) or (
        type_ == "ExtlClntAppGlobalOauthSettings"
    )
