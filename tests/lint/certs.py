"""Certificates made at test time (private keys are never committed)."""

from __future__ import annotations

import datetime as dt

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from sfconnect.metadata.certificates import self_signed_certificate


def make_cert(
    *,
    not_before: dt.datetime,
    days: int,
    key: str = "rsa2048",
) -> str:
    """A self-signed certificate (PEM, SHA-256) valid for `days` from `not_before`, of an RSA or EC key."""
    if key == "ec":
        private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = ec.generate_private_key(ec.SECP256R1())
    else:
        private = rsa.generate_private_key(public_exponent=65537, key_size=int(key.removeprefix("rsa")))
    return self_signed_certificate(
        private, "test", not_before=not_before, not_after=not_before + dt.timedelta(days=days)
    )
