"""One default for app files (``apps/**/*.yaml`` and ``.yml``), and a warning for app files no glob matches."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import Cli


def _app(name: str) -> str:
    return (
        f"apps:\n  - kind: ExternalClientApp\n    name: {name}\n    label: {name}\n"
        "    contact: {email: a@example.com}\n"
    )


def test_init_writes_the_default_globs_which_take_nested_and_yml_files(tmp_path: Path, cli: Cli) -> None:
    assert cli("init", "-C", str(tmp_path), "--ci", "none").code == 0
    config = (tmp_path / "sfconnect.yaml").read_text()
    assert "- apps/**/*.yaml\n" in config and "- apps/**/*.yml\n" in config
    (tmp_path / "apps" / "imported").mkdir()
    (tmp_path / "apps" / "imported" / "legacy.yaml").write_text(_app("Legacy"))
    (tmp_path / "apps" / "mobile.yml").write_text(_app("Mobile"))
    validated = cli("validate", "-C", str(tmp_path))
    assert validated.code == 0, validated.output
    assert "3 app(s) valid" in validated.out
    assert "matches no app glob" not in validated.output


def test_validate_and_plan_warn_about_app_files_no_glob_matches(tmp_path: Path, cli: Cli) -> None:
    assert cli("init", "-C", str(tmp_path), "--ci", "none").code == 0
    config = tmp_path / "sfconnect.yaml"
    config.write_text(
        config.read_text().replace("  - apps/**/*.yaml\n  - apps/**/*.yml\n", "  - apps/*.yaml\n")
    )
    (tmp_path / "apps" / "imported").mkdir()
    (tmp_path / "apps" / "imported" / "legacy.yaml").write_text(_app("Legacy"))
    (tmp_path / "apps" / "mobile.yml").write_text(_app("Mobile"))
    (tmp_path / "notes.yaml").write_text("title: not an app file\n")
    for command in ("validate", "plan"):
        done = cli(command, "-C", str(tmp_path))
        assert done.code == 0, done.output
        assert "apps/imported/legacy.yaml holds `apps:` but matches no app glob (apps/*.yaml)" in done.output
        assert "apps/mobile.yml holds `apps:` but matches no app glob" in done.output
        assert "notes.yaml" not in done.output and "localorg-seed.yaml" not in done.output


def test_import_out_of_the_globs_says_so(project: Callable[[str], Path], cli: Cli, tmp_path: Path) -> None:
    root = project("quickstart")
    assert cli("keygen", "-C", str(root)).code == 0
    assert cli("export", "-C", str(root), "--format", "source", "--out", str(tmp_path / "src")).code == 0
    shutil.rmtree(root / "apps")
    inside = cli(
        "import", "-C", str(root), "--from-source", str(tmp_path / "src"), "--out", str(root / "apps")
    )
    assert inside.code == 0, inside.output
    assert "matches no app glob" not in inside.output
    outside = cli(
        "import", "-C", str(root), "--from-source", str(tmp_path / "src"), "--out", str(root / "imported")
    )
    assert outside.code == 0, outside.output
    assert "matches no app glob of the project (apps/*.yaml)" in outside.err
