"""What a smoke run needs besides the YAML: where the org is, and the credentials to exercise each app.

The CLI builds a `SmokeEnvironment` for a target. Against a local org it fills in the org's seeded users
(with their passwords) and the consumer key and secret the org generated for each app; against Salesforce,
consumer keys come from the environment (``SFCONNECT_SMOKE_<APP>_CONSUMER_KEY``) and everything else from the
project's ``smoke.credentials`` references. Smoke never imports the local org.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from sfconnect.spec.project import Smoke, SmokeCredentials
from sfconnect.spec.refs import parse_ref, resolve_ref

__all__ = [
    "AppKeys",
    "Credential",
    "SmokeEnvironment",
    "SmokeUser",
    "app_credentials",
    "consumer_key_variable",
]


@dataclass(frozen=True)
class SmokeUser:
    """A user the checks may log in as (a local org's seeded user)."""

    username: str
    password: str = field(repr=False)
    profile: str = ""
    permission_sets: tuple[str, ...] = ()
    api_only: bool = False


@dataclass(frozen=True)
class AppKeys:
    """An app's consumer key and, when known, its consumer secret."""

    consumer_key: str
    consumer_secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SmokeEnvironment:
    """One target as smoke sees it."""

    target: str
    base_url: str
    verify: str | bool = True
    local: bool = False
    jwt_audience: str = ""
    users: tuple[SmokeUser, ...] = ()
    app_keys: Mapping[str, AppKeys] = field(default_factory=dict)
    wait_seconds: float = 0.0


@dataclass(frozen=True)
class Credential:
    """A resolved credential (`value`, never shown) and where it came from (`source`, shown)."""

    value: str | None = field(repr=False)
    source: str

    @property
    def present(self) -> bool:
        """Whether a value is available."""
        return bool(self.value)


@dataclass(frozen=True)
class AppCredentialSet:
    """Everything the checks of one app may use."""

    consumer_key: Credential
    client_secret: Credential
    username: str | None
    password: Credential
    private_key: Credential
    refresh_token: Credential
    matched: str
    """Which ``smoke.credentials`` entry matched (``target/app`` globs), or ``none``."""


def consumer_key_variable(app: str) -> str:
    """``SFCONNECT_SMOKE_<APP>_CONSUMER_KEY``: where a Salesforce app's consumer key is read from."""
    return f"SFCONNECT_SMOKE_{app.upper()}_CONSUMER_KEY"


def _resolve(ref: str | None, what: str, environ: Mapping[str, str], base_dir: Path) -> Credential:
    if ref is None:
        return Credential(None, f"no {what} in smoke.credentials")
    value = resolve_ref(parse_ref(ref), environ=environ, base_dir=base_dir)
    if value is None:
        state = "not set" if ref.startswith("env:") else "missing"
        return Credential(None, f"smoke.credentials {what} ({ref}, {state})")
    if ref.startswith("env:"):
        value = value.strip()
    return Credential(value, f"smoke.credentials {what} ({ref})")


def _private_key(
    entry: SmokeCredentials | None, certificate: str | None, environ: Mapping[str, str], base_dir: Path
) -> Credential:
    """``smoke.credentials`` private_key, else the key `sfconnect keygen` wrote next to the app's certificate."""
    named = entry.private_key if entry else None
    if named is None and certificate and certificate.startswith("file:"):
        beside = Path(certificate.removeprefix("file:")).with_suffix(".key")
        found = _resolve(f"file:{beside.as_posix()}", "private_key", environ, base_dir)
        if found.present:
            return Credential(found.value, f"the key next to the certificate (file:{beside.as_posix()})")
    return _resolve(named, "private_key", environ, base_dir)


def _match(smoke: Smoke, target: str, app: str) -> SmokeCredentials | None:
    for entry in smoke.credentials:
        if fnmatchcase(target, entry.target) and fnmatchcase(app, entry.app):
            return entry
    return None


def app_credentials(
    smoke: Smoke,
    env: SmokeEnvironment,
    app: str,
    *,
    environ: Mapping[str, str],
    base_dir: Path,
    certificate: str | None = None,
) -> AppCredentialSet:
    """The credentials for `app` on `env`'s target: the first matching ``smoke.credentials`` entry, completed
    by what a local org supplies (its generated key and secret, its seeded users' passwords)."""
    entry = _match(smoke, env.target, app)
    keys = env.app_keys.get(app)
    if keys is not None:
        key = Credential(keys.consumer_key, "the local org" if env.local else "the org")
    else:
        variable = consumer_key_variable(app)
        key = Credential(environ.get(variable), f"the environment variable {variable}")
    secret = _resolve(entry.client_secret if entry else None, "client_secret", environ, base_dir)
    if not secret.present and keys is not None and keys.consumer_secret:
        secret = Credential(keys.consumer_secret, "the local org (the secret it holds for the app)")
    username = entry.username if entry else None
    password = _resolve(entry.password if entry else None, "password", environ, base_dir)
    if username and not password.present:
        for user in env.users:
            if user.username.lower() == username.lower():
                password = Credential(user.password, "the local org (seeded user)")
    return AppCredentialSet(
        consumer_key=key,
        client_secret=secret,
        username=username,
        password=password,
        private_key=_private_key(entry, certificate, environ, base_dir),
        refresh_token=_resolve(entry.refresh_token if entry else None, "refresh_token", environ, base_dir),
        matched=f"{entry.target}/{entry.app}" if entry else "none",
    )
