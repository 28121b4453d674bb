"""The Metadata API request envelopes sfconnect builds from the WSDL table.

Checked two ways: against what zeep builds from the official Metadata API WSDL (v63, bundled in
simple-salesforce) for the same call and values, element for element; and against the requests the sf CLI
really sends (tests/localorg/replays), for the calls both make.

Reference: Metadata API Developer Guide, "File-Based Calls" and "CRUD-Based Calls" (listMetadata(),
readMetadata(), deploy(), checkDeployStatus(), cancelDeploy(), retrieve(), checkRetrieveStatus()),
https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_calls_intro.htm
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
import pytest

from sfconnect import _wsdl_table
from sfconnect.org import _envelope, _soap

REPLAYS = Path(__file__).resolve().parents[1] / "localorg" / "replays"
MD_NS = "http://soap.sforce.com/2006/04/metadata"
SESSION = "00D000000000001AAA!AQEAQCaptureSessionToken"
ZIP = b"PK\x03\x04 not really a zip, but bytes"

DEPLOY_OPTIONS: dict[str, _envelope.Value] = {
    "allowMissingFiles": False,
    "autoUpdatePackage": False,
    "checkOnly": True,
    "ignoreWarnings": False,
    "performRetrieve": False,
    "purgeOnDelete": False,
    "rollbackOnError": True,
    "runTests": [],
    "singlePackage": True,
    "testLevel": "NoTestRun",
}
RETRIEVE_REQUEST: dict[str, _envelope.Value] = {
    "apiVersion": 63.0,
    "singlePackage": True,
    "unpackaged": {
        "types": [{"members": ["A", "B"], "name": "ConnectedApp"}, {"members": ["*"], "name": "Settings"}],
        "version": "63.0",
    },
}

# (operation, our params, zeep's positional arguments for the same call)
CALLS: list[tuple[str, dict[str, _envelope.Value], tuple[Any, ...]]] = [
    (
        "listMetadata",
        {"queries": [{"type": "ConnectedApp"}, {"type": "ExternalClientApplication"}], "asOfVersion": 63.0},
        ([{"type": "ConnectedApp"}, {"type": "ExternalClientApplication"}], 63.0),
    ),
    ("readMetadata", {"type": "ConnectedApp", "fullNames": ["A", "B & C"]}, ("ConnectedApp", ["A", "B & C"])),
    (
        "deploy",
        {"ZipFile": ZIP, "DeployOptions": DEPLOY_OPTIONS},
        (ZIP, {**DEPLOY_OPTIONS}),
    ),
    (
        "checkDeployStatus",
        {"asyncProcessId": "0Af000000000001AAA", "includeDetails": True},
        ("0Af000000000001AAA", True),
    ),
    ("cancelDeploy", {"String": "0Af000000000001AAA"}, ("0Af000000000001AAA",)),
    ("retrieve", {"retrieveRequest": RETRIEVE_REQUEST}, (RETRIEVE_REQUEST,)),
    (
        "checkRetrieveStatus",
        {"asyncProcessId": "09S000000000001AAA", "includeZip": True},
        ("09S000000000001AAA", True),
    ),
    ("deleteMetadata", {"type": "ConnectedApp", "fullNames": ["Gone"]}, ("ConnectedApp", ["Gone"])),
]


def _shape(element: Any) -> tuple[str, str, tuple[Any, ...]]:
    """An element as (qualified tag, text, children): what a SOAP server reads, prefixes aside."""
    text = (element.text or "").strip()
    return (str(element.tag), text, tuple(_shape(c) for c in element))


def _parts(envelope: Any) -> tuple[Any, Any]:
    """The header and body elements of a parsed envelope."""
    header = next(c for c in envelope if str(c.tag).endswith("}Header"))
    body = next(c for c in envelope if str(c.tag).endswith("}Body"))
    return header, body


@functools.cache
def _zeep() -> tuple[Any, Any]:
    import simple_salesforce
    import zeep

    wsdl = Path(simple_salesforce.__file__).resolve().parent / "metadata.wsdl"
    make_client: Any = zeep.Client  # untyped
    client = make_client(wsdl.as_uri())
    service = client.create_service(
        f"{{{MD_NS}}}MetadataBinding", "https://example.invalid/services/Soap/m/63.0"
    )
    return client, service


@pytest.mark.parametrize(("operation", "params", "zeep_args"), CALLS, ids=[c[0] for c in CALLS])
def test_envelope_is_what_zeep_builds_from_the_official_wsdl(
    operation: str, params: dict[str, _envelope.Value], zeep_args: tuple[Any, ...]
) -> None:
    client, service = _zeep()
    header = client.get_element("ns0:SessionHeader")(sessionId=SESSION)
    theirs = client.create_message(service, operation, *zeep_args, _soapheaders=[header])
    ours = SafeET.fromstring(_envelope.request(operation, SESSION, params))
    assert _shape(ours) == _shape(theirs)


@pytest.mark.parametrize(
    ("replay", "operation", "params"),
    [
        (
            "22-sf-listMetadata.http",
            "listMetadata",
            {"queries": [{"type": "ConnectedApp"}], "asOfVersion": 62.0},
        ),
        (
            "24-sf-checkDeployStatus.http",
            "checkDeployStatus",
            {"asyncProcessId": "0Af000000000001AAA", "includeDetails": True},
        ),
    ],
)
def test_body_is_what_the_sf_cli_sends(
    replay: str, operation: str, params: dict[str, _envelope.Value]
) -> None:
    recorded = (REPLAYS / replay).read_text(encoding="utf-8").split("\n\n", 1)[1].strip()
    theirs = SafeET.fromstring(recorded)
    ours = SafeET.fromstring(_envelope.request(operation, SESSION, params))
    assert _shape(_parts(ours)[1]) == _shape(_parts(theirs)[1])
    session_header = _parts(theirs)[0].find(f"{{{MD_NS}}}SessionHeader")
    assert session_header is not None
    assert _shape(_parts(ours)[0]) == (f"{{{_soap.SOAP_NS}}}Header", "", (_shape(session_header),))


def test_every_call_of_the_table_is_a_request_of_the_wsdl() -> None:
    _, service = _zeep()
    names = set(service._binding._operations)
    assert set(_wsdl_table.OPERATIONS) <= names


def test_session_id_and_values_are_escaped() -> None:
    sent = _envelope.request(
        "readMetadata", "a<b&c", {"type": "ConnectedApp", "fullNames": ["x</fullNames>"]}
    )
    root = SafeET.fromstring(sent)
    assert [e.text for e in root.iter(f"{{{MD_NS}}}fullNames")] == ["x</fullNames>"]
    assert [e.text for e in root.iter(f"{{{MD_NS}}}sessionId")] == ["a<b&c"]


@pytest.mark.parametrize(
    ("operation", "params", "message"),
    [
        ("readMetadata", {"fullNames": ["A"]}, "readMetadata.type is required"),
        ("readMetadata", {"type": "ConnectedApp", "names": ["A"]}, "no element names"),
        ("readMetadata", {"type": "ConnectedApp", "fullNames": "A"}, "may repeat"),
        ("checkDeployStatus", {"asyncProcessId": "x", "includeDetails": "yes"}, "xsd:boolean"),
        ("deploy", {"ZipFile": ZIP, "DeployOptions": {**DEPLOY_OPTIONS, "testLevel": "Some"}}, "not one of"),
        ("deploy", {"ZipFile": "UEsDBA==", "DeployOptions": DEPLOY_OPTIONS}, "base64Binary wants bytes"),
    ],
)
def test_values_that_do_not_fit_the_wsdl_are_refused(
    operation: str, params: dict[str, _envelope.Value], message: str
) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        _envelope.request(operation, SESSION, params)


def test_a_raw_record_is_written_as_given() -> None:
    record = _envelope.Raw('<metadata xsi:type="ConnectedApp"><fullName>A</fullName></metadata>')
    root = SafeET.fromstring(_envelope.request("createMetadata", SESSION, {"metadata": [record]}))
    [metadata] = root.iter(f"{{{MD_NS}}}metadata")
    assert metadata.get(f"{{{_soap.XSI_NS}}}type") == "ConnectedApp"
