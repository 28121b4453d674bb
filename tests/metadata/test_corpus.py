"""Every real-world file of ../shared/corpus: read, written back, equal after normalisation, XSD-valid.

The corpus sits next to the repository (``<repo root>/../shared/corpus``). When it is missing this module does
not pass silently: it collects one test that fails and says where it looked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sfconnect.metadata import (
    find_metadata_files,
    normalize,
    read_component,
    read_source_tree,
    write_component,
)
from sfconnect.metadata.xmlio import too_new

from ._xsd import errors as xsd_errors

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

# Outcomes decided for the corpus's invalid files: what reading them must report (everything else: nothing
# beyond stripped org-generated values).
EXPECTED_NOTES = {
    # <contactEmail xsi:nil="true"/>: a required element marked nil; kept as nil and reported, never dropped.
    "ZB-IT-Sales-Effectiveness__AutoRabit-Training/force-app/main/default/connectedApps/"
    "Zimmer_Zsi_iPad.connectedApp-meta.xml": {"nil-value"},
}
ALWAYS_ALLOWED = {"org-generated-dropped"}


def _corpus_files() -> list[object]:
    if not CORPUS.is_dir():
        return [pytest.param(None, id="corpus-missing")]
    found: list[object] = []
    for tree in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        for path, type_name, name in find_metadata_files(tree):
            found.append(pytest.param((path, type_name, name), id=str(path.relative_to(CORPUS))))
    return found or [pytest.param(None, id="corpus-empty")]


def _api_version(component: object) -> str:
    for major in range(63, 80):
        if not too_new(component, f"{major}.0"):  # type: ignore[arg-type]
            return f"{major}.0"
    raise AssertionError("no API version fits")


@pytest.mark.corpus
@pytest.mark.parametrize("entry", _corpus_files())
def test_corpus_file_round_trips(entry: tuple[Path, str, str] | None) -> None:
    if entry is None:
        pytest.fail(f"the corpus is missing or empty: expected real-world files under {CORPUS}")
    path, type_name, name = entry
    original = path.read_bytes()
    rel = path.relative_to(CORPUS).as_posix()

    raw = read_component(original, path=str(path), type_hint=type_name, full_name=name, normalized=False)
    api = _api_version(raw)
    written = write_component(raw, api)
    assert read_component(written, type_hint=type_name, full_name=name, normalized=False) == raw
    if b"<!--" not in original:
        # the canonical form is the form Salesforce and the sf CLI write: the file comes back as it was
        assert written.rstrip() == original.replace(b"\r\n", b"\n").rstrip()

    canonical = normalize(raw)
    assert normalize(canonical) == canonical  # idempotent
    assert read_component(original, path=str(path), type_hint=type_name, full_name=name) == canonical
    exported = write_component(canonical, api)
    assert read_component(exported, type_hint=type_name, full_name=name) == canonical
    for field in ("consumerKey", "consumerSecret", "oauthLink", "orgScopedExternalApp"):
        assert f"<{field}>".encode() not in exported

    codes = {n.code for n in canonical.notes}
    assert codes - ALWAYS_ALLOWED == EXPECTED_NOTES.get(rel, set()), (
        f"{rel}: {[str(n) for n in canonical.notes]}"
    )

    if api == "63.0" and not xsd_errors(original):
        assert xsd_errors(written) == []
        assert xsd_errors(exported) == []


@pytest.mark.corpus
def test_every_corpus_tree_reads_as_a_project() -> None:
    if not CORPUS.is_dir():
        pytest.fail(f"the corpus is missing: expected real-world files under {CORPUS}")
    trees = sorted(p for p in CORPUS.iterdir() if p.is_dir())
    total = sum(len(read_source_tree(tree)) for tree in trees)
    files = sum(1 for p in CORPUS.rglob("*") if p.is_file() and p.name not in ("README.md", "SOURCES.tsv"))
    assert total == files
