"""Reading fields of the Metadata API records the probes get back from `sfconnect.org.raw_metadata`.

Read by: `sfconnect.conformance.*`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

__all__ = ["field_text"]


def field_text(record: ET.Element | None, name: str) -> str:
    """Text of the record's first direct child named `name` (any namespace); "" when absent or no record."""
    if record is None:
        return ""
    for child in record:
        if child.tag.rsplit("}", 1)[-1] == name:
            return (child.text or "").strip()
    return ""
