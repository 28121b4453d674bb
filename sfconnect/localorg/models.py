"""The local org's state and Salesforce's rules (moto's `models` layer).

`LocalOrg(db_path, clock, ids)` owns one org stored in one SQLite file. Response handlers call one method
per operation; every check on state (exists, allowed, refused) is here, raised as a `LocalOrgFault` for a
whole request or returned as a per-record `RecordError`, as Salesforce does.
"""

from __future__ import annotations

import copy
import dataclasses
import hmac
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sfconnect.localorg.deploys import Deployments
from sfconnect.localorg.exceptions import (
    InvalidLogin,
    InvalidSessionId,
    InvalidType,
    LimitExceeded,
    LocalOrgFault,
)
from sfconnect.localorg.faults import Faults
from sfconnect.localorg.ids import IdSource, RandomIds
from sfconnect.localorg.migration import migration_of, reactivate, set_app_extras
from sfconnect.localorg.private import (
    hash_password,
    is_password_hash,
    load_passwords,
    save_passwords,
    verify_password,
)
from sfconnect.localorg.records import TYPE_KEY, Record, missing_required, validate_record
from sfconnect.localorg.seed import Seed, default_seed
from sfconnect.localorg.store import ComponentRow, SessionRow, Store, UserRow
from sfconnect.localorg.wsdl import MetadataSchema, load_schema

if TYPE_CHECKING:
    from sfconnect.localorg.oauth import OAuthBackend

__all__ = [
    "APP_TYPES",
    "MAX_CRUD_COMPONENTS",
    "AppCredentials",
    "FileProperties",
    "LocalOrg",
    "RecordError",
    "SaveResult",
    "Session",
    "TypeInfo",
    "User",
]

MAX_CRUD_COMPONENTS = 10
MAX_LIST_QUERIES = 3
SESSION_PURGE_SECONDS = 60.0
"""Expired sessions are deleted at most this often (when a new session opens)."""
API_VERSIONS = tuple(f"{v}.0" for v in range(31, 67))
"""API versions the org answers on, 31.0 to 66.0 (the bundled WSDL is v63; `versions.py` gates newer fields)."""


@dataclass(frozen=True)
class TypeInfo:
    """Where a metadata type lives in an mdapi zip and which id prefix its components get."""

    name: str
    directory: str
    suffix: str
    id_prefix: str
    parent_field: str | None = None


ECA_SETTINGS_TYPE = "ExternalClientAppSettings"
ECA_SETTINGS_NAME = "ExternalClientApp"
OIDC_SETTINGS_TYPE = "OauthOidcSettings"
"""The org settings of External Client Apps, readable (not writable) through `readMetadata`."""

APP_TYPES: dict[str, TypeInfo] = {
    t.name: t
    for t in (
        TypeInfo("ConnectedApp", "connectedApps", "connectedApp", "0H4"),
        TypeInfo("ExternalClientApplication", "externalClientApps", "eca", "0xI"),
        TypeInfo(
            "ExtlClntAppOauthSettings",
            "extlClntAppOauthSettings",
            "ecaOauth",
            "0xJ",
            "externalClientApplication",
        ),
        TypeInfo(
            "ExtlClntAppGlobalOauthSettings",
            "extlClntAppGlobalOauthSets",
            "ecaGlblOauth",
            "0xK",
            "externalClientApplication",
        ),
        TypeInfo(
            "ExtlClntAppOauthConfigurablePolicies",
            "extlClntAppOauthPolicies",
            "ecaOauthPlcy",
            "0xL",
            "externalClientApplication",
        ),
        TypeInfo(
            "ExtlClntAppConfigurablePolicies",
            "extlClntAppPolicies",
            "ecaPlcy",
            "0xM",
            "externalClientApplication",
        ),
        TypeInfo(
            "ExtlClntAppSamlConfigurablePolicies",
            "extlClntAppSamlConfigurablePolicies",
            "ecaSamlPlcy",
            "0xN",
            "externalClientApplication",
        ),
    )
}
"""The metadata types the local org implements."""

