"""A local certificate authority and a loopback server certificate, made with `cryptography`.

Files in the org's directory: `ca.pem` (the CA certificate: the bundle clients trust), `ca-key.pem`,
`server.pem` and `server-key.pem` (keys are written 0600). Nothing here is trusted system-wide.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sfconnect.localorg._private import private_dir, restrict_file, write_private

__all__ = ["TlsFiles", "ensure_tls_files"]


@dataclass(frozen=True)
class TlsFiles:
    """Paths of the CA bundle and the server's certificate and key."""

    ca_cert: Path
    server_cert: Path
    server_key: Path


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path}: not an EC private key")
    return key


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sfconnect local org"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def ensure_tls_files(directory: Path, hostnames: tuple[str, ...] = ()) -> TlsFiles:
    """Create the CA and the server certificate in `directory` unless they exist and are still valid.

    Args:
        hostnames: extra DNS names or IP addresses for the server certificate (besides loopback).
    """
    private_dir(directory)
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server-key.pem")
    ca_key_path = directory / "ca-key.pem"
    for path in (files.ca_cert, files.server_cert, files.server_key, ca_key_path):
        restrict_file(path)  # files written by older versions were 0644
    now = dt.datetime.now(dt.UTC)
    names = ("localhost", "127.0.0.1", "::1", *hostnames)
    constraints = _name_constraints(names)
    ca_cert: x509.Certificate | None = None
    if files.ca_cert.is_file() and ca_key_path.is_file():
        ca_cert = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
        ca_key = _load_key(ca_key_path)
        if ca_cert.not_valid_after_utc < now + dt.timedelta(days=1) or not _constrained_to(
            ca_cert, constraints
        ):
            ca_cert = None  # expired, or made before name constraints (or for other hosts): a new CA
    if ca_cert is None:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name("sfconnect local org CA")
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
            .add_extension(constraints, critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        _write_key(ca_key_path, ca_key)
        write_private(files.ca_cert, ca_cert.public_bytes(serialization.Encoding.PEM))
        files.server_cert.unlink(missing_ok=True)
    if files.server_cert.is_file() and files.server_key.is_file():
        cert = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        present = {str(v) for v in san.get_values_for_type(x509.DNSName)} | {
            str(v) for v in san.get_values_for_type(x509.IPAddress)
        }
        wanted = {str(ipaddress.ip_address(n)) if _is_ip(n) else n for n in names}
        if cert.not_valid_after_utc > now + dt.timedelta(days=1) and wanted <= present:
            return files
    key = ec.generate_private_key(ec.SECP256R1())
    alt: list[x509.GeneralName] = [
        x509.IPAddress(ipaddress.ip_address(n)) if _is_ip(n) else x509.DNSName(n)
        for n in dict.fromkeys(names)
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(files.server_key, key)
    write_private(files.server_cert, cert.public_bytes(serialization.Encoding.PEM))
    return files


def _name_constraints(names: tuple[str, ...]) -> x509.NameConstraints:
    """The CA may sign for loopback only (plus any host the org is explicitly served on): trusting it,
    even system-wide, cannot let it vouch for another site."""
    permitted: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_network("127.0.0.0/8")),
        x509.IPAddress(ipaddress.ip_network("::1/128")),
    ]
    for name in names:
        if name in ("localhost", "127.0.0.1", "::1"):
            continue
        if _is_ip(name):
            address = ipaddress.ip_address(name)
            permitted.append(x509.IPAddress(ipaddress.ip_network(f"{address}/{address.max_prefixlen}")))
        else:
            permitted.append(x509.DNSName(name))
    return x509.NameConstraints(permitted_subtrees=permitted, excluded_subtrees=None)


def _constrained_to(ca_cert: x509.Certificate, wanted: x509.NameConstraints) -> bool:
    try:
        present = ca_cert.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return False
    return set(present.permitted_subtrees or ()) == set(wanted.permitted_subtrees or ())


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
