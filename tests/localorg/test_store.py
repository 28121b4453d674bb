"""The store's schema version: a new file gets the current schema, an older one is brought up to date with its
rows kept, and a newer one is refused with a clear error."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from sfconnect.localorg import LocalOrg, SequentialIds
from sfconnect.localorg._store import SCHEMA_VERSION, RefreshRow, Store, StoreVersionError

OAUTH_TABLES = {"oauth_codes", "oauth_pending", "oauth_refresh", "oauth_devices", "oauth_approvals"}


def _tables(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        return {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _as_version_1(path: Path, *, keep_oauth: bool) -> None:
    """Turn a current file into what sfconnect wrote at schema version 1 (OAuth tables made on first use)."""
    conn = sqlite3.connect(path)
    try:
        if not keep_oauth:
            for table in OAUTH_TABLES:
                conn.execute(f"DROP TABLE {table}")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        conn.commit()
    finally:
        conn.close()


def test_a_new_file_has_every_table_at_the_current_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "org.db")
    try:
        assert store.schema_version == SCHEMA_VERSION == 2
    finally:
        store.close()
    assert _tables(tmp_path / "org.db") >= OAUTH_TABLES


def test_a_version_1_org_gains_the_oauth_tables_and_keeps_its_data(tmp_path: Path) -> None:
    db = tmp_path / "org.db"
    org = LocalOrg(db, clock=lambda: 1_000.0, ids=SequentialIds())
    admin, org_id = org.admin_user(), org.org_id
    org.close()
    _as_version_1(db, keep_oauth=False)
    assert not OAUTH_TABLES & _tables(db)

    reopened = LocalOrg(db, clock=lambda: 1_000.0, ids=SequentialIds())
    try:
        assert reopened.org_id == org_id
        assert reopened.admin_user() == admin
        assert reopened.store.schema_version == SCHEMA_VERSION
        assert _tables(db) >= OAUTH_TABLES
    finally:
        reopened.close()


def test_a_version_1_org_keeps_the_oauth_rows_an_older_sfconnect_wrote(tmp_path: Path) -> None:
    db = tmp_path / "org.db"
    store = Store(db)
    store.add_refresh(RefreshRow("digest", "00D", "fam", "client", "005", "api", 1.0, 1.0, "active"))
    store.close()
    _as_version_1(db, keep_oauth=True)

    store = Store(db)
    try:
        row = store.refresh("00D", "digest")
        assert row is not None and row.family == "fam" and row.status == "active"
        assert store.schema_version == SCHEMA_VERSION
    finally:
        store.close()


def test_a_file_of_a_newer_sfconnect_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "org.db"
    Store(db).close()
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
        conn.commit()
    with pytest.raises(StoreVersionError) as caught:
        Store(db)
    message = str(caught.value)
    assert str(db) in message
    assert f"schema version {SCHEMA_VERSION + 1}" in message
    assert "upgrade sfconnect" in message and "localorg reset" in message
