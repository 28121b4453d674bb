"""Masking: secrets, tokens, org and user ids and user names never reach a report, in any format.

Two layers: every value the run saw as a secret (consumer secrets, tokens, codes, keys, passwords) is replaced
wherever it appears, and patterns catch what the run never registered (Salesforce ids, session ids, JWTs, PEM
blocks, e-mail-shaped user names).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["Masker"]

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----", re.DOTALL), "<pem>"),
    (re.compile(r"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]+"), "<token>"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "<jwt>"),
    (re.compile(r"\b00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?\b"), "<org id>"),
    (re.compile(r"\b005[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?\b"), "<user id>"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), "<user>"),
)
MIN_SECRET_LENGTH = 6
"""Shorter registered values are not masked as text (they would blank out ordinary words)."""


class Masker:
    """Replaces registered secrets and recognisable identifiers in text and in nested values."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        values = {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
        self._secrets = sorted(values, key=len, reverse=True)

    def add(self, *secrets: str | None) -> None:
        """Register more values to mask."""
        values = set(self._secrets) | {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
        self._secrets = sorted(values, key=len, reverse=True)

    def text(self, text: str) -> str:
        """`text` with every secret and identifier masked."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "<secret>")
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def value(self, value: Any) -> Any:
        """A copy of a JSON-like value with every string masked (keys included)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value
