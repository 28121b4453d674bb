"""Reading the Metadata API's SOAP responses: result elements, faults, records as component documents.

Responses are parsed with a hardened parser (no DTDs, no entities). Requests are built from the generated
WSDL table (`_envelope`); responses are taken raw so that one XML reader in `metadata` parses components from
files and from the wire alike.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import defusedxml
import defusedxml.ElementTree as SafeET

from sfconnect.errors import MetadataFault, OrgError

__all__ = ["MD_NS", "SOAP_NS", "XSI_NS", "child_text", "children", "parse_response", "record_document"]

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
MD_NS = "http://soap.sforce.com/2006/04/metadata"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def children(element: ET.Element, name: str) -> list[ET.Element]:
    """Direct children with local name `name`, in any namespace."""
    return [c for c in element if _local(c.tag) == name]


def child_text(element: ET.Element, name: str, default: str = "") -> str:
    """Text of the first direct child named `name` (any namespace), or `default`."""
    for c in element:
        if _local(c.tag) == name:
            return (c.text or "").strip()
    return default


def parse_response(body: bytes, *, status: int, operation: str, target: str = "") -> ET.Element:
    """Return the ``<operationResponse>`` element of a SOAP response, or raise the fault it carries.

    Raises:
        MetadataFault: the response is a SOAP fault (``fault_code`` without the ``sf:`` prefix).
        OrgError: the response is not a SOAP envelope at all.
    """
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except (ET.ParseError, defusedxml.DefusedXmlException) as exc:
        snippet = body[:200].decode("utf-8", "replace")
        raise OrgError(
            f"{operation}: HTTP {status}, not a SOAP response: {snippet!r}",
            target=target,
            operation=operation,
        ) from exc
    body_el = next((c for c in root if _local(c.tag) == "Body"), None)
    if _local(root.tag) != "Envelope" or body_el is None or len(body_el) == 0:
        raise OrgError(f"{operation}: HTTP {status}, SOAP envelope without a body", target=target)
    payload = body_el[0]
    if _local(payload.tag) == "Fault":
        code = child_text(payload, "faultcode").split(":")[-1] or "UNKNOWN_EXCEPTION"
        message = child_text(payload, "faultstring")
        raise MetadataFault(message or code, fault_code=code, target=target, operation=operation)
    result: ET.Element = payload
    return result


def record_document(record: ET.Element) -> tuple[str, bytes] | None:
    """Turn a ``<records xsi:type="T">`` element into a standalone ``<T xmlns=...>`` document.

    Returns ``(type, xml)``, or None for the empty record Salesforce returns for an unknown name.
    """
    xsi_type = record.get(f"{{{XSI_NS}}}type", "")
    type_name = xsi_type.split(":")[-1]
    if not type_name or not child_text(record, "fullName"):
        return None
    doc = ET.Element(f"{{{MD_NS}}}{type_name}")
    for child in record:
        doc.append(child)
    try:
        xml = ET.tostring(doc, encoding="utf-8", xml_declaration=True, default_namespace=MD_NS)
    except ValueError:  # an element outside the metadata namespace: keep it, with its own prefix
        xml = ET.tostring(doc, encoding="utf-8", xml_declaration=True)
    return type_name, xml
