"""Where a local org lives on disk, and serving it: `serve_local_org`, `find_running`, `reset_local_org`.

Layout of `<project>/.sfconnect/localorg/<name>/`::

    org.db            SQLite: the org's state
    ca.pem            the CA certificate clients trust (plus ca-key.pem, server.pem, server-key.pem)
    server.json       while served: pid, port, instance URL, CA path (guarded by server.lock)
    server.lock       held by the serving process for as long as it serves (it holds the server's pid)
    start.lock        held while a command finds or starts the server, and while an idle server stops
    clients.lock      held (shared) by every command using the server; an idle server stops only when free
    server.log        what a detached server wrote
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sfconnect.localorg._ids import IdSource
from sfconnect.localorg._models import LocalOrg
from sfconnect.localorg._pidlock import PidLock, pid_alive
from sfconnect.localorg._private import PASSWORDS_FILE, private_dir, write_private
from sfconnect.localorg._seed import Seed, load_seed_file

if TYPE_CHECKING:  # the server (HTTP, TLS, OAuth) is imported when one is served, not by every command
    from sfconnect.localorg._server import LocalOrgServer

__all__ = [
    "AlreadyServed",
    "LocalOrgHandle",
    "ServerInfo",
    "find_running",
    "local_org_dir",
    "open_local_org",
    "reset_local_org",
    "serve_local_org",
]

DB_NAME = "org.db"
SERVER_JSON = "server.json"
LOCK_NAME = "server.lock"


def local_org_dir(project_dir: Path, name: str = "default") -> Path:
    """`<project>/.sfconnect/localorg/<name>`."""
    return project_dir / ".sfconnect" / "localorg" / name


@dataclass(frozen=True)
class ServerInfo:
    """What `server.json` records about a running server."""

    pid: int
    port: int
    instance_url: str
    ca_bundle: str
    org_id: str
    started: float


class AlreadyServed(RuntimeError):
    """The org is already being served (by this or another process)."""

    def __init__(self, data_dir: Path, info: ServerInfo | None) -> None:
        where = f" at {info.instance_url} (pid {info.pid})" if info else ""
        super().__init__(f"the local org in {data_dir} is already served{where}")
        self.data_dir = data_dir
        self.info = info


@dataclass(frozen=True)
class LocalOrgHandle:
    """A served org: everything a client needs to connect."""

    instance_url: str
    ca_bundle: Path
    admin_username: str
    admin_password: str
    org_id: str
    port: int
    data_dir: Path
    org: LocalOrg
    """The served org itself, for in-process inspection (tests, fault injection)."""
    server: LocalOrgServer

    @property
    def login_url(self) -> str:
        """Where SOAP login and OAuth go (the same host as the instance)."""
        return self.instance_url


def _read_info(data_dir: Path) -> ServerInfo | None:
    try:
        data = json.loads((data_dir / SERVER_JSON).read_text(encoding="utf-8"))
        return ServerInfo(**data)
    except (OSError, ValueError, TypeError):
        return None


def find_running(data_dir: Path) -> ServerInfo | None:
    """The running server of this org, or None. A stale `server.json` (its server died) is removed."""
    if not (data_dir / SERVER_JSON).exists():
        return None
    lock = PidLock(data_dir / LOCK_NAME)
    if not lock.acquire(timeout=0):
        info = _read_info(data_dir)
        return info if info is not None and pid_alive(info.pid) else None
    try:
        (data_dir / SERVER_JSON).unlink(missing_ok=True)  # nobody holds the lock: stale
    finally:
        lock.release()
    return None


def open_local_org(
    data_dir: Path,
    *,
    seed: Seed | None = None,
    seed_file: Path | None = None,
    clock: Callable[[], float] = time.time,
    ids: IdSource | None = None,
) -> LocalOrg:
    """Open (creating and seeding when new) the org stored in `data_dir`."""
    if seed is None and seed_file is not None:
        seed = load_seed_file(seed_file)
    return LocalOrg(data_dir / DB_NAME, clock, ids, seed=seed)


@contextmanager
def serve_local_org(
    data_dir: Path,
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    seed: Seed | None = None,
    seed_file: Path | None = None,
    clock: Callable[[], float] = time.time,
    ids: IdSource | None = None,
    allow_remote: bool = False,
    faults: Mapping[str, Any] | None = None,
    profile: Sequence[str] | None = None,
) -> Iterator[LocalOrgHandle]:
    """Serve the org in `data_dir` over HTTPS for the duration of the block.

    Creates and seeds the org on first use. Holds `server.lock` and writes `server.json` while serving.
    `faults` are injected from the start (see `faults.FaultSettings`); change them later through
    `handle.org.faults.update(...)` or `POST /_localorg/faults`. `profile` names deliberate differences from
    Salesforce (`behaviour.FLAGS`, to check the conformance kit); it replaces the org's stored profile.

    Raises:
        AlreadyServed: another server (in this process or another) serves this org.
        ValueError: a non-loopback `host` without `allow_remote`, or an unknown profile flag.
    """
    private_dir(data_dir)
    lock = PidLock(data_dir / LOCK_NAME)
    if not lock.acquire(timeout=0):
        raise AlreadyServed(data_dir, _read_info(data_dir))
    try:
        # The server's modules (HTTP, TLS, OAuth, behaviour profiles) load here, not for every command.
        from sfconnect.localorg._behaviour import SETTING as PROFILE_SETTING
        from sfconnect.localorg._behaviour import check_flags
        from sfconnect.localorg._server import LocalOrgServer
        from sfconnect.localorg._tls import ensure_tls_files

        org = open_local_org(data_dir, seed=seed, seed_file=seed_file, clock=clock, ids=ids)
        try:
            if faults:
                org.faults.update(dict(faults))
            if profile is not None:
                org.set_setting(PROFILE_SETTING, check_flags(profile))
            check_flags(org.setting(PROFILE_SETTING) or [])
            tls = ensure_tls_files(data_dir, () if host in ("127.0.0.1", "localhost", "::1") else (host,))
            server = LocalOrgServer(
                org, host, port, tls=(tls.server_cert, tls.server_key), allow_remote=allow_remote
            )
            server.start()
            try:
                info = ServerInfo(
                    pid=os.getpid(),
                    port=server.server_port,
                    instance_url=server.base_url,
                    ca_bundle=str(tls.ca_cert),
                    org_id=org.org_id,
                    started=time.time(),
                )
                write_private(data_dir / SERVER_JSON, json.dumps(asdict(info), indent=2).encode("utf-8"))
                admin = org.admin_user()
                yield LocalOrgHandle(
                    instance_url=server.base_url,
                    ca_bundle=tls.ca_cert,
                    admin_username=admin.username,
                    admin_password=org.password_of(admin.username),
                    org_id=org.org_id,
                    port=server.server_port,
                    data_dir=data_dir,
                    org=org,
                    server=server,
                )
            finally:
                (data_dir / SERVER_JSON).unlink(missing_ok=True)
                server.stop()
        finally:
            org.close()
    finally:
        lock.release()


def reset_local_org(data_dir: Path, *, seed: Seed | None = None, seed_file: Path | None = None) -> LocalOrg:
    """Delete the org's state (keeping its CA) and seed it again; refused while it is served.

    Raises:
        AlreadyServed: the org is being served.
    """
    running = find_running(data_dir)
    if running is not None:
        raise AlreadyServed(data_dir, running)
    private_dir(data_dir)
    lock = PidLock(data_dir / LOCK_NAME)
    if not lock.acquire(timeout=0):
        raise AlreadyServed(data_dir, _read_info(data_dir))
    try:
        for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm", PASSWORDS_FILE):
            (data_dir / name).unlink(missing_ok=True)
        for stale in data_dir.glob("wsdl-*"):  # caches of earlier versions, never read now
            stale.unlink(missing_ok=True)
        org = open_local_org(data_dir, seed=seed, seed_file=seed_file)
    finally:
        lock.release()
    return org


def remove_local_org(data_dir: Path) -> None:
    """Delete the whole directory of an org that is not served."""
    if find_running(data_dir) is not None:
        raise AlreadyServed(data_dir, _read_info(data_dir))
    shutil.rmtree(data_dir, ignore_errors=True)
