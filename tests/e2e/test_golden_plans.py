"""Pinned renderings of a real plan (YAML -> compiler -> local org -> differ -> renderers).

`pytest --update-golden` rewrites them; review the diff. Run-dependent values (the time a plan was saved,
the version that saved it) are masked.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import REPO_ROOT, Golden
from tests.e2e.conftest import Cli

GOLDEN = REPO_ROOT / "tests" / "plan" / "golden" / "existing-connected-app"
PLAN_SCHEMA = json.loads((REPO_ROOT / "schemas" / "plan.schema.json").read_text())


@pytest.fixture(scope="module")
def renderings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    import shutil

    from sfconnect.cli.context import AppContext
    from sfconnect.cli.main import run

    root = tmp_path_factory.mktemp("golden") / "existing-connected-app"
    shutil.copytree(
        REPO_ROOT / "examples" / "existing-connected-app", root, ignore=shutil.ignore_patterns(".sfconnect")
    )
    files = {"plan.txt": root / "plan.txt", "plan.md": root / "plan.md", "plan.json": root / "plan.json"}
    args = ["plan", "-C", str(root), "--no-color"]
    for path in files.values():
        args += ["--out", str(path)]
    assert run(args, obj=AppContext(environ={})) == 0
    out = {name: path.read_text() for name, path in files.items()}
    doc = json.loads(out["plan.json"])
    jsonschema.validate(doc, PLAN_SCHEMA)
    doc["saved"]["created_at"] = "<created_at>"
    doc["saved"]["sfconnect_version"] = "<version>"
    doc["saved"]["org_id"] = "<org_id>"
    doc["saved"]["digest"] = "<digest over the org id, among others>"
    out["plan.json"] = json.dumps(doc, indent=2, sort_keys=True) + "\n"
    return out


@pytest.mark.parametrize("name", ["plan.txt", "plan.md", "plan.json"])
def test_plan_rendering_is_pinned(renderings: dict[str, str], golden: Golden, name: str) -> None:
    golden.check(GOLDEN / name, renderings[name])


def test_identical_plans_give_identical_comments(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("existing-connected-app")
    first = cli("plan", "-C", str(root), "--format", "markdown")
    second = cli("plan", "-C", str(root), "--format", "markdown")
    assert first.code == second.code == 0
    assert first.out == second.out
