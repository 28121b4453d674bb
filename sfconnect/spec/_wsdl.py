"""The v63 WSDL as the ``metadata:`` escape hatch needs it: field types, requiredness, repetition, enums.

A view of the one generated WSDL table (`sfconnect._wsdl_table`), shaped for validating YAML values: each field
of a type maps to ``(type, required, repeated)``, where a type is an XSD name (``string``, ``boolean``,
``int``, ...), ``enum:<Name>``, or another complex type of `TYPES`. The inherited ``fullName`` is left out.

Read by: `sfconnect.spec.rules`, `sfconnect.spec.schema`, `sfconnect.spec.scopes`.
"""

from __future__ import annotations

from sfconnect import _wsdl_table

__all__ = ["API_VERSION", "ENUMS", "TYPES"]

API_VERSION = _wsdl_table.WSDL_API_VERSION


def _type_of(xsd_type: str) -> str:
    prefix, _, name = xsd_type.partition(":")
    if prefix == "xsd" or name in _wsdl_table.COMPLEX_TYPES:
        return name
    base, values = _wsdl_table.SIMPLE_TYPES[name]
    return f"enum:{name}" if values else base.partition(":")[2]


TYPES: dict[str, dict[str, tuple[str, bool, bool]]] = {
    type_name: {
        name: (_type_of(xsd_type), low >= 1, high is None or high > 1)
        for name, xsd_type, low, high in fields
        if name != "fullName"
    }
    for type_name, fields in _wsdl_table.COMPLEX_TYPES.items()
}
"""Type -> field -> ``(type, required, repeated)``."""

ENUMS: dict[str, tuple[str, ...]] = {
    name: values for name, (_, values) in _wsdl_table.SIMPLE_TYPES.items() if values
}
"""Enumeration name -> its values, in WSDL order."""
