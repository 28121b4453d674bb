"""XML in and out for the local org: hardened parsing, and one small serializer for everything we send.

Requests are parsed with defusedxml (no external entities, no entity expansion bombs) and matched by
namespace-free local names, so any prefix works. Responses are built as `Node` trees and serialized by
`serialize`, the only place that writes XML text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape, quoteattr

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

__all__ = ["XSI_NS", "Node", "XmlError", "local_name", "parse_xml", "serialize", "serialize_pretty"]

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MAX_DEPTH = 64
"""Deepest element nesting accepted in a request or a deployed file (SOAP envelopes nest about ten levels)."""


@dataclass
class Node:
    """An element to serialize: a tag (with its prefix, if any), attributes, then text or children."""

    tag: str
    text: str | None = None
    children: list[Node] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)

    def add(self, tag: str, text: str | None = None, **attrs: str) -> Node:
        """Append a child and return it."""
        child = Node(tag, text, [], dict(attrs))
        self.children.append(child)
        return child


def serialize(node: Node, *, declaration: bool = True) -> bytes:
    """Render a `Node` tree as UTF-8 XML."""
    parts: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>'] if declaration else []

    def walk(n: Node) -> None:
        attrs = "".join(f" {k}={quoteattr(v)}" for k, v in n.attrs.items())
        if n.text is None and not n.children:
            parts.append(f"<{n.tag}{attrs}/>")
            return
        parts.append(f"<{n.tag}{attrs}>")
        if n.text is not None:
            parts.append(escape(n.text, {'"': "&quot;"}))
        for c in n.children:
            walk(c)
        parts.append(f"</{n.tag}>")

    walk(node)
    return "".join(parts).encode("utf-8")


def serialize_pretty(node: Node) -> bytes:
    """Render a `Node` tree as an indented metadata file (4 spaces, as Salesforce's retrieves)."""
    parts: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n']

    def walk(n: Node, depth: int) -> None:
        pad = "    " * depth
        attrs = "".join(f" {k}={quoteattr(v)}" for k, v in n.attrs.items())
        if not n.children:
            text = "" if n.text is None else escape(n.text, {'"': "&quot;"})
            parts.append(f"{pad}<{n.tag}{attrs}>{text}</{n.tag}>\n")
            return
        parts.append(f"{pad}<{n.tag}{attrs}>\n")
        for c in n.children:
            walk(c, depth + 1)
        parts.append(f"{pad}</{n.tag}>\n")

    walk(node, 0)
    return "".join(parts).encode("utf-8")


class XmlError(ValueError):
    """The body is not well-formed (or is dangerous) XML."""


def parse_xml(data: bytes) -> Element:
    """Parse a request body.

    Raises:
        XmlError: not well-formed, or uses forbidden constructs (DTDs with entities, external references).
    """
    try:
        root: Element = SafeET.fromstring(data, forbid_dtd=True)
    except (SafeET.ParseError, DefusedXmlException, ValueError, LookupError) as exc:
        raise XmlError(str(exc)) from exc
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise XmlError(f"elements are nested more than {MAX_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in node)
    return root


def local_name(tag: str) -> str:
    """`{ns}name` -> `name`."""
    return tag.rsplit("}", 1)[-1]


def namespace(tag: str) -> str:
    """`{ns}name` -> `ns` ('' when none)."""
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
