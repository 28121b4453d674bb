"""The local org: a small facade over its parts (moto's `models` layer).

`LocalOrg(db_path, clock, ids)` owns one org stored in one SQLite file (`store.py`) and makes its parts, each
owning its tables through the store:

- `identity` (`identity.py`): users, profiles, permission sets, passwords, SOAP login and sessions;
- `credentials` (`credentials.py`): the apps' OAuth consumer credentials;
- `metadata` (`metadata.py`, rules in `metadata_rules.py`): the Metadata API's components and their rules;
- `deployments` (`deploys.py`): asynchronous deploys and retrieves;
- `oauth` (`oauth.py`): the authorization server, made on first use.

A new file is seeded by `seeding.py`. The org's own settings are here. The methods below hand each operation to
the part that owns it, so response handlers and tests call one method per operation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sfconnect.localorg._credentials import AppCredentials, Credentials
from sfconnect.localorg._deploys import Deployments
from sfconnect.localorg._faults import Faults
from sfconnect.localorg._identity import SESSION_PURGE_SECONDS, Identity, Session, User
from sfconnect.localorg._ids import IdSource, RandomIds
from sfconnect.localorg._metadata import (
    APP_TYPES,
    MAX_CRUD_COMPONENTS,
    FileProperties,
    Metadata,
    RecordError,
    SaveResult,
    TypeInfo,
)
from sfconnect.localorg._records import Record
from sfconnect.localorg._seed import Seed, default_seed
from sfconnect.localorg._seeding import apply_seed
from sfconnect.localorg._store import ComponentRow, Store
from sfconnect.localorg.wsdl import MetadataSchema, load_schema

if TYPE_CHECKING:
    from sfconnect.localorg._oauth import OAuthBackend

__all__ = [
    "API_VERSIONS",
    "APP_TYPES",
    "MAX_CRUD_COMPONENTS",
    "SESSION_PURGE_SECONDS",
    "AppCredentials",
    "FileProperties",
    "LocalOrg",
    "RecordError",
    "SaveResult",
    "Session",
    "TypeInfo",
    "User",
]

API_VERSIONS = tuple(f"{v}.0" for v in range(31, 67))
"""API versions the org answers on, 31.0 to 66.0 (the bundled WSDL is v63; `versions.py` gates newer fields)."""


class LocalOrg:
    """One embedded org: users, sessions, settings and metadata components, stored in SQLite.

    Args:
        db_path: the SQLite file (created and seeded when new).
        clock: seconds since the epoch (injected for deterministic tests).
        ids: source of ids and tokens (`SequentialIds` for goldens).
        seed: what a new org starts with (default: `default_seed()`); ignored for an existing file.
        schema: the parsed Metadata API WSDL (parsed on first use when absent).
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
        self.identity = Identity(self)
        self.credentials = Credentials(self)
        self.metadata = Metadata(self)
        self.deployments = Deployments(self)
        self._oauth: OAuthBackend | None = None
        self._oauth_lock = threading.Lock()
        existing = self.store.org_ids()
        if existing:
            self.org_id = existing[0]
            self.identity.protect_plaintext_passwords()
        else:
            self.org_id = apply_seed(self, seed or default_seed())

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
                    from sfconnect.localorg._oauth import OAuthBackend

                    self._oauth = OAuthBackend(self)
        return self._oauth

    def close(self) -> None:
        """Close the database."""
        self.store.close()

    # the org and its settings -----------------------------------------------------------------------------
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

    # identity and sessions (`identity.py`) -----------------------------------------------------------------
    def profiles(self) -> dict[str, str]:
        """Profile name -> id."""
        return self.identity.profiles()

    def permission_sets(self) -> dict[str, str]:
        """Permission set name -> id."""
        return self.identity.permission_sets()

    def users(self) -> list[User]:
        """All users."""
        return self.identity.users()

    def user(self, user_id: str) -> User | None:
        """A user by id (15 or 18 characters)."""
        return self.identity.user(user_id)

    def user_by_username(self, username: str) -> User | None:
        """A user by username."""
        return self.identity.user_by_username(username)

    def check_password(self, username: str, password: str) -> User | None:
        """The user when the password matches, else None."""
        return self.identity.check_password(username, password)

    def admin_user(self) -> User:
        """The seeded System Administrator."""
        return self.identity.admin_user()

    def password_of(self, username: str) -> str:
        """A seeded user's password (`Identity.password_of`)."""
        return self.identity.password_of(username)

    def create_session(
        self, user: User, *, timeout_seconds: float | None = None, data: dict[str, Any] | None = None
    ) -> Session:
        """Open a session for `user` (`Identity.create_session`)."""
        return self.identity.create_session(user, timeout_seconds=timeout_seconds, data=data)

    def login(self, username: str, password: str) -> Session:
        """SOAP partner `login()` (`Identity.login`)."""
        return self.identity.login(username, password)

    def authenticate(self, session_id: str | None, *, api: bool = True) -> Session:
        """The live session for `session_id` (`Identity.authenticate`)."""
        return self.identity.authenticate(session_id, api=api)

    def check_metadata_access(self, user: User) -> None:
        """Refuse the Metadata API to a user without the permission."""
        self.identity.check_metadata_access(user)

    def expire_sessions(self) -> int:
        """End every session of the org; return how many."""
        return self.identity.expire_sessions()

    def revoke_session(self, session_id: str) -> None:
        """End one session."""
        self.identity.revoke_session(session_id)

    # OAuth consumer credentials (`credentials.py`) ---------------------------------------------------------
    def app_credentials(self, consumer_key: str) -> AppCredentials | None:
        """The app owning a consumer key, with its secret (`Credentials.app_credentials`)."""
        return self.credentials.app_credentials(consumer_key)

    def credentials_of(self, app_type: str, app_name: str) -> AppCredentials | None:
        """An app's credentials (`Credentials.credentials_of`)."""
        return self.credentials.credentials_of(app_type, app_name)

    def new_consumer_key(self) -> str:
        """A new, unused consumer key."""
        return self.credentials.new_consumer_key()

    def new_consumer_secret(self) -> str:
        """A new consumer secret."""
        return self.credentials.new_consumer_secret()

    # metadata (`metadata.py`) ------------------------------------------------------------------------------
    def device_flow_enabled(self, app_name: str) -> bool:
        """Whether a Connected App has "Enable for Device Flow" checked."""
        return self.metadata.device_flow_enabled(app_name)

    def set_device_flow(self, app_name: str, enabled: bool) -> str:
        """Check or uncheck "Enable for Device Flow" of a Connected App (`Metadata.set_device_flow`)."""
        return self.metadata.set_device_flow(app_name, enabled)

    def check_type(self, type_: str) -> TypeInfo:
        """The `TypeInfo` of an implemented type (`Metadata.check_type`)."""
        return self.metadata.check_type(type_)

    def component(self, type_: str, full_name: str) -> ComponentRow | None:
        """A stored component (without secrets), or None."""
        return self.metadata.component(type_, full_name)

    def components(self, type_: str | None = None) -> list[ComponentRow]:
        """All stored components (of one type)."""
        return self.metadata.components(type_)

    def record_of(self, row: ComponentRow) -> Record:
        """A stored component as `readMetadata` returns it."""
        return self.metadata.record_of(row)

    def app_components(self, app_type: str, app_name: str) -> dict[str, Record]:
        """An app's components as `readMetadata` returns them, keyed by type (`Metadata.app_components`)."""
        return self.metadata.app_components(app_type, app_name)

    def read_metadata(self, type_: str, full_names: list[str]) -> list[Record | None]:
        """`readMetadata`."""
        return self.metadata.read_metadata(type_, full_names)

    def create_metadata(
        self, items: list[tuple[str, Record]], user: User, all_or_none: bool = False
    ) -> list[SaveResult]:
        """`createMetadata`."""
        return self.metadata.create_metadata(items, user, all_or_none)

    def update_metadata(
        self, items: list[tuple[str, Record]], user: User, all_or_none: bool = False
    ) -> list[SaveResult]:
        """`updateMetadata`."""
        return self.metadata.update_metadata(items, user, all_or_none)

    def upsert_metadata(
        self, items: list[tuple[str, Record]], user: User, all_or_none: bool = False
    ) -> list[SaveResult]:
        """`upsertMetadata`."""
        return self.metadata.upsert_metadata(items, user, all_or_none)

    def save_component(self, type_: str, incoming: Record, user: User, mode: str) -> SaveResult:
        """Create, update or upsert one component with every rule applied (`Metadata.save_component`)."""
        return self.metadata.save_component(type_, incoming, user, mode)

    def delete_metadata(
        self, type_: str, full_names: list[str], all_or_none: bool = False
    ) -> list[SaveResult]:
        """`deleteMetadata`."""
        return self.metadata.delete_metadata(type_, full_names, all_or_none)

    def delete_component(self, type_: str, name: str) -> SaveResult:
        """Delete one component (`Metadata.delete_component`)."""
        return self.metadata.delete_component(type_, name)

    def rename_metadata(self, type_: str, old: str, new: str, user: User) -> SaveResult:
        """`renameMetadata`."""
        return self.metadata.rename_metadata(type_, old, new, user)

    def list_metadata(self, queries: Iterable[tuple[str, str | None]]) -> list[FileProperties]:
        """`listMetadata`."""
        return self.metadata.list_metadata(queries)

    def describe_types(self) -> list[TypeInfo]:
        """The types `describeMetadata` lists."""
        return self.metadata.describe_types()
