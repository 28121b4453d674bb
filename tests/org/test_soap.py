"""Parsing Metadata API responses: results, faults (as Salesforce shapes them), records."""

from __future__ import annotations

import pytest

from sfconnect.errors import MetadataFault, OrgError
from sfconnect.org._soap import child_text, children, parse_response, record_document

FAULT = b"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
  xmlns:sf="http://soap.sforce.com/2006/04/metadata"><soapenv:Body><soapenv:Fault>
<faultcode>sf:INVALID_SESSION_ID</faultcode>
<faultstring>INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session</faultstring>
</soapenv:Fault></soapenv:Body></soapenv:Envelope>"""

READ = b"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
  xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body><readMetadataResponse><result>
<records xsi:type="ConnectedApp"><fullName>Billing</fullName><contactEmail>a@b.c</contactEmail>
<label>Billing &amp; Co</label></records>
<records xsi:type="ConnectedApp"/>
</result></readMetadataResponse></soapenv:Body></soapenv:Envelope>"""


def test_fault_is_raised_with_its_code() -> None:
    with pytest.raises(MetadataFault) as info:
        parse_response(FAULT, status=500, operation="readMetadata", target="prod")
    assert info.value.fault_code == "INVALID_SESSION_ID"
    assert "Illegal Session" in str(info.value)


def test_records_become_component_documents_and_empty_records_are_dropped() -> None:
    response = parse_response(READ, status=200, operation="readMetadata")
    records = children(children(response, "result")[0], "records")
    docs = [record_document(r) for r in records]
    assert docs[1] is None
    assert docs[0] is not None
    type_name, xml = docs[0]
    assert type_name == "ConnectedApp"
    assert xml.startswith(b"<?xml")
    assert b'<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">' in xml
    assert b"<label>Billing &amp; Co</label>" in xml


def test_html_error_page_is_a_clear_error() -> None:
    with pytest.raises(OrgError, match="not a SOAP response"):
        parse_response(b"<html><body>502 Bad Gateway", status=502, operation="listMetadata")


def test_entity_declarations_are_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(OrgError):
        parse_response(bomb, status=200, operation="readMetadata")


def test_child_text_defaults() -> None:
    response = parse_response(READ, status=200, operation="readMetadata")
    assert child_text(response, "nothing", "dflt") == "dflt"
