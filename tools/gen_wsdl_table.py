"""Generate `sfconnect/_wsdl_table.py` from the Metadata API WSDL bundled in simple-salesforce.

Usage: ``python tools/gen_wsdl_table.py [--check] [--wsdl PATH]``. With ``--check`` nothing is written and the
exit status says whether the committed table is current (0) or stale (1).

The table holds, for each root metadata type sfconnect handles and every complex type reachable from it, the
element order, XSD type and occurrence bounds (base-type elements first, as the XSD sequence demands), plus
the values of every enumeration those elements use. Runtime code reads this table and never the WSDL.

It also holds the request side of the Metadata API calls sfconnect makes (`OPERATIONS`): each call's request
element with its parameters, the SOAP headers sent with them, and the complex and simple types those
parameters use (`REQUEST_TYPES`, `REQUEST_SIMPLE_TYPES`), from which `sfconnect.org` builds its envelopes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

XSD = "{http://www.w3.org/2001/XMLSchema}"
ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "sfconnect" / "_wsdl_table.py"

ROOT_TYPES = (
    "ConnectedApp",
    "ExternalClientApplication",
    "ExtlClntAppOauthSettings",
    "ExtlClntAppGlobalOauthSettings",
    "ExtlClntAppOauthConfigurablePolicies",
    "ExtlClntAppConfigurablePolicies",
    "ExtlClntAppSamlConfigurablePolicies",
)

OPERATIONS = (
    "cancelDeploy",
    "checkDeployStatus",
    "checkRetrieveStatus",
    "createMetadata",
    "deleteMetadata",
    "deploy",
    "listMetadata",
    "readMetadata",
    "retrieve",
    "updateMetadata",
)
"""The Metadata API calls sfconnect makes (`sfconnect.org`)."""
HEADERS = ("SessionHeader",)
"""The SOAP headers sfconnect sends."""
ABSTRACT_REQUEST_TYPES = frozenset({"Metadata"})
"""Parameter types whose records are written by the caller (createMetadata's and updateMetadata's records)."""


def default_wsdl() -> Path:
    import simple_salesforce

    return Path(simple_salesforce.__file__).resolve().parent / "metadata.wsdl"


def _local(qname: str) -> str:
    return qname.split(":", 1)[1] if ":" in qname else qname


def _lit(value: object) -> str:
    """A Python literal as ruff format writes it (double-quoted strings)."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(_lit(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def _row(el: ET.Element) -> tuple[str, str, int, int | None]:
    """(name, XSD type, minOccurs, maxOccurs or None for unbounded) of an ``xsd:element``."""
    max_raw = el.get("maxOccurs", "1")
    return (
        el.get("name", ""),
        el.get("type", ""),
        int(el.get("minOccurs", "1")),
        None if max_raw == "unbounded" else int(max_raw),
    )


def _table(
    name: str, annotation: str, entries: dict[str, list[tuple[str, str, int, int | None]]]
) -> list[str]:
    lines = [f"{name}: {annotation} = {{"]
    for key in sorted(entries):
        rows = entries[key]
        one_line = f"    {_lit(key)}: ({_lit(rows[0])},)," if len(rows) == 1 else ""
        if one_line and len(one_line) <= LINE_LENGTH:  # as ruff format writes a one-row tuple
            lines.append(one_line)
            continue
        lines.append(f"    {_lit(key)}: (")
        lines.extend(f"        {_lit(row)}," for row in rows)
        lines.append("    ),")
    lines.append("}")
    return lines


def _simple_table(name: str, entries: dict[str, tuple[str, tuple[str, ...]]]) -> list[str]:
    lines = [f"{name}: dict[str, tuple[str, tuple[str, ...]]] = {{"]
    for key in sorted(entries):
        base, values = entries[key]
        lines.append(f"    {_lit(key)}: (")
        lines.append(f"        {_lit(base)},")
        if values:
            lines.append("        (")
            lines.extend(f"            {_lit(v)}," for v in values)
            lines.append("        ),")
        else:
            lines.append("        (),")
        lines.append("    ),")
    lines.append("}")
    return lines


LINE_LENGTH = 110
"""ruff's line length (pyproject.toml): the output is ruff-formatted as generated."""
ROWS = "dict[str, tuple[tuple[str, str, int, int | None], ...]]"


