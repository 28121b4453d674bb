"""The one self-signed certificate builder that keygen, the conformance kit, tests and benchmarks share."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sfconnect.metadata.certificates import new_key_and_certificate, private_key_pem, self_signed_certificate


def test_a_new_pair_is_a_key_and_its_certificate_valid_from_yesterday_for_the_days_asked() -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    key, pem = new_key_and_certificate("sfconnect test", days=30)
    cert = x509.load_pem_x509_certificate(pem.encode("ascii"))

    assert cert.public_key() == key.public_key()
    assert cert.subject == cert.issuer
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "sfconnect test"
    assert (
        before - dt.timedelta(days=1, seconds=5)
        <= cert.not_valid_before_utc
        <= before - dt.timedelta(days=1) + dt.timedelta(seconds=5)
    )
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 31
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA256)
    loaded = serialization.load_pem_private_key(private_key_pem(key).encode("ascii"), password=None)
    assert loaded.public_key() == key.public_key()


def test_a_certificate_takes_any_key_and_exact_dates() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    pem = self_signed_certificate(key, "ec", not_before=start, not_after=start + dt.timedelta(hours=1))
    cert = x509.load_pem_x509_certificate(pem.encode("ascii"))

    assert (cert.not_valid_before_utc, cert.not_valid_after_utc) == (start, start + dt.timedelta(hours=1))
    assert cert.public_key() == key.public_key()
