"""Safe YAML loading that remembers where every key and value came from.

`load_document` turns the bytes of one file into plain Python values (dict, list, str, int, float, bool,
None, date) plus two position indexes keyed by key path (`Loc`): where each value starts and where each
mapping key starts. It refuses, with a located `YamlSyntaxError`:

- files over `MAX_BYTES` (checked before parsing), bytes that are not UTF-8, empty files;
- YAML syntax errors (with a dedicated message for tab indentation);
- duplicate keys in a mapping, several documents in one file, non-string mapping keys;
- alias expansion beyond `MAX_NODES` constructed nodes (a "billion laughs" document fails fast).

Merge keys (``<<: *anchor``) are supported; keys written next to them override the merged ones.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeAlias

import yaml

from sfconnect._types import Loc
from sfconnect.errors import Issue, YamlSyntaxError

__all__ = [
    "MAX_BYTES",
    "MAX_NODES",
    "Document",
    "Pos",
    "YamlValue",
    "load_document",
    "reads_as_number_in_yaml_1_2",
]

MAX_BYTES = 5 * 1024 * 1024
"""Largest file accepted (5 MiB): app files are a few kilobytes."""

MAX_NODES = 200_000
"""Largest number of values a document may expand to (aliases included)."""

Pos: TypeAlias = tuple[int, int]
"""A 1-based ``(line, column)``."""

YamlValue: TypeAlias = "bool | int | float | str | dt.date | list[YamlValue] | dict[str, YamlValue] | None"

_Loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_MERGE_TAG = "tag:yaml.org,2002:merge"
_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
_PLAIN_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_PLAIN_FLOAT = re.compile(
    r"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$"
)
"""Numbers YAML 1.1 and 1.2 read alike: plain decimal integers and floats (and .inf / .nan)."""
_YAML12_NUMBER = re.compile(
    r"^(0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)$"
)
"""Plain text YAML 1.2 reads as a number but YAML 1.1 as a string (``0o17``, ``1e3``)."""
_STR_TAG = "tag:yaml.org,2002:str"


def reads_as_number_in_yaml_1_2(text: str) -> bool:
    """Whether plain `text` is a number to YAML 1.2 (writers quote such strings, so both versions agree)."""
    return _YAML12_NUMBER.match(text) is not None


@dataclass(frozen=True)
class Document:
    """One loaded file: its data and where each part of it is written."""

    path: str
    data: YamlValue
    values: dict[Loc, Pos] = field(default_factory=dict)
    keys: dict[Loc, Pos] = field(default_factory=dict)

    def position(self, loc: Loc, *, key: bool = False) -> Pos:
        """Where `loc` is written: its key (``key=True``) or value, else its nearest known ancestor."""
        if key and loc in self.keys:
            return self.keys[loc]
        probe = loc
        while probe:
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))

    def has(self, loc: Loc) -> bool:
        """Whether `loc` is written in this document."""
        return loc in self.values


def _fail(
    path: str, message: str, pos: Pos = (0, 0), code: str = "yaml_syntax", hint: str = "", loc: Loc = ()
) -> YamlSyntaxError:
    issue = Issue("error", code, message, file=path, line=pos[0], column=pos[1], loc=loc, hint=hint)
    return YamlSyntaxError(f"{path}: {message}", issue=issue)


def _pos(node: yaml.Node) -> Pos:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _decode(raw: bytes, path: str) -> str:
    if len(raw) > MAX_BYTES:
        raise _fail(
            path,
            f"file is {len(raw) / 1048576:.1f} MiB, over the {MAX_BYTES // 1048576} MiB limit for YAML files",
            code="file_too_large",
            hint="app files are small; split the file or remove generated content",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _fail(
            path,
            f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            (line, column),
            code="encoding",
            hint="save the file as UTF-8",
        ) from None
    return text.removeprefix("\ufeff")


def _syntax_error(path: str, exc: yaml.MarkedYAMLError, text: str) -> YamlSyntaxError:
    mark = exc.problem_mark or exc.context_mark
    pos = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    problem = exc.problem or str(exc)
    lines = text.splitlines()
    line_text = lines[pos[0] - 1] if 0 < pos[0] <= len(lines) else ""
    indent = line_text[: len(line_text) - len(line_text.lstrip(" \t"))]
    if "\t" in problem or "\t" in indent:
        return _fail(
            path,
            "a tab character is used for indentation; YAML indents with spaces only",
            pos,
            code="yaml_tab",
            hint="replace the tabs with spaces (most editors can convert them)",
        )
    if "single document" in f"{exc.context} {problem}":
        return _fail(path, "a file holds a single YAML document; remove the '---' separators", pos)
    text = problem
    if exc.context:
        text = f"{exc.context}: {problem}"
    return _fail(path, f"YAML syntax error: {text}", pos)


class _Builder:
    """Turns a composed node graph into plain values, counting nodes to bound alias expansion."""

    def __init__(self, path: str, constructor: yaml.constructor.SafeConstructor) -> None:
        self.path = path
        self.constructor = constructor
        self.values: dict[Loc, Pos] = {}
        self.keys: dict[Loc, Pos] = {}
        self.count = 0

    def build(self, node: yaml.Node, loc: Loc) -> YamlValue:
        self.count += 1
        if self.count > MAX_NODES:
            raise _fail(
                self.path,
                f"the document expands to more than {MAX_NODES} values (aliases referring to aliases?)",
                _pos(node),
                code="yaml_alias_bomb",
                hint="write the values out instead of nesting anchors and aliases",
                loc=loc,
            )
        self.values.setdefault(loc, _pos(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode) and not node.style:  # plain (None, or "" from the C loader)
            self._check_number(node, loc)
        value = self.constructor.construct_object(node, deep=False)
        if isinstance(value, bytes | set | tuple) or (
            not isinstance(value, str | int | float | bool | dt.date) and value is not None
        ):
            raise _fail(self.path, f"unsupported YAML value of tag {node.tag}", _pos(node))
        result: YamlValue = value
        return result

    def _check_number(self, node: yaml.ScalarNode, loc: Loc) -> None:
        """Refuse the YAML 1.1 number forms that YAML 1.2 reads differently (or that surprise anyway)."""
        text = node.value
        if node.tag in _NUMBER_TAGS:
            if _PLAIN_INT.match(text) or _PLAIN_FLOAT.match(text):
                return
        elif node.tag != _STR_TAG or not _YAML12_NUMBER.match(text):
            return  # text both versions read as text
        raise _fail(
            self.path,
            f"'{text[:40]}' is read differently by YAML 1.1 and YAML 1.2 (hexadecimal, octal, binary, base 60, "
            "underscores, exponents without a dot)",
            _pos(node),
            code="yaml_ambiguous_number",
            hint=f'quote it ("{text[:40]}") if it is text, or write the number in plain decimal',
            loc=loc,
        )

    def _pairs(self, node: yaml.MappingNode) -> Iterator[tuple[yaml.Node, yaml.Node, bool]]:
        """Key/value nodes, merged ones (from ``<<``) first and flagged."""
        for key, value in node.value:
            if key.tag == _MERGE_TAG:
                sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
                for source in sources:
                    if not isinstance(source, yaml.MappingNode):
                        raise _fail(self.path, "'<<' merges mappings only", _pos(source))
                    for k, v, _ in self._pairs(source):
                        yield k, v, True
        for key, value in node.value:
            if key.tag != _MERGE_TAG:
                yield key, value, False

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, YamlValue]:
        out: dict[str, YamlValue] = {}
        merged: set[str] = set()
        for key_node, value_node, from_merge in self._pairs(node):
            if not isinstance(key_node, yaml.ScalarNode):
                raise _fail(self.path, "mapping keys must be plain strings", _pos(key_node))
            key = self.constructor.construct_object(key_node, deep=False)
            if not isinstance(key, str):
                key = str(key_node.value)
            child = (*loc, key)
            if key in out:
                if from_merge:
                    continue
                if key not in merged:
                    first = self.keys.get(child, (0, 0))
                    raise _fail(
                        self.path,
                        f"duplicate key '{key}' (first written at line {first[0]})",
                        _pos(key_node),
                        code="yaml_duplicate_key",
                        hint="each key may appear once per mapping; remove or merge the duplicate",
                        loc=child,
                    )
                merged.discard(key)
                self.values.pop(child, None)
            if from_merge:
                merged.add(key)
            self.keys[child] = _pos(key_node)
            out[key] = self.build(value_node, child)
        return out


def load_document(raw: bytes, path: str) -> Document:
    """Load one YAML file's bytes.

    Args:
        raw: the file's bytes.
        path: the name to use in positions and messages.

    Returns:
        The loaded `Document`.

    Raises:
        YamlSyntaxError: the file is too large, not UTF-8, empty, or not loadable YAML (see module docs).
    """
    text = _decode(raw, path)
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            raise _syntax_error(path, exc, text) from None
        except yaml.YAMLError as exc:
            raise _fail(path, f"YAML error: {exc}") from None
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")):
            raise _fail(
                path,
                "file is empty",
                (1, 1),
                code="empty_file",
                hint="add the file's content or delete the file",
            )
        builder = _Builder(path, loader)
        try:
            data = builder.build(node, ())
        except yaml.MarkedYAMLError as exc:
            raise _syntax_error(path, exc, text) from None
        except RecursionError:
            raise _fail(path, "the document nests too deeply", _pos(node), code="yaml_alias_bomb") from None
    finally:
        loader.dispose()
    return Document(path=path, data=data, values=builder.values, keys=builder.keys)
