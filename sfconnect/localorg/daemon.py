"""One server per org, shared by every command: started detached on first use, stopped when idle.

A command calls `attach(data_dir)` for as long as it needs the org:

1. it takes ``start.lock`` (exclusive; the file holds its pid), so commands started together queue here;
2. it takes ``clients.lock`` shared, which it keeps until it is done;
3. it reuses the running server, or starts ``python -m sfconnect.localorg`` detached and waits for its
   ``server.json``; then it lets ``start.lock`` go.

The server stops after `idle_seconds` without requests, and only when it can take ``start.lock`` and an
exclusive ``clients.lock``: no command is using it, and none is between finding it and using it. It removes
``server.json`` before it lets the locks go, so the next command starts a new one. A server killed outright
leaves a ``server.json`` whose ``server.lock`` nobody holds: `find_running` sees it is stale.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sfconnect.localorg._pidlock import PidLock, pid_alive
from sfconnect.localorg._private import private_dir
from sfconnect.localorg._service import ServerInfo, find_running, serve_local_org

__all__ = ["DEFAULT_IDLE_SECONDS", "CannotStart", "attach", "main", "stop_server"]

log = logging.getLogger(__name__)

DEFAULT_IDLE_SECONDS = 900.0
START_LOCK = "start.lock"
CLIENTS_LOCK = "clients.lock"
LOG_NAME = "server.log"


class CannotStart(RuntimeError):
    """The detached server did not come up (its log says why)."""


@contextmanager
def attach(
    data_dir: Path,
    *,
    seed_file: Path | None = None,
    idle_seconds: float = DEFAULT_IDLE_SECONDS,
    start_timeout: float = 60.0,
    python: str = sys.executable,
) -> Iterator[ServerInfo]:
    """The org's running server, started detached when none runs; it stays up while the block runs.

    Raises:
        CannotStart: another command holds ``start.lock`` for longer than `start_timeout`, or the server
            did not start (with the end of its log).
    """
    private_dir(data_dir)
    start_lock = PidLock(data_dir / START_LOCK)
    if not start_lock.acquire(timeout=start_timeout):
        raise CannotStart(
            f"the local org in {data_dir} is being started by process {start_lock.holder()} for more than "
            f"{start_timeout:.0f}s; if that process is gone, delete {start_lock.path}"
        )
    clients = PidLock(data_dir / CLIENTS_LOCK)
    try:
        # An idle server takes clients.lock only while holding start.lock, which we hold: no wait here.
        if not clients.acquire(shared=True, timeout=start_timeout):
            raise CannotStart(f"cannot attach to the local org in {data_dir}: {clients.path} stays locked")
        info = find_running(data_dir)
        if info is None:
            info = _spawn(data_dir, seed_file, idle_seconds, start_timeout, python)
    except BaseException:
        clients.release()
        raise
    finally:
        start_lock.release()
    try:
        yield info
    finally:
        clients.release()


def _spawn(
    data_dir: Path,
    seed_file: Path | None,
    idle_seconds: float,
    timeout: float,
    python: str,
) -> ServerInfo:
    args = [
        python,
        "-m",
        "sfconnect.localorg",
        "--data-dir",
        str(data_dir),
        "--idle-seconds",
        str(idle_seconds),
    ]
    if seed_file is not None:
        args += ["--seed", str(seed_file)]
    log_path = data_dir / LOG_NAME
    # The server runs the very code of this process: its package directory goes first on the path.
    package_root = str(Path(__file__).resolve().parents[2])
    inherited = os.environ.get("PYTHONPATH", "")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (package_root, inherited) if p)}
    with os.fdopen(os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab") as log_file:
        # The launcher forks the server into its own session and exits at once (a double fork), so the
        # server is nobody's child: it outlives this command and no zombie is left behind.
        launcher = subprocess.run(
            [*args, "--detach"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log_file,
            env=env,
            timeout=timeout,
            check=False,
        )
    text = launcher.stdout.decode("ascii", "replace").strip()
    if launcher.returncode != 0 or not text.isdigit():
        raise CannotStart(f"the local org server did not start: {_log_tail(log_path)}")
    pid = int(text)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = find_running(data_dir)
        if info is not None and info.pid == pid:
            return info
        if not pid_alive(pid):
            raise CannotStart(f"the local org server exited: {_log_tail(log_path)}")
        time.sleep(0.05)
    raise CannotStart(f"the local org server did not answer within {timeout:.0f}s: {_log_tail(log_path)}")


def _log_tail(path: Path, lines: int = 5) -> str:
    try:
        tail = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return f"(no log at {path})"
    return " | ".join(tail) or f"(empty log at {path})"


def stop_server(data_dir: Path, *, timeout: float = 10.0) -> int | None:
    """Ask the org's running server to stop (SIGTERM) and wait for it; returns its pid, or None."""
    info = find_running(data_dir)
    if info is None:
        return None
    os.kill(info.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and find_running(data_dir) is not None:
        time.sleep(0.05)
    return info.pid


def serve_until_idle(
    data_dir: Path,
    *,
    seed_file: Path | None = None,
    idle_seconds: float = DEFAULT_IDLE_SECONDS,
    faults: Mapping[str, Any] | None = None,
    check_every: float = 0.5,
) -> None:
    """Serve the org until SIGTERM, or until it has been idle for `idle_seconds` with no command attached."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    start_lock = PidLock(data_dir / START_LOCK)
    clients = PidLock(data_dir / CLIENTS_LOCK)
    try:
        with serve_local_org(data_dir, seed_file=seed_file, faults=faults) as handle:
            log.info("serving %s at %s (pid %d)", data_dir, handle.instance_url, os.getpid())
            while not stop.wait(min(check_every, max(idle_seconds / 4, 0.05))):
                if handle.server.idle_seconds() < idle_seconds:
                    continue
                if not start_lock.acquire(timeout=0):
                    continue
                if clients.acquire(timeout=0):
                    log.info("idle for %.0fs with no command attached: stopping", idle_seconds)
                    break
                start_lock.release()
    finally:  # server.json is gone and the server stopped before the locks are let go
        clients.release()
        start_lock.release()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sfconnect.localorg``: serve one org until idle (what `attach` starts)."""
    parser = argparse.ArgumentParser(prog="python -m sfconnect.localorg")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--seed", type=Path, default=None)
    parser.add_argument("--idle-seconds", type=float, default=DEFAULT_IDLE_SECONDS)
    parser.add_argument("--fault", action="append", default=[], metavar="KEY=JSON")
    parser.add_argument("--detach", action="store_true", help="fork into a new session; print its pid")
    ns = parser.parse_args(argv)
    faults = {k: _json_or_text(v) for k, _, v in (f.partition("=") for f in ns.fault)}
    if ns.detach:
        pid = os.fork()
        if pid:
            print(pid, flush=True)
            return 0
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(os.open(ns.data_dir / LOG_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), 1)
        os.dup2(1, 2)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    try:
        serve_until_idle(ns.data_dir, seed_file=ns.seed, idle_seconds=ns.idle_seconds, faults=faults)
    except Exception:
        log.exception("the local org server failed")
        return 1
    return 0


def _json_or_text(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw
