"""Source trees, mdapi folders, package.xml, deploy zips and retrieve zips."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from sfconnect.errors import MetadataError
from sfconnect.metadata import (
    Component,
    ComponentRef,
    ComponentType,
    build_deploy_zip,
    find_metadata_files,
    read_package_xml,
    read_source_tree,
    read_zip,
    source_path,
    write_mdapi,
    write_source_tree,
)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_source_tree_reads_every_type_inside_the_package_directories(fixtures: Path) -> None:
    components = read_source_tree(fixtures / "project")
    assert [(c.type, c.full_name) for c in components] == [
        ("ConnectedApp", "Billing_Sync"),
        ("ExternalClientApplication", "Billing_Portal"),
        ("ExtlClntAppConfigurablePolicies", "Billing_Portal_plcy"),
        ("ExtlClntAppGlobalOauthSettings", "Billing_Portal_glbloauth"),
        ("ExtlClntAppOauthConfigurablePolicies", "Billing_Portal_oauthPlcy"),
        ("ExtlClntAppOauthSettings", "Billing_Portal_oauth"),
    ]  # Outside.connectedApp-meta.xml is not in a package directory of sfdx-project.json
    assert all(c.source.endswith("-meta.xml") for c in components)
    assert {c.parent for c in components[1:]} == {None, "Billing_Portal"}
    billing = components[0]
    assert billing.get("oauthConfig.consumerKey") is None
    assert [n.code for n in billing.notes] == ["org-generated-dropped"]
    assert (
        billing.get("oauthConfig.callbackUrl")
        == "https://billing.example.com/oauth/callback\nhttps://localhost:8443/callback"
    )


def test_without_sfdx_project_every_folder_is_searched(fixtures: Path, tmp_path: Path) -> None:
    shutil.copytree(fixtures / "project", tmp_path / "p")
    (tmp_path / "p" / "sfdx-project.json").unlink()
    (tmp_path / "p" / ".sfdx" / "connectedApps").mkdir(parents=True)
    (tmp_path / "p" / ".sfdx" / "connectedApps" / "Hidden.connectedApp-meta.xml").write_bytes(b"not xml")
    names = [name for _, _, name in find_metadata_files(tmp_path / "p")]
    assert "Outside" in names and "Hidden" not in names


def test_old_connected_app_files_and_mdapi_folders(fixtures: Path) -> None:
    (old,) = read_source_tree(fixtures / "legacy")
    assert (old.type, old.full_name) == ("ConnectedApp", "Old_App")
    (mdapi,) = read_source_tree(fixtures / "mdapi")
    assert mdapi.full_name == "Mdapi_App"
    manifest = read_package_xml((fixtures / "mdapi" / "package.xml").read_bytes())
    assert manifest.members == {"ConnectedApp": ("Mdapi_App",)} and manifest.version == "63.0"


def test_a_bad_file_fails_the_whole_read_naming_every_file(fixtures: Path, tmp_path: Path) -> None:
    shutil.copytree(fixtures / "hostile", tmp_path / "connectedApps")
    with pytest.raises(MetadataError) as caught:
        read_source_tree(tmp_path)
    message = str(caught.value)
    assert message.startswith("5 file(s) could not be read")
    for name in ("xxe", "bomb", "malformed", "wrong_root", "unknown_type"):
        assert f"{name}.connectedApp-meta.xml" in message


def test_duplicates_are_an_error(fixtures: Path, tmp_path: Path) -> None:
    shutil.copytree(fixtures / "legacy", tmp_path / "a")
    shutil.copytree(fixtures / "legacy", tmp_path / "b")
    with pytest.raises(MetadataError, match="ConnectedApp Old_App is defined twice"):
        read_source_tree(tmp_path)


def test_write_source_tree_round_trips(fixtures: Path, tmp_path: Path) -> None:
    components = read_source_tree(fixtures / "project")
    written = write_source_tree(components, tmp_path / "force-app" / "main" / "default")
    assert [p.relative_to(tmp_path).as_posix() for p in written] == sorted(
        f"force-app/main/default/{source_path(c.type, c.full_name)}" for c in components
    )
    assert read_source_tree(tmp_path) == components
    assert not [p for p in tmp_path.rglob("*.tmp")]


def _bad_component() -> Component:
    return Component.build(
        ComponentType.ECA_POLICIES,
        "New_plcy",
        {"externalClientApplication": "New", "isEnabled": True, "isCanvasPluginEnabled": True},
    )


def test_nothing_is_written_when_any_component_is_bad(fixtures: Path, tmp_path: Path) -> None:
    components = [*read_source_tree(fixtures / "project"), _bad_component()]
    with pytest.raises(MetadataError, match="isCanvasPluginEnabled"):
        write_source_tree(components, tmp_path / "src")
    with pytest.raises(MetadataError, match="isCanvasPluginEnabled"):
        write_mdapi(components, tmp_path / "mdapi", api_version="63.0")
    with pytest.raises(MetadataError, match="both deployed and deleted"):
        write_mdapi(
            components[:1], tmp_path / "mdapi", deletions=[ComponentRef("ConnectedApp", "Billing_Sync")]
        )
    assert list(tmp_path.iterdir()) == []


def test_write_mdapi_with_destructive_changes(fixtures: Path, tmp_path: Path) -> None:
    components = read_source_tree(fixtures / "project")
    write_mdapi(components, tmp_path, api_version="63.0", deletions=[ComponentRef("ConnectedApp", "Old_App")])
    files = _files(tmp_path)
    assert "connectedApps/Billing_Sync.connectedApp" in files
    assert "extlClntAppGlobalOauthSets/Billing_Portal_glbloauth.ecaGlblOauth" in files
    manifest = read_package_xml(files["package.xml"])
    assert manifest.version == "63.0"
    assert manifest.members["ExternalClientApplication"] == ("Billing_Portal",)
    destructive = read_package_xml(files["destructiveChanges.xml"])
    assert destructive.members == {"ConnectedApp": ("Old_App",)} and destructive.version == ""
    assert read_source_tree(tmp_path) == components


def test_deploy_zip_is_deterministic_and_reads_back(fixtures: Path) -> None:
    components = read_source_tree(fixtures / "project")
    data = build_deploy_zip(components, [ComponentRef("ConnectedApp", "Gone")], api_version="63.0")
    assert data == build_deploy_zip(list(reversed(components)), [ComponentRef("ConnectedApp", "Gone")])
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert names == sorted(names) and "package.xml" in names and "destructiveChanges.xml" in names
    assert read_zip(data) == components


def _retrieve_zip(prefix: str, files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(prefix + name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("prefix", ["", "unpackaged/"])
def test_retrieve_zips_with_or_without_prefix(fixtures: Path, prefix: str) -> None:
    files = {
        "package.xml": (fixtures / "mdapi" / "package.xml").read_bytes(),
        "connectedApps/Mdapi_App.connectedApp": (
            fixtures / "mdapi" / "connectedApps" / "Mdapi_App.connectedApp"
        ).read_bytes(),
    }
    (app,) = read_zip(_retrieve_zip(prefix, files))
    assert app.full_name == "Mdapi_App"
    assert app.source == f"<zip>:{prefix}connectedApps/Mdapi_App.connectedApp"


def test_unsafe_or_broken_zips_are_refused(fixtures: Path) -> None:
    with pytest.raises(MetadataError, match="not a zip archive"):
        read_zip(b"PK but not really", name="retrieve.zip")
    with pytest.raises(MetadataError, match="unsafe member name"):
        read_zip(_retrieve_zip("", {"../connectedApps/X.connectedApp": b"<x/>"}))
    bomb = (fixtures / "hostile" / "bomb.connectedApp-meta.xml").read_bytes()
    with pytest.raises(MetadataError, match=r"connectedApps/X.connectedApp: refused unsafe XML"):
        read_zip(
            _retrieve_zip("unpackaged/", {"package.xml": b"<Package/>", "connectedApps/X.connectedApp": bomb})
        )


def test_old_lower_case_folder_and_suffix(fixtures: Path, tmp_path: Path) -> None:
    (tmp_path / "connectedapps").mkdir()
    source = fixtures / "legacy" / "connectedApps" / "Old_App.connectedApp"
    (tmp_path / "connectedapps" / "Old_App.connectedapp").write_bytes(source.read_bytes())
    (app,) = read_source_tree(tmp_path)
    assert (app.type, app.full_name) == ("ConnectedApp", "Old_App")
