"""Auth methods that can be checked without an org: SFDX auth URLs, JWT assertions, no secrets in repr."""

from __future__ import annotations

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sfconnect.errors import AuthError
from sfconnect.org.auth import (
    AccessTokenAuth,
    ClientCredentialsAuth,
    JwtBearerAuth,
    SfdxAuthUrlAuth,
    UsernamePasswordAuth,
    parse_sfdx_auth_url,
)


@pytest.fixture(scope="module")
def key_pair() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def test_sfdx_auth_url_parts() -> None:
    assert parse_sfdx_auth_url("force://PlatformCLI::5Aep861abc@https://acme.my.salesforce.com") == (
        "PlatformCLI",
        "",
        "5Aep861abc",
        "https://acme.my.salesforce.com",
    )
    assert (
        parse_sfdx_auth_url("force://cid:sec:tok@acme.my.salesforce.com")[3]
        == "https://acme.my.salesforce.com"
    )


@pytest.mark.parametrize(
    "bad", ["https://x", "force://onlyone@host", "force://a:b:c:d@host", "force://:b:c@host"]
)
def test_bad_sfdx_auth_url_is_refused_without_echoing_it(bad: str) -> None:
    with pytest.raises(AuthError) as info:
        parse_sfdx_auth_url(bad)
    assert bad not in str(info.value)


def test_jwt_assertion_claims(key_pair: tuple[bytes, bytes]) -> None:
    private, public = key_pair
    auth = JwtBearerAuth("https://login.salesforce.com", "3MVGkey", "ci@example.com", private)
    token = auth.assertion(now=1_700_000_000)
    claims = jwt.decode(
        token,
        public,
        algorithms=["RS256"],
        audience="https://login.salesforce.com",
        options={"verify_exp": False},
    )
    assert claims == {
        "iss": "3MVGkey",
        "sub": "ci@example.com",
        "aud": "https://login.salesforce.com",
        "exp": 1_700_000_180,
    }


def test_no_secret_in_repr(key_pair: tuple[bytes, bytes]) -> None:
    secrets = ["s3cr3t-password", "tok-123456", "consumer-secret-value", "00Dxx!access"]
    objects = [
        UsernamePasswordAuth("https://login.salesforce.com", "u@x", secrets[0], secrets[1]),
        ClientCredentialsAuth("https://acme.my.salesforce.com", "key", secrets[2]),
        AccessTokenAuth("https://acme.my.salesforce.com", secrets[3]),
        SfdxAuthUrlAuth(f"force://id:{secrets[2]}:{secrets[1]}@acme.my.salesforce.com"),
        JwtBearerAuth("https://login.salesforce.com", "key", "u@x", key_pair[0]),
    ]
    for obj in objects:
        text = repr(obj)
        for secret in [*secrets, key_pair[0].decode()[30:60]]:
            assert secret not in text


@pytest.mark.parametrize(
    ("session_id", "org_id"),
    [
        ("00D5g000004SkT1!AQ8AQNkTz.vdV6aK", "00D5g000004SkT1"),
        ("00D5g000004SkT1EAK!AQ8AQNkTz", "00D5g000004SkT1"),
        ("not-a-session-id", ""),
        ("00D5g0!short", ""),
        ("005000000000001!AQ", ""),
    ],
)
def test_the_org_id_is_read_off_a_session_id(session_id: str, org_id: str) -> None:
    """Session ids begin with the org's 15-character id and ``!`` (the form the sf CLI's `org login access-token`
    insists on, docs/localorg.md; the local org makes them so), so a SOAP login, which simple-salesforce reduces
    to a session id and a host, still names the org."""
    from sfconnect.org.auth import org_id_of_session

    assert org_id_of_session(session_id) == org_id
