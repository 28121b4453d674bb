"""SQLite storage of a local org: one file per org, every change inside one transaction, rows keyed by org_id.

The store knows tables and rows only; Salesforce's rules live in the org's parts (identity and sessions,
credentials, metadata, deploys, OAuth), which reach SQLite only through this module's public methods (a test
walks the package's code to keep it so). The schema carries a version (`SCHEMA_VERSION`, in the `meta`
table): opening an older file brings it up to date (`_MIGRATIONS`); a newer one is refused.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sfconnect.localorg._private import private_dir

__all__ = [
    "SCHEMA_VERSION",
    "AuthCodeRow",
    "ComponentRow",
    "DeviceRow",
    "JobRow",
    "PendingRow",
    "RefreshRow",
    "SessionRow",
    "StagedRow",
    "Store",
    "StoreVersionError",
    "UserRow",
]

SCHEMA_VERSION = 2
"""1: the org, its users, sessions, components, credentials and jobs; 2: the OAuth tables."""

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orgs (
    org_id TEXT PRIMARY KEY, name TEXT NOT NULL, created_date REAL NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (
    org_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (org_id, key));
CREATE TABLE IF NOT EXISTS profiles (
    org_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (org_id, id),
    UNIQUE (org_id, name));
CREATE TABLE IF NOT EXISTS permission_sets (
    org_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (org_id, id),
    UNIQUE (org_id, name));
CREATE TABLE IF NOT EXISTS users (
    org_id TEXT NOT NULL, id TEXT NOT NULL, username TEXT NOT NULL UNIQUE, password TEXT NOT NULL,
    data TEXT NOT NULL, PRIMARY KEY (org_id, id));
CREATE TABLE IF NOT EXISTS sessions (
    org_id TEXT NOT NULL, session_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, created REAL NOT NULL,
    last_used REAL NOT NULL, timeout_seconds REAL NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS components (
    org_id TEXT NOT NULL, type TEXT NOT NULL, full_name TEXT NOT NULL, id TEXT NOT NULL,
    record TEXT NOT NULL, created_date REAL NOT NULL, created_by TEXT NOT NULL,
    modified_date REAL NOT NULL, modified_by TEXT NOT NULL,
    PRIMARY KEY (org_id, type, full_name));
CREATE TABLE IF NOT EXISTS async_jobs (
    org_id TEXT NOT NULL, id TEXT PRIMARY KEY, kind TEXT NOT NULL, seq INTEGER NOT NULL, status TEXT NOT NULL,
    created REAL NOT NULL, created_by TEXT NOT NULL, ready_at REAL NOT NULL, request TEXT NOT NULL,
    payload BLOB NOT NULL, result TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS credentials (
    org_id TEXT NOT NULL, app_type TEXT NOT NULL, app_name TEXT NOT NULL, consumer_key TEXT NOT NULL UNIQUE,
    consumer_secret TEXT NOT NULL, PRIMARY KEY (org_id, app_type, app_name));
CREATE TABLE IF NOT EXISTS staged_credentials (
    org_id TEXT NOT NULL, id TEXT PRIMARY KEY, app_type TEXT NOT NULL, app_name TEXT NOT NULL,
    consumer_key TEXT NOT NULL UNIQUE, consumer_secret TEXT NOT NULL, state TEXT NOT NULL,
    created REAL NOT NULL, created_by TEXT NOT NULL, expires REAL NOT NULL);
"""

_OAUTH_DDL = """
CREATE TABLE IF NOT EXISTS oauth_codes (
    code TEXT PRIMARY KEY, org_id TEXT NOT NULL, client_id TEXT NOT NULL, user_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL, scopes TEXT NOT NULL, challenge TEXT, nonce TEXT, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_pending (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL, csrf TEXT NOT NULL, kind TEXT NOT NULL, params TEXT NOT NULL,
    user_id TEXT, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_refresh (
    token TEXT PRIMARY KEY, -- the token's SHA-256 digest (private.token_digest), never the token
    org_id TEXT NOT NULL, family TEXT NOT NULL, client_id TEXT NOT NULL,
    user_id TEXT NOT NULL, scopes TEXT NOT NULL, created REAL NOT NULL, last_used REAL NOT NULL,
    status TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS oauth_refresh_family ON oauth_refresh (family);
CREATE TABLE IF NOT EXISTS oauth_devices (
    device_code TEXT PRIMARY KEY, user_code TEXT NOT NULL UNIQUE, org_id TEXT NOT NULL,
    client_id TEXT NOT NULL, scopes TEXT NOT NULL, created REAL NOT NULL, last_poll REAL NOT NULL,
    user_id TEXT, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_approvals (
    org_id TEXT NOT NULL, client_id TEXT NOT NULL, user_id TEXT NOT NULL, scopes TEXT NOT NULL,
    PRIMARY KEY (org_id, client_id, user_id));
"""

