"""Rewriting one app's entry in an app file, leaving the rest of the file (other apps, comments) as written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sfconnect.errors import ConfigError

__all__ = ["dump_entry", "entry_data", "replace_entry", "write_new_file"]


class _Dumper(yaml.SafeDumper):
    """Block style, keys in the order given, long strings unwrapped."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_entry(data: dict[str, Any]) -> str:
    """One app entry as block YAML (no leading dash)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000)


def _apps_node(text: str, path: Path) -> yaml.SequenceNode:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: cannot parse the file: {exc}") from exc
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if (
                isinstance(key, yaml.ScalarNode)
                and key.value == "apps"
                and isinstance(value, yaml.SequenceNode)
            ):
                return value
    raise ConfigError(f"{path}: no `apps:` list in the file")


def _find(path: Path, name: str) -> tuple[str, yaml.MappingNode, int]:
    text = path.read_text(encoding="utf-8")
    for index, item in enumerate(_apps_node(text, path).value):
        if not isinstance(item, yaml.MappingNode):
            continue
        for key, value in item.value:
            if (
                isinstance(key, yaml.ScalarNode)
                and key.value == "name"
                and getattr(value, "value", None) == name
            ):
                return text, item, index
    raise ConfigError(f"{path}: no app named {name} in the file's `apps:` list")


def entry_data(path: Path, name: str) -> dict[str, Any]:
    """The app's entry as plain YAML data (variables and references as written)."""
    text, _node, index = _find(path, name)
    data = yaml.safe_load(text)
    entry = data["apps"][index]
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: the entry of {name} is not a mapping")
    return entry


def replace_entry(path: Path, name: str, data: dict[str, Any]) -> None:
    """Replace the entry of app `name` in `path` with `data` (other entries and comments are kept).

    Raises:
        ConfigError: the file has no such entry, or the entry is written in flow style.
    """
    text, node, _index = _find(path, name)
    if node.flow_style:
        raise ConfigError(
            f"{path}: the entry of {name} is written in flow style ({{...}}); write it as a block"
        )
    start, end = node.start_mark.index, node.end_mark.index
    indent = " " * node.start_mark.column
    lines = dump_entry(data).rstrip("\n").split("\n")
    body = ("\n" + indent).join(lines)
    tail = text[start:end]
    trailing = tail[len(tail.rstrip()) :]
    new = text[:start] + body + (trailing if trailing else "\n") + text[end:]
    yaml.safe_load(new)  # never write a file that does not parse
    _atomic_write(path, new)


def write_new_file(path: Path, data: dict[str, Any], header: str = "") -> None:
    """Write a new app file holding one app.

    Raises:
        ConfigError: the file exists already.
    """
    if path.exists():
        raise ConfigError(f"{path} exists already; choose another --new-name or move the file")
    body = "apps:\n  - " + dump_entry(data).rstrip("\n").replace("\n", "\n    ") + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, header + body)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
