"""The OAuth client's pieces that need no org: PKCE, assertions, page parsing."""

from __future__ import annotations

import base64
import hashlib

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sfconnect.org.oauth_client import Refusal, Tokens, _FormParser, jwt_assertion, pkce_pair


def test_pkce_pair_is_s256() -> None:
    verifier, challenge = pkce_pair()
    digest = hashlib.sha256(verifier.encode()).digest()
    assert challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert pkce_pair()[0] != verifier


def test_jwt_assertion_claims_and_bad_key() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    token = jwt_assertion(pem, issuer="3MVG9k", subject="u@x", audience="https://login.salesforce.com")
    claims = jwt.decode(
        token, key.public_key(), algorithms=["RS256"], audience="https://login.salesforce.com"
    )
    assert (claims["iss"], claims["sub"]) == ("3MVG9k", "u@x")
    with pytest.raises(ValueError) as info:
        jwt_assertion("-----BEGIN NOT A KEY-----", issuer="i", subject="s", audience="a")
    assert "NOT A KEY" not in str(info.value)


def test_form_parser_reads_hidden_fields_and_page_kind() -> None:
    parser = _FormParser()
    parser.feed(
        '<form method="post" action="/services/oauth2/authorize">'
        '<input type="hidden" name="request_id" value="r1"><input type="hidden" name="csrf_token" value="c&amp;1">'
        '<input name="username"><input type="password" name="password"></form>'
        '<form action="/other"><input type="hidden" name="x" value="y"></form>'
    )
    assert parser.action == "/services/oauth2/authorize"
    assert parser.fields == {"request_id": "r1", "csrf_token": "c&1"}
    assert parser.login and not parser.consent


def test_tokens_and_refusals_keep_secrets_out_of_repr() -> None:
    tokens = Tokens.from_fields(
        {"access_token": "00Dxx!SECRETACCESS", "refresh_token": "5AepSECRET", "scope": "api id"}
    )
    assert tokens.scopes == ("api", "id")
    assert "SECRET" not in repr(tokens)
    assert str(Refusal("invalid_grant", "authentication failure")) == "invalid_grant: authentication failure"
