"""Advisory file locks that record their owner's pid, shared or exclusive, released when the process dies.

`fcntl.flock` on POSIX: the kernel drops the lock when its holder exits (even by SIGKILL), so a lock can
never outlive a crashed process, and opening the file never truncates what the holder wrote. An exclusive
holder writes its pid into the file, so others can say who holds it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

__all__ = ["PidLock", "pid_alive"]


def pid_alive(pid: int) -> bool:
    """Whether a process of that pid exists (one we may not signal counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PidLock:
    """One lock file. Not re-entrant; each instance holds at most one lock at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this instance holds the lock."""
        return self._fd is not None

    def acquire(self, *, shared: bool = False, timeout: float = 0.0, poll: float = 0.05) -> bool:
        """Take the lock, waiting up to `timeout` seconds; returns whether it was taken."""
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already held by this instance")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout
        while True:
            if _try_lock(fd, shared):
                break
            if time.monotonic() >= deadline:
                os.close(fd)
                return False
            time.sleep(poll)
        if not shared:
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode("ascii"))
        self._fd = fd
        return True

    def release(self) -> None:
        """Give the lock up (a no-op when not held)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            _unlock(fd)
        os.close(fd)

    def holder(self) -> int | None:
        """The pid the last exclusive holder wrote, or None."""
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except (OSError, ValueError):
            return None
        return int(text) if text.isdigit() else None


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int, shared: bool) -> bool:
        # Windows has no shared byte-range lock in msvcrt: shared holders take it briefly and let go.
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        if shared:
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int, shared: bool) -> bool:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except (BlockingIOError, PermissionError):
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
