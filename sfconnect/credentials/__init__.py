"""Consumer credentials as a workflow: read them from an org, publish them to sinks, rotate them.

Sinks (`parse_sink`) write named values to a file (JSON or dotenv, mode 0600) or to GitHub Actions secrets
(through ``gh secret set``, the value on standard input); `service` reads apps' keys and secrets through
`sfconnect.org.credentials` and chooses the apps a command reads; `rotate_app` runs a zero-downtime rotation
through staged credentials, with the app's smoke checks as the gate. Secrets are never logged, printed or put
in exceptions.
"""

from __future__ import annotations

from sfconnect.credentials._rotate import RotationStep, rotate_app
from sfconnect.credentials._sinks import Entry, Sink, parse_sink
from sfconnect.credentials.service import Published, entries_for, read_credentials

__all__ = [
    "Entry",
    "Published",
    "RotationStep",
    "Sink",
    "entries_for",
    "parse_sink",
    "read_credentials",
    "rotate_app",
    "service",
]
