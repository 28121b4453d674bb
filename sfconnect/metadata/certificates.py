"""Key pairs and self-signed certificates for the JWT bearer flow (`sfconnect keygen`).

A project references a certificate per JWT app (``oauth.flows.jwt_bearer.certificate: file:...``) and, for
smoke tests or login, the matching private key (``private_key: file:...``). `keygen_jobs` pairs them up: the
private key of a certificate is the one a ``smoke.credentials`` entry names for that app, else the
certificate's path with a ``.key`` suffix. `generate` writes what is missing: private keys with mode 0600,
never printed; existing files are never overwritten.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from sfconnect.errors import ConfigError
from sfconnect.spec.load import Project

__all__ = [
    "KeyJob",
    "finish_rotation",
    "former",
    "generate",
    "keygen_jobs",
    "new_key_and_certificate",
    "private_key_pem",
    "self_signed_certificate",
    "start_rotation",
]

_VALIDITY_DAYS = 730


@dataclass(frozen=True)
class KeyJob:
    """One key pair: where its private key and (optionally) its certificate go, and for which app."""

    key_path: Path
    cert_path: Path | None
    app: str | None

    def missing(self) -> bool:
        """Whether anything of this pair is still to be created."""
        return not self.key_path.exists() or (self.cert_path is not None and not self.cert_path.exists())


def _path(project: Project, name: str) -> Path:
    path = Path(name).expanduser()
    return path if path.is_absolute() else project.directory / path


def keygen_jobs(project: Project) -> list[KeyJob]:
    """Every key pair the project references, paired with its certificate where it has one."""
    refs = [r for r in project.references() if r.ref.kind == "file"]
    smoke_keys = [
        (c.app, c.private_key.removeprefix("file:"))
        for c in project.config.smoke.credentials
        if c.private_key and c.private_key.startswith("file:")
    ]
    jobs: dict[Path, KeyJob] = {}
    for r in refs:
        if r.field != "certificate":
            continue
        cert = _path(project, r.ref.name)
        key_name = next((k for glob, k in smoke_keys if r.app and fnmatch.fnmatchcase(r.app, glob)), None)
        key = _path(project, key_name) if key_name else cert.with_suffix(".key")
        jobs.setdefault(key, KeyJob(key, cert, r.app))
    for r in refs:
        if r.field == "private_key":
            key = _path(project, r.ref.name)
            jobs.setdefault(key, KeyJob(key, None, r.app))
    return sorted(jobs.values(), key=lambda j: str(j.key_path))


def self_signed_certificate(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    common_name: str,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> str:
    """A self-signed X.509 certificate (PEM) of `key`'s public key, signed with SHA-256, its subject and issuer
    ``CN=<common_name>``."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def new_key_and_certificate(common_name: str, *, days: int) -> tuple[rsa.RSAPrivateKey, str]:
    """A new RSA-2048 key and its self-signed certificate (PEM), valid from a day ago until `days` from now.

    For code that needs a throwaway JWT bearer pair at run time (the conformance kit, tests, benchmarks).
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    return key, self_signed_certificate(
        key, common_name, not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=days)
    )


def private_key_pem(key: rsa.RSAPrivateKey) -> str:
    """The key as unencrypted PKCS#8 PEM (a secret: never log or print it)."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def generate(job: KeyJob, *, now: dt.datetime | None = None) -> list[Path]:
    """Create what is missing of one pair; returns the files written.

    Raises:
        ConfigError: a certificate is missing but its private key exists and cannot be read as an RSA key.
    """
    written: list[Path] = []
    if job.key_path.exists():
        try:
            key = serialization.load_pem_private_key(job.key_path.read_bytes(), password=None)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"{job.key_path} is not an unencrypted PEM private key: {type(exc).__name__}"
            ) from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ConfigError(
                f"{job.key_path} is not an RSA key; JWT bearer assertions are signed with RS256"
            )
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        _write_private(job.key_path, private_key_pem(key).encode("ascii"))
        written.append(job.key_path)
    if job.cert_path is not None and not job.cert_path.exists():
        start = now or dt.datetime.now(dt.UTC)
        cert = self_signed_certificate(
            key,
            job.app or job.cert_path.stem,
            not_before=start - dt.timedelta(minutes=5),
            not_after=start + dt.timedelta(days=_VALIDITY_DAYS),
        )
        job.cert_path.parent.mkdir(parents=True, exist_ok=True)
        job.cert_path.write_bytes(cert.encode("ascii"))
        written.append(job.cert_path)
    return written


def former(path: Path) -> Path:
    """Where `keygen --rotate` keeps the file it replaced (``PATH.old``) until the rotation is finished."""
    return path.with_name(path.name + ".old")


def _rotation_jobs(project: Project, app: str) -> list[KeyJob]:
    jobs = [j for j in keygen_jobs(project) if j.app == app and j.cert_path is not None]
    if not jobs:
        raise ConfigError(
            f"app {app} references no JWT certificate (oauth.flows.jwt_bearer.certificate: file:...); "
            "nothing to rotate"
        )
    return jobs


def start_rotation(project: Project, app: str, *, now: dt.datetime | None = None) -> list[Path]:
    """Keep the app's current key and certificate as ``.old`` and make a new pair at the referenced paths.

    The YAML keeps naming the same files, so `plan` shows the certificate change and `apply` deploys it; smoke
    checks that the new key is accepted and the ``.old`` one refused; `finish_rotation` removes the old files.

    Raises:
        ConfigError: the app has no certificate, its current pair is missing, or a rotation is under way.
    """
    written: list[Path] = []
    for job in _rotation_jobs(project, app):
        assert job.cert_path is not None
        if former(job.key_path).exists() or former(job.cert_path).exists():
            raise ConfigError(
                f"a rotation of {app}'s key pair is under way ({former(job.key_path)} exists): run `sfconnect "
                f"plan`, `apply` and `smoke`, then `sfconnect keygen --rotate {app} --finish`"
            )
        if not job.key_path.exists() or not job.cert_path.exists():
            raise ConfigError(
                f"{app} has no key pair to rotate yet ({job.key_path}, {job.cert_path}): run `sfconnect keygen`"
            )
        job.key_path.replace(former(job.key_path))
        job.cert_path.replace(former(job.cert_path))
        written += generate(job, now=now)
    return written


def finish_rotation(project: Project, app: str) -> list[Path]:
    """Delete the ``.old`` key and certificate `start_rotation` kept; returns what was removed."""
    removed: list[Path] = []
    for job in _rotation_jobs(project, app):
        assert job.cert_path is not None
        for path in (former(job.key_path), former(job.cert_path)):
            if path.exists():
                path.unlink()
                removed.append(path)
    return removed
