"""Components: immutable, typed values that mirror Salesforce metadata records.

A `Component` is a metadata type, a full name and a `Record` of fields keyed by the WSDL element names.
Values are typed by the WSDL: ``str``, ``bool``, ``int``, ``float``, a nested `Record`, a tuple for repeated
elements, or None for an element marked ``xsi:nil``. Elements the WSDL does not know are kept as strings (or
records of strings) and listed by `Component.unknown_paths`, so nothing a file says is lost.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TypeAlias, Union

from sfconnect._types import JSONValue
from sfconnect.errors import Issue
from sfconnect.metadata import schema

__all__ = ["Component", "Record", "Scalar", "Value", "eca_families", "order_record", "to_value"]

Scalar: TypeAlias = str | bool | int | float | None
"""A simple value; None stands for an element marked ``xsi:nil="true"``."""

Value: TypeAlias = Union[Scalar, "Record", tuple["Value", ...]]
"""A field's value: a scalar, a nested record, or a tuple of either for repeated elements."""


class Record(Mapping[str, Value]):
    """An immutable, hashable mapping of element names to values, kept in canonical element order."""

    __slots__ = ("_data", "_hash")

    def __init__(self, items: Mapping[str, Value] | None = None) -> None:
        self._data: dict[str, Value] = dict(items or {})
        self._hash: int | None = None

    def __getitem__(self, key: str) -> Value:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Record):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Record({self._data!r})"

    def set(self, key: str, value: Value) -> Record:
        """A copy with `key` set to `value`."""
        data = dict(self._data)
        data[key] = value
        return Record(data)

    def without(self, key: str) -> Record:
        """A copy without `key` (the same record when it is absent)."""
        if key not in self._data:
            return self
        return Record({k: v for k, v in self._data.items() if k != key})


def to_value(raw: object) -> Value:
    """Turn plain Python data (dicts, lists, scalars) into component values.

    Raises:
        TypeError: `raw` holds something that is not a metadata value.
    """
    if raw is None or isinstance(raw, str | bool | int | float):
        return raw
    if isinstance(raw, Record):
        return raw
    if isinstance(raw, Mapping):
        return Record({str(k): to_value(v) for k, v in raw.items()})
    if isinstance(raw, list | tuple):
        return tuple(to_value(v) for v in raw)
    raise TypeError(f"not a metadata value: {type(raw).__name__}")


def _json(value: Value) -> JSONValue:
    if isinstance(value, Record):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    return value


