"""The probes of the suite, joined with their expected results (`expected.yaml`), and the comparison.

`load_catalog` refuses a probe without an expected result or without a source, and an expected result
without a probe, so the suite can never report a probe as matching something nobody wrote down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from sfconnect.conformance import (
    _probes_credentials,
    _probes_deploy,
    _probes_metadata,
    _probes_oauth,
    _probes_rest,
)
from sfconnect.conformance._model import AREAS, Expected, Probe, Source

__all__ = ["ALL_PROBES", "CatalogError", "Entry", "compare", "load_catalog", "parse_expected"]

ALL_PROBES: tuple[Probe, ...] = (
    *_probes_metadata.PROBES,
    *_probes_deploy.PROBES,
    *_probes_oauth.PROBES,
    *_probes_rest.PROBES,
    *_probes_credentials.PROBES,
)
SOURCE_KINDS = ("documentation", "real-org")


class CatalogError(ValueError):
    """The probes and their expected results do not fit together (names the probe and what is missing)."""


@dataclass(frozen=True)
class Entry:
    """A probe with its expected result."""

    probe: Probe
    expected: Expected


def _source(probe_id: str, raw: Any) -> Source:
    if not isinstance(raw, Mapping):
        raise CatalogError(f"{probe_id}: no source; say where the expected result comes from")
    kind = str(raw.get("kind") or "")
    title = str(raw.get("title") or "")
    if kind not in SOURCE_KINDS:
        raise CatalogError(f"{probe_id}: source kind must be one of {', '.join(SOURCE_KINDS)}, not {kind!r}")
    if not title:
        raise CatalogError(f"{probe_id}: the source needs a title")
    if kind == "documentation" and not (raw.get("section") or raw.get("url")):
        raise CatalogError(f"{probe_id}: a documentation source needs a section or a url")
    if kind == "real-org" and not raw.get("date"):
        raise CatalogError(f"{probe_id}: a real-org source needs the date of the run")
    return Source(
        kind, title, str(raw.get("section") or ""), str(raw.get("url") or ""), str(raw.get("date") or "")
    )


def parse_expected(data: Any) -> dict[str, Expected]:
    """Expected results from the parsed YAML mapping.

    Raises:
        CatalogError: an entry without `expect` or without a valid source.
    """
    if not isinstance(data, Mapping):
        raise CatalogError("expected results: the file must map probe ids to entries")
    out: dict[str, Expected] = {}
    for probe_id, entry in data.items():
        if (
            not isinstance(entry, Mapping)
            or not isinstance(entry.get("expect"), Mapping)
            or not entry["expect"]
        ):
            raise CatalogError(f"{probe_id}: no expected result (`expect`)")
        out[str(probe_id)] = Expected(
            dict(entry["expect"]), _source(str(probe_id), entry.get("source")), str(entry.get("note") or "")
        )
    return out


def load_catalog(
    probes: Sequence[Probe] = ALL_PROBES, expected: Mapping[str, Expected] | None = None
) -> list[Entry]:
    """Every probe with its expected result.

    Raises:
        CatalogError: a probe without an expected result or source, an unknown area, an entry without a probe.
    """
    if expected is None:
        text = resources.files("sfconnect.conformance").joinpath("expected.yaml").read_text(encoding="utf-8")
        expected = parse_expected(yaml.safe_load(text))
    ids = [p.id for p in probes]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CatalogError(f"probe ids used twice: {', '.join(dupes)}")
    missing = [p.id for p in probes if p.id not in expected]
    if missing:
        raise CatalogError(f"probes without an expected result and its source: {', '.join(missing)}")
    orphans = sorted(set(expected) - set(ids))
    if orphans:
        raise CatalogError(f"expected results without a probe: {', '.join(orphans)}")
    bad_area = [p.id for p in probes if p.area not in AREAS]
    if bad_area:
        raise CatalogError(f"probes in an unknown area: {', '.join(bad_area)}")
    return [Entry(p, expected[p.id]) for p in probes]


def _norm(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    return value


def compare(expected: Mapping[str, Any], observed: Mapping[str, Any]) -> list[str]:
    """The differences between an expected result and an observation (empty: it matches)."""
    out: list[str] = []
    fields = {str(f) for f in observed.get("fields") or []}
    for key, want in expected.items():
        if key == "fields_present":
            lacking = [f for f in want if f not in fields]
            if lacking:
                out.append(f"fields missing: {', '.join(lacking)}")
        elif key == "fields_absent":
            extra = [f for f in want if f in fields]
            if extra:
                out.append(f"fields present that should not be: {', '.join(extra)}")
        elif key.endswith("~"):
            name = key[:-1]
            got = str(observed.get(name, ""))
            if str(want).lower() not in got.lower():
                out.append(f"{name}: expected to contain {want!r}, observed {got!r}")
        elif key not in observed:
            out.append(f"{key}: expected {want!r}, not observed")
        elif _norm(observed[key]) != _norm(want):
            out.append(f"{key}: expected {want!r}, observed {observed[key]!r}")
    return out
