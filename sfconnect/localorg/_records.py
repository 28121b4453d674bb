"""Metadata records as plain values, checked against the WSDL types, and their XML form.

A record is a dict from field name to a value: a string (XSD simple values, normalised: booleans are
`"true"`/`"false"`), a nested record (complex types), or a list of those for fields with `maxOccurs > 1`.
Parsing accepts any child order and any prefix; rendering writes the WSDL's sequence order.
"""

from __future__ import annotations

import math
from typing import Any, TypeAlias
from xml.etree.ElementTree import Element

from sfconnect.localorg._exceptions import SoapClientFault
from sfconnect.localorg._xml import XSI_NS, Node, local_name
from sfconnect.localorg.wsdl import MD_NS, ComplexType, Field, MetadataSchema

__all__ = ["TYPE_KEY", "Record", "missing_required", "parse_value", "render_record", "validate_record"]

Record: TypeAlias = dict[str, Any]

TYPE_KEY = "$type"
"""Key holding the `xsi:type` of a value whose declared type is a base type (e.g. `Metadata`)."""


def _bad(message: str) -> SoapClientFault:
    return SoapClientFault(message)


def _simple(schema: MetadataSchema, f: Field, text: str, type_ctx: str) -> str:
    base = f.type_name
    enumeration: tuple[str, ...] = ()
    if not f.builtin:
        simple = schema.simple_types.get(f.type_name)
        if simple is None:
            raise _bad(f"Unknown type {f.type_name} for element {f.name} in type {type_ctx}")
        base, enumeration = simple.base, simple.enumeration
    value = text.strip()
    if enumeration and value not in enumeration:
        raise _bad(f"'{value}' is not a valid value for the enum '{f.type_name}'")
    if base == "boolean":
        lowered = value.lower()
        if lowered in ("true", "1"):
            return "true"
        if lowered in ("false", "0"):
            return "false"
        raise _bad(f"Unable to parse value '{value}' of element {f.name} in type {type_ctx} as a boolean")
    if base in ("int", "long"):
        try:
            return str(int(value))
        except ValueError:
            raise _bad(
                f"Unable to parse value '{value}' of element {f.name} in type {type_ctx} as an int"
            ) from None
    if base == "double":
        try:
            number = float(value)
        except ValueError:
            raise _bad(
                f"Unable to parse value '{value}' of element {f.name} in type {type_ctx} as a double"
            ) from None
        if math.isnan(number) or math.isinf(number):
            raise _bad(f"Unable to parse value '{value}' of element {f.name} in type {type_ctx} as a double")
        return value
    return value


def _xsi_type(elem: Element) -> str | None:
    raw = elem.get(f"{{{XSI_NS}}}type")
    return None if raw is None else raw.split(":", 1)[-1]


def _is_nil(elem: Element) -> bool:
    return (elem.get(f"{{{XSI_NS}}}nil") or "").lower() in ("true", "1")


def complex_type_of(schema: MetadataSchema, declared: str, elem: Element) -> ComplexType:
    """The complex type of `elem`: its `xsi:type` when it names a subtype of `declared`, else `declared`."""
    actual = _xsi_type(elem)
    if actual and actual != declared:
        ct = schema.complex_types.get(actual)
        if ct is None:
            raise _bad(f"Unknown type {actual} specified by xsi:type")
        probe: ComplexType | None = ct
        depth = 0
        while probe is not None and probe.name != declared and depth < 20:
            probe = schema.complex_types.get(probe.base) if probe.base else None
            depth += 1
        if probe is None or probe.name != declared:
            raise _bad(f"Type {actual} is not a subtype of {declared}")
        return ct
    ct = schema.complex_types.get(declared) or schema.elements.get(declared)
    if ct is None:
        raise _bad(f"Unknown type {declared}")
    return ct


