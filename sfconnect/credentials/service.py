"""Reading apps' credentials from an org and naming them for sinks and smoke."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from sfconnect.credentials.sinks import Entry
from sfconnect.org.credentials import CredentialsClient, Part
from sfconnect.smoke.environment import AppKeys, consumer_key_variable, consumer_secret_variable

__all__ = ["PARTS", "Published", "WhichPart", "entries_for", "read_credentials", "smoke_keys"]

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
