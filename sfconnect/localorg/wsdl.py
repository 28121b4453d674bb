"""A small reader for the official Metadata API WSDL (v63, bundled in simple-salesforce).

It extracts what the local org needs from the embedded XML Schema: complex types (their base type and the
ordered elements of their sequence, with cardinality), simple types (enumerations and base types), and the
operations' request elements. Records are then validated (`validate_record`) and rendered in WSDL order
from this model. The WSDL file is located through the installed package's files; simple-salesforce's
Python code is never imported.

The parsed model is kept in memory for the life of the process, keyed by the WSDL's sha256, and never written
to disk: a cache file under a project's `.sfconnect/` would be something a cloned repository could ship, and
nothing a project ships is deserialised (earlier versions wrote `wsdl-*.pickle` there; it is now ignored).
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET

__all__ = [
    "MD_NS",
    "ComplexType",
    "Field",
    "MetadataSchema",
    "SimpleType",
    "find_metadata_wsdl",
    "load_schema",
]

MD_NS = "http://soap.sforce.com/2006/04/metadata"
XSD_NS = "http://www.w3.org/2001/XMLSchema"


@dataclass(frozen=True)
class Field:
    """One element of a complex type's sequence."""

    name: str
    type_name: str
    """Local type name: `string`, `boolean`, `int`, `double`, ... for XSD types, else a WSDL type name."""
    builtin: bool
    min_occurs: int
    many: bool
    nillable: bool = False


@dataclass(frozen=True)
class SimpleType:
    """A WSDL simple type: a restriction of an XSD type, usually an enumeration."""

    name: str
    base: str
    enumeration: tuple[str, ...] = ()


@dataclass
class ComplexType:
    """A WSDL complex type with its inherited fields already merged in, in sequence order."""

    name: str
    base: str | None
    own_fields: list[Field] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)
    by_name: dict[str, Field] = field(default_factory=dict)


@dataclass
class MetadataSchema:
    """The parsed type model of the Metadata API WSDL."""

    version: str
    sha256: str
    complex_types: dict[str, ComplexType]
    simple_types: dict[str, SimpleType]
    elements: dict[str, ComplexType]
    """Top-level elements (operation requests and responses, headers), as anonymous complex types."""

    def is_metadata_type(self, name: str) -> bool:
        """Whether `name` is a complex type that extends `Metadata` (directly or not)."""
        seen = 0
        current = self.complex_types.get(name)
        while current is not None and seen < 20:
            if current.base == "Metadata":
                return True
            current = self.complex_types.get(current.base) if current.base else None
            seen += 1
        return False


def find_metadata_wsdl() -> Path:
    """Return the path of `simple_salesforce/metadata.wsdl` without importing simple-salesforce's code.

    Raises:
        FileNotFoundError: simple-salesforce is not installed, or ships no WSDL.
    """
    spec = importlib.util.find_spec("simple_salesforce")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("simple-salesforce is not installed; its metadata.wsdl is needed")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "metadata.wsdl"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("simple_salesforce/metadata.wsdl not found")


def _local(qname: str) -> str:
    return qname.split(":", 1)[1] if ":" in qname else qname


def _fields_of(sequence: Element | None) -> list[Field]:
    fields: list[Field] = []
    if sequence is None:
        return fields
    for el in sequence.findall(f"{{{XSD_NS}}}element"):
        type_attr = el.get("type", "xsd:string")
        builtin = type_attr.startswith("xsd:")
        fields.append(
            Field(
                name=el.get("name", ""),
                type_name=_local(type_attr),
                builtin=builtin,
                min_occurs=int(el.get("minOccurs", "1")),
                many=el.get("maxOccurs", "1") != "1",
                nillable=el.get("nillable") == "true",
            )
        )
    return fields


def _complex(name: str, node: Element) -> ComplexType:
    extension = node.find(f"{{{XSD_NS}}}complexContent/{{{XSD_NS}}}extension")
    if extension is not None:
        return ComplexType(
            name=name,
            base=_local(extension.get("base", "")),
            own_fields=_fields_of(extension.find(f"{{{XSD_NS}}}sequence")),
        )
    return ComplexType(name=name, base=None, own_fields=_fields_of(node.find(f"{{{XSD_NS}}}sequence")))


def _resolve(types: dict[str, ComplexType]) -> None:
    def chain(ct: ComplexType, depth: int = 0) -> list[Field]:
        parent = types.get(ct.base) if ct.base else None
        inherited = chain(parent, depth + 1) if parent is not None and depth < 20 else []
        return inherited + ct.own_fields

    for ct in types.values():
        ct.fields = chain(ct)
        ct.by_name = {f.name: f for f in ct.fields}


def parse_wsdl(data: bytes) -> MetadataSchema:
    """Parse the WSDL bytes into a `MetadataSchema`."""
    root = SafeET.fromstring(data)
    schema = root.find(f"{{http://schemas.xmlsoap.org/wsdl/}}types/{{{XSD_NS}}}schema")
    if schema is None:
        raise ValueError("no XML Schema inside the WSDL's <types>")
    complex_types: dict[str, ComplexType] = {}
    simple_types: dict[str, SimpleType] = {}
    elements: dict[str, ComplexType] = {}
    for node in schema:
        name = node.get("name", "")
        if node.tag == f"{{{XSD_NS}}}complexType":
            complex_types[name] = _complex(name, node)
        elif node.tag == f"{{{XSD_NS}}}simpleType":
            restriction = node.find(f"{{{XSD_NS}}}restriction")
            base = _local(restriction.get("base", "xsd:string")) if restriction is not None else "string"
            values = (
                tuple(e.get("value", "") for e in restriction.findall(f"{{{XSD_NS}}}enumeration"))
                if restriction is not None
                else ()
            )
            simple_types[name] = SimpleType(name=name, base=base, enumeration=values)
        elif node.tag == f"{{{XSD_NS}}}element":
            inner = node.find(f"{{{XSD_NS}}}complexType")
            if inner is not None:
                elements[name] = _complex(name, inner)
    _resolve(complex_types)
    _resolve(elements)
    version = "63.0"
    text = data[:400].decode("utf-8", "replace")
    marker = "Metadata API version "
    if marker in text:
        version = text.split(marker, 1)[1].split()[0]
    return MetadataSchema(
        version=version,
        sha256=hashlib.sha256(data).hexdigest(),
        complex_types=complex_types,
        simple_types=simple_types,
        elements=elements,
    )


_parsed: dict[str, MetadataSchema] = {}
_parsed_lock = threading.Lock()


def load_schema(wsdl_path: Path | None = None) -> MetadataSchema:
    """Load the Metadata API schema, parsing each distinct WSDL once per process.

    Nothing is read from or written to disk but the WSDL itself (see the module docstring).

    Args:
        wsdl_path: the WSDL file; default: the one bundled in simple-salesforce.
    """
    path = wsdl_path or find_metadata_wsdl()
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    with _parsed_lock:
        cached = _parsed.get(digest)
        if cached is None:
            cached = _parsed[digest] = parse_wsdl(data)
    return cached
