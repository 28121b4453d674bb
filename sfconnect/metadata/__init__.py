"""Components: Salesforce metadata as typed values, the spec compiler, XML and file formats."""

from __future__ import annotations

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
from sfconnect.metadata.normalize import normalize
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
    "decompiler",
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