_NAME_RE = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)$")
_IP_RELAXATION = ("ENFORCE", "BYPASS", "BYPASS_2FACTOR", "ENFORCE_RELAXREFRESH")
_SECRET_GATED = ("ExtlClntAppGlobalOauthSettings", "ExtlClntAppOauthSettings")
"""Types the Metadata API Developer Guide (66.0) gives the consumer-secret access rule ("Special Access
Rules": the org must allow access to OAuth consumer secrets via the Metadata API)."""
_ECA_IP_RELAXATION = ("Enforce", "Bypass", "Bypass_2factor", "Enforce_RelaxRefresh")
_FOLDED_SCOPES = {
    "Profile": "Basic",
    "Email": "Basic",
    "Address": "Basic",
    "Phone": "Basic",
    "OfflineAccess": "RefreshToken",
}
"""Scopes Salesforce stores under another name: a read or retrieve returns `Basic` and `RefreshToken`."""
_REFRESH_POLICY_RE = re.compile(
    r"^(infinite|zero|specific_(lifetime|inactivity):[1-9][0-9]*:(HOURS|DAYS|MONTHS))$"
)
_SECRET_RE = re.compile(r"^[A-Za-z0-9]{8,256}$")
_NAME_MESSAGE = (
    "The name can only contain underscores and alphanumeric characters. It must begin with a letter, "
    "not include spaces, not end with an underscore, and not contain two consecutive underscores."
)
METADATA_PERMISSION_MISSING = (
    "use of the Metadata API requires a user with the ModifyAllData or ModifyMetadata permissions"
)
CONNECTED_APP_CREATION_BLOCKED = (
    "You can't create a connected app. Connected app creation is blocked in this org: create an external "
    "client app instead, or ask Salesforce Customer Support to allow connected app creation."
)
CONNECTED_APP_READ_ONLY = (
    "The connected app {app} was migrated to the external client app {eca} and is read-only: make changes to "
    "the external client app (deleting it makes the connected app active again)."
)
CONSUMER_SECRET_ACCESS_OFF = (
    "You can't access the consumer key and secret of an external client app through the Metadata API. "  # noqa: S105
    "Turn on 'Allow access to External Client App consumer secrets via Metadata API' in External Client "
    "App Settings."
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


@dataclass(frozen=True)
class RecordError:
    """One per-record error (`Error` in the WSDL)."""

    status_code: str
    message: str
    fields: tuple[str, ...] = ()


@dataclass
class SaveResult:
    """`SaveResult`, `UpsertResult` (with `created`) and `DeleteResult`."""

    full_name: str
    success: bool
    errors: list[RecordError] = field(default_factory=list)
    created: bool | None = None
    changed: bool | None = None
    """False when an update left the component exactly as it was (a deploy reports it unchanged)."""


_ACCESS_TYPES = {"Profile": ("profiles", "profile"), "PermissionSet": ("permissionsets", "permissionset")}
"""Types listed from the org's profiles and permission sets: (folder, suffix)."""
_PROFILE_FULL_NAMES = {"System Administrator": "Admin", "Standard User": "Standard"}
"""Standard profiles whose metadata fullName differs from their name (retrieved as profiles/Admin.profile)."""


@dataclass(frozen=True)
class FileProperties:
    """One `listMetadata` row."""

    type: str
    full_name: str
    file_name: str
    id: str
    created_by_id: str
    created_by_name: str
    created_date: float
    last_modified_by_id: str
    last_modified_by_name: str
    last_modified_date: float


@dataclass(frozen=True)
class AppCredentials:
    """An app's OAuth client credentials and where they belong (for the OAuth endpoints)."""

    org_id: str
    app_type: str
    app_name: str
    consumer_key: str
    consumer_secret: str


class _Rollback(Exception):
    """Internal: undo an all-or-none call."""


def _error(code: str, message: str, *fields: str) -> RecordError:
    return RecordError(code, message, tuple(fields))


class LocalOrg:
    """One embedded org: users, sessions, settings and metadata components, stored in SQLite.

    Args:
        db_path: the SQLite file (created and seeded when new).
        clock: seconds since the epoch (injected for deterministic tests).
        ids: source of ids and tokens (`SequentialIds` for goldens).
        seed: what a new org starts with (default: `default_seed()`); ignored for an existing file.
        schema: the parsed Metadata API WSDL (parsed, or read from the cache next to the file, when absent).
    """

    def __init__(
        self,
        db_path: Path,
        clock: Callable[[], float] = time.time,
        ids: IdSource | None = None,
        *,
        seed: Seed | None = None,
        schema: MetadataSchema | None = None,
    ) -> None:
        self.db_path = db_path
        self.clock = clock
        self.ids: IdSource = ids or RandomIds()
        self._schema = schema
        self.store = Store(db_path)
        self.faults = Faults()
        self.deployments = Deployments(self)
        self._last_purge = float("-inf")
        self._oauth: OAuthBackend | None = None
        self._oauth_lock = threading.Lock()
        existing = self.store.org_ids()
        if existing:
            self.org_id = existing[0]
            self._protect_plaintext_passwords()
        else:
            self.org_id = self._apply_seed(seed or default_seed())

    @property
    def schema(self) -> MetadataSchema:
        """The Metadata API schema, parsed on first use (opening an org to read a password needs none)."""
        if self._schema is None:
            self._schema = load_schema()
        return self._schema

    @property
    def oauth(self) -> OAuthBackend:
        """The org's OAuth authorization server, made on first use by the org itself (as moto's `BackendDict`
        makes a backend on first lookup, under a lock): opening an org to read a password does not load the
        JWT and crypto libraries its module needs."""
        if self._oauth is None:
            with self._oauth_lock:
                if self._oauth is None:
                    from sfconnect.localorg.oauth import OAuthBackend

                    self._oauth = OAuthBackend(self)
        return self._oauth

    def close(self) -> None:
        """Close the database."""
        self.store.close()

    # seed ---------------------------------------------------------------------------------------------
    def _apply_seed(self, seed: Seed) -> str:
        org_id = self.ids.new_id("00D")
        now = self.clock()
        with self.store.transaction():
            self.store.add_org(org_id, seed.org_name, now, {"username_domain": seed.username_domain})
            for key, value in seed.settings.items():
                self.store.set_setting(org_id, key, value)
            for name in seed.profiles:
                self.store.add_profile(org_id, self.ids.new_id("00e"), name)
            for name in seed.permission_sets:
                self.store.add_permission_set(org_id, self.ids.new_id("0PS"), name)
            profiles = self.store.profiles(org_id)
            permsets = self.store.permission_sets(org_id)
            admin_id = ""
            passwords: dict[str, str] = {}
            for u in seed.users:
                if u.profile not in profiles:
                    raise ValueError(f"seed user {u.username}: unknown profile {u.profile!r}")
                unknown = [p for p in u.permission_sets if p not in permsets]
                if unknown:
                    raise ValueError(f"seed user {u.username}: unknown permission sets {unknown}")
                user_id = self.ids.new_id("005")
                admin_id = admin_id or (user_id if u.role == "admin" else "")
                passwords[u.username] = u.password or self.ids.token(20)
                self.store.add_user(
                    UserRow(
                        org_id,
                        user_id,
                        u.username,
                        hash_password(passwords[u.username]),
                        {
                            "profile": u.profile,
                            "permission_sets": list(u.permission_sets),
                            "api_only": u.api_only,
                            "first_name": u.first_name,
                            "last_name": u.last_name,
                            "email": u.email or u.username,
                            "role": u.role,
                            "is_active": True,
                            "modify_metadata": (
                                u.modify_metadata
                                if u.modify_metadata is not None
                                else u.profile == "System Administrator"
                            ),
                            "eca_developer": (
                                u.eca_developer
                                if u.eca_developer is not None
                                else u.profile == "System Administrator"
                            ),
                            "view_client_secret": (
                                u.view_client_secret
                                if u.view_client_secret is not None
                                else u.profile == "System Administrator"
                            ),
                        },
                    )
                )
            self.store.set_meta("admin_user_id", admin_id)
            # written before the seed commits: a crash in between re-seeds and rewrites it
            save_passwords(self.db_path.parent, passwords)
            for app in seed.apps:
                info = self._type_info(app.type)
                record = validate_record(self.schema, app.type, app.record)
                record.pop("fullName", None)
                seed_key, seed_secret = _pop_credentials(app.type, record)
                missing = missing_required(self.schema, app.type, record)
                if missing:
                    raise ValueError(f"seed app {app.full_name}: missing required fields {missing}")
                self.store.put_component(
                    ComponentRow(
                        org_id,
                        app.type,
                        app.full_name,
                        self.ids.new_id(info.id_prefix),
                        record,
                        now,
                        admin_id,
                        now,
                        admin_id,
                    )
                )
                if app.extras:
                    set_app_extras(self, app.full_name, app.extras)
                if app.device_flow and app.type == "ConnectedApp":
                    names = list(self.store.settings(org_id).get("connected_app_device_flow") or [])
                    self.store.set_setting(org_id, "connected_app_device_flow", [*names, app.full_name])
                if _has_oauth(app.type, record):
                    self.store.set_credentials(
                        org_id,
                        *self._credential_owner(app.type, app.full_name, record),
                        app.consumer_key or seed_key or self._new_consumer_key(),
                        app.consumer_secret or seed_secret or self._new_consumer_secret(),
                    )
        return org_id

    # org, settings, users -----------------------------------------------------------------------------
    @property
    def org_name(self) -> str:
        """The organization's name."""
        org = self.store.org(self.org_id)
        return org[0] if org else ""

    def settings(self) -> dict[str, Any]:
        """All org settings (see `seed.DEFAULT_SETTINGS`)."""
        return self.store.settings(self.org_id)

    def setting(self, key: str) -> Any:
        """One org setting."""
        return self.settings().get(key)

    def set_setting(self, key: str, value: Any) -> None:
        """Change one org setting."""
        self.store.set_setting(self.org_id, key, value)

    def device_flow_enabled(self, app_name: str) -> bool:
        """Whether a Connected App has "Enable for Device Flow" checked (a Setup switch, not metadata)."""
        names = self.setting("connected_app_device_flow") or []
        return any(str(n).lower() == app_name.lower() for n in names)

    def set_device_flow(self, app_name: str, enabled: bool) -> str:
        """Check or uncheck "Enable for Device Flow" of a Connected App; returns the app's name.

        Raises:
            KeyError: no Connected App of that name.
        """
        row = self.component("ConnectedApp", app_name)
        if row is None:
            raise KeyError(app_name)
        names = [
            str(n)
            for n in self.setting("connected_app_device_flow") or []
            if str(n).lower() != app_name.lower()
        ]
        self.set_setting("connected_app_device_flow", [*names, row.full_name] if enabled else names)
        return row.full_name

    def profiles(self) -> dict[str, str]:
        """Profile name -> id."""
        return self.store.profiles(self.org_id)

    def permission_sets(self) -> dict[str, str]:
        """Permission set name -> id."""
        return self.store.permission_sets(self.org_id)

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
        return [self._user(r) for r in self.store.users(self.org_id)]

    def user(self, user_id: str) -> User | None:
        """A user by id (15 or 18 characters)."""
        for row in self.store.users(self.org_id):
            if row.id == user_id or row.id[:15] == user_id:
                return self._user(row)
        return None

    def user_by_username(self, username: str) -> User | None:
        """A user by username."""
        row = self.store.user_by_username(username)
        return self._user(row) if row is not None and row.org_id == self.org_id else None

    def check_password(self, username: str, password: str) -> User | None:
        """The user when the password matches, else None."""
        row = self.store.user_by_username(username)
        if row is None or row.org_id != self.org_id or not verify_password(row.password, password):
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
        return load_passwords(self.db_path.parent)[row.username]

    def _protect_plaintext_passwords(self) -> None:
        """Move the plaintext passwords of an org made by an older version to `passwords.json`; hash them."""
        rows = [r for r in self.store.users(self.org_id) if not is_password_hash(r.password)]
        if not rows:
            return
        with self.store.transaction():
            passwords = load_passwords(self.db_path.parent) | {r.username: r.password for r in rows}
            save_passwords(self.db_path.parent, passwords)
            for r in rows:
                self.store.update_user(dataclasses.replace(r, password=hash_password(r.password)))

    # sessions -----------------------------------------------------------------------------------------
    @property
    def session_timeout_seconds(self) -> float:
        """The org's session timeout."""
        return float(self.setting("session_timeout_minutes") or 120) * 60.0

    def create_session(
        self, user: User, *, timeout_seconds: float | None = None, data: dict[str, Any] | None = None
    ) -> Session:
        """Open a session for `user` (SOAP login; OAuth tokens use it too, with `data` for scopes and app)."""
        now = self.clock()
        if now - self._last_purge >= SESSION_PURGE_SECONDS:
            self._last_purge = now
            self.store.purge_sessions(now)
        session_id = f"{self.org_id[:15]}!AQ{self.ids.token(94)}"
        timeout = self.session_timeout_seconds if timeout_seconds is None else timeout_seconds
        self.store.add_session(
            SessionRow(self.org_id, session_id, user.id, now, now, timeout, dict(data or {}))
        )
        return Session(session_id, self.org_id, user, now, timeout, dict(data or {}))

    def login(self, username: str, password: str) -> Session:
        """SOAP partner `login()`.

        Raises:
            InvalidLogin: unknown user, wrong password, or SOAP login disabled in the org.
        """
        if not self.setting("soap_login_enabled"):
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
        if row is None or row.org_id != self.org_id:
            raise InvalidSessionId()
        now = self.clock()
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
        return self.store.delete_sessions(self.org_id)

    def revoke_session(self, session_id: str) -> None:
        """End one session."""
        self.store.delete_session(session_id)

    # OAuth credentials --------------------------------------------------------------------------------
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
                or staged.org_id != self.org_id
                or staged.state != "Active"
                or self.clock() >= staged.expires
            ):
                return None
            return AppCredentials(
                staged.org_id, staged.app_type, staged.app_name, consumer_key, staged.consumer_secret
            )
        if found[0] != self.org_id:
            return None
        if found[1] == "ConnectedApp" and migration_of(self, found[2]) is not None:
            return None  # a migrated (read-only) Connected App issues no tokens
        return AppCredentials(found[0], found[1], found[2], consumer_key, found[3])

    def credentials_of(self, app_type: str, app_name: str) -> AppCredentials | None:
        """An app's credentials: `ConnectedApp` + name, or `ExternalClientApplication` + ECA name."""
        found = self.store.credentials(self.org_id, app_type, app_name)
        if found is None:
            return None
        return AppCredentials(self.org_id, app_type, app_name, found[0], found[1])

    def app_components(self, app_type: str, app_name: str) -> dict[str, Record]:
        """An app's components as `readMetadata` returns them, keyed by type.

        `("ConnectedApp", name)` gives its one record; `("ExternalClientApplication", name)` gives the header
        and every settings or policies component that names it (for the OAuth endpoints). Empty when unknown.
        """
        out: dict[str, Record] = {}
        if app_type == "ConnectedApp":
            row = self.component("ConnectedApp", app_name)
            if row is not None:
                out["ConnectedApp"] = self.record_of(row)
            return out
        header = self.component("ExternalClientApplication", app_name)
        if header is None:
            return out
        out["ExternalClientApplication"] = self.record_of(header)
        for row in self.components():
            parent_field = APP_TYPES[row.type].parent_field if row.type in APP_TYPES else None
            if parent_field and str(row.record.get(parent_field, "")).lower() == header.full_name.lower():
                out[row.type] = self.record_of(row)
        return out

    def new_consumer_key(self) -> str:
        """A new, unused consumer key."""
        return self._new_consumer_key()

    def new_consumer_secret(self) -> str:
        """A new consumer secret."""
        return self._new_consumer_secret()

    def _new_consumer_key(self) -> str:
        while True:
            key = "3MVG9" + self.ids.token(80)
            if not self.store.key_taken(key):
                return key

    def _new_consumer_secret(self) -> str:
        return self.ids.token(64).upper()

    @staticmethod
    def _credential_owner(type_: str, full_name: str, record: Record) -> tuple[str, str]:
        if type_ == "ConnectedApp":
            return ("ConnectedApp", full_name)
        return ("ExternalClientApplication", str(record.get("externalClientApplication", full_name)))

    # metadata -----------------------------------------------------------------------------------------
    def check_type(self, type_: str) -> TypeInfo:
        """The `TypeInfo` of an implemented type.

        Raises:
            InvalidType: unknown to the WSDL, or a real type the local org does not implement.
        """
        return self._type_info(type_)

    def _type_info(self, type_: str) -> TypeInfo:
        info = APP_TYPES.get(type_)
        if info is not None and type_ in self.schema.complex_types:
            return info
        if self.schema.is_metadata_type(type_):
            raise InvalidType(f"The local org does not implement the metadata type {type_}")
        raise InvalidType(f"Unknown type name '{type_}' specified in Metadata API call")

    @staticmethod
    def _check_count(n: int) -> None:
        if n > MAX_CRUD_COMPONENTS:
            raise LimitExceeded(
                f"record limit reached. cannot submit more than {MAX_CRUD_COMPONENTS} records in this operation"
            )

    def component(self, type_: str, full_name: str) -> ComponentRow | None:
        """A stored component (without secrets), or None."""
        return self.store.component(self.org_id, type_, full_name)

    def components(self, type_: str | None = None) -> list[ComponentRow]:
        """All stored components (of one type)."""
        return self.store.components(self.org_id, type_)

    def record_of(self, row: ComponentRow) -> Record:
        """A stored component as `readMetadata` returns it: with `fullName` and the consumer key."""
        record = copy.deepcopy(row.record)
        record["fullName"] = row.full_name
        if row.type == "ConnectedApp" and isinstance(record.get("oauthConfig"), dict):
            creds = self.store.credentials(self.org_id, "ConnectedApp", row.full_name)
            migrated = migration_of(self, row.full_name) if not creds else None
            if creds:
                record["oauthConfig"]["consumerKey"] = creds[0]
            elif migrated is not None and migrated.consumer_key:
                record["oauthConfig"]["consumerKey"] = migrated.consumer_key  # the read-only version's key
        elif row.type == "ExtlClntAppGlobalOauthSettings":
            creds = self.store.credentials(
                self.org_id, "ExternalClientApplication", str(record.get("externalClientApplication", ""))
            )
            if creds:
                record["consumerKey"] = creds[0]
        return record

    def read_metadata(self, type_: str, full_names: list[str]) -> list[Record | None]:
        """`readMetadata`: one record per name; None for a name that does not exist (an "empty" record)."""
        settings = {
            ECA_SETTINGS_TYPE: (ECA_SETTINGS_NAME, self._eca_settings),
            OIDC_SETTINGS_TYPE: ("OauthOidc", self._oidc_settings),
        }
        if type_ in settings and type_ in self.schema.complex_types:
            self._check_count(len(full_names))
            setting_name, read = settings[type_]
            return [read() if name == setting_name else None for name in full_names]
        self._type_info(type_)
        self._check_count(len(full_names))
        out: list[Record | None] = []
        for name in full_names:
            row = self.component(type_, name)
            out.append(None if row is None else self.record_of(row))
        return out

    def _eca_settings(self) -> Record:
        """The org's External Client App settings as Salesforce reads them (read-only here)."""
        return {
            "fullName": ECA_SETTINGS_NAME,
            "enableClientSecretInRestApiAccess": _wire_bool(self.setting("client_secret_rest_api_access")),
            "enableConsumerSecretApiAccess": _wire_bool(self.setting("consumer_secret_api_access")),
            "enablePackageEcaOauthFromDevOrg": "false",
        }

    def _oidc_settings(self) -> Record:
        """The org's OAuth and OpenID Connect Settings (`OauthOidcSettings`) as Salesforce reads them (read-only
        here): which flows an admin blocked org-wide."""
        return {
            "fullName": "OauthOidc",
            "blockOAuthUnPwFlow": _wire_bool(self.setting("username_password_flows_blocked")),
            "blockOAuthUsrAgtFlow": _wire_bool(self.setting("user_agent_flows_blocked")),
        }

    def create_metadata(
        self, items: list[tuple[str, Record]], user: User, all_or_none: bool = False
    ) -> list[SaveResult]:
        """`createMetadata`."""
        return self._save(items, user, all_or_none, mode="create")

    def update_metadata(
        self, items: list[tuple[str, Record]], user: User, all_or_none: bool = False
    ) -> list[SaveResult]:
        """`updateMetadata`: each component is replaced whole."""
        return self._save(items, user, all_or_none, mode="update")

    def upsert_metadata(
        self, items: list[tuple[str, Record]], user: User, all_or_none: bool = False
    ) -> list[SaveResult]:
        """`upsertMetadata`: create or replace, with `created` set."""
        return self._save(items, user, all_or_none, mode="upsert")

    def _save(
        self, items: list[tuple[str, Record]], user: User, all_or_none: bool, mode: str
    ) -> list[SaveResult]:
        self._check_count(len(items))
        types = {t for t, _ in items}
        for t in types:
            self._type_info(t)
        if len(types) > 1:
            raise LocalOrgFault("INVALID_TYPE", "All metadata in a single call must be of the same type")
        results: list[SaveResult] = []
        try:
            with self.store.transaction():
                for type_, record in items:
                    results.append(self.save_component(type_, record, user, mode))
                if all_or_none and not all(r.success for r in results):
                    raise _Rollback()
        except _Rollback:
            for r in results:
                if r.success:
                    r.success = False
                    r.created = False if r.created is not None else None
                    r.errors = [
                        _error(
                            "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                            "Record rolled back because not all records were valid and the request was using "
                            "AllOrNone header",
                        )
                    ]
        return results

    def save_component(self, type_: str, incoming: Record, user: User, mode: str) -> SaveResult:
        """Create, update or upsert (`mode`) one component with every rule applied; the caller holds the
        transaction. Used by the CRUD calls and by deploys."""
        record = copy.deepcopy(incoming)
        record.pop(TYPE_KEY, None)
        _fold_scopes(type_, record)
        full_name = str(record.pop("fullName", "") or "").strip()
        upsert = mode == "upsert"
        result = SaveResult(full_name=full_name, success=False, created=False if upsert else None)
        if not full_name:
            result.errors.append(
                _error("REQUIRED_FIELD_MISSING", "Required field is missing: fullName", "fullName")
            )
            return result
        existing = self.component(type_, full_name)
        creating = existing is None if upsert else mode == "create"
        if creating and existing is not None:
            result.errors.append(
                _error(
                    "DUPLICATE_DEVELOPER_NAME", f"There is already a {type_} named {full_name}.", "fullName"
                )
            )
            return result
        if not creating and existing is None:
            result.errors.append(
                _error(
                    "INVALID_CROSS_REFERENCE_KEY",
                    f"In field: fullName - no {type_} named {full_name} found",
                    "fullName",
                )
            )
            return result
        if creating and not _NAME_RE.match(full_name):
            result.errors.append(_error("FIELD_INTEGRITY_EXCEPTION", _NAME_MESSAGE, "fullName"))
            return result
        errors = self._check_rules(type_, full_name, record, existing, creating)
        if errors:
            result.errors.extend(errors)
            return result
        key, secret = _pop_credentials(type_, record)
        if existing is not None and existing.record == record:
            result.success, result.full_name, result.changed = True, existing.full_name, False
            if upsert:
                result.created = False
            return result
        now = self.clock()
        info = APP_TYPES[type_]
        row = ComponentRow(
            self.org_id,
            type_,
            existing.full_name if existing else full_name,
            existing.id if existing else self.ids.new_id(info.id_prefix),
            record,
            existing.created_date if existing else now,
            existing.created_by if existing else user.id,
            now,
            user.id,
        )
        self.store.put_component(row)
        if _has_oauth(type_, record):
            owner = self._credential_owner(type_, row.full_name, record)
            if self.store.credentials(self.org_id, *owner) is None:
                self.store.set_credentials(
                    self.org_id,
                    *owner,
                    key or self._new_consumer_key(),
                    secret or self._new_consumer_secret(),
                )
        result.success = True
        result.full_name = row.full_name
        if upsert:
            result.created = creating
        return result

    def _check_rules(
        self, type_: str, full_name: str, record: Record, existing: ComponentRow | None, creating: bool
    ) -> list[RecordError]:
        errors = [
            _error("REQUIRED_FIELD_MISSING", f"Required field is missing: {path}", path)
            for path in missing_required(self.schema, type_, record)
        ]
        if errors:
            return errors
        settings = self.settings()
        info = APP_TYPES[type_]
        oauth = record.get("oauthConfig") if type_ == "ConnectedApp" else record
        if type_ == "ConnectedApp" and creating and not settings.get("connected_app_creation_allowed"):
            return [_error("INSUFFICIENT_ACCESS", CONNECTED_APP_CREATION_BLOCKED)]
        if type_ == "ConnectedApp" and not creating:
            migrated = migration_of(self, full_name)
            if migrated is not None:
                return [
                    _error(
                        "INSUFFICIENT_ACCESS_OR_READONLY",
                        CONNECTED_APP_READ_ONLY.format(app=full_name, eca=migrated.external_client_app),
                    )
                ]
        if info.parent_field is not None:
            parent = str(record.get(info.parent_field, ""))
            if self.component("ExternalClientApplication", parent) is None:
                return [
                    _error(
                        "INVALID_CROSS_REFERENCE_KEY",
                        f"In field: {info.parent_field} - no ExternalClientApplication named {parent} found",
                        info.parent_field,
                    )
                ]
            if (
                existing is not None
                and str(existing.record.get(info.parent_field, "")).lower() != parent.lower()
            ):
                return [
                    _error(
                        "FIELD_INTEGRITY_EXCEPTION",
                        f"You can't change the {info.parent_field} of an existing {type_}.",
                        info.parent_field,
                    )
                ]
        if type_ in _SECRET_GATED and not settings.get("consumer_secret_api_access"):
            return [_error("INSUFFICIENT_ACCESS", CONSUMER_SECRET_ACCESS_OFF)]
        if type_ in ("ConnectedApp", "ExtlClntAppGlobalOauthSettings") and isinstance(oauth, dict):
            owner = self._credential_owner(type_, full_name, record)
            current = self.store.credentials(self.org_id, *owner)
            key = oauth.get("consumerKey")
            if key and current is not None and current[0] != key:
                # the key is set once, at creation; a later deploy may only send the same key back
                return [
                    _error("FIELD_INTEGRITY_EXCEPTION", "You cannot provide a Consumer Key", "consumerKey")
                ]
            if key and current is None:
                if not _SECRET_RE.match(str(key)):
                    return [
                        _error(
                            "FIELD_INTEGRITY_EXCEPTION",
                            "Consumer Key must be 8 to 256 alphanumeric characters.",
                            "consumerKey",
                        )
                    ]
                if self.store.key_taken(str(key)):
                    return [
                        _error(
                            "DUPLICATE_VALUE",
                            "This consumer key is already in use: each app needs a unique consumer key.",
                            "consumerKey",
                        )
                    ]
            secret = oauth.get("consumerSecret")
            if secret:
                if not _SECRET_RE.match(str(secret)):
                    return [
                        _error(
                            "FIELD_INTEGRITY_EXCEPTION",
                            "Consumer Secret must be 8 to 256 alphanumeric characters.",
                            "consumerSecret",
                        )
                    ]
                if current is not None and not _same(current[1], str(secret)):
                    return [
                        _error(
                            "FIELD_INTEGRITY_EXCEPTION",
                            "You can't change the Consumer Secret after it's saved.",
                            "consumerSecret",
                        )
                    ]
        if type_ == "ConnectedApp":
            errors.extend(self._connected_app_rules(record))
        if type_ == "ExtlClntAppOauthConfigurablePolicies":
            errors.extend(self._eca_policy_rules(record))
        return errors

    def _named_access(
        self, profiles: list[str], permsets: list[str], fields: tuple[str, str]
    ) -> list[RecordError]:
        """Profiles and permission sets named by an app's policy must exist (both app kinds)."""
        known_profiles, known_permsets = self.profiles(), self.permission_sets()
        errors = [
            _error("INVALID_CROSS_REFERENCE_KEY", f"no Profile named {p} found", fields[0])
            for p in profiles
            if p not in known_profiles
        ]
        errors.extend(
            _error("INVALID_CROSS_REFERENCE_KEY", f"no PermissionSet named {p} found", fields[1])
            for p in permsets
            if p not in known_permsets
        )
        return errors

    def _eca_policy_rules(self, record: Record) -> list[RecordError]:
        errors = self._named_access(
            _csv(record.get("commaSeparatedProfile")),
            _csv(record.get("commaSeparatedPermissionSet")),
            ("commaSeparatedProfile", "commaSeparatedPermissionSet"),
        )
        relax = record.get("ipRelaxationPolicyType")
        if relax is not None and relax not in _ECA_IP_RELAXATION:
            # a string in the WSDL, an enumeration in the Metadata API Developer Guide
            # (ExtlClntAppOauthConfigurablePolicies.ipRelaxationPolicyType)
            errors.append(
                _error(
                    "FIELD_INTEGRITY_EXCEPTION",
                    f"'{relax}' is not a valid value for ipRelaxationPolicyType "
                    f"({', '.join(_ECA_IP_RELAXATION)}).",
                    "ipRelaxationPolicyType",
                )
            )
        run_as = record.get("clientCredentialsFlowUser")
        if run_as and self.user_by_username(str(run_as)) is None:
            errors.append(
                _error(
                    "INVALID_CROSS_REFERENCE_KEY",
                    f"no User named {run_as} found",
                    "clientCredentialsFlowUser",
                )
            )
        return errors

    def _connected_app_rules(self, record: Record) -> list[RecordError]:
        errors: list[RecordError] = []
        oauth = record.get("oauthConfig") if isinstance(record.get("oauthConfig"), dict) else None
        profiles = [p for p in record.get("profileName", []) if p]
        permsets = [p for p in record.get("permissionSetName", []) if p]
        if (profiles or permsets) and (oauth is None or oauth.get("isAdminApproved") != "true"):
            errors.append(
                _error(
                    "FIELD_INTEGRITY_EXCEPTION",
                    "Profiles and permission sets can be pre-authorized only when admin approved users are "
                    "pre-authorized (isAdminApproved).",
                    "profileName" if profiles else "permissionSetName",
                )
            )
        errors.extend(self._named_access(profiles, permsets, ("profileName", "permissionSetName")))
        policy = record.get("oauthPolicy")
        if isinstance(policy, dict):
            if policy.get("ipRelaxation") not in _IP_RELAXATION:
                errors.append(
                    _error(
                        "FIELD_INTEGRITY_EXCEPTION",
                        f"'{policy.get('ipRelaxation')}' is not a valid IP relaxation "
                        f"({', '.join(_IP_RELAXATION)}).",
                        "oauthPolicy.ipRelaxation",
                    )
                )
            if not _REFRESH_POLICY_RE.match(str(policy.get("refreshTokenPolicy", ""))):
                errors.append(
                    _error(
                        "FIELD_INTEGRITY_EXCEPTION",
                        f"'{policy.get('refreshTokenPolicy')}' is not a valid refresh token policy: use "
                        "infinite, zero, specific_lifetime:N:UNIT or specific_inactivity:N:UNIT "
                        "(HOURS, DAYS, MONTHS).",
                        "oauthPolicy.refreshTokenPolicy",
                    )
                )
        if oauth is not None and oauth.get("isClientCredentialEnabled") == "true":
            # The run-as user is an admin policy, usually set after the deploy: the flow needs it to issue
            # tokens, the deploy does not (Salesforce Help, "Configure a Connected App for the OAuth 2.0 Client
            # Credentials Flow"). A named user must exist.
            run_as = oauth.get("oauthClientCredentialUser")
            if run_as and self.user_by_username(str(run_as)) is None:
                errors.append(
                    _error(
                        "INVALID_CROSS_REFERENCE_KEY",
                        f"no User named {run_as} found",
                        "oauthClientCredentialUser",
                    )
                )
        return errors

    def delete_metadata(
        self, type_: str, full_names: list[str], all_or_none: bool = False
    ) -> list[SaveResult]:
        """`deleteMetadata`: deleting an External Client App deletes its settings and policies too."""
        self._type_info(type_)
        self._check_count(len(full_names))
        results: list[SaveResult] = []
        try:
            with self.store.transaction():
                for name in full_names:
                    results.append(self.delete_component(type_, name))
                if all_or_none and not all(r.success for r in results):
                    raise _Rollback()
        except _Rollback:
            for r in results:
                if r.success:
                    r.success = False
                    r.errors = [_error("ALL_OR_NONE_OPERATION_ROLLED_BACK", "Record rolled back")]
        return results

    def delete_component(self, type_: str, name: str) -> SaveResult:
        """Delete one component (cascading from an External Client App to its settings and policies)."""
        row = self.component(type_, name)
        if row is None:
            return SaveResult(
                name,
                False,
                [_error("INVALID_CROSS_REFERENCE_KEY", f"no {type_} named {name} found", "fullName")],
            )
        self.store.delete_component(self.org_id, type_, row.full_name)
        if type_ == "ConnectedApp":
            self.store.delete_credentials(self.org_id, "ConnectedApp", row.full_name)
            self.store.set_meta(f"migration:{row.full_name.lower()}", "")
        elif type_ == "ExternalClientApplication":
            for child in self.components():
                parent_field = APP_TYPES[child.type].parent_field if child.type in APP_TYPES else None
                if parent_field and str(child.record.get(parent_field, "")).lower() == row.full_name.lower():
                    self.store.delete_component(self.org_id, child.type, child.full_name)
            self.store.delete_credentials(self.org_id, "ExternalClientApplication", row.full_name)
            reactivate(self, row.full_name)  # a migrated Connected App is active again
        elif type_ == "ExtlClntAppGlobalOauthSettings":
            self.store.delete_credentials(
                self.org_id, "ExternalClientApplication", str(row.record.get("externalClientApplication", ""))
            )
        return SaveResult(row.full_name, True)

    def rename_metadata(self, type_: str, old: str, new: str, user: User) -> SaveResult:
        """`renameMetadata`."""
        self._type_info(type_)
        with self.store.transaction():
            row = self.component(type_, old)
            if row is None:
                return SaveResult(
                    new,
                    False,
                    [_error("INVALID_CROSS_REFERENCE_KEY", f"no {type_} named {old} found", "fullName")],
                )
            if not _NAME_RE.match(new):
                return SaveResult(
                    new, False, [_error("FIELD_INTEGRITY_EXCEPTION", _NAME_MESSAGE, "fullName")]
                )
            clash = self.component(type_, new)
            if clash is not None and clash.full_name.lower() != row.full_name.lower():
                return SaveResult(
                    new,
                    False,
                    [
                        _error(
                            "DUPLICATE_DEVELOPER_NAME", f"There is already a {type_} named {new}.", "fullName"
                        )
                    ],
                )
            self.store.delete_component(self.org_id, type_, row.full_name)
            self.store.put_component(
                ComponentRow(
                    self.org_id,
                    type_,
                    new,
                    row.id,
                    row.record,
                    row.created_date,
                    row.created_by,
                    self.clock(),
                    user.id,
                )
            )
            if type_ == "ConnectedApp":
                self.store.rename_credentials(self.org_id, "ConnectedApp", row.full_name, new)
            elif type_ == "ExternalClientApplication":
                self.store.rename_credentials(self.org_id, "ExternalClientApplication", row.full_name, new)
                for child in self.components():
                    parent_field = APP_TYPES[child.type].parent_field if child.type in APP_TYPES else None
                    if (
                        parent_field
                        and str(child.record.get(parent_field, "")).lower() == row.full_name.lower()
                    ):
                        child.record[parent_field] = new
                        self.store.put_component(child)
        return SaveResult(new, True)

    def _list_access(self, type_: str, admin: User) -> list[FileProperties]:
        """Profiles and permission sets as `listMetadata` names them (standard profiles by their short name)."""
        directory, suffix = _ACCESS_TYPES[type_]
        rows = self.profiles() if type_ == "Profile" else self.permission_sets()
        out = []
        for name, id_ in sorted(rows.items()):
            full_name = _PROFILE_FULL_NAMES.get(name, name) if type_ == "Profile" else name
            out.append(
                FileProperties(
                    type=type_,
                    full_name=full_name,
                    file_name=f"{directory}/{full_name}.{suffix}",
                    id=id_,
                    created_by_id=admin.id,
                    created_by_name=admin.username,
                    created_date=0.0,
                    last_modified_by_id=admin.id,
                    last_modified_by_name=admin.username,
                    last_modified_date=0.0,
                )
            )
        return out

    def list_metadata(self, queries: Iterable[tuple[str, str | None]]) -> list[FileProperties]:
        """`listMetadata`: (type, folder) queries, at most 3."""
        queries = list(queries)
        if len(queries) > MAX_LIST_QUERIES:
            raise LimitExceeded(f"Too many queries: at most {MAX_LIST_QUERIES} ListMetadataQuery per call")
        names = {u.id: u.name for u in self.users()}
        out: list[FileProperties] = []
        admin = self.admin_user()
        for type_, _folder in queries:
            if type_ in _ACCESS_TYPES:
                out += self._list_access(type_, admin)
                continue
            try:
                info = self._type_info(type_)
            except InvalidType:
                if self.schema.is_metadata_type(type_):
                    continue  # a real type we do not implement: nothing of it in this org
                raise
            for row in self.components(type_):
                out.append(
                    FileProperties(
                        type=type_,
                        full_name=row.full_name,
                        file_name=f"{info.directory}/{row.full_name}.{info.suffix}",
                        id=row.id,
                        created_by_id=row.created_by,
                        created_by_name=names.get(row.created_by, ""),
                        created_date=row.created_date,
                        last_modified_by_id=row.modified_by,
                        last_modified_by_name=names.get(row.modified_by, ""),
                        last_modified_date=row.modified_date,
                    )
                )
        return out

    def describe_types(self) -> list[TypeInfo]:
        """The types `describeMetadata` lists."""
        return [t for t in APP_TYPES.values() if t.name in self.schema.complex_types]


