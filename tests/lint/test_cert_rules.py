"""The certificate rules, on certificates made at test time, for both kinds, as YAML and as read from an org."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.lint.certs import make_cert
from tests.lint.helpers import TODAY, findings, views

BOTH = ("ConnectedApp", "ExternalClientApp")
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
JWT = {
    "oauth": {
        "scopes": ["api"],
        "callback_urls": [],
        "flows": {
            "authorization_code": {"enabled": False},
            "jwt_bearer": {"enabled": True, "certificate": "file:certs/app.crt"},
        },
    }
}


def _views(tmp_path: Path, kind: str, pem: str):  # type: ignore[no-untyped-def]
    (tmp_path / "certs").mkdir(exist_ok=True)
    (tmp_path / "certs" / "app.crt").write_text(pem)
    return views(kind, JWT, project_dir=tmp_path)


@pytest.mark.parametrize("kind", BOTH)
@pytest.mark.parametrize(
    ("days_valid", "severity"),
    [(100, "high"), (160, "medium"), (200, "low"), (365, None), (365 * 3, "low")],
)
def test_certificate_expiry(tmp_path: Path, kind: str, days_valid: int, severity: str | None) -> None:
    # TODAY is 2026-06-01, 151 days after START
    pem = make_cert(not_before=START, days=days_valid)
    for view in _views(tmp_path, kind, pem):
        found = findings(view, "SFC-CERT-001")
        assert [f.severity for f in found] == ([severity] if severity else [])
    assert (TODAY - START.date()).days == 151


@pytest.mark.parametrize("kind", BOTH)
def test_weak_keys_and_sha1(tmp_path: Path, kind: str) -> None:
    good = make_cert(not_before=START, days=365)
    for view in _views(tmp_path, kind, good):
        assert findings(view, "SFC-CERT-002") == []
    weak = make_cert(not_before=START, days=365, key="rsa1024")
    for view in _views(tmp_path, kind, weak):
        assert [f.severity for f in findings(view, "SFC-CERT-002")] == ["high"]
    ec_cert = make_cert(not_before=START, days=365, key="ec")
    for view in _views(tmp_path, kind, ec_cert):
        assert [f.severity for f in findings(view, "SFC-CERT-002")] == ["high"]


def test_missing_certificate_file_is_not_an_error(tmp_path: Path) -> None:
    yaml_view, _ = views("ExternalClientApp", JWT, project_dir=None)
    assert findings(yaml_view, "SFC-CERT-001") == []


class _Sha1Cert:
    """Stands in for a SHA-1-signed certificate, which the cryptography package no longer creates."""

    def __init__(self, real: object) -> None:
        self._real = real

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)

    @property
    def signature_hash_algorithm(self) -> object:
        from cryptography.hazmat.primitives import hashes

        return hashes.SHA1()  # noqa: S303


def test_sha1_signature_is_medium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sfconnect.lint import _rules_app as rules_app

    real_load = rules_app.load_certificate
    monkeypatch.setattr(rules_app, "load_certificate", lambda text: _Sha1Cert(real_load(text)))
    pem = make_cert(not_before=START, days=365)
    for view in _views(tmp_path, "ExternalClientApp", pem):
        assert [f.severity for f in findings(view, "SFC-CERT-002")] == ["medium"]
