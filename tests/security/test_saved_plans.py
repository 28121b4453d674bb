"""A saved plan is bound to what was reviewed: deletions, desired components, secret references, digest.

Each tampering below is also re-signed (its digest recomputed, as an attacker who knows the format would),
so the checks behind the digest are tested on their own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sfconnect.errors import PlanError, TamperedPlanError
from sfconnect.plan.saved import load_saved_plan, plan_digest
from tests.e2e.conftest import Cli


def _resign(doc: dict[str, Any]) -> None:
    doc["saved"]["digest"] = plan_digest(doc)


def _saved(cli: Cli, root: Path, name: str = "plan.json", **environ: str) -> tuple[Path, dict[str, Any]]:
    plan_file = root / name
    made = cli("plan", "-C", str(root), "--out", str(plan_file), environ=environ)
    assert made.code == 0, made.output
    return plan_file, json.loads(plan_file.read_text())


def _write(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")


def test_a_deletion_the_plan_does_not_show_is_refused(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("existing-connected-app")
    plan_file, doc = _saved(cli, root)
    assert doc["summary"]["destroy"] == 0
    doc["saved"]["deletions"].append({"type": "ConnectedApp", "name": "Billing_Sync", "fingerprint": "x"})

    _write(plan_file, doc)  # edited, digest left as it was
    edited = cli("apply", "-C", str(root), str(plan_file))
    assert edited.code == 1 and "changed after it was made" in edited.err

    _resign(doc)
    _write(plan_file, doc)
    resigned = cli("apply", "-C", str(root), str(plan_file))
    assert resigned.code == 1, resigned.output
    assert "does not list as deleted" in resigned.err and "Traceback" not in resigned.err
    # the app is still there: planning again shows an update, not a creation
    again = cli("plan", "-C", str(root), "--detailed-exitcode")
    assert "~ ConnectedApp 'Billing_Sync'" in again.out, again.output


def test_desired_components_must_match_the_changes_shown(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("existing-connected-app")
    plan_file, doc = _saved(cli, root)
    (entry,) = doc["saved"]["desired"]
    good = "https://billing.acme-billing.example/oauth/callback"
    assert good in entry["xml"]
    # a second redirect URI that the plan's changes never show
    entry["xml"] = entry["xml"].replace(good, good + "\nhttps://evil.example/cb")
    _resign(doc)
    _write(plan_file, doc)

    refused = cli("apply", "-C", str(root), str(plan_file))
    assert refused.code == 1, refused.output
    assert "callbackUrl" in refused.err and "does not show" in refused.err

    drift = cli("plan", "-C", str(root), "--format", "json")
    assert "evil.example" not in drift.out


def test_a_changed_value_the_plan_shows_differently_is_refused(
    project: Callable[[str], Path], cli: Cli
) -> None:
    root = project("existing-connected-app")
    plan_file, doc = _saved(cli, root)
    (entry,) = doc["saved"]["desired"]
    assert "<sessionTimeout>60</sessionTimeout>" in entry["xml"]
    entry["xml"] = entry["xml"].replace("<sessionTimeout>60<", "<sessionTimeout>720<")
    _resign(doc)
    _write(plan_file, doc)
    refused = cli("apply", "-C", str(root), str(plan_file))
    assert refused.code == 1 and "would not be set to the value the plan shows" in refused.err


def test_secret_references_must_be_declared_by_the_yaml(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("server-to-server")
    environ = {"BILLING_SYNC_SECRET": "S3cr3tValue1234567890", "UNRELATED": "NotASecretForThisApp"}
    plan_file, doc = _saved(cli, root, **environ)
    (entry,) = [d for d in doc["saved"]["desired"] if d.get("secret_fields")]
    assert set(entry["secret_fields"].values()) == {"env:BILLING_SYNC_SECRET"}
    entry["secret_fields"] = {k: "env:UNRELATED" for k in entry["secret_fields"]}
    doc["saved"]["secret_refs"] = ["env:UNRELATED"]
    _resign(doc)
    _write(plan_file, doc)

    refused = cli("apply", "-C", str(root), str(plan_file), environ=environ)
    assert refused.code == 1, refused.output
    assert "does not declare" in refused.err and "env:UNRELATED" in refused.err
    assert "NotASecretForThisApp" not in refused.output
    # nothing was created
    assert "+ ExternalClientApp 'Billing_Sync'" in cli("plan", "-C", str(root), environ=environ).out

    # the untampered plan applies
    plan_file, _ = _saved(cli, root, "good.json", **environ)
    applied = cli("apply", "-C", str(root), str(plan_file), environ=environ)
    assert applied.code == 0, applied.output


def test_a_secret_on_a_field_that_is_not_write_only_is_refused(
    project: Callable[[str], Path], cli: Cli
) -> None:
    root = project("server-to-server")
    environ = {"BILLING_SYNC_SECRET": "S3cr3tValue1234567890"}
    plan_file, doc = _saved(cli, root, **environ)
    (entry,) = [d for d in doc["saved"]["desired"] if d.get("secret_fields")]
    entry["secret_fields"]["callbackUrl"] = "env:BILLING_SYNC_SECRET"
    _resign(doc)
    _write(plan_file, doc)
    with pytest.raises(PlanError, match="only write-only fields"):
        load_saved_plan(plan_file)


def test_deletions_get_the_same_fingerprint_check_as_changes(
    project: Callable[[str], Path], cli: Cli
) -> None:
    root = project("existing-connected-app")
    app_file = root / "apps" / "billing-sync.yaml"
    original = app_file.read_text()
    app_file.write_text(
        original.replace("    name: Billing_Sync\n", "    name: Billing_Sync\n    state: absent\n")
    )
    plan_file, doc = _saved(cli, root, "delete.json")
    assert doc["summary"]["destroy"] == 1
    assert all(d["fingerprint"] for d in doc["saved"]["deletions"])

    # the app changes in the org after the deletion was reviewed
    app_file.write_text(original.replace("session_timeout_minutes: 60", "session_timeout_minutes: 30"))
    assert cli("apply", "-C", str(root), "--auto-approve").code == 0

    stale = cli("apply", "-C", str(root), str(plan_file))
    assert stale.code == 1 and "stale" in stale.err
    assert "No changes" in cli("plan", "-C", str(root)).out  # still there, as the YAML says


@pytest.fixture(scope="module")
def saved_doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One real saved plan (an update of the existing Connected App), made once for the module."""
    import shutil

    from sfconnect.cli.context import AppContext
    from sfconnect.cli.main import run
    from tests.conftest import REPO_ROOT

    root = tmp_path_factory.mktemp("saved") / "p"
    shutil.copytree(REPO_ROOT / "examples" / "existing-connected-app", root)
    assert run(["plan", "-C", str(root), "--out", str(root / "plan.json")], obj=AppContext(environ={})) == 0
    doc: dict[str, Any] = json.loads((root / "plan.json").read_text())
    return doc


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split("/")
    node: Any = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