def parse_value(
    schema: MetadataSchema, ct: ComplexType, elem: Element, aliases: dict[str, str] | None = None
) -> Record:
    """Parse the children of `elem` as a value of complex type `ct`.

    Args:
        aliases: element names accepted as another field's name (e.g. ``{"request": "retrieveRequest"}``).

    Raises:
        SoapClientFault: an unknown element, a value that does not parse, a repeated single element.
    """
    record: Record = {}
    for child in elem:
        if not isinstance(child.tag, str):  # comments, processing instructions
            continue
        name = local_name(child.tag)
        if aliases and name in aliases:
            name = aliases[name]
        f = ct.by_name.get(name)
        if f is None:
            raise _bad(f"Element {{{MD_NS}}}{name} invalid at this location in type {ct.name}")
        if _is_nil(child):
            continue
        value: Any
        if f.builtin or f.type_name in schema.simple_types:
            if f.type_name == "anyType":
                value = (child.text or "").strip()
            else:
                value = _simple(schema, f, child.text or "", ct.name)
        else:
            sub = complex_type_of(schema, f.type_name, child)
            value = parse_value(schema, sub, child)
            if sub.name != f.type_name:
                value[TYPE_KEY] = sub.name
        if f.many:
            record.setdefault(name, []).append(value)
        elif name in record:
            raise _bad(f"Element {{{MD_NS}}}{name} is duplicated at this location in type {ct.name}")
        else:
            record[name] = value
    return record


def validate_record(schema: MetadataSchema, type_name: str, record: Record) -> Record:
    """Check a record given as plain Python values (e.g. from a seed file) and return it normalised.

    Raises:
        SoapClientFault: unknown fields or values that do not parse.
    """
    ct = schema.complex_types.get(type_name)
    if ct is None:
        raise _bad(f"Unknown type {type_name}")
    out: Record = {}
    for name, raw in record.items():
        f = ct.by_name.get(name)
        if f is None:
            raise _bad(f"Element {{{MD_NS}}}{name} invalid at this location in type {ct.name}")
        values = raw if isinstance(raw, list) else [raw]
        parsed: list[Any] = []
        for v in values:
            if f.builtin or f.type_name in schema.simple_types:
                text = ("true" if v else "false") if isinstance(v, bool) else str(v)
                parsed.append(_simple(schema, f, text, ct.name))
            elif isinstance(v, dict):
                parsed.append(validate_record(schema, f.type_name, v))
            else:
                raise _bad(f"Element {name} in type {ct.name} needs a mapping")
        if f.many:
            out[name] = parsed
        elif len(parsed) != 1:
            raise _bad(f"Element {name} in type {ct.name} takes one value")
        else:
            out[name] = parsed[0]
    return out


def missing_required(schema: MetadataSchema, type_name: str, record: Record, prefix: str = "") -> list[str]:
    """The dotted paths of required fields missing from `record` (nested records included)."""
    ct = schema.complex_types.get(record.get(TYPE_KEY, type_name)) or schema.complex_types.get(type_name)
    if ct is None:
        return []
    missing: list[str] = []
    for f in ct.fields:
        value = record.get(f.name)
        if f.min_occurs >= 1 and not f.many and (value is None or value == "") and f.name != "fullName":
            missing.append(prefix + f.name)
        if value is None or f.builtin or f.type_name in schema.simple_types:
            continue
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, dict):
                missing.extend(missing_required(schema, f.type_name, v, f"{prefix}{f.name}."))
    return missing


def render_record(schema: MetadataSchema, type_name: str, record: Record, node: Node) -> Node:
    """Append `record`'s fields to `node` as elements, in WSDL sequence order."""
    ct = schema.complex_types.get(record.get(TYPE_KEY, type_name)) or schema.complex_types.get(type_name)
    if ct is None:
        raise ValueError(f"unknown type {type_name}")
    for f in ct.fields:
        if f.name not in record:
            continue
        value = record[f.name]
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, dict):
                sub_type = v.get(TYPE_KEY, f.type_name)
                attrs = {"xsi:type": sub_type} if sub_type != f.type_name else {}
                render_record(schema, f.type_name, v, node.add(f.name, **attrs))
            else:
                node.add(f.name, str(v))
    return node
