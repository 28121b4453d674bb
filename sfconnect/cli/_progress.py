"""Deploy progress on stderr: one line updated in place on a terminal, plain lines (on change) otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from sfconnect.org.metadata_api import DeployStatus

__all__ = ["DeployProgress"]


class DeployProgress:
    """A progress callback for `follow_deploy`, with the time elapsed since it was made.

    Args:
        stream: where to write (stderr by default).
        tty: whether `stream` is a terminal (looked up when None): then one line is rewritten in place.
        clock: injected for tests.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._tty = self._stream.isatty() if tty is None else tty
        self._clock = clock
        self._started = clock()
        self._last = ""
        self._open = False

    def __call__(self, status: DeployStatus) -> None:
        done = status.number_components_deployed + status.number_component_errors
        total = status.number_components_total or "?"
        state = f"deploy {status.id}: {status.status or 'Pending'} ({done}/{total} components)"
        elapsed = f"{self._clock() - self._started:.0f}s elapsed"
        if self._tty:
            self._stream.write(f"\r\x1b[K  {state}, {elapsed}")
            self._open = True
        elif state != self._last:
            self._stream.write(f"  {state}, {elapsed}\n")
        self._last = state
        self._stream.flush()

    def close(self) -> None:
        """End the updating line (call once the deploy is over)."""
        if self._open:
            self._stream.write("\n")
            self._stream.flush()
            self._open = False
