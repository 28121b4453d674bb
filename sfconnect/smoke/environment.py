"""What a smoke run needs besides the YAML: where the org is, and the credentials to exercise each app.

The CLI builds a `SmokeEnvironment` for a target. Each app's consumer key and secret come from the org's
Connect REST credentials resources when the org allows it (any org, the embedded one included); otherwise
from the environment (``SFCONNECT_<APP>_CONSUMER_KEY`` and ``SFCONNECT_<APP>_CONSUMER_SECRET``, the names
`sfconnect credentials` publishes; the former ``SFCONNECT_SMOKE_<APP>_CONSUMER_KEY`` still works, with a
deprecation warning) and the project's ``smoke.credentials`` references. Against a local org the seeded users
(with their passwords) are filled in too. Smoke never imports the local org.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
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
    "consumer_secret_variable",
    "deprecated_variables",
    "env_app_name",
    "legacy_consumer_key_variable",
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
    source: str = ""
    """Where they came from, for reports (e.g. "the org's credentials API")."""
    authoritative: bool = False
    """The secret wins over a ``smoke.credentials`` client_secret (rotation checks staged credentials)."""


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
    credentials_note: str = ""
    """Where the apps' keys and secrets came from (the org's credentials API, or why not), for the user."""


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
    former_private_key: Credential = Credential(None, "no rotated-out key")
    """The key `keygen --rotate` moved aside (``<private_key file>.old``): its assertions must be refused."""


def env_app_name(app: str) -> str:
    """An app's name as it appears in variable names: upper case, anything but letters and digits as ``_``."""
    return re.sub(r"[^A-Z0-9]", "_", app.upper())


def consumer_key_variable(app: str) -> str:
    """``SFCONNECT_<APP>_CONSUMER_KEY``: the name `credentials` publishes an app's consumer key under."""
    return f"SFCONNECT_{env_app_name(app)}_CONSUMER_KEY"


def consumer_secret_variable(app: str) -> str:
    """``SFCONNECT_<APP>_CONSUMER_SECRET``: the name `credentials` publishes an app's consumer secret under."""
    return f"SFCONNECT_{env_app_name(app)}_CONSUMER_SECRET"


def legacy_consumer_key_variable(app: str) -> str:
    """``SFCONNECT_SMOKE_<APP>_CONSUMER_KEY``: the former name (deprecated, still read)."""
    return f"SFCONNECT_SMOKE_{app.upper()}_CONSUMER_KEY"


def deprecated_variables(apps: Iterable[str], environ: Mapping[str, str]) -> list[str]:
    """Warnings for the deprecated variables that are set, one per app (what to rename them to)."""
    out: list[str] = []
    for app in apps:
        old = legacy_consumer_key_variable(app)
        if environ.get(old):
            out.append(
                f"warning: {old} is deprecated; rename it {consumer_key_variable(app)} (the name "
                "`sfconnect credentials` publishes). It is still read for now."
            )
    return out


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


def _key_ref(entry: SmokeCredentials | None, certificate: str | None, base_dir: Path) -> str | None:
    """``smoke.credentials`` private_key, else the key `sfconnect keygen` wrote next to the app's certificate."""
    named = entry.private_key if entry else None
    if named is None and certificate and certificate.startswith("file:"):
        beside = Path(certificate.removeprefix("file:")).with_suffix(".key")
        if (beside if beside.is_absolute() else base_dir / beside).is_file():
            return f"file:{beside.as_posix()}"
    return named


def _former_key(ref: str | None, base_dir: Path) -> Credential:
    """The rotated-out private key beside a ``file:`` key (``PATH.old``, left by `keygen --rotate`)."""
    if ref is None or not ref.startswith("file:"):
        return Credential(None, "no rotated-out key")
    path = Path(ref.removeprefix("file:")).expanduser()
    old = (path if path.is_absolute() else base_dir / path).with_name(path.name + ".old")
    if not old.is_file():
        return Credential(None, "no rotated-out key")
    return Credential(old.read_text(encoding="utf-8"), f"the rotated-out key ({ref}.old)")


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
        key = Credential(keys.consumer_key, keys.source or ("the local org" if env.local else "the org"))
    else:
        variable, old = consumer_key_variable(app), legacy_consumer_key_variable(app)
        if environ.get(variable) or not environ.get(old):
            key = Credential(environ.get(variable), f"the environment variable {variable}")
        else:
            key = Credential(environ.get(old), f"the environment variable {old} (deprecated: use {variable})")
    secret = _resolve(entry.client_secret if entry else None, "client_secret", environ, base_dir)
    if keys is not None and keys.authoritative and keys.consumer_secret:
        secret = Credential(keys.consumer_secret, keys.source)
    if not secret.present and keys is not None and keys.consumer_secret:
        secret = Credential(
            keys.consumer_secret, keys.source or "the local org (the secret it holds for the app)"
        )
    if not secret.present and environ.get(consumer_secret_variable(app)):
        variable = consumer_secret_variable(app)
        secret = Credential(environ[variable].strip(), f"the environment variable {variable}")
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
        private_key=_resolve(_key_ref(entry, certificate, base_dir), "private_key", environ, base_dir),
        former_private_key=_former_key(_key_ref(entry, certificate, base_dir), base_dir),
        refresh_token=_resolve(entry.refresh_token if entry else None, "refresh_token", environ, base_dir),
        matched=f"{entry.target}/{entry.app}" if entry else "none",
    )