_MIGRATIONS: dict[int, str] = {1: _DDL, 2: _OAUTH_DDL}
"""The statements that bring a file from the version before to this one. Every statement is idempotent
(`IF NOT EXISTS`): a version-1 file whose OAuth tables an older sfconnect created on first use keeps them."""


class StoreVersionError(ValueError):
    """The org's file was written by a newer sfconnect (its schema version is unknown here)."""


@dataclass(frozen=True)
class UserRow:
    """A user of the org. `data` holds the profile, permission sets, names, flags."""

    org_id: str
    id: str
    username: str
    password: str
    data: dict[str, Any]


@dataclass(frozen=True)
class SessionRow:
    """A session (SOAP login or, later, an OAuth access token)."""

    org_id: str
    session_id: str
    user_id: str
    created: float
    last_used: float
    timeout_seconds: float
    data: dict[str, Any]


@dataclass(frozen=True)
class ComponentRow:
    """One stored metadata component (without write-only fields)."""

    org_id: str
    type: str
    full_name: str
    id: str
    record: dict[str, Any]
    created_date: float
    created_by: str
    modified_date: float
    modified_by: str


@dataclass(frozen=True)
class StagedRow:
    """Staged credentials of an app's OAuth consumer: `Active` (accepted beside the primary ones) or
    `Rotated` (the former primary credentials after a rotation, refused)."""

    org_id: str
    id: str
    app_type: str
    app_name: str
    consumer_key: str
    consumer_secret: str
    state: str
    created: float
    created_by: str
    expires: float


@dataclass(frozen=True)
class JobRow:
    """An asynchronous deploy or retrieve: its request, payload (zip) and result so far."""

    org_id: str
    id: str
    kind: str
    seq: int
    status: str
    created: float
    created_by: str
    ready_at: float
    request: dict[str, Any]
    payload: bytes
    result: dict[str, Any]


@dataclass(frozen=True)
class AuthCodeRow:
    """An OAuth authorization code (web-server flow), single use."""

    code: str
    org_id: str
    client_id: str
    user_id: str
    redirect_uri: str
    scopes: str
    challenge: str | None
    nonce: str | None
    created: float


@dataclass(frozen=True)
class PendingRow:
    """An interactive OAuth request between its login page and its end (authorize or device verification)."""

    id: str
    org_id: str
    csrf: str
    kind: str
    params: dict[str, str]
    user_id: str | None
    created: float


@dataclass(frozen=True)
class RefreshRow:
    """A refresh token, stored by its SHA-256 digest (`token`), never the token itself."""

    token: str
    org_id: str
    family: str
    client_id: str
    user_id: str
    scopes: str
    created: float
    last_used: float
    status: str


@dataclass(frozen=True)
class DeviceRow:
    """A device-flow authorization: its device code, the user code shown, and its state."""

    device_code: str
    user_code: str
    org_id: str
    client_id: str
    scopes: str
    created: float
    last_poll: float
    user_id: str | None
    status: str


