"""Tests beyond the corpus: components generated from the WSDL table, and mutants of the corpus files.

Every generated component and every mutant either imports (and the import proves, by compiling its YAML, that it
gives the component back) or is refused with a message naming what is wrong; nothing is lost silently.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sfconnect.errors import MetadataError
from sfconnect.metadata import schema
from sfconnect.metadata._decompiler import decompile_app, import_equivalent
from sfconnect.metadata._normalize import normalize
from sfconnect.metadata.component import Component, Record
from sfconnect.metadata.formats import find_metadata_files, read_source_tree
from sfconnect.metadata.importer import group_apps
from sfconnect.metadata.xmlio import read_component
from tests.conftest import REPO_ROOT

CORPUS = REPO_ROOT.parent / "shared" / "corpus"
_SKIP = {"consumerKey", "consumerSecret", "oauthLink", "orgScopedExternalApp", "externalClientApplication"}
APP = "Gen_App"


def _sample(spec: schema.FieldSpec, choice: int = 0, depth: int = 0) -> Any:
    """A value of the field's type: every child of a record, the `choice`-th value of an enumeration."""
    if spec.complex_type is not None:
        if depth > 2:
            return None
        value: Any = {
            child.name: v
            for child in schema.fields_of(spec.complex_type)
            if child.name not in _SKIP and (v := _sample(child, choice, depth + 1)) is not None
        }
    elif spec.enum:
        value = spec.enum[choice % len(spec.enum)]
    else:
        value = {
            "boolean": True,
            "int": 5,
            "double": 1.5,
            "date": "2026-01-01",
            "dateTime": "2026-01-01T00:00:00Z",
        }
        value = value.get(spec.base, f"value-of-{spec.name}")
    return (value,) if spec.repeated else value


def _family(type_name: str, fields: dict[str, Any]) -> tuple[Component, ...]:
    if type_name == "ConnectedApp":
        return (normalize(Component.build(type_name, APP, {"contactEmail": "ops@example.com", **fields})),)
    header = {"label": APP, **fields} if type_name == "ExternalClientApplication" else {"label": APP}
    family = [normalize(Component.build("ExternalClientApplication", APP, header))]
    if type_name != "ExternalClientApplication":
        child = {"externalClientApplication": APP, **fields}
        family.append(normalize(Component.build(type_name, f"{APP}_child", child)))
    return tuple(family)


def _types() -> list[str]:
    return [t for t, info in schema.COMPONENT_TYPES.items() if info.in_wsdl]


def _cases() -> Iterator[object]:
    for type_name in _types():
        specs = [s for s in schema.fields_of(type_name) if s.name not in _SKIP]
        everything = {s.name: v for s in specs if (v := _sample(s)) is not None}
        yield pytest.param(type_name, everything, id=f"{type_name}:every-field")
        for spec in specs:  # each field absent, the others present
            yield pytest.param(
                type_name,
                {k: v for k, v in everything.items() if k != spec.name},
                id=f"{type_name}:-{spec.name}",
            )
        for spec in specs:  # every value of every enumeration
            for index in range(1, len(spec.enum)):
                value = _sample(spec, index)
                yield pytest.param(
                    type_name, {**everything, spec.name: value}, id=f"{type_name}:{spec.name}={index}"
                )


def _imports_exactly_or_refuses_clearly(family: tuple[Component, ...]) -> None:
    try:
        app = decompile_app(family)  # compiles its own YAML and compares: raises on any loss
    except MetadataError as exc:
        message = str(exc)
        assert any(w in message for w in ("contradict", "cannot be expressed", "private key")), message
        return
    assert app.data["name"] == APP


@pytest.mark.parametrize(("type_name", "fields"), list(_cases()))
def test_a_component_generated_from_the_wsdl_imports_without_loss(
    type_name: str, fields: dict[str, Any]
) -> None:
    _imports_exactly_or_refuses_clearly(_family(type_name, fields))


def test_every_field_of_every_type_imports_with_every_field_kept() -> None:
    """With every field present, no type is refused: each comes back through YAML words or the escape hatch."""
    for type_name in _types():
        specs = [s for s in schema.fields_of(type_name) if s.name not in _SKIP]
        family = _family(type_name, {s.name: v for s in specs if (v := _sample(s)) is not None})
        app = decompile_app(family)
        assert app.data["name"] == APP, type_name


