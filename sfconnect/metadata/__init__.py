"""Components: Salesforce metadata as typed values, the field map, the compiler, XML and file formats.

Public modules: `component` (the `Component` value), `schema` (the WSDL's types and fields), `fieldmap` (the
YAML <-> metadata map), `compiler` and `compiled` (an app spec -> its components), `importer` (components -> YAML
app files, through the private ``_decompiler``), `xmlio` and `formats` (XML, source/mdapi/zip), `certificates`
(key pairs) and `migration` (Connected App -> External Client App). Normalisation (``_normalize``) is private;
its `normalize` is re-exported here, with the most used names of the public modules.
"""

from __future__ import annotations

from sfconnect.metadata._normalize import normalize
from sfconnect.metadata.component import Component, Record, Scalar, Value, eca_families
from sfconnect.metadata.formats import (
    ComponentRef,
    Manifest,
    build_deploy_zip,
    find_metadata_files,
    package_xml,
    read_package_xml,
    read_source_tree,
    read_zip,
    source_path,
    write_mdapi,
    write_source_tree,
)
from sfconnect.metadata.schema import COMPONENT_TYPES, ECA_FAMILY, ComponentType, FieldSpec
from sfconnect.metadata.xmlio import read_component, write_component

__all__ = [
    "COMPONENT_TYPES",
    "ECA_FAMILY",
    "Component",
    "ComponentRef",
    "ComponentType",
    "FieldSpec",
    "Manifest",
    "Record",
    "Scalar",
    "Value",
    "build_deploy_zip",
    "certificates",
    "compiled",
    "compiler",
    "component",
    "eca_families",
    "fieldmap",
    "find_metadata_files",
    "formats",
    "importer",
    "migration",
    "normalize",
    "package_xml",
    "read_component",
    "read_package_xml",
    "read_source_tree",
    "read_zip",
    "schema",
    "source_path",
    "write_component",
    "write_mdapi",
    "write_source_tree",
    "xmlio",
]
