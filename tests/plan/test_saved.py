"""`plan.saved`: the saved-plan file, unit by unit (digest, round trip, staleness, damaged and edited files).

The end-to-end refusals through `apply PLANFILE` are in tests/e2e/test_saved_plans.py and
tests/security/test_saved_plans.py; these tests build plans in memory and need no org.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from sfconnect.errors import PlanError, StalePlanError, TamperedPlanError, UnsupportedFormatVersion
from sfconnect.metadata.compiled import CompiledApp
from sfconnect.plan.saved import MAX_PLAN_BYTES, check_fresh, load_saved_plan, plan_digest, saved_plan_json
from tests.apply.conftest import compiled, connected_app, plan_against
from tests.apply.fake_org import FakeApi


def _api() -> FakeApi:
    api = FakeApi()
    api.put(connected_app())
    return api


def _doc(*apps: CompiledApp, org_id: str = "00D000000000001AAA") -> dict[str, Any]:
    apps = apps or (compiled(connected_app(scopes=["Api", "RefreshToken"])),)
    return saved_plan_json(plan_against(_api(), *apps), api_version="63.0", org_id=org_id)


def _write(tmp_path: Path, doc: object, name: str = "plan.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# --- digest ---------------------------------------------------------------------------------------------


def test_the_digest_covers_what_apply_does_and_not_what_explains() -> None:
    doc = _doc()
    digest = doc["saved"]["digest"]
    assert digest.startswith("sha256:") and len(digest) == len("sha256:") + 64
    assert plan_digest(doc) == digest
    informative = copy.deepcopy(doc)
    informative["saved"]["created_at"] = "1999-01-01T00:00:00+00:00"
    informative["saved"]["sfconnect_version"] = "0.0.0"
    informative["summary"] = {}
    assert plan_digest(informative) == digest
    for edit in (
        lambda d: d.__setitem__("target", "prod"),
        lambda d: d["saved"].__setitem__("org_id", "00D000000000002AAA"),
        lambda d: d["saved"].__setitem__("api_version", "62.0"),
        lambda d: d["saved"]["desired"][0].__setitem__("xml", d["saved"]["desired"][0]["xml"] + " "),
        lambda d: d["saved"]["deletions"].append({"type": "ConnectedApp", "name": "X", "fingerprint": "f"}),
        lambda d: d["saved"].__setitem__("secret_refs", ["env:OTHER"]),
        lambda d: d["apps"][0].__setitem__("action", "no-op"),
    ):
        edited = copy.deepcopy(doc)
        edit(edited)
        assert plan_digest(edited) != digest


def test_the_digest_does_not_depend_on_key_order() -> None:
    doc = _doc()
    reordered = json.loads(json.dumps(doc, sort_keys=False))
    reordered["saved"] = dict(reversed(list(reordered["saved"].items())))
    assert plan_digest(reordered) == doc["saved"]["digest"]


# --- round trip -----------------------------------------------------------------------------------------


def test_a_saved_plan_reads_back_as_it_was_made(tmp_path: Path) -> None:
    desired = connected_app(scopes=["Api", "RefreshToken"])
    result = plan_against(_api(), compiled(desired))
    doc: dict[str, Any] = saved_plan_json(result, api_version="63.0", org_id="00D000000000001AAA")
    saved = load_saved_plan(_write(tmp_path, doc))

    assert saved.plan.target == result.plan.target
    assert [(a.name, a.action) for a in saved.plan.apps] == [("Legacy", "update")]
    assert saved.desired == (desired,)  # the very component the deploy will carry
    assert saved.deletions == ()
    assert saved.api_version == "63.0" and saved.org_id == "00D000000000001AAA"
    assert saved.digest == doc["saved"]["digest"]
    assert saved.fingerprints() == {
        ("ConnectedApp", "Legacy"): result.live.fingerprints()[("ConnectedApp", "Legacy")]
    }


def test_a_saved_plan_holds_secret_reference_names_never_values(tmp_path: Path) -> None:
    app = CompiledApp(
        name="Fresh",
        kind="ConnectedApp",
        components=(connected_app("Fresh"),),
        secret_refs={("ConnectedApp", "oauthConfig.consumerSecret"): "env:FRESH_SECRET"},
    )
    doc: dict[str, Any] = saved_plan_json(
        plan_against(FakeApi(), app, creation_allowed=True), api_version="63.0"
    )
    text = json.dumps(doc)
    assert doc["saved"]["secret_refs"] == ["env:FRESH_SECRET"]
    saved = load_saved_plan(_write(tmp_path, doc))
    assert saved.secret_fields == {
        ("ConnectedApp", "Fresh"): {"oauthConfig.consumerSecret": "env:FRESH_SECRET"}
    }
    assert "consumerSecret>" not in text  # the desired XML carries no secret element


def test_a_removal_is_saved_with_the_fingerprint_it_read(tmp_path: Path) -> None:
    doc = _doc(compiled(state="absent"))
    [deletion] = doc["saved"]["deletions"]
    assert deletion["type"] == "ConnectedApp" and deletion["name"] == "Legacy" and deletion["fingerprint"]
    saved = load_saved_plan(_write(tmp_path, doc))
    assert [(d.type, d.full_name) for d in saved.deletions] == [("ConnectedApp", "Legacy")]
    assert saved.desired == ()


# --- staleness ------------------------------------------------------------------------------------------


def test_check_fresh_names_every_component_that_changed_appeared_or_went() -> None:
    recorded = {("ConnectedApp", "A"): "fa", ("ConnectedApp", "New"): "", ("ConnectedApp", "Gone"): "fg"}
    check_fresh(
        recorded, {("ConnectedApp", "A"): "fa", ("ConnectedApp", "Gone"): "fg"}
    )  # unchanged: no error
    with pytest.raises(StalePlanError) as raised:
        check_fresh(recorded, {("ConnectedApp", "A"): "fa2", ("ConnectedApp", "New"): "fn"})
    message = str(raised.value)
    assert "ConnectedApp A, ConnectedApp Gone, ConnectedApp New" in message
    assert "re-run plan" in message


def test_a_component_the_plan_did_not_read_does_not_make_it_stale() -> None:
    check_fresh({("ConnectedApp", "A"): "fa"}, {("ConnectedApp", "A"): "fa", ("ConnectedApp", "Other"): "x"})


# --- damaged, edited and foreign files ------------------------------------------------------------------


def test_an_edited_plan_is_refused_by_its_digest(tmp_path: Path) -> None:
    doc = _doc()
    doc["saved"]["desired"][0]["xml"] = doc["saved"]["desired"][0]["xml"].replace("Api", "Full")
    with pytest.raises(TamperedPlanError, match="changed after it was made") as raised:
        load_saved_plan(_write(tmp_path, doc))
    assert "plan --out" in str(raised.value)


def test_a_plan_without_a_digest_is_refused(tmp_path: Path) -> None:
    doc = _doc()
    del doc["saved"]["digest"]
    with pytest.raises(TamperedPlanError, match="carries no digest"):
        load_saved_plan(_write(tmp_path, doc))


def test_a_desired_component_the_plan_does_not_list_is_refused_even_when_re_signed(tmp_path: Path) -> None:
    doc = _doc()
    extra = copy.deepcopy(doc["saved"]["desired"][0])
    extra["name"] = "Other"
    extra["xml"] = extra["xml"].replace("<label>Legacy</label>", "<label>Other</label>")
    doc["saved"]["desired"].append(extra)
    doc["saved"]["digest"] = plan_digest(doc)
    with pytest.raises(TamperedPlanError, match="deploys ConnectedApp Other, which the plan does not list"):
        load_saved_plan(_write(tmp_path, doc))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "is not a saved plan"),
        (b"\xff\xfe\x00garbage", "is not a saved plan"),
        (b'{"format_version": "1.0"}', "a plan rendered for reading, or another file"),
        (b"[1, 2, 3]", "is not a saved plan"),
        (b"", "is not a saved plan"),
    ],
)
def test_a_file_that_is_not_a_saved_plan_is_a_clear_error(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    with pytest.raises(PlanError) as raised:
        load_saved_plan(path)
    assert expected in str(raised.value) and "sfconnect plan --out plan.json" in str(raised.value)


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda s: s.__setitem__("desired", "nope"), "saved.desired"),
        (lambda s: s["desired"][0].__setitem__("xml", "<ConnectedApp"), "saved.desired[0]"),
        (lambda s: s["desired"][0].__setitem__("type", 7), "saved.desired[0].type"),
        (lambda s: s.__setitem__("api_version", "latest"), "saved.api_version"),
        (lambda s: s.__setitem__("deletions", [3]), "saved.deletions[0]"),
    ],
)
def test_a_damaged_section_is_named_even_when_re_signed(tmp_path: Path, edit: Any, where: str) -> None:
    doc = _doc()
    edit(doc["saved"])
    doc["saved"]["digest"] = plan_digest(doc)
    with pytest.raises(PlanError) as raised:
        load_saved_plan(_write(tmp_path, doc))
    assert f"damaged at {where}" in str(raised.value) and "make it again" in str(raised.value)


def test_missing_and_oversized_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="no such plan file"):
        load_saved_plan(tmp_path / "absent.json")
    with pytest.raises(PlanError, match="not a regular file"):
        load_saved_plan(tmp_path)
    big = tmp_path / "big.json"
    with big.open("wb") as stream:
        stream.truncate(MAX_PLAN_BYTES + 1)
    with pytest.raises(PlanError, match="too large for a saved plan"):
        load_saved_plan(big)


def test_a_plan_from_a_newer_major_format_is_refused(tmp_path: Path) -> None:
    doc = _doc()
    doc["format_version"] = "99.0"
    doc["saved"]["digest"] = plan_digest(doc)
    with pytest.raises(UnsupportedFormatVersion):
        load_saved_plan(_write(tmp_path, doc))
