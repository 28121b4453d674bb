"""Reading one metadata file robustly and safely; writing it in canonical form."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfconnect.errors import MetadataError
from sfconnect.metadata import Component, ComponentType, read_component, write_component

from ._xsd import errors as xsd_errors

BASIC = b"""<?xml version="1.0" encoding="UTF-8"?>
<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">
    <contactEmail>ops@example.com</contactEmail>
    <label>Ops</label>
    <oauthConfig>
        <callbackUrl>https://a.example.com/cb
https://b.example.com/cb</callbackUrl>
        <isAdminApproved>true</isAdminApproved>
        <scopes>Api</scopes>
        <scopes>Web</scopes>
    </oauthConfig>
    <sessionPolicy>
        <sessionTimeout>120</sessionTimeout>
    </sessionPolicy>
</ConnectedApp>
"""


def _read(data: bytes, **kwargs: object) -> Component:
    return read_component(data, path="Ops.connectedApp-meta.xml", full_name="Ops", **kwargs)  # type: ignore[arg-type]


def test_values_are_typed_by_the_wsdl() -> None:
    app = _read(BASIC)
    assert app.type == ComponentType.CONNECTED_APP and app.full_name == "Ops"
    assert app.get("oauthConfig.isAdminApproved") is True
    assert app.get("sessionPolicy.sessionTimeout") == 120
    assert app.get("oauthConfig.scopes") == ("Api", "Web")
    assert app.notes == ()


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda b: b.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(lambda b: b"\xef\xbb\xbf" + b, id="bom"),
        pytest.param(lambda b: b.rstrip(b"\n"), id="no-final-newline"),
        pytest.param(lambda b: b.replace(b"<label>", b"<!-- a comment -->\n    <label>"), id="comment"),
        pytest.param(lambda b: b.replace(b"Ops</label>", b"&#79;ps</label>"), id="character-entity"),
        pytest.param(
            lambda b: b.replace(b"<label>Ops</label>", b"<label>\n        Ops\n    </label>"),
            id="value-whitespace",
        ),
        pytest.param(
            lambda b: b.replace(b"    <contactEmail>ops@example.com</contactEmail>\n", b"").replace(
                b"</ConnectedApp>", b"    <contactEmail>ops@example.com</contactEmail>\n</ConnectedApp>"
            ),
            id="out-of-order",
        ),
        pytest.param(lambda b: b.replace(b"<isAdminApproved>true", b"<isAdminApproved>1"), id="boolean-1"),
    ],
)
def test_reading_is_robust(variant) -> None:
    assert _read(variant(BASIC)) == _read(BASIC)


def test_whitespace_around_the_root_without_declaration() -> None:
    data = b"\n\n" + BASIC.split(b"\n", 1)[1] + b"\n\n   \n"
    assert _read(data) == _read(BASIC)


def test_predefined_entities_are_read_and_written_back() -> None:
    data = BASIC.replace(
        b"<label>Ops</label>",
        b"<description>Tom&apos;s &amp; &lt;Jerry&gt; &quot;x&quot;</description>\n    <label>Ops</label>",
    )
    app = _read(data)
    assert app.get("description") == 'Tom\'s & <Jerry> "x"'
    assert b"<description>Tom&apos;s &amp; &lt;Jerry&gt; &quot;x&quot;</description>" in write_component(app)


def test_writing_is_canonical() -> None:
    app = Component.build(
        ComponentType.CONNECTED_APP,
        "Ops",
        {
            "oauthConfig": {
                "scopes": ("Web", "Api"),
                "callbackUrl": "https://a.example.com/cb\nhttps://b/cb",
            },
            "label": "Ops",
            "contactEmail": "ops@example.com",
        },
    )
    out = write_component(app, "63.0")
    assert out == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        b"    <contactEmail>ops@example.com</contactEmail>\n"
        b"    <label>Ops</label>\n"
        b"    <oauthConfig>\n"
        b"        <callbackUrl>https://a.example.com/cb\nhttps://b/cb</callbackUrl>\n"
        b"        <scopes>Web</scopes>\n"
        b"        <scopes>Api</scopes>\n"
        b"    </oauthConfig>\n"
        b"</ConnectedApp>\n"
    )
    assert xsd_errors(out) == []


def test_a_canonical_file_round_trips_byte_for_byte() -> None:
    assert write_component(_read(BASIC, normalized=False)) == BASIC


def test_fields_newer_than_the_api_version_raise() -> None:
    policies = Component.build(
        ComponentType.ECA_POLICIES,
        "X_plcy",
        {"externalClientApplication": "X", "isEnabled": True, "isCanvasPluginEnabled": True},
    )
    with pytest.raises(MetadataError, match=r"isCanvasPluginEnabled \(66.0\)"):
        write_component(policies, "63.0")
    out = write_component(policies, "66.0")
    assert out.index(b"<isCanvasPluginEnabled>") < out.index(b"<isEnabled>")  # alphabetical WSDL position
    app = Component.build(
        ComponentType.CONNECTED_APP,
        "A",
        {
            "label": "A",
            "contactEmail": "a@b.c",
            "oauthConfig": {"callbackUrl": "https://x", "isPkceRequired": True},
        },
    )
    with pytest.raises(MetadataError, match=r"oauthConfig.isPkceRequired \(59.0\)"):
        write_component(app, "58.0")
    with pytest.raises(MetadataError, match=r"type ExternalClientApplication \(59.0\)"):
        write_component(Component.build(ComponentType.EXTERNAL_CLIENT_APP, "E", {"label": "E"}), "58.0")


def test_unknown_elements_are_preserved_and_reported() -> None:
    data = BASIC.replace(
        b"    </oauthConfig>\n",
        b"    </oauthConfig>\n    <oauthPolicy>\n        <ipRelaxation>ENFORCE</ipRelaxation>\n"
        b"        <refreshTokenPolicy>SPECIFIC_LIFETIME</refreshTokenPolicy>\n"
        b"        <refreshTokenValidityPeriod>3</refreshTokenValidityPeriod>\n    </oauthPolicy>\n",
    )
    app = _read(data, normalized=False)
    assert app.get("oauthPolicy.refreshTokenValidityPeriod") == "3"
    assert [(n.code, n.loc) for n in app.notes] == [
        ("unknown-element", ("oauthPolicy.refreshTokenValidityPeriod",))
    ]
    assert all(n.file == "Ops.connectedApp-meta.xml" for n in app.notes)
    assert b"<refreshTokenValidityPeriod>3</refreshTokenValidityPeriod>" in write_component(app)
    codes = {n.code for n in _read(data).notes}
    assert codes == {"unknown-element", "invalid-refresh-token-policy"}


def test_nil_and_invalid_values_are_preserved_and_reported() -> None:
    data = (
        BASIC.replace(b"<contactEmail>ops@example.com</contactEmail>", b'<contactEmail xsi:nil="true"/>')
        .replace(
            b"<ConnectedApp xmlns",
            b'<ConnectedApp xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns',
        )
        .replace(b"<sessionTimeout>120", b"<sessionTimeout>two hours")
    )
    app = _read(data)
    assert app.get("contactEmail") is None
    assert app.get("sessionPolicy.sessionTimeout") == "two hours"
    assert {n.code for n in app.notes} == {"nil-value", "invalid-value"}
    out = write_component(app)
    assert b'<contactEmail xsi:nil="true"/>' in out and b"xmlns:xsi=" in out
    assert _read(out) == app


def test_the_name_comes_from_the_file_else_from_full_name() -> None:
    with_name = BASIC.replace(b"<contactEmail>", b"<fullName>From_Element</fullName>\n    <contactEmail>", 1)
    assert read_component(with_name).full_name == "From_Element"
    from_file = read_component(with_name, full_name="From_File")
    assert from_file.full_name == "From_File"
    assert [n.code for n in from_file.notes] == ["full-name-mismatch"]
    assert b"fullName" not in write_component(read_component(with_name))
    with pytest.raises(MetadataError, match="no component name"):
        read_component(BASIC, path="x.xml")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("xxe.connectedApp-meta.xml", "refused unsafe XML"),
        ("bomb.connectedApp-meta.xml", "refused unsafe XML"),
        ("malformed.connectedApp-meta.xml", "not well-formed XML"),
        ("wrong_root.connectedApp-meta.xml", "wrong root element <ExternalClientApplication>"),
        ("unknown_type.connectedApp-meta.xml", "unknown metadata type <ApexClass>"),
    ],
)
def test_hostile_or_broken_files_raise_naming_the_file(fixtures: Path, name: str, message: str) -> None:
    path = fixtures / "hostile" / name
    with pytest.raises(MetadataError, match=message) as caught:
        read_component(path.read_bytes(), path=str(path), type_hint="ConnectedApp", full_name="X")
    assert str(path) in str(caught.value)
    assert caught.value.path == str(path)


def test_oversized_files_are_refused() -> None:
    with pytest.raises(MetadataError, match="larger than"):
        read_component(BASIC + b" " * (5 * 1024 * 1024), path="big.xml", full_name="Big")


def test_types_outside_the_wsdl_keep_every_element() -> None:
    data = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<ExtlClntAppCanvasSettings xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        b"    <canvasUrl>https://canvas.example.com</canvasUrl>\n"
        b"    <externalClientApplication>X</externalClientApplication>\n"
        b"</ExtlClntAppCanvasSettings>\n"
    )
    canvas = read_component(data, full_name="X_canvas")
    assert canvas.parent == "X"
    assert [n.code for n in canvas.notes] == ["type-not-in-wsdl"]
    assert write_component(canvas, "66.0") == data


def test_a_root_without_the_metadata_namespace_is_read_and_reported() -> None:
    data = BASIC.replace(b' xmlns="http://soap.sforce.com/2006/04/metadata"', b"")
    app = _read(data)
    assert app == _read(BASIC)
    assert [n.code for n in app.notes] == ["namespace"]
    assert b'xmlns="http://soap.sforce.com/2006/04/metadata"' in write_component(app)


def test_the_root_element_decides_the_type_when_no_hint_is_given() -> None:
    header = read_component(
        b'<ExternalClientApplication xmlns="http://soap.sforce.com/2006/04/metadata"><label>E</label>'
        b"</ExternalClientApplication>",
        full_name="E",
    )
    assert header.type == ComponentType.EXTERNAL_CLIENT_APP
    assert header.fields == {"label": "E"}
