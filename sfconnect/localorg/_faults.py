"""Fault injection: Salesforce's bad days on demand, for tests and benchmarks.

Set at startup (`serve_local_org(..., faults={...})`, `sfconnect localorg serve --fault KEY=VALUE`) or at run
time with `POST /_localorg/faults` (JSON), which only the seeded admin's session may call:

- `latency_seconds`: every API call waits this long first.
- `error_rate`: `{operation: probability}`; that call fails with `error_code`. Operations are SOAP calls
  (`readMetadata`, `deploy`, `login`, ...), `rest`, `rest-deploy`, or `*` for any.
- `error_code`: the exception code of injected errors (default `UNKNOWN_EXCEPTION`).
- `request_limit_exceeded`: every call fails with `REQUEST_LIMIT_EXCEEDED`.
- `setup_locked`: writes and deploys fail with `ALREADY_IN_PROCESS`.
- `deploy_seconds`: new deploys take this long once they start (they queue behind each other).
- `expire_sessions` (an action of the endpoint): end every session now.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sfconnect.localorg._exceptions import LocalOrgFault, RequestLimitExceeded

__all__ = ["WRITE_OPERATIONS", "FaultSettings", "Faults"]

WRITE_OPERATIONS = frozenset(
    {
        "createMetadata",
        "updateMetadata",
        "upsertMetadata",
        "deleteMetadata",
        "renameMetadata",
        "deploy",
        "rest-deploy",
    }
)


@dataclass
class FaultSettings:
    """The current injected faults (all off by default)."""

    latency_seconds: float = 0.0
    error_rate: dict[str, float] = field(default_factory=dict)
    error_code: str = "UNKNOWN_EXCEPTION"
    request_limit_exceeded: bool = False
    setup_locked: bool = False
    deploy_seconds: float = 0.0


class Faults:
    """The injected faults of one served org.

    Args:
        sleep: how latency waits (injected in tests).
        rng: the random source of error rates (seed it for reproducible runs).
    """

    def __init__(self, sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None) -> None:
        self.settings = FaultSettings()
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - fault injection, not cryptography
        self._lock = threading.Lock()

    def update(self, values: dict[str, Any]) -> FaultSettings:
        """Change some settings (unknown keys or wrong types raise `ValueError`); return the new settings."""
        known = asdict(FaultSettings())
        with self._lock:
            current = asdict(self.settings)
            for key, value in values.items():
                if key not in known:
                    raise ValueError(f"unknown fault setting {key!r} (known: {', '.join(sorted(known))})")
                default = known[key]
                if isinstance(default, bool):
                    if not isinstance(value, bool):
                        raise ValueError(f"{key} must be true or false")
                elif isinstance(default, float):
                    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                        raise ValueError(f"{key} must be a number >= 0")
                    value = float(value)
                elif isinstance(default, dict):
                    if not isinstance(value, dict) or not all(
                        isinstance(k, str) and isinstance(v, int | float) and 0 <= v <= 1
                        for k, v in value.items()
                    ):
                        raise ValueError(f"{key} must map operation names to probabilities between 0 and 1")
                    value = {k: float(v) for k, v in value.items()}
                elif not isinstance(value, str) or not value.replace("_", "").isalnum():
                    raise ValueError(f"{key} must be an exception code such as SERVER_UNAVAILABLE")
                current[key] = value
            self.settings = FaultSettings(**current)
            return self.settings

    def reset(self) -> None:
        """Turn every fault off."""
        with self._lock:
            self.settings = FaultSettings()

    def before(self, operation: str) -> None:
        """Apply the faults to one call of `operation` (raises the injected fault, if any)."""
        s = self.settings
        if s.latency_seconds > 0:
            self._sleep(s.latency_seconds)
        if s.request_limit_exceeded:
            raise RequestLimitExceeded("TotalRequests Limit exceeded.")
        if s.setup_locked and operation in WRITE_OPERATIONS:
            raise LocalOrgFault(
                "ALREADY_IN_PROCESS",
                "Another setup operation is already in progress. Try again when it completes.",
            )
        rate = s.error_rate.get(operation, s.error_rate.get("*", 0.0))
        if rate > 0:
            with self._lock:
                hit = self._rng.random() < rate
            if hit:
                raise LocalOrgFault(s.error_code, f"Injected failure of {operation}")
