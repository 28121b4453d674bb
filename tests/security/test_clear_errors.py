"""Clear errors, never tracebacks, for the inputs the audit broke sfconnect with; and no reading of what
should be refused (FIFOs, devices, directories, oversized files)."""

from __future__ import annotations

import os
import signal
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sfconnect.errors import AuthError, ConfigError, MetadataError, SpecValidationError, YamlSyntaxError
from sfconnect.localorg._xml import XmlError, parse_xml
from sfconnect.metadata.formats import read_source_tree
from sfconnect.metadata.xmlio import read_component
from sfconnect.org.auth import JwtBearerAuth
from sfconnect.spec._yaml import load_document
from sfconnect.spec.load import Project, load_project
from sfconnect.spec.refs import parse_ref, resolve_ref

NS = "http://soap.sforce.com/2006/04/metadata"


def _messages(error: SpecValidationError) -> str:
    return "\n".join(str(issue) for issue in error.issues)


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """A read that blocks (a FIFO opened for reading) fails the test instead of hanging it."""

    def hung(*_: object) -> None:
        raise AssertionError("blocked for 10 s: a FIFO or device was read")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# 5. an unusable JWT key ------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["ec", "garbage"])
def test_an_unusable_jwt_key_is_an_auth_error(kind: str) -> None:
    if kind == "ec":
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    else:
        pem = b"-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"
    auth = JwtBearerAuth("https://login.example.invalid", "KEY", "ci@example.com", pem)
    with requests.Session() as http, pytest.raises(AuthError, match="not a usable RSA key"):
        auth.login(http, "63.0", target="prod")


# 5, 6. file: references ------------------------------------------------------------------------------
def _special_files(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "fifo.key"
    os.mkfifo(fifo)
    binary = tmp_path / "binary.key"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    big = tmp_path / "big.key"
    big.write_bytes(b"a" * (1024 * 1024 + 1))
    return {
        "a directory": tmp_path,
        "a FIFO": fifo,
        "a device": Path("/dev/zero"),
        "not UTF-8": binary,
        "over the": big,
    }


def test_file_references_to_what_is_not_a_small_text_file_are_refused(tmp_path: Path) -> None:
    for reason, path in _special_files(tmp_path).items():
        with pytest.raises(ConfigError, match=reason) as caught:
            resolve_ref(parse_ref(f"file:{path}"), environ={}, base_dir=tmp_path)
        assert str(caught.value).startswith(f"file:{path}")
    assert resolve_ref(parse_ref("file:missing.key"), environ={}, base_dir=tmp_path) is None


def test_an_app_file_that_is_a_fifo_or_device_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "apps.yaml"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        with pytest.raises(SpecValidationError) as caught:
            load_project(tmp_path, environ={}, paths=[path])
        assert "not a regular file" in _messages(caught.value)
    # in a directory given to validate, a FIFO named *.yaml is skipped, not opened
    assert load_project(tmp_path, environ={}, paths=[tmp_path]).apps == ()


def test_an_import_source_holding_a_fifo_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "connectedApps"
    folder.mkdir()
    os.mkfifo(folder / "Hang.connectedApp-meta.xml")
    with pytest.raises(MetadataError, match="FIFO"):
        read_source_tree(tmp_path)


# 5. an absolute path in the apps glob ------------------------------------------------------------------
def test_an_absolute_apps_glob_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "sfconnect.yaml").write_text(f"apps: ['{tmp_path}/apps/*.yaml']\n", encoding="utf-8")
    with pytest.raises(SpecValidationError) as caught:
        load_project(tmp_path, environ={})
    message = _messages(caught.value)
    assert "absolute path" in message and "sfconnect.yaml" in message


# 5. XML nested deep; unknown encodings ------------------------------------------------------------------
def test_deeply_nested_xml_is_refused() -> None:
    deep = f'<ConnectedApp xmlns="{NS}"><label>x</label><oauthConfig>' + "<a>" * 2000 + "</a>" * 2000
    data = (deep + "</oauthConfig></ConnectedApp>").encode()
    with pytest.raises(MetadataError, match="nested more than"):
        read_component(data, path="Deep.connectedApp-meta.xml", type_hint="ConnectedApp")
    with pytest.raises(XmlError, match="nested more than"):
        parse_xml(data)


@pytest.mark.parametrize("encoding", ["x-no-such-encoding", "utf-32", "utf-16"])
def test_an_unreadable_xml_encoding_is_refused(encoding: str) -> None:
    data = f'<?xml version="1.0" encoding="{encoding}"?><ConnectedApp xmlns="{NS}"><label>x</label>'
    data += "</ConnectedApp>"
    with pytest.raises(MetadataError, match=r"UTF-8|well-formed"):
        read_component(data.encode(), path="Enc.connectedApp-meta.xml", type_hint="ConnectedApp")
    with pytest.raises(XmlError):
        parse_xml(data.encode())


# 7. YAML 1.1 numbers -------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["0x60", "1:30", "010", "0b101", "1_000", "0o17", "+0x1F", "1:30.5", "1e3"])
def test_yaml_1_1_numbers_are_refused_with_a_hint_to_quote(text: str) -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        load_document(f"value: {text}\n".encode(), "app.yaml")
    assert caught.value.issue.code == "yaml_ambiguous_number"
    assert "quote it" in caught.value.issue.hint and caught.value.issue.line == 1