def build(wsdl: Path) -> str:
    """Return the text of the generated module for `wsdl`."""
    text = wsdl.read_text(encoding="utf-8")
    version = "unknown"
    for line in text.splitlines()[:10]:
        if "Metadata API version" in line:
            version = line.strip().rsplit(" ", 1)[-1]
    tree = ET.fromstring(text.encode("utf-8"))  # noqa: S314 - trusted, bundled file
    schema = tree.find(f".//{XSD}schema")
    if schema is None:
        raise SystemExit("no xsd:schema in the WSDL")
    complex_types = {e.get("name"): e for e in schema.findall(f"{XSD}complexType")}
    simple_types = {e.get("name"): e for e in schema.findall(f"{XSD}simpleType")}

    def rows(name: str) -> list[tuple[str, str, int, int | None]]:
        node = complex_types[name]
        out: list[tuple[str, str, int, int | None]] = []
        ext = node.find(f"{XSD}complexContent/{XSD}extension")
        seq = node.find(f"{XSD}sequence")
        if ext is not None:
            out.extend(rows(_local(ext.get("base", ""))))
            seq = ext.find(f"{XSD}sequence")
        out.extend(_row(el) for el in (seq.findall(f"{XSD}element") if seq is not None else []))
        return out

    def element_rows(name: str) -> list[tuple[str, str, int, int | None]]:
        """The parameters of a global element (a call's request, a header), in sequence order."""
        node = schema.find(f"{XSD}element[@name='{name}']")
        seq = node.find(f"{XSD}complexType/{XSD}sequence") if node is not None else None
        if seq is None:
            raise SystemExit(f"no request element {name!r} in the WSDL")
        return [_row(el) for el in seq.findall(f"{XSD}element")]

    def closure(
        start: list[tuple[str, str, int, int | None]], skip: frozenset[str] = frozenset()
    ) -> tuple[dict[str, list[tuple[str, str, int, int | None]]], dict[str, tuple[str, tuple[str, ...]]]]:
        """Every complex and simple type reachable from `start` rows (`skip`: types not followed)."""
        found_complex: dict[str, list[tuple[str, str, int, int | None]]] = {}
        found_simple: dict[str, tuple[str, tuple[str, ...]]] = {}
        todo = [_local(typ) for _, typ, _, _ in start if typ.startswith("tns:")]
        while todo:
            local = todo.pop()
            if local in found_complex or local in found_simple or local in skip:
                continue
            if local in complex_types:
                found_complex[local] = rows(local)
                todo.extend(_local(typ) for _, typ, _, _ in found_complex[local] if typ.startswith("tns:"))
            elif local in simple_types:
                restr = simple_types[local].find(f"{XSD}restriction")
                base = _local(restr.get("base", "")) if restr is not None else "string"
                values = tuple(
                    e.get("value", "")
                    for e in (restr.findall(f"{XSD}enumeration") if restr is not None else [])
                )
                found_simple[local] = (base, values)
        return found_complex, found_simple

    found_complex, found_simple = closure([("", f"tns:{t}", 1, 1) for t in ROOT_TYPES])
    operations = {name: element_rows(name) for name in OPERATIONS}
    headers = {name: element_rows(name) for name in HEADERS}
    request_complex, request_simple = closure(
        [row for rows_ in (*operations.values(), *headers.values()) for row in rows_], ABSTRACT_REQUEST_TYPES
    )

    lines = [
        '"""GENERATED by tools/gen_wsdl_table.py from the WSDL bundled in simple-salesforce: do not edit.',
        "",
        "COMPLEX_TYPES maps a type to its elements in XSD sequence order (inherited elements first):",
        "(element name, XSD type, minOccurs, maxOccurs or None for unbounded). SIMPLE_TYPES maps a simple",
        "type to its XSD base and its enumeration values in WSDL order (empty when not an enumeration).",
        "OPERATIONS, HEADERS, REQUEST_TYPES and REQUEST_SIMPLE_TYPES are the same for the requests of the",
        "Metadata API calls sfconnect makes, from which `sfconnect.org` builds its SOAP envelopes.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        f"WSDL_API_VERSION = {_lit(version)}",
        "",
        "ROOT_TYPES: tuple[str, ...] = (",
        *(f"    {_lit(t)}," for t in ROOT_TYPES),
        ")",
        "",
    ]
    lines += _table("COMPLEX_TYPES", ROWS, found_complex)
    lines.append("")
    lines += _simple_table("SIMPLE_TYPES", found_simple)
    lines += [
        "",
        "# The request side of the Metadata API calls sfconnect makes (see sfconnect.org).",
        "",
    ]
    lines += _table("OPERATIONS", ROWS, operations)
    lines.append(
        '"""Each call\'s request element: its parameters in sequence order, rows as in COMPLEX_TYPES."""'
    )
    lines.append("")
    lines += _table("HEADERS", ROWS, headers)
    lines.append('"""The SOAP headers sfconnect sends, rows as in COMPLEX_TYPES."""')
    lines.append("")
    lines += _table("REQUEST_TYPES", ROWS, request_complex)
    lines.append(
        '"""The complex types of the calls\' parameters (`Metadata` records are written by the caller)."""'
    )
    lines.append("")
    lines += _simple_table("REQUEST_SIMPLE_TYPES", request_simple)
    lines.append('"""The simple types of the calls\' parameters, as in SIMPLE_TYPES."""')
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed table is stale")
    parser.add_argument("--wsdl", type=Path, default=None)
    args = parser.parse_args(argv)
    text = build(args.wsdl or default_wsdl())
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is stale: run python tools/gen_wsdl_table.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
