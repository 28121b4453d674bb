"""Shared fixtures and options."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files from the current output (review the diff before committing)",
    )


class Golden:
    """Compares output with a golden file, or rewrites it under --update-golden."""

    def __init__(self, update: bool) -> None:
        self.update = update

    def check(self, path: Path, actual: str) -> None:
        if self.update or not path.exists():
            if not self.update:
                pytest.fail(f"golden file {path} is missing; run pytest --update-golden and review it")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"output differs from {path} (pytest --update-golden rewrites it)"


def _stop_servers_under(directory: Path) -> None:
    import os

    from sfconnect.localorg import find_running
    from sfconnect.localorg.daemon import stop_server

    for info in directory.rglob("server.json"):
        running = find_running(info.parent)
        if running is not None and running.pid != os.getpid():
            stop_server(info.parent)


@pytest.fixture(scope="session", autouse=True)
def _stop_detached_local_orgs_of_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """At the end, stop the servers commands started for module- or session-scoped fixtures (by pid)."""
    yield
    _stop_servers_under(tmp_path_factory.getbasetemp())


@pytest.fixture(autouse=True)
def _stop_detached_local_orgs(request: pytest.FixtureRequest) -> Iterator[None]:
    """Stop the detached local org servers a test's commands started under its tmp_path (by their pid)."""
    tmp_path: Path | None = (
        request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    )
    yield
    if tmp_path is not None:
        _stop_servers_under(tmp_path)


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    return Golden(bool(request.config.getoption("--update-golden")))


def generated_private_key_pem(*, traditional: bool = False) -> str:
    """A private key made at test time (never committed): PKCS#8 PEM, or the traditional RSA form."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fmt = serialization.PrivateFormat.TraditionalOpenSSL if traditional else serialization.PrivateFormat.PKCS8
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


def pem_body_line(pem: str) -> str:
    """The first line of a PEM's base64 body (to check that a key's content never appears anywhere)."""
    return pem.splitlines()[1]
