"""Salesforce-style 18-character ids, from an injectable source (random by default, sequential in tests)."""

from __future__ import annotations

import secrets
import string
import threading
from typing import Protocol

__all__ = ["IdSource", "RandomIds", "SequentialIds", "to_18"]

_ALNUM = string.ascii_letters + string.digits
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def to_18(id15: str) -> str:
    """Append Salesforce's case-safety suffix to a 15-character id."""
    suffix = ""
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if ch.isupper():
                bits |= 1 << i
        suffix += _SUFFIX[bits]
    return id15 + suffix


class IdSource(Protocol):
    """Where new ids and secrets come from."""

    def new_id(self, prefix: str) -> str:
        """A new 18-character id starting with the 3-character key prefix."""
        ...

    def token(self, length: int) -> str:
        """A new alphanumeric token (session ids, consumer keys and secrets, passwords)."""
        ...


class RandomIds:
    """Unpredictable ids and tokens (the default)."""

    def new_id(self, prefix: str) -> str:
        """A random id with the given key prefix."""
        return to_18(
            prefix + "".join(secrets.choice(string.digits + string.ascii_uppercase) for _ in range(12))
        )

    def token(self, length: int) -> str:
        """A random alphanumeric token."""
        return "".join(secrets.choice(_ALNUM) for _ in range(length))


class SequentialIds:
    """Deterministic ids (`00D000000000001AAA`, ...) and tokens, for goldens and tests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, int] = {}
        self._tokens = 0

    def new_id(self, prefix: str) -> str:
        """The next id for this prefix."""
        with self._lock:
            n = self._counters.get(prefix, 0) + 1
            self._counters[prefix] = n
        return to_18(f"{prefix}{n:012d}")

    def token(self, length: int) -> str:
        """The next token: a counter padded with letters."""
        with self._lock:
            self._tokens += 1
            n = self._tokens
        return f"T{n:08d}".ljust(length, "x")[:length]
