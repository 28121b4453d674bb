"""The embedded org's private data at rest: a 0700 directory of 0600 files; hashed passwords and refresh
tokens; the seeded users' plaintext passwords only in `passwords.json`."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from sfconnect.localorg import open_local_org, serve_local_org
from sfconnect.localorg._private import PASSWORDS_FILE
from tests.localorg.oauth_helpers import OAuthOrg, oauth_org, oo

__all__ = ["oauth_org", "oo"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _all_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.iterdir()) if p.name != PASSWORDS_FILE)


def test_the_data_directory_is_0700_and_every_file_0600(tmp_path: Path) -> None:
    data_dir = tmp_path / ".sfconnect" / "localorg" / "default"
    with serve_local_org(data_dir) as handle:
        # a login writes a session: the WAL files exist while served
        handle.org.login(handle.admin_username, handle.admin_password)
        names = {p.name for p in data_dir.iterdir()}
        assert {"org.db", "ca.pem", "ca-key.pem", "server.pem", "server-key.pem", "server.json"} <= names
        assert {"server.lock", PASSWORDS_FILE} <= names
        assert _mode(data_dir) == 0o700
        assert {p.name: _mode(p) for p in data_dir.iterdir()} == {name: 0o600 for name in names}


def test_files_of_an_older_org_are_made_private_when_it_is_opened(tmp_path: Path) -> None:
    data_dir = tmp_path / "org"
    with serve_local_org(data_dir):
        pass
    data_dir.chmod(0o755)
    for path in data_dir.iterdir():
        path.chmod(0o644)
    with serve_local_org(data_dir):
        assert _mode(data_dir) == 0o700
        assert all(_mode(p) == 0o600 for p in data_dir.iterdir())


def test_passwords_are_hashed_and_only_the_password_file_holds_them(tmp_path: Path) -> None:
    data_dir = tmp_path / "org"
    org = open_local_org(data_dir)
    try:
        admin = org.admin_user()
        password = org.password_of(admin.username)
        assert len(password) >= 16
        assert org.check_password(admin.username, password) is not None
        assert org.check_password(admin.username, password + "x") is None
        org.login(admin.username, password)
    finally:
        org.close()
    stored = sqlite3.connect(data_dir / "org.db").execute("SELECT password FROM users").fetchall()
    assert stored and all(str(row[0]).startswith("pbkdf2_sha256$") for row in stored)
    assert password.encode() not in _all_bytes(data_dir)
    assert password in (data_dir / PASSWORDS_FILE).read_text()
    assert _mode(data_dir / PASSWORDS_FILE) == 0o600


def test_plaintext_passwords_of_an_older_org_move_to_the_password_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "org"
    org = open_local_org(data_dir)
    username = org.admin_user().username
    org.close()
    (data_dir / PASSWORDS_FILE).unlink()
    with sqlite3.connect(data_dir / "org.db") as db:  # what an older version stored
        db.execute("UPDATE users SET password = 'Old-Plain-Password-1' WHERE username = ?", (username,))
    db.close()
    org = open_local_org(data_dir)
    try:
        assert org.password_of(username) == "Old-Plain-Password-1"
        assert org.check_password(username, "Old-Plain-Password-1") is not None
    finally:
        org.close()
    assert b"Old-Plain-Password-1" not in _all_bytes(data_dir)


def test_refresh_tokens_are_stored_as_digests(oo: OAuthOrg) -> None:
    app = oo.connected_app()
    token = oo.tokens_by_code(app)["refresh_token"]
    rows = oo.org.store._all("SELECT token FROM oauth_refresh", ())
    assert rows and all(str(r[0]) != token and len(str(r[0])) == 64 for r in rows)
    assert token.encode() not in _all_bytes(oo.org.db_path.parent)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": token,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
    }
    assert oo.token(**form).status_code == 200  # the token still works: it is verified by its digest
