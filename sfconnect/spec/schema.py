"""JSON Schemas of the YAML files, generated from the models (for editors and CI checks).

`app_schema()` describes an app file, `project_schema()` the project file. The ``metadata:`` escape hatch is
described per kind from the same WSDL table `rules.py` checks against. ``sfconnect schema --out schemas/``
writes them as `SCHEMA_FILES`; a test fails when the committed files are stale.
"""

from __future__ import annotations

import json
from typing import Any

from sfconnect.spec._wsdl import ENUMS, TYPES
from sfconnect.spec.models import AppFile
from sfconnect.spec.project import ProjectConfig
from sfconnect.spec.rules import COMPILER_FIELDS, ESCAPE_HATCH

__all__ = ["SCHEMA_FILES", "app_schema", "project_schema", "render"]

SCHEMA_FILES: dict[str, str] = {"apps.schema.json": "apps", "project.schema.json": "project"}
"""File name -> which schema it holds."""

_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _xsd_schema(xsd_type: str, defs: dict[str, Any]) -> dict[str, Any]:
    if xsd_type in TYPES:
        name = f"wsdl_{xsd_type}"
        if name not in defs:
            defs[name] = {}
            fields = TYPES[xsd_type]
            defs[name] = {
                "type": "object",
                "additionalProperties": False,
                "properties": {f: _field_schema(spec, defs) for f, spec in fields.items()},
                "required": sorted(f for f, (_, req, _) in fields.items() if req),
            }
        return {"$ref": f"#/$defs/{name}"}
    if xsd_type.startswith("enum:"):
        return {"enum": list(ENUMS[xsd_type[5:]])}
    return {
        "boolean": {"type": "boolean"},
        "int": {"type": "integer"},
        "double": {"type": "number"},
    }.get(xsd_type, {"type": "string"})


def _field_schema(spec: tuple[str, bool, bool], defs: dict[str, Any]) -> dict[str, Any]:
    xsd_type, _, repeated = spec
    item = _xsd_schema(xsd_type, defs)
    return {"type": "array", "items": item} if repeated else item


_NIL = {
    "type": "object",
    "properties": {"xsi:nil": {"const": True}},
    "required": ["xsi:nil"],
    "additionalProperties": False,
    "description": 'the element marked nil (xsi:nil="true")',
}


def _metadata_schema(kind: str, defs: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for type_name, allowed in ESCAPE_HATCH[kind].items():
        fields = TYPES.get(type_name, {})
        properties[type_name] = {
            "type": "object",
            "additionalProperties": True,
            "propertyNames": {"not": {"enum": sorted(COMPILER_FIELDS)}},
            "properties": {
                f: {"anyOf": [_field_schema(fields[f], defs), {"type": "null"}, _NIL]}
                for f in sorted(allowed)
            },
        }
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "description": (
            f"Raw Metadata API fields of a {kind}, per component type (v63 WSDL names; newer fields are "
            "sent as written; null leaves a field out)."
        ),
    }


def _finish(schema: dict[str, Any], title: str) -> dict[str, Any]:
    return {"$schema": _DIALECT, "title": title, **{k: v for k, v in schema.items() if k != "title"}}


def app_schema() -> dict[str, Any]:
    """The JSON Schema of an app file."""
    schema = AppFile.model_json_schema(by_alias=True)
    defs = schema.setdefault("$defs", {})
    for model, kind in (("ConnectedAppSpec", "ConnectedApp"), ("ExternalClientAppSpec", "ExternalClientApp")):
        defs[model]["properties"]["metadata"] = _metadata_schema(kind, defs)
    return _finish(schema, "sfconnect app file")


def project_schema() -> dict[str, Any]:
    """The JSON Schema of ``sfconnect.yaml``."""
    return _finish(ProjectConfig.model_json_schema(by_alias=True), "sfconnect project file (sfconnect.yaml)")


def render(schema: dict[str, Any]) -> str:
    """A schema as the committed file holds it (sorted keys, 2-space indent, final newline)."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
