"""Private data at rest: the org's directory is 0700, its files 0600; passwords and refresh tokens are hashed.

The org only needs to *verify* passwords and refresh tokens, so the database keeps a salted PBKDF2 hash of
each password and a SHA-256 digest of each refresh token (refresh tokens are long random strings, so a plain
digest cannot be reversed). The plaintext passwords of the seeded users, which the CLI, `localorg info` and
smoke need to log in as them, are written once at seeding to `passwords.json` (0600) beside the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
from pathlib import Path

__all__ = [
    "PASSWORDS_FILE",
    "hash_password",
    "is_password_hash",
    "load_passwords",
    "private_dir",
    "restrict_file",
    "save_passwords",
    "token_digest",
    "verify_password",
    "write_private",
]

PASSWORDS_FILE = "passwords.json"
_SCHEME = "pbkdf2_sha256"
_ITERATIONS = 20_000
"""About 7 ms per check on a CI core: seeded passwords are random 20-character tokens, so this is ample."""


def private_dir(path: Path) -> Path:
    """Create `path` (and its parents) and make it its owner's only: the directory 0700, its files 0600.

    Files an older version wrote with looser modes are tightened here, when the org is opened.
    """
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if stat.S_IMODE(path.stat().st_mode) != 0o700:
        path.chmod(0o700)
    for child in path.iterdir():
        if child.is_file() and not child.is_symlink():
            restrict_file(child)
    return path


def restrict_file(path: Path) -> None:
    """Make an existing file readable and writable by its owner only (0600); a missing file is skipped."""
    try:
        if stat.S_IMODE(path.stat().st_mode) != 0o600:
            path.chmod(0o600)
    except FileNotFoundError:
        pass


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole (through a temporary file renamed into place), with mode 0600."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    tmp.replace(path)


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``pbkdf2_sha256$<iterations>$<salt>$<hash>`` (base64) of a password."""
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, _ITERATIONS)
    encode = base64.b64encode
    return f"{_SCHEME}${_ITERATIONS}${encode(salt).decode()}${encode(digest).decode()}"


def is_password_hash(value: str) -> bool:
    """Whether a stored value is a hash made by `hash_password` (not a plaintext of an older org)."""
    return value.startswith(_SCHEME + "$") and value.count("$") == 3


def verify_password(stored: str, password: str) -> bool:
    """Whether `password` matches the stored hash (in constant time); False for anything malformed."""
    if not is_password_hash(stored):
        return False
    _, iterations, salt, expected = stored.split("$")
    try:
        rounds = int(iterations)
        digest = hashlib.pbkdf2_hmac(
            "sha256", password.encode("utf-8"), base64.b64decode(salt, validate=True), rounds
        )
        return hmac.compare_digest(digest, base64.b64decode(expected, validate=True))
    except ValueError:
        return False


def token_digest(token: str) -> str:
    """The SHA-256 digest (hex) a long random token is stored and looked up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def save_passwords(directory: Path, passwords: dict[str, str]) -> None:
    """Write the seeded users' plaintext passwords (username -> password) to `passwords.json`, mode 0600."""
    text = json.dumps(dict(sorted(passwords.items())), indent=2) + "\n"
    write_private(directory / PASSWORDS_FILE, text.encode("utf-8"))


def load_passwords(directory: Path) -> dict[str, str]:
    """The seeded users' passwords (empty when the file is missing or unreadable)."""
    try:
        data = json.loads((directory / PASSWORDS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str)}
