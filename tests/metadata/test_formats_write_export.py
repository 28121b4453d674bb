"""`write_export`: the three layouts an export can take, with deletions where the layout has a place for them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from sfconnect.metadata.component import Component, Record
from sfconnect.metadata.formats import ComponentRef, read_source_tree, write_export


def _component() -> Component:
    return Component(
        "ConnectedApp", "Billing", Record({"label": "Billing", "contactEmail": "ops@example.com"})
    )


def test_a_zip_holds_the_manifest_and_the_deletions(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "deploy.zip"
    written = write_export(
        [_component()], [ComponentRef("ConnectedApp", "Old")], out, layout="zip", api_version="63.0"
    )
    assert written == [out]
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        assert b"<members>Old</members>" in archive.read("destructiveChanges.xml")
    assert {"package.xml", "destructiveChanges.xml", "connectedApps/Billing.connectedApp"} <= names
    assert not list(out.parent.glob(".*.tmp"))  # the temporary file became the zip


def test_mdapi_writes_a_package_folder(tmp_path: Path) -> None:
    written = write_export([_component()], [ComponentRef("ConnectedApp", "Old")], tmp_path, layout="mdapi")
    assert {p.name for p in written} >= {"package.xml", "destructiveChanges.xml", "Billing.connectedApp"}


def test_source_round_trips_and_has_no_place_for_deletions(tmp_path: Path) -> None:
    written = write_export([_component()], [], tmp_path, layout="source")
    assert [p.name for p in written] == ["Billing.connectedApp-meta.xml"]
    (read,) = read_source_tree(tmp_path)
    assert (read.type, read.full_name, read.fields["label"]) == ("ConnectedApp", "Billing", "Billing")


@pytest.mark.parametrize("layout", ["zip", "mdapi"])
def test_a_deletion_of_a_component_also_written_is_refused(tmp_path: Path, layout: str) -> None:
    from sfconnect.errors import MetadataError

    with pytest.raises(MetadataError):
        write_export(
            [_component()],
            [ComponentRef("ConnectedApp", "Billing")],
            tmp_path / "out.zip" if layout == "zip" else tmp_path,
            layout=layout,  # type: ignore[arg-type]
        )
    assert not (tmp_path / "out.zip").exists() and not (tmp_path / "package.xml").exists()
