"""Generate `_wsdl_table.py`: the field names, types and enums of the metadata escape hatch.

Run ``python -m sfconnect.spec._gen_wsdl_table`` after upgrading simple-salesforce; a test fails when the
committed table differs from what this script derives from the bundled WSDL. Only the standard library is
used (the WSDL is located with `importlib.util.find_spec`, without importing simple-salesforce).
"""

from __future__ import annotations

import importlib.util
import pprint
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

__all__ = ["ROOT_TYPES", "derive", "generate", "wsdl_path"]

XSD = "{http://www.w3.org/2001/XMLSchema}"

ROOT_TYPES = (
    "ConnectedApp",
    "ExternalClientApplication",
    "ExtlClntAppOauthSettings",
    "ExtlClntAppGlobalOauthSettings",
    "ExtlClntAppOauthConfigurablePolicies",
    "ExtlClntAppConfigurablePolicies",
    "ExtlClntAppSamlConfigurablePolicies",
)
EXTRA_ENUMS = ("ConnectedAppOauthAccessScope",)
OUT = Path(__file__).with_name("_wsdl_table.py")


def wsdl_path() -> Path:
    """The Metadata API WSDL bundled in simple-salesforce (found without importing the package)."""
    spec = importlib.util.find_spec("simple_salesforce")
    if spec is None or spec.origin is None:
        raise RuntimeError("simple-salesforce is not installed")
    return Path(spec.origin).with_name("metadata.wsdl")


def _parse(path: Path) -> tuple[dict[str, ET.Element], dict[str, ET.Element], str]:
    root = ET.parse(path).getroot()  # noqa: S314 - see the import
    complex_types: dict[str, ET.Element] = {}
    simple_types: dict[str, ET.Element] = {}
    for schema in root.iter(f"{XSD}schema"):
        for el in schema:
            name = el.get("name")
            if name and el.tag == f"{XSD}complexType":
                complex_types[name] = el
            elif name and el.tag == f"{XSD}simpleType":
                simple_types[name] = el
    version = ""
    for node in root.iter():
        if node.tag == "{http://schemas.xmlsoap.org/wsdl/soap/}address":
            version = (node.get("location") or "").rsplit("/", 1)[-1]
    return complex_types, simple_types, version


Table = tuple[str, dict[str, dict[str, tuple[str, bool, bool]]], dict[str, tuple[str, ...]]]


def derive(path: Path | None = None) -> Table:
    """Read the WSDL at `path` and return ``(api_version, types, enums)`` for the escape hatch."""
    complex_types, simple_types, version = _parse(path or wsdl_path())
    types: dict[str, dict[str, tuple[str, bool, bool]]] = {}
    enums: dict[str, tuple[str, ...]] = {}
    todo = list(ROOT_TYPES)
    while todo:
        name = todo.pop(0)
        if name in types:
            continue
        fields: dict[str, tuple[str, bool, bool]] = {}
        for el in complex_types[name].iter(f"{XSD}element"):
            field = el.get("name", "")
            if field == "fullName":
                continue
            xsd_type = el.get("type", "")
            local = xsd_type.split(":", 1)[1]
            required = el.get("minOccurs", "1") != "0"
            repeated = el.get("maxOccurs", "1") == "unbounded"
            if xsd_type.startswith("tns:"):
                if local in complex_types:
                    todo.append(local)
                    kind = local
                else:
                    enums[local] = _enum(simple_types[local])
                    kind = f"enum:{local}"
            else:
                kind = local
            fields[field] = (kind, required, repeated)
        types[name] = dict(sorted(fields.items()))
    for name in EXTRA_ENUMS:
        enums[name] = _enum(simple_types[name])
    return version, types, dict(sorted(enums.items()))


def generate(path: Path | None = None) -> str:
    """Return the source text of `_wsdl_table.py` derived from the WSDL at `path`."""
    version, types, enums = derive(path)
    lines = [
        '"""Field names, types and enums of the metadata escape hatch (generated: do not edit).',
        "",
        "Derived from the Metadata API WSDL bundled in simple-salesforce by `_gen_wsdl_table.py`.",
        "Each field maps to ``(type, required, repeated)``; a type is an XSD name (``string``, ``boolean``,",
        "``int``, ...), ``enum:<Name>`` or another complex type of `TYPES`.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        f"API_VERSION = {version!r}",
        "",
        f"TYPES: dict[str, dict[str, tuple[str, bool, bool]]] = {pprint.pformat(types, width=100)}",
        "",
        f"ENUMS: dict[str, tuple[str, ...]] = {pprint.pformat(enums, width=100)}",
        "",
    ]
    return "\n".join(lines)


def _enum(el: ET.Element) -> tuple[str, ...]:
    return tuple(e.get("value", "") for e in el.iter(f"{XSD}enumeration"))


if __name__ == "__main__":
    OUT.write_text(generate(), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "ruff", "format", str(OUT)], check=False)
    sys.stdout.write(f"wrote {OUT}\n")