class Store:
    """Thread-safe access to one org's SQLite file.

    All access is serialised by one re-entrant lock; `transaction()` groups statements into one SQLite
    transaction (nested uses join the outer one).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        private_dir(path.parent)  # 0700, and its files 0600
        if not path.exists():  # created 0600; SQLite gives its -wal and -shm files the database's mode
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        self._lock = threading.RLock()
        self._depth = 0
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        try:
            with self.transaction():
                self._migrate()
        except BaseException:
            self._conn.close()
            raise

    def _migrate(self) -> None:
        """Create the schema of a new file, or bring an older file's up to `SCHEMA_VERSION`."""
        self._conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row is not None else 0
        if version > SCHEMA_VERSION:
            raise StoreVersionError(
                f"{self.path}: this local org was written by a newer sfconnect (schema version {version}; this "
                f"one reads up to {SCHEMA_VERSION}): upgrade sfconnect, or start the org afresh with "
                "`sfconnect localorg reset`"
            )
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for statement in _MIGRATIONS[step].split(";"):
                if statement.strip():
                    self._conn.execute(statement)
        if version != SCHEMA_VERSION:
            self._conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )

    @property
    def schema_version(self) -> int:
        """The schema version of the file (`SCHEMA_VERSION` once opened)."""
        return int(self.get_meta("schema_version") or 0)

    @contextmanager
    def serialized(self) -> Iterator[None]:
        """Hold the store's lock for the block: a read-check-write sequence is atomic among the server's
        threads, while each change still commits as it goes (a refusal raised in the block undoes nothing)."""
        with self._lock:
            yield

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one transaction (committed at the end, rolled back on any exception).

        A nested block is a savepoint of the outer transaction: an exception undoes the nested block's changes
        only, and nothing is committed before the outer block ends.
        """
        with self._lock:
            outer = self._depth == 0
            savepoint = f"sp{self._depth}"
            self._conn.execute("BEGIN IMMEDIATE" if outer else f"SAVEPOINT {savepoint}")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                else:
                    self._conn.execute(f"ROLLBACK TO {savepoint}")
                    self._conn.execute(f"RELEASE {savepoint}")
                raise
            self._depth -= 1
            self._conn.execute("COMMIT" if outer else f"RELEASE {savepoint}")

    def _one(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        with self._lock:
            row: tuple[Any, ...] | None = self._conn.execute(sql, params).fetchone()
            return row

    def _all(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    def _exec(self, sql: str, params: tuple[Any, ...]) -> int:
        with self.transaction():
            return self._conn.execute(sql, params).rowcount

    # meta -----------------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A value of the store's own key-value table."""
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the store's own key-value table."""
        self._exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # orgs -----------------------------------------------------------------------------------------------
    def add_org(self, org_id: str, name: str, created: float, data: dict[str, Any]) -> None:
        """Insert the org row."""
        self._exec(
            "INSERT INTO orgs (org_id, name, created_date, data) VALUES (?, ?, ?, ?)",
            (org_id, name, created, json.dumps(data)),
        )

    def org_ids(self) -> list[str]:
        """The ids of the orgs in this file, oldest first."""
        return [str(r[0]) for r in self._all("SELECT org_id FROM orgs ORDER BY created_date, org_id", ())]

    def org(self, org_id: str) -> tuple[str, float, dict[str, Any]] | None:
        """(name, created_date, data) of an org."""
        row = self._one("SELECT name, created_date, data FROM orgs WHERE org_id = ?", (org_id,))
        return None if row is None else (str(row[0]), float(row[1]), json.loads(row[2]))

    # settings -------------------------------------------------------------------------------------------
    def settings(self, org_id: str) -> dict[str, Any]:
        """All org settings."""
        rows = self._all("SELECT key, value FROM settings WHERE org_id = ?", (org_id,))
        return {str(k): json.loads(v) for k, v in rows}

    def set_setting(self, org_id: str, key: str, value: Any) -> None:
        """Set one org setting (a JSON value)."""
        self._exec(
            "INSERT OR REPLACE INTO settings (org_id, key, value) VALUES (?, ?, ?)",
            (org_id, key, json.dumps(value)),
        )

    # profiles and permission sets -----------------------------------------------------------------------
    def add_profile(self, org_id: str, id_: str, name: str) -> None:
        """Insert a profile."""
        self._exec("INSERT INTO profiles (org_id, id, name) VALUES (?, ?, ?)", (org_id, id_, name))

    def profiles(self, org_id: str) -> dict[str, str]:
        """Profile name -> id."""
        return {
            str(n): str(i) for i, n in self._all("SELECT id, name FROM profiles WHERE org_id = ?", (org_id,))
        }

    def add_permission_set(self, org_id: str, id_: str, name: str) -> None:
        """Insert a permission set."""
        self._exec("INSERT INTO permission_sets (org_id, id, name) VALUES (?, ?, ?)", (org_id, id_, name))

    def permission_sets(self, org_id: str) -> dict[str, str]:
        """Permission set name -> id."""
        rows = self._all("SELECT id, name FROM permission_sets WHERE org_id = ?", (org_id,))
        return {str(n): str(i) for i, n in rows}

    # users ----------------------------------------------------------------------------------------------
    def add_user(self, row: UserRow) -> None:
        """Insert a user."""
        self._exec(
            "INSERT INTO users (org_id, id, username, password, data) VALUES (?, ?, ?, ?, ?)",
            (row.org_id, row.id, row.username, row.password, json.dumps(row.data)),
        )

    def update_user(self, row: UserRow) -> None:
        """Replace a user's password and data."""
        self._exec(
            "UPDATE users SET username = ?, password = ?, data = ? WHERE org_id = ? AND id = ?",
            (row.username, row.password, json.dumps(row.data), row.org_id, row.id),
        )

    @staticmethod
    def _user(row: tuple[Any, ...]) -> UserRow:
        return UserRow(str(row[0]), str(row[1]), str(row[2]), str(row[3]), json.loads(row[4]))

    def user(self, org_id: str, user_id: str) -> UserRow | None:
        """A user by id."""
        row = self._one(
            "SELECT org_id, id, username, password, data FROM users WHERE org_id = ? AND id = ?",
            (org_id, user_id),
        )
        return None if row is None else self._user(row)

    def user_by_username(self, username: str) -> UserRow | None:
        """A user by username (usernames are unique across orgs, as in Salesforce)."""
        row = self._one(
            "SELECT org_id, id, username, password, data FROM users WHERE username = ? COLLATE NOCASE",
            (username.strip(),),
        )
        return None if row is None else self._user(row)

    def users(self, org_id: str) -> list[UserRow]:
        """All users of an org."""
        rows = self._all(
            "SELECT org_id, id, username, password, data FROM users WHERE org_id = ? ORDER BY id", (org_id,)
        )
        return [self._user(r) for r in rows]

    # sessions -------------------------------------------------------------------------------------------
    def add_session(self, row: SessionRow) -> None:
        """Insert a session."""
        self._exec(
            "INSERT INTO sessions (org_id, session_id, user_id, created, last_used, timeout_seconds, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                row.org_id,
                row.session_id,
                row.user_id,
                row.created,
                row.last_used,
                row.timeout_seconds,
                json.dumps(row.data),
            ),
        )

    def session(self, session_id: str) -> SessionRow | None:
        """A session by id."""
        row = self._one(
            "SELECT org_id, session_id, user_id, created, last_used, timeout_seconds, data FROM sessions "
            "WHERE session_id = ?",
            (session_id,),
        )
        if row is None:
            return None
        return SessionRow(
            str(row[0]),
            str(row[1]),
            str(row[2]),
            float(row[3]),
            float(row[4]),
            float(row[5]),
            json.loads(row[6]),
        )

    def touch_session(self, session_id: str, now: float) -> None:
        """Record activity on a session (sessions expire after `timeout_seconds` of inactivity)."""
        self._exec("UPDATE sessions SET last_used = ? WHERE session_id = ?", (now, session_id))

    def delete_session(self, session_id: str) -> None:
        """Remove one session."""
        self._exec("DELETE FROM sessions WHERE session_id = ?", (session_id,))

    def purge_sessions(self, now: float) -> int:
        """Remove every session idle for longer than its timeout; return how many."""
        return self._exec("DELETE FROM sessions WHERE ? - last_used > timeout_seconds", (now,))

    def delete_sessions(self, org_id: str) -> int:
        """Remove every session of an org; return how many."""
        return self._exec("DELETE FROM sessions WHERE org_id = ?", (org_id,))

    def delete_sessions_of_family(self, org_id: str, family: str) -> int:
        """Remove the sessions (access tokens) issued from one refresh-token family; return how many."""
        return self._exec(
            "DELETE FROM sessions WHERE org_id = ? AND json_extract(data, '$.family') = ?", (org_id, family)
        )

    # components -----------------------------------------------------------------------------------------
    @staticmethod
    def _component(row: tuple[Any, ...]) -> ComponentRow:
        return ComponentRow(
            str(row[0]),
            str(row[1]),
            str(row[2]),
            str(row[3]),
            json.loads(row[4]),
            float(row[5]),
            str(row[6]),
            float(row[7]),
            str(row[8]),
        )

    _COMPONENT_COLUMNS = (
        "org_id, type, full_name, id, record, created_date, created_by, modified_date, modified_by"
    )

    def component(self, org_id: str, type_: str, full_name: str) -> ComponentRow | None:
        """A component by type and name (names compare case-insensitively, as in Salesforce)."""
        row = self._one(
            f"SELECT {self._COMPONENT_COLUMNS} FROM components "  # noqa: S608 - constant column list
            "WHERE org_id = ? AND type = ? AND full_name = ? COLLATE NOCASE",
            (org_id, type_, full_name),
        )
        return None if row is None else self._component(row)

    def components(self, org_id: str, type_: str | None = None) -> list[ComponentRow]:
        """All components of an org (of one type), ordered by type and name."""
        if type_ is None:
            rows = self._all(
                f"SELECT {self._COMPONENT_COLUMNS} FROM components "  # noqa: S608
                "WHERE org_id = ? ORDER BY type, full_name",
                (org_id,),
            )
        else:
            rows = self._all(
                f"SELECT {self._COMPONENT_COLUMNS} FROM components "  # noqa: S608
                "WHERE org_id = ? AND type = ? ORDER BY full_name",
                (org_id, type_),
            )
        return [self._component(r) for r in rows]

    def put_component(self, row: ComponentRow) -> None:
        """Insert or replace a component."""
        self._exec(
            f"INSERT OR REPLACE INTO components ({self._COMPONENT_COLUMNS}) "  # noqa: S608
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.org_id,
                row.type,
                row.full_name,
                row.id,
                json.dumps(row.record),
                row.created_date,
                row.created_by,
                row.modified_date,
                row.modified_by,
            ),
        )

    def delete_component(self, org_id: str, type_: str, full_name: str) -> int:
        """Delete a component; return how many rows went."""
        return self._exec(
            "DELETE FROM components WHERE org_id = ? AND type = ? AND full_name = ? COLLATE NOCASE",
            (org_id, type_, full_name),
        )

    # OAuth credentials (write-only secrets) -------------------------------------------------------------
    def set_credentials(self, org_id: str, app_type: str, app_name: str, key: str, secret: str) -> None:
        """Store an app's consumer key and secret."""
        self._exec(
            "INSERT OR REPLACE INTO credentials (org_id, app_type, app_name, consumer_key, consumer_secret) "
            "VALUES (?, ?, ?, ?, ?)",
            (org_id, app_type, app_name, key, secret),
        )

    def credentials(self, org_id: str, app_type: str, app_name: str) -> tuple[str, str] | None:
        """(consumer key, consumer secret) of an app."""
        row = self._one(
            "SELECT consumer_key, consumer_secret FROM credentials "
            "WHERE org_id = ? AND app_type = ? AND app_name = ? COLLATE NOCASE",
            (org_id, app_type, app_name),
        )
        return None if row is None else (str(row[0]), str(row[1]))

    def credentials_by_key(self, consumer_key: str) -> tuple[str, str, str, str] | None:
        """(org_id, app_type, app_name, consumer secret) for a consumer key."""
        row = self._one(
            "SELECT org_id, app_type, app_name, consumer_secret FROM credentials WHERE consumer_key = ?",
            (consumer_key,),
        )
        return None if row is None else (str(row[0]), str(row[1]), str(row[2]), str(row[3]))

    def key_taken(self, consumer_key: str) -> bool:
        """Whether a consumer key is already in use (as primary or staged credentials)."""
        return (
            self._one("SELECT 1 FROM credentials WHERE consumer_key = ?", (consumer_key,)) is not None
            or self._one("SELECT 1 FROM staged_credentials WHERE consumer_key = ?", (consumer_key,))
            is not None
        )

    def delete_credentials(self, org_id: str, app_type: str, app_name: str) -> None:
        """Forget an app's credentials (primary and staged)."""
        for table in ("credentials", "staged_credentials"):
            self._exec(
                f"DELETE FROM {table} WHERE org_id = ? AND app_type = ? AND app_name = ? COLLATE NOCASE",  # noqa: S608
                (org_id, app_type, app_name),
            )

    # staged credentials (Connect REST "OAuth Staged Credentials") ---------------------------------------
    _STAGED_COLUMNS = (
        "org_id, id, app_type, app_name, consumer_key, consumer_secret, state, created, created_by, expires"
    )

    @staticmethod
    def _staged(row: tuple[Any, ...]) -> StagedRow:
        return StagedRow(
            str(row[0]),
            str(row[1]),
            str(row[2]),
            str(row[3]),
            str(row[4]),
            str(row[5]),
            str(row[6]),
            float(row[7]),
            str(row[8]),
            float(row[9]),
        )

    def put_staged(self, row: StagedRow) -> None:
        """Insert or replace a staged credentials row."""
        self._exec(
            f"INSERT OR REPLACE INTO staged_credentials ({self._STAGED_COLUMNS}) "  # noqa: S608
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.org_id,
                row.id,
                row.app_type,
                row.app_name,
                row.consumer_key,
                row.consumer_secret,
                row.state,
                row.created,
                row.created_by,
                row.expires,
            ),
        )

    def staged_of(self, org_id: str, app_type: str, app_name: str) -> list[StagedRow]:
        """An app's staged credentials, oldest first."""
        rows = self._all(
            f"SELECT {self._STAGED_COLUMNS} FROM staged_credentials "  # noqa: S608
            "WHERE org_id = ? AND app_type = ? AND app_name = ? COLLATE NOCASE ORDER BY created, id",
            (org_id, app_type, app_name),
        )
        return [self._staged(r) for r in rows]

    def staged_by_key(self, consumer_key: str) -> StagedRow | None:
        """The staged credentials holding a consumer key."""
        row = self._one(
            f"SELECT {self._STAGED_COLUMNS} FROM staged_credentials WHERE consumer_key = ?",  # noqa: S608
            (consumer_key,),
        )
        return None if row is None else self._staged(row)

    def delete_staged(self, org_id: str, staged_id: str) -> int:
        """Delete one staged credentials row; return how many rows went."""
        return self._exec("DELETE FROM staged_credentials WHERE org_id = ? AND id = ?", (org_id, staged_id))

    def rename_credentials(self, org_id: str, app_type: str, old: str, new: str) -> None:
        """Follow a rename of the app."""
        for table in ("credentials", "staged_credentials"):
            self._exec(
                f"UPDATE {table} SET app_name = ? "  # noqa: S608
                "WHERE org_id = ? AND app_type = ? AND app_name = ? COLLATE NOCASE",
                (new, org_id, app_type, old),
            )

    # asynchronous jobs (deploys, retrieves) ---------------------------------------------------------
    _JOB_COLUMNS = "org_id, id, kind, seq, status, created, created_by, ready_at, request, payload, result"

    @staticmethod
    def _job(row: tuple[Any, ...]) -> JobRow:
        return JobRow(
            str(row[0]),
            str(row[1]),
            str(row[2]),
            int(row[3]),
            str(row[4]),
            float(row[5]),
            str(row[6]),
            float(row[7]),
            json.loads(row[8]),
            bytes(row[9]),
            json.loads(row[10]),
        )

    def add_job(self, row: JobRow) -> None:
        """Insert a job."""
        self._exec(
            f"INSERT INTO async_jobs ({self._JOB_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
            (
                row.org_id,
                row.id,
                row.kind,
                row.seq,
                row.status,
                row.created,
                row.created_by,
                row.ready_at,
                json.dumps(row.request),
                row.payload,
                json.dumps(row.result),
            ),
        )

    def next_job_seq(self, org_id: str) -> int:
        """The next sequence number of the org's jobs (their queue order)."""
        row = self._one("SELECT COALESCE(MAX(seq), 0) + 1 FROM async_jobs WHERE org_id = ?", (org_id,))
        return int(row[0]) if row else 1

    def job(self, org_id: str, job_id: str) -> JobRow | None:
        """A job by id (15 or 18 characters)."""
        row = self._one(
            f"SELECT {self._JOB_COLUMNS} FROM async_jobs "  # noqa: S608
            "WHERE org_id = ? AND (id = ? OR substr(id, 1, 15) = ?)",
            (org_id, job_id, job_id),
        )
        return None if row is None else self._job(row)

    def jobs(self, org_id: str, kind: str) -> list[JobRow]:
        """Every job of a kind, in queue order (what the Tooling API's DeployRequest lists)."""
        rows = self._all(
            f"SELECT {self._JOB_COLUMNS} FROM async_jobs WHERE org_id = ? AND kind = ? ORDER BY seq",  # noqa: S608
            (org_id, kind),
        )
        return [self._job(r) for r in rows]

    def set_job_request(self, org_id: str, job_id: str, request: dict[str, Any]) -> None:
        """Replace a job's request record (e.g. to mark a validation as quick-deployed)."""
        self._exec(
            "UPDATE async_jobs SET request = ? WHERE org_id = ? AND id = ?",
            (json.dumps(request), org_id, job_id),
        )

    def pending_jobs(self, org_id: str, kind: str) -> list[JobRow]:
        """Jobs of a kind not finished yet, in queue order."""
        rows = self._all(
            f"SELECT {self._JOB_COLUMNS} FROM async_jobs "  # noqa: S608
            "WHERE org_id = ? AND kind = ? AND status IN ('Pending', 'InProgress', 'Canceling') ORDER BY seq",
            (org_id, kind),
        )
        return [self._job(r) for r in rows]

    def finish_job(
        self, org_id: str, job_id: str, status: str, result: dict[str, Any], *, keep_payload: bool = False
    ) -> None:
        """Record a job's final (or new) status and result; the payload is dropped once done, unless kept
        (a successful validation keeps its zip for a quick deploy)."""
        done = status not in ("Pending", "InProgress", "Canceling") and not keep_payload
        self._exec(
            "UPDATE async_jobs SET status = ?, result = ?, payload = CASE WHEN ? THEN x'' ELSE payload END "
            "WHERE org_id = ? AND id = ?",
            (status, json.dumps(result), done, org_id, job_id),
        )

    # OAuth: pending interactive requests, authorization codes, refresh tokens, devices, approvals ------
    def purge_oauth(self, pending_before: float, codes_before: float, devices_before: float) -> None:
        """Delete pending requests, authorization codes and device codes created before the given times."""
        with self.transaction():
            self._exec("DELETE FROM oauth_pending WHERE created < ?", (pending_before,))
            self._exec("DELETE FROM oauth_codes WHERE created < ?", (codes_before,))
            self._exec("DELETE FROM oauth_devices WHERE created < ?", (devices_before,))

    def add_pending(self, row: PendingRow) -> None:
        """Insert a pending interactive request."""
        self._exec(
            "INSERT INTO oauth_pending (id, org_id, csrf, kind, params, user_id, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (row.id, row.org_id, row.csrf, row.kind, json.dumps(row.params), row.user_id, row.created),
        )

    def pending(self, org_id: str, request_id: str) -> PendingRow | None:
        """A pending request by id."""
        row = self._one(
            "SELECT id, org_id, csrf, kind, params, user_id, created FROM oauth_pending "
            "WHERE id = ? AND org_id = ?",
            (request_id, org_id),
        )
        if row is None:
            return None
        return PendingRow(
            str(row[0]),
            str(row[1]),
            str(row[2]),
            str(row[3]),
            json.loads(row[4]),
            str(row[5]) if row[5] else None,
            float(row[6]),
        )

    def update_pending(self, request_id: str, user_id: str, csrf: str, params: dict[str, str]) -> None:
        """Record who logged in to a pending request, with its new CSRF token and parameters."""
        self._exec(
            "UPDATE oauth_pending SET user_id = ?, csrf = ?, params = ? WHERE id = ?",
            (user_id, csrf, json.dumps(params), request_id),
        )

    def delete_pending(self, request_id: str) -> None:
        """End a pending request."""
        self._exec("DELETE FROM oauth_pending WHERE id = ?", (request_id,))

    def add_code(self, row: AuthCodeRow) -> None:
        """Insert an authorization code."""
        self._exec(
            "INSERT INTO oauth_codes (code, org_id, client_id, user_id, redirect_uri, scopes, challenge, nonce,"
            " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.code,
                row.org_id,
                row.client_id,
                row.user_id,
                row.redirect_uri,
                row.scopes,
                row.challenge,
                row.nonce,
                row.created,
            ),
        )

    def code(self, org_id: str, code: str) -> AuthCodeRow | None:
        """An authorization code."""
        row = self._one(
            "SELECT code, org_id, client_id, user_id, redirect_uri, scopes, challenge, nonce, created "
            "FROM oauth_codes WHERE code = ? AND org_id = ?",
            (code, org_id),
        )
        if row is None:
            return None
        return AuthCodeRow(
            str(row[0]),
            str(row[1]),
            str(row[2]),
            str(row[3]),
            str(row[4]),
            str(row[5]),
            None if row[6] is None else str(row[6]),
            None if row[7] is None else str(row[7]),
            float(row[8]),
        )

    def delete_code(self, code: str) -> None:
        """Use up an authorization code."""
        self._exec("DELETE FROM oauth_codes WHERE code = ?", (code,))

    def add_refresh(self, row: RefreshRow) -> None:
        """Insert a refresh token (by its digest)."""
        self._exec(
            "INSERT INTO oauth_refresh (token, org_id, family, client_id, user_id, scopes, created,"
            " last_used, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.token,
                row.org_id,
                row.family,
                row.client_id,
                row.user_id,
                row.scopes,
                row.created,
                row.last_used,
                row.status,
            ),
        )

    def refresh(self, org_id: str, digest: str) -> RefreshRow | None:
        """A refresh token by its digest."""
        row = self._one(
            "SELECT token, org_id, family, client_id, user_id, scopes, created, last_used, status "
            "FROM oauth_refresh WHERE token = ? AND org_id = ?",
            (digest, org_id),
        )
        if row is None:
            return None
        return RefreshRow(
            str(row[0]),
            str(row[1]),
            str(row[2]),
            str(row[3]),
            str(row[4]),
            str(row[5]),
            float(row[6]),
            float(row[7]),
            str(row[8]),
        )

    def set_refresh_status(self, digest: str, status: str) -> None:
        """Change a refresh token's status (`rotated`, `revoked`)."""
        self._exec("UPDATE oauth_refresh SET status = ? WHERE token = ?", (status, digest))

    def touch_refresh(self, digest: str, now: float) -> None:
        """Record a refresh token's use (its inactivity policy counts from there)."""
        self._exec("UPDATE oauth_refresh SET last_used = ? WHERE token = ?", (now, digest))

    def revoke_refresh_family(self, family: str) -> None:
        """Revoke every refresh token of a family."""
        self._exec("UPDATE oauth_refresh SET status = 'revoked' WHERE family = ?", (family,))

    def add_device(self, row: DeviceRow) -> None:
        """Insert a device authorization."""
        self._exec(
            "INSERT INTO oauth_devices (device_code, user_code, org_id, client_id, scopes, created, last_poll,"
            " user_id, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.device_code,
                row.user_code,
                row.org_id,
                row.client_id,
                row.scopes,
                row.created,
                row.last_poll,
                row.user_id,
                row.status,
            ),
        )

    _DEVICE_COLUMNS = "device_code, user_code, org_id, client_id, scopes, created, last_poll, user_id, status"

    @staticmethod
    def _device(row: tuple[Any, ...]) -> DeviceRow:
        return DeviceRow(
            str(row[0]),
            str(row[1]),
            str(row[2]),
            str(row[3]),
            str(row[4]),
            float(row[5]),
            float(row[6]),
            str(row[7]) if row[7] else None,
            str(row[8]),
        )

    def device(self, org_id: str, device_code: str) -> DeviceRow | None:
        """A device authorization by device code."""
        row = self._one(
            f"SELECT {self._DEVICE_COLUMNS} FROM oauth_devices "  # noqa: S608 - constant column list
            "WHERE device_code = ? AND org_id = ?",
            (device_code, org_id),
        )
        return None if row is None else self._device(row)

    def device_by_user_code(self, org_id: str, user_code: str) -> DeviceRow | None:
        """A device authorization by the user code shown on the device."""
        row = self._one(
            f"SELECT {self._DEVICE_COLUMNS} FROM oauth_devices "  # noqa: S608 - constant column list
            "WHERE user_code = ? AND org_id = ?",
            (user_code, org_id),
        )
        return None if row is None else self._device(row)

    def finish_device(self, device_code: str, user_id: str | None, status: str) -> None:
        """Record the user's answer to a device authorization (`approved` with the user, or `denied`)."""
        self._exec(
            "UPDATE oauth_devices SET user_id = ?, status = ? WHERE device_code = ?",
            (user_id, status, device_code),
        )

    def touch_device(self, device_code: str, now: float) -> None:
        """Record a device's poll (polling faster than the interval is refused)."""
        self._exec("UPDATE oauth_devices SET last_poll = ? WHERE device_code = ?", (now, device_code))

    def delete_device(self, device_code: str) -> None:
        """Use up a device authorization."""
        self._exec("DELETE FROM oauth_devices WHERE device_code = ?", (device_code,))

    def set_approval(self, org_id: str, client_id: str, user_id: str, scopes: str) -> None:
        """Record the scopes a user approved for an app."""
        self._exec(
            "INSERT OR REPLACE INTO oauth_approvals (org_id, client_id, user_id, scopes) VALUES (?, ?, ?, ?)",
            (org_id, client_id, user_id, scopes),
        )

    def approval(self, org_id: str, client_id: str, user_id: str) -> str | None:
        """The scopes (space-separated) a user approved for an app, or None."""
        row = self._one(
            "SELECT scopes FROM oauth_approvals WHERE org_id = ? AND client_id = ? AND user_id = ?",
            (org_id, client_id, user_id),
        )
        return None if row is None else str(row[0])
