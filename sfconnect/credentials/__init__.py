"""Consumer credentials as a workflow: read them from an org, publish them to sinks, rotate them.

`sinks` writes named values to a file (JSON or dotenv, mode 0600) or to GitHub Actions secrets (through
``gh secret set``, the value on standard input); `service` reads apps' keys and secrets through
`sfconnect.org.credentials`; `rotate` runs a zero-downtime rotation through staged credentials, with the app's
smoke checks as the gate. Secrets are never logged, printed or put in exceptions.
"""

from __future__ import annotations

from sfconnect.credentials.rotate import RotationStep, rotate_app
from sfconnect.credentials.service import Published, entries_for, read_credentials
from sfconnect.credentials.sinks import Entry, Sink, parse_sink

__all__ = [
    "Entry",
    "Published",
    "RotationStep",
    "Sink",
    "entries_for",
    "parse_sink",
    "read_credentials",
    "rotate",
    "rotate_app",
    "service",
    "sinks",
]