MALFORMED = [
    ("format_version", "1.x"),
    ("format_version", 1),
    ("format_version", None),
    ("format_version", "1." + "9" * 5000),
    ("api_calls", []),
    ("api_calls", {"readMetadata": "many"}),
    ("api_calls", {"readMetadata": -1}),
    ("api_calls", {"readMetadata": 1e400}),
    ("saved/desired/0/secret_fields", ["env:X"]),
    ("saved/desired/0/secret_fields", {"consumerSecret": 5}),
    ("saved/desired/0/secret_fields", {"consumerSecret": "https://x"}),
    ("saved/api_version", "abc"),
    ("saved/api_version", 63),
    ("saved/api_version", "../63.0"),
    ("saved/api_version", None),
    ("saved/desired/0/xml", "<not xml"),
    ("saved/desired/0/xml", 7),
    ("saved/desired", {"a": 1}),
    ("saved/deletions", "ConnectedApp"),
    ("saved/deletions", [["ConnectedApp", "X"]]),
    ("saved", []),
    ("apps", {"name": "x"}),
    ("apps/0/action", "explode"),
    ("apps/0/components", [None]),
    ("target", 5),
]


@pytest.mark.parametrize(("where", "value"), MALFORMED, ids=[f"{w}={v!r:.20}" for w, v in MALFORMED])
@pytest.mark.parametrize("resign", [False, True], ids=["edited", "resigned"])
def test_a_malformed_saved_plan_is_a_clear_error(
    saved_doc: dict[str, Any], tmp_path: Path, where: str, value: Any, resign: bool
) -> None:
    doc = json.loads(json.dumps(saved_doc))
    _set(doc, where, value)
    if resign and isinstance(doc.get("saved"), dict):
        _resign(doc)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_saved_plan(path)
    assert str(path) in str(caught.value)


def test_the_real_saved_plan_loads(saved_doc: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(saved_doc), encoding="utf-8")
    loaded = load_saved_plan(path)
    assert loaded.digest == saved_doc["saved"]["digest"] and len(loaded.desired) == 1


def test_a_plan_without_a_digest_is_refused(saved_doc: dict[str, Any], tmp_path: Path) -> None:
    doc = json.loads(json.dumps(saved_doc))
    del doc["saved"]["digest"]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(TamperedPlanError, match="no digest"):
        load_saved_plan(path)


def test_special_files_are_refused_as_plans(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(PlanError, match="not a regular file"):
        load_saved_plan(fifo)  # would hang if it were opened
    with pytest.raises(PlanError, match="not a regular file"):
        load_saved_plan(tmp_path)
    with pytest.raises(PlanError, match="not a regular file"):
        load_saved_plan(Path("/dev/zero"))
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(PlanError, match=r"is not a saved plan.*sfconnect plan --out"):
        load_saved_plan(binary)
