"""Removing apps with ``state: absent``, for both kinds, against the embedded org.

Salesforce deletes an External Client App's settings and policies with its header: "If you delete a parent
component, you delete its children automatically" (Metadata API Developer Guide, deleteMetadata(), Rules and
Guidelines: https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_deleteMetadata.htm).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from sfconnect.localorg import serve_local_org
from sfconnect.localorg._service import local_org_dir
from tests.e2e.conftest import Cli

ECA_CHILDREN = (
    ("ExtlClntAppOauthSettings", "Partner_Portal_oauth"),
    ("ExtlClntAppGlobalOauthSettings", "Partner_Portal_glbloauth"),
    ("ExtlClntAppOauthConfigurablePolicies", "Partner_Portal_oauthPlcy"),
    ("ExtlClntAppConfigurablePolicies", "Partner_Portal_plcy"),
)


def _mark_absent(app_file: Path, label_line: str) -> None:
    text = app_file.read_text()
    assert label_line in text
    app_file.write_text(text.replace(label_line, label_line + "    state: absent\n"))


def _components(handle: object) -> set[tuple[str, str]]:
    org = handle.org  # type: ignore[attr-defined]
    return {(c.type, c.full_name) for c in org.components()}


@pytest.mark.parametrize("lost", [(), ECA_CHILDREN[2:], ECA_CHILDREN])
def test_an_external_client_app_is_removed_with_its_children(
    project: Callable[[str], Path], cli: Cli, lost: tuple[tuple[str, str], ...]
) -> None:
    root = project("quickstart")
    assert cli("keygen", "-C", str(root)).code == 0
    with serve_local_org(local_org_dir(root, "default"), seed_file=root / "localorg-seed.yaml") as handle:
        applied = cli("apply", "-C", str(root), "--auto-approve")
        assert applied.code == 0, applied.output
        assert ("ExternalClientApplication", "Partner_Portal") in _components(handle)
        for type_, name in lost:  # someone removed some of the app's children by hand
            assert handle.org.delete_component(type_, name).success

        _mark_absent(root / "apps" / "web-portal.yaml", "    label: Partner Portal\n")
        plan = cli("plan", "-C", str(root), "--detailed-exitcode")
        assert plan.code == 2, plan.output
        assert "ExternalClientApp 'Partner_Portal' will be destroyed" in plan.out

        removed = cli("apply", "-C", str(root), "--auto-approve")
        assert removed.code == 0, removed.output
        assert "deleted ExternalClientApplication Partner_Portal" in removed.out
        left = {(t, n) for t, n in _components(handle) if n.startswith("Partner_Portal")}
        assert left == set()
        for type_, name in ECA_CHILDREN:
            assert ((type_, name) in lost) != (f"deleted {type_} {name}" in removed.out)
        assert ("ExternalClientApplication", "CI_Integration") in _components(handle)
        assert cli("plan", "-C", str(root), "--detailed-exitcode").code == 0


def test_children_left_without_their_header_are_removed(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("quickstart")
    assert cli("keygen", "-C", str(root)).code == 0
    with serve_local_org(local_org_dir(root, "default"), seed_file=root / "localorg-seed.yaml") as handle:
        assert cli("apply", "-C", str(root), "--auto-approve").code == 0
        org = handle.org
        header = org.component("ExternalClientApplication", "Partner_Portal")
        assert header is not None
        org.store.delete_component(org.org_id, header.type, header.full_name)  # a header lost on its own
        _mark_absent(root / "apps" / "web-portal.yaml", "    label: Partner Portal\n")
        removed = cli("apply", "-C", str(root), "--auto-approve")
        assert removed.code == 0, removed.output
        assert {n for _, n in _components(handle) if n.startswith("Partner_Portal")} == set()
        assert cli("plan", "-C", str(root), "--detailed-exitcode").code == 0


def test_a_connected_app_is_removed_after_its_name_is_typed(
    project: Callable[[str], Path], cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project("existing-connected-app")
    with serve_local_org(local_org_dir(root, "existing"), seed_file=root / "localorg-seed.yaml") as handle:
        _mark_absent(root / "apps" / "billing-sync.yaml", "    label: Billing Sync\n")
        monkeypatch.setattr("sfconnect.cli.apply._interactive", lambda: True)
        monkeypatch.setattr("sys.stdin", io.StringIO("y\nBilling_Sync\n"))
        removed = cli("apply", "-C", str(root))
        assert removed.code == 0, removed.output
        assert ("ConnectedApp", "Billing_Sync") not in _components(handle)
        assert cli("plan", "-C", str(root), "--detailed-exitcode").code == 0