@dataclass(frozen=True)
class Component:
    """One metadata component: its type (e.g. ``ConnectedApp``), full name and fields.

    `notes` (what reading or normalising found worth reporting) and `source` (the file it came from) are not
    part of its identity: two components compare equal when type, name and fields are equal.
    """

    type: str
    full_name: str
    fields: Record = field(default_factory=Record)
    notes: tuple[Issue, ...] = field(default=(), compare=False)
    source: str = field(default="", compare=False)

    @classmethod
    def build(cls, type: str, full_name: str, fields: Mapping[str, object]) -> Component:
        """Make a component from plain data, its fields put in canonical (WSDL) order.

        Raises:
            TypeError: a field holds something that is not a metadata value.
        """
        value = to_value(fields)
        assert isinstance(value, Record)
        return cls(type, full_name, order_record(type, value))

    def with_fields(self, fields: Record) -> Component:
        """A copy with other fields (notes and source kept)."""
        return replace(self, fields=fields)

    def with_notes(self, *notes: Issue) -> Component:
        """A copy with `notes` added."""
        return replace(self, notes=self.notes + notes)

    @property
    def parent(self) -> str | None:
        """The External Client App an ECA child component belongs to (its ``externalClientApplication``)."""
        info = schema.type_info(self.type)
        if info is None or info.parent_field is None:
            return None
        value = self.fields.get(info.parent_field)
        return value if isinstance(value, str) else None

    def get(self, path: str) -> Value:
        """The value at a path such as ``oauthConfig.scopes`` or ``ipRanges[0].start`` (None if absent)."""
        current: Value = self.fields
        for part in path.replace("[", ".[").split("."):
            if not part:
                continue
            if part.startswith("["):
                index = int(part[1:-1])
                if not isinstance(current, tuple) or index >= len(current):
                    return None
                current = current[index]
            else:
                if not isinstance(current, Record):
                    return None
                current = current.get(part)
        return current

    def flatten(self) -> dict[str, Scalar]:
        """Every scalar keyed by its metadata path (``oauthConfig.scopes[0]``), in canonical order."""
        out: dict[str, Scalar] = {}

        def walk(prefix: str, value: Value) -> None:
            if isinstance(value, Record):
                for key, item in value.items():
                    walk(f"{prefix}.{key}" if prefix else key, item)
            elif isinstance(value, tuple):
                for index, item in enumerate(value):
                    walk(f"{prefix}[{index}]", item)
            else:
                out[prefix] = value

        walk("", self.fields)
        return out

    def to_json(self) -> dict[str, JSONValue]:
        """A JSON-ready form: ``{"type", "fullName", "fields"}``."""
        return {"type": self.type, "fullName": self.full_name, "fields": _json(self.fields)}

    def fingerprint(self) -> str:
        """sha256 (hex) of the canonical JSON of type, name and fields: stable across runs and machines."""
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def unknown_paths(self) -> tuple[str, ...]:
        """Paths of elements the WSDL (and the table of newer fields) does not define for this type."""
        info = schema.type_info(self.type)
        found: list[str] = []

        def walk(xsd_type: str | None, prefix: str, record: Record) -> None:
            for key, value in record.items():
                path = f"{prefix}.{key}" if prefix else key
                spec = schema.field_spec(xsd_type, key) if xsd_type else None
                if spec is None:
                    found.append(path)
                    continue
                child = spec.complex_type
                items = value if isinstance(value, tuple) else (value,)
                for index, item in enumerate(items):
                    if child and isinstance(item, Record):
                        walk(child, f"{path}[{index}]" if isinstance(value, tuple) else path, item)

        walk(self.type if info and info.in_wsdl else None, "", self.fields)
        return tuple(found)


def order_record(xsd_type: str | None, record: Record) -> Record:
    """`record` with keys (recursively) in WSDL sequence order; unknown keys at their alphabetical place."""
    specs = schema.fields_of(xsd_type) if xsd_type else ()
    known = [s.name for s in specs]
    position = {name: float(i) for i, name in enumerate(known)}

    def key(name: str) -> tuple[float, str]:
        if name in position:
            return (position[name], name)
        return (schema.insertion_index(known, name) - 0.5, name)

    out: dict[str, Value] = {}
    for name in sorted(record, key=key):
        value = record[name]
        spec = schema.field_spec(xsd_type, name) if xsd_type else None
        child = spec.complex_type if spec else None
        if isinstance(value, Record):
            value = order_record(child, value)
        elif isinstance(value, tuple):
            value = tuple(order_record(child, v) if isinstance(v, Record) else v for v in value)
        out[name] = value
    return Record(out)


def eca_families(components: Iterable[Component]) -> dict[str, tuple[Component, ...]]:
    """External Client App components grouped by app: header first, then children sorted by type and name.

    A child whose header is not among `components` still gets its group (keyed by its parent's name).
    """
    groups: dict[str, list[Component]] = {}
    for component in components:
        if component.type == schema.ComponentType.EXTERNAL_CLIENT_APP:
            groups.setdefault(component.full_name, []).append(component)
        elif component.parent is not None:
            groups.setdefault(component.parent, []).append(component)
    return {
        name: tuple(
            sorted(
                items, key=lambda c: (c.type != schema.ComponentType.EXTERNAL_CLIENT_APP, c.type, c.full_name)
            )
        )
        for name, items in sorted(groups.items())
    }
