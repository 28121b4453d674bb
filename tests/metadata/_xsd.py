"""XSD validation of metadata documents against the Metadata API WSDL types bundled in simple-salesforce.

Only the types sfconnect handles (and their closure) are cut out of the WSDL, so the schema loads in well
under a second; each root type gets a global element of the same name so that a whole file can be validated.
"""

from __future__ import annotations

import functools
from pathlib import Path
from xml.etree import ElementTree as ET

import simple_salesforce
import xmlschema

from sfconnect import _wsdl_table

XSD_NS = "http://www.w3.org/2001/XMLSchema"
MD_NS = "http://soap.sforce.com/2006/04/metadata"


def wsdl_path() -> Path:
    return Path(simple_salesforce.__file__).resolve().parent / "metadata.wsdl"


@functools.cache
def schema() -> xmlschema.XMLSchema10:
    tree = ET.parse(wsdl_path())  # noqa: S314 - the bundled, trusted WSDL
    source = tree.find(f".//{{{XSD_NS}}}schema")
    assert source is not None
    wanted = set(_wsdl_table.COMPLEX_TYPES) | set(_wsdl_table.SIMPLE_TYPES) | {"Metadata"}
    ET.register_namespace("xsd", XSD_NS)
    out = ET.Element(
        f"{{{XSD_NS}}}schema",
        {"elementFormDefault": "qualified", "targetNamespace": MD_NS},
    )
    for node in source:
        if node.get("name") in wanted:
            out.append(node)
    for root in _wsdl_table.ROOT_TYPES:
        ET.SubElement(out, f"{{{XSD_NS}}}element", {"name": root, "type": f"tns:{root}"})
    text = ET.tostring(out, encoding="unicode").replace(
        "<xsd:schema ", f'<xsd:schema xmlns:tns="{MD_NS}" ', 1
    )
    return xmlschema.XMLSchema10(text)


def errors(document: bytes) -> list[str]:
    """Every XSD error of `document` (empty when it is valid)."""
    return [str(e.reason or e) for e in schema().iter_errors(document.decode("utf-8-sig"))]