def _wire_bool(value: Any) -> str:
    """A setting as the WSDL's xsd:boolean text."""
    return "true" if value else "false"


def _same(a: str, b: str) -> bool:
    """Compare secrets in constant time."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _pop_credentials(type_: str, record: Record) -> tuple[str | None, str | None]:
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


def _csv(value: Any) -> list[str]:
    return [p.strip() for p in str(value or "").split(",") if p.strip()]


def _fold(scopes: list[str]) -> list[str]:
    out: list[str] = []
    for scope in scopes:
        folded = _FOLDED_SCOPES.get(scope.strip(), scope.strip())
        if folded not in out:
            out.append(folded)
    return out


def _fold_scopes(type_: str, record: Record) -> None:
    """Store scopes the way Salesforce returns them (`Profile`, `Email`, ... as `Basic`; `OfflineAccess` as
    `RefreshToken`), so every client reads the folded form."""
    if type_ == "ConnectedApp" and isinstance(record.get("oauthConfig"), dict):
        scopes = record["oauthConfig"].get("scopes")
        if isinstance(scopes, list):
            record["oauthConfig"]["scopes"] = _fold([str(s) for s in scopes])
    elif type_ == "ExtlClntAppOauthSettings" and record.get("commaSeparatedOauthScopes"):
        record["commaSeparatedOauthScopes"] = ",".join(_fold(_csv(record["commaSeparatedOauthScopes"])))


def _has_oauth(type_: str, record: Record) -> bool:
    return (type_ == "ConnectedApp" and isinstance(record.get("oauthConfig"), dict)) or (
        type_ == "ExtlClntAppGlobalOauthSettings"
    )