@pytest.mark.parametrize(
    ("text", "value"),
    [("96", 96), ("-5", -5), ("1.5", 1.5), ("'0x60'", "0x60"), ('"1:30"', "1:30"), ("63.0", 63.0)],
)
def test_plain_numbers_and_quoted_text_still_load(text: str, value: object) -> None:
    assert load_document(f"value: {text}\n".encode(), "app.yaml").data == {"value": value}


# 7. callback URLs, lengths --------------------------------------------------------------------------------
APP = """\
apps:
  - kind: ExternalClientApp
    name: Alpha
    label: {label}
    oauth:
      callback_urls: [{url}]
      scopes: [api]
"""


def _load(tmp_path: Path, *, url: str = '"https://a.example.com/cb"', label: str = "Alpha") -> Project:
    (tmp_path / "apps").mkdir(exist_ok=True)
    (tmp_path / "apps" / "app.yaml").write_text(APP.format(url=url, label=label), encoding="utf-8")
    return load_project(tmp_path, environ={})


def _errors(tmp_path: Path, **kwargs: str) -> str:
    with pytest.raises(SpecValidationError) as caught:
        _load(tmp_path, **kwargs)
    return _messages(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        '"https://good.example.com/cb\\nhttp://evil.example.com/cb"',
        '"https://good.example.com/cb\\rx"',
        '"https://good.example.com/c b"',
        '"javascript:alert(1)"',
        '"JavaScript://%0aalert(1)"',
        '"data:text/html,<script>alert(1)</script>"',
        '"file:///etc/passwd"',
        '"vbscript:msgbox"',
    ],
)
def test_callbacks_that_salesforce_would_never_want_are_refused(tmp_path: Path, url: str) -> None:
    message = _errors(tmp_path, url=url)
    assert "callback_urls[0]" in message
    assert "line break" in message or "scheme" in message


@pytest.mark.parametrize(
    "url",
    [
        "https://a.example.com/cb",
        "http://localhost:8080/cb",
        "http://127.0.0.1/cb",
        # custom schemes Salesforce accepts for mobile and desktop apps (the corpus holds them)
        "mymobileapp://callback",
        "sfdc://success",
        "com.example.app:/oauth2redirect",
    ],
)
def test_https_loopback_and_custom_scheme_callbacks_stay_accepted(tmp_path: Path, url: str) -> None:
    [app] = _load(tmp_path, url=f'"{url}"').apps
    assert app.oauth is not None and app.oauth.callback_urls == (url,)


def test_strings_are_capped_as_salesforce_caps_them(tmp_path: Path) -> None:
    # Salesforce Field Reference, ConnectedApplication: Name (Connected App Name) is string(80)
    _load(tmp_path, label="L" * 80)
    message = _errors(tmp_path, label="L" * 81)
    assert "label is 81 characters" in message and "at most 80" in message
    huge = _errors(tmp_path, label="L" * 4_900_000)
    assert "label is 4900000 characters" in huge and len(huge) < 2000
    # ... and StartUrl is url(2400)
    long_url = '"https://a.example.com/' + "x" * 2400 + '"'
    assert "over Salesforce's 2400" in _errors(tmp_path, url=long_url)


def test_messages_never_repeat_a_huge_value(tmp_path: Path) -> None:
    message = _errors(tmp_path, url='"javascript:' + "x" * 1_000_000 + '"')
    assert len(message) < 2000


# 7. certificates on import ------------------------------------------------------------------------------
def test_an_imported_certificate_must_parse(tmp_path: Path) -> None:
    from sfconnect.metadata.importer import import_components

    folder = tmp_path / "connectedApps"
    folder.mkdir()
    (folder / "Legacy.connectedApp-meta.xml").write_text(
        textwrap.dedent(
            f"""\
            <?xml version="1.0" encoding="UTF-8"?>
            <ConnectedApp xmlns="{NS}">
                <contactEmail>a@example.com</contactEmail>
                <label>Legacy</label>
                <oauthConfig>
                    <callbackUrl>https://a.example.com/cb</callbackUrl>
                    <certificate>-----BEGIN CERTIFICATE-----
            bm90IGEgY2VydGlmaWNhdGU=
            -----END CERTIFICATE-----</certificate>
                    <scopes>Api</scopes>
                </oauthConfig>
            </ConnectedApp>
            """
        ),
        encoding="utf-8",
    )
    result = import_components(read_source_tree(tmp_path))
    assert not result.apps
    (error,) = result.errors
    assert error.code == "bad-certificate" and "Legacy" in error.message


def test_lint_skips_fifos_and_devices_in_the_project(tmp_path: Path) -> None:
    from sfconnect.lint.runner import lint_project

    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "app.yaml").write_text(
        APP.format(url='"https://a.example.com/cb"', label="Alpha")
        + "      flows: {jwt_bearer: {enabled: true, certificate: file:certs/a.crt}}\n",
        encoding="utf-8",
    )
    (tmp_path / "certs").mkdir()
    os.mkfifo(tmp_path / "certs" / "a.crt")  # the referenced certificate
    os.mkfifo(tmp_path / "server.key")  # a file lint scans for private keys
    os.mkfifo(tmp_path / ".gitignore")
    project = load_project(tmp_path, environ={}, require_values=False)
    report = lint_project(project)
    assert report is not None
