"""Reading and writing one metadata file (``<ConnectedApp xmlns=...>...``) as a `Component`.

Reading is robust (BOM, CRLF, comments, character and predefined entities, any element order, surrounding
whitespace) and safe: defusedxml refuses entity declarations, external entities and DTD tricks, so neither an
entity bomb nor a file read through an external entity is possible. Writing is canonical: WSDL element order,
4-space indentation, the five XML escapes the sf CLI and Salesforce write, UTF-8 declaration, final newline.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from sfconnect.errors import Issue, MetadataError
from sfconnect.metadata import schema
from sfconnect.metadata._normalize import normalize
from sfconnect.metadata.component import Component, Record, Value, order_record

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "read_component", "read_fields", "too_new", "write_component"]

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 32
"""Deepest element nesting read (Connected App and External Client App files nest four levels at most)."""


def _depth(root: Element) -> int:
    """The nesting depth of a tree, without recursion; stops counting past `MAX_DEPTH`."""
    deepest = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in node)
    return deepest


"""Largest metadata file sfconnect reads (real ones are a few kilobytes)."""

_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_NS = schema.METADATA_NS


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


class _Reader:
    def __init__(self, component_type: str, path: str) -> None:
        self.type = component_type
        self.path = path
        self.notes: list[Issue] = []

    def note(self, code: str, message: str, loc: str) -> None:
        self.notes.append(Issue("warning", code, message, file=self.path, loc=(loc,) if loc else ()))

    def record(self, elem: Element, xsd_type: str | None, prefix: str) -> Record:
        values: dict[str, list[Value]] = {}
        for child in elem:
            if not isinstance(child.tag, str):  # comments and processing instructions
                continue
            ns, name = _local(child.tag)
            loc = f"{prefix}.{name}" if prefix else name
            if ns not in ("", _NS):
                self.note("foreign-namespace", f"element {name} is in namespace {ns}; kept as is", loc)
            spec = schema.field_spec(xsd_type, name) if xsd_type else None
            values.setdefault(name, []).append(self.value(child, spec, loc))
        out: dict[str, Value] = {}
        for name, items in values.items():
            spec = schema.field_spec(xsd_type, name) if xsd_type else None
            if spec is not None and spec.repeated:
                out[name] = tuple(items)
            elif len(items) == 1:
                out[name] = items[0]
            else:
                loc = f"{prefix}.{name}" if prefix else name
                if spec is not None:
                    self.note(
                        "repeated-element",
                        f"element {name} may occur once but occurs {len(items)} times",
                        loc,
                    )
                out[name] = tuple(items)
        return Record(out)

    def value(self, elem: Element, spec: schema.FieldSpec | None, loc: str) -> Value:
        if elem.get(f"{{{_XSI}}}nil") in ("true", "1"):
            self.note("nil-value", f"element {loc} is marked xsi:nil; kept as nil", loc)
            return None
        children = [c for c in elem if isinstance(c.tag, str)]
        child_type = spec.complex_type if spec else None
        if child_type is not None or children:
            if spec is not None and child_type is None:
                self.note(
                    "unexpected-children", f"element {loc} holds elements where a value is expected", loc
                )
            return self.record(elem, child_type, loc)
        text = elem.text or ""
        base = spec.base if spec else "string"
        if base == "boolean":
            lowered = text.strip()
            if lowered in ("true", "1"):
                return True
            if lowered in ("false", "0"):
                return False
        elif base == "int":
            try:
                return int(text.strip())
            except ValueError:
                pass
        elif base == "double":
            try:
                return float(text.strip())
            except ValueError:
                pass
        else:
            return text
        self.note(
            "invalid-value", f"element {loc} should be xsd:{base} but is {text.strip()!r}; kept as text", loc
        )
        return text


def read_component(
    data: bytes,
    *,
    path: str = "",
    type_hint: str | None = None,
    full_name: str | None = None,
    normalized: bool = True,
) -> Component:
    """Parse one metadata file.

    Args:
        data: the file's bytes.
        path: the file's name, used in messages and notes.
        type_hint: the type the file's name or folder implies; a different root element is an error.
        full_name: the component's name (from the file name); else the root's ``<fullName>`` element.
        normalized: apply `normalize` (strips consumer keys and secrets with a note); False keeps the file's
            values as they are (still typed), for lossless round trips.

    Returns:
        The component, with `notes` for anything worth reporting (unknown elements, stripped keys...).

    Raises:
        MetadataError: the file is not safe, well-formed metadata of a known type (the message names it).
    """
    if len(data) > MAX_FILE_BYTES:
        raise MetadataError(f"file is larger than {MAX_FILE_BYTES} bytes", path=path)
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)  # metadata files never have a DOCTYPE
    except defusedxml.DefusedXmlException as exc:
        raise MetadataError(
            f"refused unsafe XML ({type(exc).__name__}: a DOCTYPE, entity declarations and external "
            "references are not allowed in metadata files)",
            path=path,
        ) from exc
    except ParseError as exc:
        raise MetadataError(f"not well-formed XML: {exc}", path=path) from exc
    except (LookupError, ValueError) as exc:  # an unknown encoding, or a multi-byte one expat cannot read
        raise MetadataError(
            f"the XML declares an encoding that cannot be read ({exc}); save the file as UTF-8", path=path
        ) from None
    depth = _depth(root)
    if depth > MAX_DEPTH:
        raise MetadataError(
            f"elements are nested more than {MAX_DEPTH} levels deep; metadata files nest a few levels",
            path=path,
        )
    ns, root_name = _local(root.tag)
    info = schema.type_info(root_name)
    if info is None:
        raise MetadataError(
            f"unknown metadata type <{root_name}> "
            f"(sfconnect reads {', '.join(sorted(schema.COMPONENT_TYPES))})",
            path=path,
        )
    if type_hint is not None and type_hint != root_name:
        raise MetadataError(
            f"wrong root element <{root_name}>: a {type_hint} file must start with <{type_hint}>", path=path
        )
    reader = _Reader(root_name, path)
    if ns != _NS:
        reader.note("namespace", f"root element should be in namespace {_NS}, found {ns or 'none'}", "")
    record = reader.record(root, root_name if info.in_wsdl else None, "")
    element_name = record.get("fullName")
    record = record.without("fullName")
    name = full_name or (element_name if isinstance(element_name, str) else "")
    name = name.strip()
    if full_name and isinstance(element_name, str) and element_name.strip() not in ("", name):
        reader.note(
            "full-name-mismatch",
            f"<fullName>{element_name.strip()}</fullName> differs from the file name {name}; file name used",
            "fullName",
        )
    if not name:
        raise MetadataError(
            "no component name: neither the file name nor a <fullName> element gives one", path=path
        )
    if not info.in_wsdl:
        reader.note(
            "type-not-in-wsdl",
            f"{root_name} is not in the API {schema.WSDL_API_VERSION} WSDL; its elements are kept as is",
            "",
        )
    component = Component(
        root_name, name, order_record(root_name if info.in_wsdl else None, record), source=path
    )
    for loc in component.unknown_paths() if info.in_wsdl else ():
        reader.note(
            "unknown-element",
            f"element {loc} is not part of {root_name} (API {schema.WSDL_API_VERSION} WSDL); kept as is",
            loc,
        )
    component = component.with_notes(*reader.notes)
    return normalize(component) if normalized else component


_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\r": "&#13;"}
)


def _text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).translate(_ESCAPES)


def too_new(component: Component, api_version: str) -> list[str]:
    """Fields (``path (since)``) and the type itself when they are newer than `api_version`."""
    wanted = schema.api_version_tuple(api_version)
    out: list[str] = []
    info = schema.type_info(component.type)
    if info is not None and info.since > wanted:
        out.append(f"type {component.type} ({info.since[0]}.{info.since[1]})")

    def walk(xsd_type: str | None, prefix: str, record: Record) -> None:
        for key, value in record.items():
            spec = schema.field_spec(xsd_type, key) if xsd_type else None
            if spec is None:
                continue
            path = f"{prefix}.{key}" if prefix else key
            if spec.since > wanted:
                out.append(f"{path} ({spec.since[0]}.{spec.since[1]})")
            for item in value if isinstance(value, tuple) else (value,):
                if isinstance(item, Record) and spec.complex_type:
                    walk(spec.complex_type, path, item)

    walk(component.type, "", component.fields)
    return out


def write_component(component: Component, api_version: str = schema.WSDL_API_VERSION) -> bytes:
    """Serialise `component` as its metadata file, in canonical form.

    Fields newer than `api_version` are an error rather than silently dropped: a deploy would lose them.

    Raises:
        MetadataError: the type is unknown, or the component holds fields (or is a type) newer than
            `api_version`.
        ValueError: `api_version` is not ``MAJOR.MINOR``.
    """
    info = schema.type_info(component.type)
    if info is None:
        raise MetadataError(f"unknown metadata type {component.type}", path=component.source)
    newer = too_new(component, api_version)
    if newer:
        raise MetadataError(
            f"{component.type} {component.full_name}: not available in API {api_version}: "
            f"{', '.join(newer)}; "
            "raise the project's API version or remove them",
            path=component.source,
        )
    xsd_type = component.type if info.in_wsdl else None
    record = order_record(xsd_type, component.fields)
    lines: list[str] = []
    uses_nil = False

    def emit(rec: Record, depth: int) -> None:
        nonlocal uses_nil
        pad = "    " * depth
        for key, value in rec.items():
            for item in value if isinstance(value, tuple) else (value,):
                if item is None:
                    uses_nil = True
                    lines.append(f'{pad}<{key} xsi:nil="true"/>')
                elif isinstance(item, Record):
                    lines.append(f"{pad}<{key}>")
                    emit(item, depth + 1)
                    lines.append(f"{pad}</{key}>")
                elif isinstance(item, tuple):
                    raise TypeError(f"nested tuple at {key} in {component.full_name}")
                else:
                    lines.append(f"{pad}<{key}>{_text(item)}</{key}>")

    emit(record, 1)
    xsi = f' xmlns:xsi="{_XSI}"' if uses_nil else ""
    head = ['<?xml version="1.0" encoding="UTF-8"?>', f'<{component.type} xmlns="{_NS}"{xsi}>']
    return ("\n".join([*head, *lines, f"</{component.type}>"]) + "\n").encode("utf-8")


def read_fields(data: bytes, *, path: str = "") -> dict[str, str]:
    """The top-level text fields of a metadata record of a type sfconnect does not model (a settings type such
    as ``ExternalClientAppSettings``), by element name; as safe as `read_component`.

    Raises:
        MetadataError: the document is not safe, well-formed XML.
    """
    if len(data) > MAX_FILE_BYTES:
        raise MetadataError(f"file is larger than {MAX_FILE_BYTES} bytes", path=path)
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (defusedxml.DefusedXmlException, ParseError, LookupError, ValueError) as exc:
        raise MetadataError(f"not safe, well-formed XML ({type(exc).__name__}: {exc})", path=path) from exc
    return {_local(c.tag)[1]: (c.text or "").strip() for c in root if isinstance(c.tag, str)}
