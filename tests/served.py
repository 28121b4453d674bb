"""A local org served by a child process, for tests that freeze it (SIGSTOP), kill it (SIGKILL) or measure it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sfconnect.localorg import find_running
from sfconnect.localorg._service import ServerInfo
from tests.conftest import REPO_ROOT


def _env() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), path) if p)}


@contextmanager
def served_in_subprocess(
    data_dir: Path, *faults: str
) -> Iterator[tuple[subprocess.Popen[bytes], ServerInfo]]:
    """The org served by a child process (`python -m sfconnect.localorg`), stopped and reaped at the end."""
    args = [sys.executable, "-m", "sfconnect.localorg", "--data-dir", str(data_dir), "--idle-seconds", "600"]
    for fault in faults:
        args += ["--fault", fault]
    data_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(args, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        info = None
        while time.monotonic() < deadline and proc.poll() is None:
            info = find_running(data_dir)
            if info is not None and info.pid == proc.pid:
                break
            time.sleep(0.05)
        assert info is not None and info.pid == proc.pid, proc.stderr.read() if proc.stderr else ""
        yield proc, info
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
            proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
        if proc.stderr is not None:
            proc.stderr.close()