# --- corpus mutants -------------------------------------------------------------------------------------------


def _corpus_groups() -> list[tuple[Component, ...]]:
    if not CORPUS.is_dir():
        return []
    groups: list[tuple[Component, ...]] = []
    for tree in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        found, _ = group_apps(read_source_tree(tree))
        groups.extend(found)
    return groups


def _first_string_path(record: Record, prefix: str = "") -> str | None:
    for key, value in record.items():
        if key in _SKIP or key == "label":
            continue
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, str) and value:
            return path
        if isinstance(value, Record):
            found = _first_string_path(value, path)
            if found:
                return found
    return None


def _set_path(record: Record, path: str, value: Any) -> Record:
    head, _, rest = path.partition(".")
    if not rest:
        return record.set(head, value)
    child = record.get(head)
    assert isinstance(child, Record)
    return record.set(head, _set_path(child, rest, value))


_NEWER = {
    "ExtlClntAppGlobalOauthSettings": ("isEnforceRefreshTokenTTL", True),
    "ExtlClntAppConfigurablePolicies": ("isCanvasPluginEnabled", False),
    "ExtlClntAppOauthConfigurablePolicies": ("guestJwtSessionTimeoutType", "Custom"),
}


def _mutants(group: tuple[Component, ...]) -> Iterator[tuple[str, tuple[Component, ...]]]:
    for index, component in enumerate(group):
        fields = component.fields

        def swap(new: Record, c: Component = component, i: int = index) -> tuple[Component, ...]:
            return (*group[:i], normalize(c.with_fields(new)), *group[i + 1 :])

        optional = [k for k in fields if k not in _SKIP and k != "label" and not _required(component.type, k)]
        if optional:
            yield f"{component.type}-drop-{optional[-1]}", swap(fields.without(optional[-1]))
        text = _first_string_path(fields)
        if text is not None:
            yield f"{component.type}-blank-{text}", swap(_set_path(fields, text, ""))
        yield f"{component.type}-unknown", swap(fields.set("zzUnknownElement", "x"))
        if component.type in _NEWER:
            name, value = _NEWER[component.type]
            yield f"{component.type}-newer-{name}", swap(fields.set(name, value))


def _required(type_name: str, name: str) -> bool:
    spec = schema.field_spec(type_name, name)
    return spec is not None and spec.required


def test_every_corpus_mutant_round_trips_or_is_refused_clearly() -> None:
    groups = _corpus_groups()
    if not groups:
        pytest.fail(f"the corpus is missing or empty: expected real-world files under {CORPUS}")
    tried = 0
    for group in groups:
        for name, mutant in _mutants(group):
            tried += 1
            try:
                decompile_app(mutant)
            except MetadataError as exc:
                assert "contradict" in str(exc) or "private key" in str(exc), (
                    group[0].source,
                    name,
                    str(exc),
                )
    assert tried > 4 * len(groups) // 2


def test_reordered_corpus_files_read_and_import_the_same() -> None:
    if not CORPUS.is_dir():
        pytest.fail(f"the corpus is missing: expected it under {CORPUS}")
    checked = 0
    for tree in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        for path, type_name, name in find_metadata_files(tree):
            if type_name != "ConnectedApp":
                continue
            root = ET.fromstring(path.read_bytes())  # noqa: S314 (the corpus files, already read safely)
            children = list(root)
            for child in children:
                root.remove(child)
            root.extend(reversed(children))
            reordered = read_component(ET.tostring(root), path=str(path), type_hint=type_name, full_name=name)
            original = read_component(path.read_bytes(), path=str(path), type_hint=type_name, full_name=name)
            assert reordered.fields == original.fields, path
            app = decompile_app((reordered,))
            assert app.name == name
            checked += 1
    assert checked > 100


def test_the_mutant_helpers_change_what_they_say(tmp_path: Path) -> None:
    base = Component.build("ConnectedApp", "M", {"label": "M", "contactEmail": "a@b.c", "description": "d"})
    names = dict(_mutants((base,)))
    assert "description" not in names["ConnectedApp-drop-description"][0].fields
    assert names["ConnectedApp-unknown"][0].fields["zzUnknownElement"] == "x"
    assert import_equivalent(base) == base
