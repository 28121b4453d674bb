"""Reading apps' credentials from an org and naming them for sinks and smoke."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Literal

from sfconnect.credentials._sinks import Entry
from sfconnect.errors import ConfigError
from sfconnect.org.credentials import CredentialsClient, Part
from sfconnect.smoke.environment import AppKeys, consumer_key_variable, consumer_secret_variable
from sfconnect.spec.load import Project
from sfconnect.spec.models import AppSpec

__all__ = [
    "PARTS",
    "Published",
    "WhichPart",
    "app_to_rotate",
    "apps_with_oauth",
    "entries_for",
    "read_credentials",
    "select_apps",
    "smoke_keys",
]

WhichPart = Literal["key", "secret", "both"]
PARTS: dict[WhichPart, Part] = {"key": "key", "secret": "secret", "both": "keyandsecret"}


@dataclass(frozen=True)
class Published:
    """One app's credentials as read: the key (an identifier) and, when asked for, the secret."""

    app: str
    key: str | None
    secret: str | None = field(default=None, repr=False)


def read_credentials(client: CredentialsClient, apps: Sequence[str], part: WhichPart) -> list[Published]:
    """Each app's credentials (`part`: key, secret or both), in the given order.

    Raises:
        CredentialsApiError: the org refused (setting off, permission missing, unknown app).
    """
    out: list[Published] = []
    for name in apps:
        read = client.read(name, PARTS[part])
        out.append(Published(read.app.name, read.key, read.secret))
    return out


def entries_for(published: Sequence[Published]) -> list[Entry]:
    """The named entries: ``SFCONNECT_<APP>_CONSUMER_KEY`` and ``SFCONNECT_<APP>_CONSUMER_SECRET``."""
    out: list[Entry] = []
    for p in published:
        if p.key is not None:
            out.append(Entry(consumer_key_variable(p.app), p.key, secret=False))
        if p.secret is not None:
            out.append(Entry(consumer_secret_variable(p.app), p.secret, secret=True))
    return out


def smoke_keys(published: Sequence[Published], source: str) -> dict[str, AppKeys]:
    """What smoke needs from published credentials, keyed by app name."""
    return {p.app: AppKeys(p.key, p.secret, source) for p in published if p.key}


def apps_with_oauth(project: Project, target: str) -> list[str]:
    """The apps of `target` that have credentials: present, with OAuth."""
    return [a.name for a in project.apps_for_target(target) if a.state == "present" and a.oauth is not None]


def select_apps(patterns: Sequence[str], apps: Sequence[str]) -> list[str]:
    """The app names `patterns` (names or globs) choose among `apps`, in order, once each; all of `apps` when
    there are no patterns. A pattern that matches none is kept as a name: the org may hold an app the project
    does not name."""
    if not patterns:
        return list(apps)
    out: list[str] = []
    for pattern in patterns:
        out += [a for a in apps if fnmatchcase(a, pattern)] or [pattern]
    return list(dict.fromkeys(out))


def app_to_rotate(apps: Sequence[AppSpec], name: str, target: str) -> AppSpec:
    """The app of `target` named `name` whose credentials can be rotated: present, with OAuth.

    Raises:
        ConfigError: no such app goes to the target, or it is absent or has no OAuth.
    """
    spec = next((a for a in apps if a.name == name), None)
    if spec is None or spec.oauth is None or spec.state != "present":
        raise ConfigError(
            f"target {target} has no present app {name} with OAuth; rotate names one of its apps"
        )
    return spec
