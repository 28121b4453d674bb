"""`files_outside_globs`: which written YAML files a project's app globs would ignore (import warns about them)."""

from __future__ import annotations

from pathlib import Path

from sfconnect.spec.load import files_outside_globs


def test_only_yaml_files_the_globs_miss_are_named(tmp_path: Path) -> None:
    inside = tmp_path / "apps" / "a.yaml"
    outside = tmp_path / "imported" / "b.yml"
    cert = tmp_path / "imported" / "b.crt"
    for path in (inside, outside, cert):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("apps: []\n")
    assert files_outside_globs(tmp_path, ["apps/**/*.yaml"], [inside, outside, cert]) == [outside]
    assert files_outside_globs(tmp_path, ["apps/**/*.yaml", "imported/*.yml"], [inside, outside, cert]) == []
