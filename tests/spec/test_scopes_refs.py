"""Scope normalisation, secret references and ${env:VAR} interpolation."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfconnect.spec.refs import InterpolationError, Ref, interpolate, parse_ref, resolve_ref
from sfconnect.spec.scopes import (
    ACCEPTED_SCOPES,
    ECA_ONLY_SCOPES,
    METADATA_SCOPES,
    UnknownScopeError,
    canonical_scope,
    token_name,
)


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("api", "Api"),
        ("Api", "Api"),
        ("refresh_token", "RefreshToken"),
        ("offline_access", "RefreshToken"),
        ("OfflineAccess", "RefreshToken"),
        ("openid", "OpenID"),
        ("email", "Basic"),
        ("id", "Basic"),
        ("visualforce", "CustomApplications"),
        ("cdp_query_api", "CDPQuery"),
    ],
)
def test_canonical_scope(name: str, canonical: str) -> None:
    assert canonical_scope(name) == canonical


def test_every_accepted_spelling_is_canonicalised_to_a_metadata_name() -> None:
    assert {canonical_scope(s) for s in ACCEPTED_SCOPES} <= {*METADATA_SCOPES, *ECA_ONLY_SCOPES}
    assert len(METADATA_SCOPES) == 33


@pytest.mark.parametrize(
    ("name", "suggestion"), [("refresh_tokn", "refresh_token"), ("OpenId", "OpenID"), ("Fulll", "Full")]
)
def test_unknown_scope_suggests(name: str, suggestion: str) -> None:
    with pytest.raises(UnknownScopeError) as info:
        canonical_scope(name)
    assert suggestion.lower() in [s.lower() for s in info.value.suggestions]
    assert "did you mean" in str(info.value)


def test_token_name_round_trip() -> None:
    assert token_name("Api") == "api"
    assert token_name("RefreshToken") == "refresh_token"
    assert canonical_scope(token_name("Chatter")) == "Chatter"


def test_parse_ref() -> None:
    assert parse_ref("env:BILLING_SECRET") == Ref("env", "BILLING_SECRET")
    assert parse_ref("file:certs/a b.pem") == Ref("file", "certs/a b.pem")
    assert str(parse_ref("env:X")) == "env:X"


@pytest.mark.parametrize("text", ["hunter2", "env:", "env:1BAD", "file:", "ENV:X"])
def test_parse_ref_refuses_without_echoing(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_ref(text)
    if len(text) > 5:
        assert text not in str(info.value)


def test_resolve_ref(tmp_path: Path) -> None:
    (tmp_path / "key.pem").write_text("PEM", encoding="utf-8")
    assert resolve_ref(Ref("env", "A"), environ={"A": "1"}, base_dir=tmp_path) == "1"
    assert resolve_ref(Ref("env", "B"), environ={}, base_dir=tmp_path) is None
    assert resolve_ref(Ref("file", "key.pem"), environ={}, base_dir=tmp_path) == "PEM"
    assert resolve_ref(Ref("file", "nope.pem"), environ={}, base_dir=tmp_path) is None


def test_interpolate() -> None:
    assert interpolate("https://${env:HOST}:${env:PORT}/cb", {"HOST": "h", "PORT": "1"}) == (
        "https://h:1/cb",
        [],
    )
    assert interpolate("${env:MISSING}", {}) == ("${env:MISSING}", ["MISSING"])
    assert interpolate("cost: $5 x${env:N}", {"N": "5"}) == ("cost: $5 x5", [])
    assert interpolate("literal $${env:X}", {"X": "no"}) == ("literal ${env:X}", [])
    assert interpolate("no dollars", {}) == ("no dollars", [])


@pytest.mark.parametrize("text", ["${HOST}", "${env:}", "${env:HOST", "${file:x}"])
def test_bad_interpolation(text: str) -> None:
    with pytest.raises(InterpolationError):
        interpolate(text, {"HOST": "h"})
