"""Identity and sessions of the local org: users, profiles, permission sets, passwords, SOAP login and sessions.

One part of the org (`LocalOrg.identity`); it owns the `users`, `profiles`, `permission_sets` and `sessions`
tables through the store. OAuth access tokens are sessions too (`create_session` with `data`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sfconnect.localorg._exceptions import InvalidLogin, InvalidSessionId, LocalOrgFault
from sfconnect.localorg._private import (
    hash_password,
    is_password_hash,
    load_passwords,
    save_passwords,
    verify_password,
)
from sfconnect.localorg._store import SessionRow, UserRow

if TYPE_CHECKING:
    from sfconnect.localorg._models import LocalOrg

__all__ = ["METADATA_PERMISSION_MISSING", "SESSION_PURGE_SECONDS", "Identity", "Session", "User"]

SESSION_PURGE_SECONDS = 60.0
"""Expired sessions are deleted at most this often (when a new session opens)."""
METADATA_PERMISSION_MISSING = (
    "use of the Metadata API requires a user with the ModifyAllData or ModifyMetadata permissions"
)


@dataclass(frozen=True)
class User:
    """A user of the org (the password is not part of this view)."""

    id: str
    username: str
    profile: str
    profile_id: str
    permission_sets: tuple[str, ...]
    api_only: bool
    first_name: str
    last_name: str
    email: str
    is_active: bool = True
    modify_metadata: bool = False
    """May use the Metadata API ("Modify Metadata Through Metadata API Functions" or "Modify All Data")."""
    eca_developer: bool = False
    """Holds the "External Client App Developer" permission (the Connect REST credentials resources)."""
    view_client_secret: bool = False
    """Holds the "View Client Secret" permission (secrets through the Connect REST credentials resources)."""

    @property
    def name(self) -> str:
        """Full name."""
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class Session:
    """A valid session: who, of which org, since when, and for how long."""

    session_id: str
    org_id: str
    user: User
    created: float
    timeout_seconds: float
    data: dict[str, Any] = field(default_factory=dict)


class Identity:
    """The org's users and sessions.

    Args:
        org: the org it belongs to (its id, clock, id source and settings).
    """

    def __init__(self, org: LocalOrg) -> None:
        self.org = org
        self.store = org.store
        self._last_purge = float("-inf")

    def profiles(self) -> dict[str, str]:
        """Profile name -> id."""
        return self.store.profiles(self.org.org_id)

    def permission_sets(self) -> dict[str, str]:
        """Permission set name -> id."""
        return self.store.permission_sets(self.org.org_id)

    def _user(self, row: UserRow) -> User:
        d = row.data
        return User(
            id=row.id,
            username=row.username,
            profile=str(d.get("profile", "")),
            profile_id=self.profiles().get(str(d.get("profile", "")), ""),
            permission_sets=tuple(d.get("permission_sets", [])),
            api_only=bool(d.get("api_only", False)),
            first_name=str(d.get("first_name", "")),
            last_name=str(d.get("last_name", "")),
            email=str(d.get("email", "")),
            is_active=bool(d.get("is_active", True)),
            modify_metadata=bool(d.get("modify_metadata", d.get("profile") == "System Administrator")),
            eca_developer=bool(d.get("eca_developer", d.get("profile") == "System Administrator")),
            view_client_secret=bool(d.get("view_client_secret", d.get("profile") == "System Administrator")),
        )

    def users(self) -> list[User]:
        """All users."""
        return [self._user(r) for r in self.store.users(self.org.org_id)]

    def user(self, user_id: str) -> User | None:
        """A user by id (15 or 18 characters)."""
        for row in self.store.users(self.org.org_id):
            if row.id == user_id or row.id[:15] == user_id:
                return self._user(row)
        return None

    def user_by_username(self, username: str) -> User | None:
        """A user by username."""
        row = self.store.user_by_username(username)
        return self._user(row) if row is not None and row.org_id == self.org.org_id else None

    def check_password(self, username: str, password: str) -> User | None:
        """The user when the password matches, else None."""
        row = self.store.user_by_username(username)
        if row is None or row.org_id != self.org.org_id or not verify_password(row.password, password):
            return None
        user = self._user(row)
        return user if user.is_active else None

    def admin_user(self) -> User:
        """The seeded System Administrator."""
        admin_id = self.store.get_meta("admin_user_id") or ""
        user = self.user(admin_id)
        if user is None:
            raise RuntimeError("the org has no seeded admin user")
        return user

    def password_of(self, username: str) -> str:
        """A seeded user's password (the local org prints its own test credentials on request).

        Read from `passwords.json` (0600, written at seeding); the database holds only hashes.

        Raises:
            KeyError: no such seeded user, or its password file is gone (`localorg reset` makes a new one).
        """
        row = self.store.user_by_username(username)
        if row is None:
            raise KeyError(username)
        return load_passwords(self.org.db_path.parent)[row.username]

    def protect_plaintext_passwords(self) -> None:
        """Move the plaintext passwords of an org made by an older version to `passwords.json`; hash them."""
        rows = [r for r in self.store.users(self.org.org_id) if not is_password_hash(r.password)]
        if not rows:
            return
        with self.store.transaction():
            passwords = load_passwords(self.org.db_path.parent) | {r.username: r.password for r in rows}
            save_passwords(self.org.db_path.parent, passwords)
            for r in rows:
                self.store.update_user(dataclasses.replace(r, password=hash_password(r.password)))

    @property
    def session_timeout_seconds(self) -> float:
        """The org's session timeout."""
        return float(self.org.setting("session_timeout_minutes") or 120) * 60.0

    def create_session(
        self, user: User, *, timeout_seconds: float | None = None, data: dict[str, Any] | None = None
    ) -> Session:
        """Open a session for `user` (SOAP login; OAuth tokens use it too, with `data` for scopes and app)."""
        now = self.org.clock()
        if now - self._last_purge >= SESSION_PURGE_SECONDS:
            self._last_purge = now
            self.store.purge_sessions(now)
        session_id = f"{self.org.org_id[:15]}!AQ{self.org.ids.token(94)}"
        timeout = self.session_timeout_seconds if timeout_seconds is None else timeout_seconds
        self.store.add_session(
            SessionRow(self.org.org_id, session_id, user.id, now, now, timeout, dict(data or {}))
        )
        return Session(session_id, self.org.org_id, user, now, timeout, dict(data or {}))

    def login(self, username: str, password: str) -> Session:
        """SOAP partner `login()`.

        Raises:
            InvalidLogin: unknown user, wrong password, or SOAP login disabled in the org.
        """
        if not self.org.setting("soap_login_enabled"):
            raise LocalOrgFault("INVALID_OPERATION", "SOAP API login() is disabled by default in this org.")
        user = self.check_password(username, password)
        if user is None:
            raise InvalidLogin()
        return self.create_session(user)

    def authenticate(self, session_id: str | None, *, api: bool = True) -> Session:
        """The live session for `session_id`; records the activity.

        A session whose `data` lists OAuth `scopes` (an access token) serves the APIs only with the `api` or
        `full` scope; pass `api=False` for endpoints any token may call (userinfo).

        Raises:
            InvalidSessionId: missing, unknown, of another org, expired, or without API access.
        """
        if not session_id:
            raise InvalidSessionId()
        row = self.store.session(session_id.strip())
        if row is None or row.org_id != self.org.org_id:
            raise InvalidSessionId()
        now = self.org.clock()
        if now - row.last_used > row.timeout_seconds:
            self.store.delete_session(row.session_id)
            raise InvalidSessionId()
        user = self.user(row.user_id)
        if user is None or not user.is_active:
            raise InvalidSessionId()
        scopes = row.data.get("scopes")
        if api and isinstance(scopes, list) and not {"api", "full"} & set(scopes):
            raise InvalidSessionId("This session is not valid for use with the API")
        if now - row.last_used >= 1.0:
            self.store.touch_session(row.session_id, now)
        return Session(row.session_id, row.org_id, user, row.created, row.timeout_seconds, row.data)

    def check_metadata_access(self, user: User) -> None:
        """Refuse the Metadata API to a user without the permission.

        Raises:
            LocalOrgFault: `INSUFFICIENT_ACCESS`.
        """
        if not user.modify_metadata:
            raise LocalOrgFault("INSUFFICIENT_ACCESS", METADATA_PERMISSION_MISSING)

    def expire_sessions(self) -> int:
        """End every session of the org (fault injection, `reset`); return how many."""
        return self.store.delete_sessions(self.org.org_id)

    def revoke_session(self, session_id: str) -> None:
        """End one session."""
        self.store.delete_session(session_id)
