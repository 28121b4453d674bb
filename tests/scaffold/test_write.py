"""`write_scaffold`: a new project's files are written all or not at all, and .gitignore only gains entries.

The command's output and the templates' content are tested through the CLI in ``tests/cli/test_init.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sfconnect.errors import ConfigError
from sfconnect.scaffold.project import (
    GITIGNORE_ENTRIES,
    ScaffoldFile,
    WrittenFile,
    resolve_action_ref,
    scaffold,
    write_scaffold,
)

FILES = [ScaffoldFile("sfconnect.yaml", "api_version: '63.0'\n"), ScaffoldFile("apps/a.yaml", "apps: []\n")]


def test_writes_every_file_and_a_new_gitignore(tmp_path: Path) -> None:
    written = write_scaffold(tmp_path, FILES)
    assert written == [
        WrittenFile("sfconnect.yaml", "created"),
        WrittenFile("apps/a.yaml", "created"),
        WrittenFile(".gitignore", "created"),
    ]
    assert (tmp_path / "apps" / "a.yaml").read_text() == "apps: []\n"
    lines = (tmp_path / ".gitignore").read_text().splitlines()
    assert all(entry in lines for entry in GITIGNORE_ENTRIES)


def test_an_existing_gitignore_gains_only_what_it_lacks(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("/.sfconnect\n*.key\nnode_modules/\n")
    written = write_scaffold(tmp_path, FILES)
    assert written[-1] == WrittenFile(".gitignore", "updated")
    text = (tmp_path / ".gitignore").read_text()
    assert text.startswith("/.sfconnect\n*.key\nnode_modules/\n")
    assert text.count(".sfconnect") == 1 and text.count("*.key\n") == 1
    assert "*.p12" in text


def test_a_complete_gitignore_is_left_alone(tmp_path: Path) -> None:
    complete = "".join(f"{entry}\n" for entry in GITIGNORE_ENTRIES)
    (tmp_path / ".gitignore").write_text(complete)
    written = write_scaffold(tmp_path, FILES)
    assert [w.path for w in written] == ["sfconnect.yaml", "apps/a.yaml"]
    assert (tmp_path / ".gitignore").read_text() == complete


@pytest.mark.parametrize(
    "obstacle",
    [
        pytest.param("apps/a.yaml", id="the-file-exists"),
        pytest.param("apps", id="a-file-where-its-folder-goes"),
    ],
)
def test_nothing_is_written_when_anything_is_in_the_way(tmp_path: Path, obstacle: str) -> None:
    (tmp_path / obstacle).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / obstacle).write_text("mine\n")
    with pytest.raises(ConfigError) as caught:
        write_scaffold(tmp_path, FILES)
    assert "apps/a.yaml" in str(caught.value) and "nothing was written" in str(caught.value)
    assert not (tmp_path / "sfconnect.yaml").exists()
    assert not (tmp_path / ".gitignore").exists()
    assert (tmp_path / obstacle).read_text() == "mine\n"


def test_the_scaffold_lists_ci_files_only_for_the_chosen_ci() -> None:
    ref = resolve_action_ref(None, installed=None)
    github = {f.path for f in scaffold("github", ref)}
    gitlab = {f.path for f in scaffold("gitlab", ref)}
    none = {f.path for f in scaffold("none", ref)}
    assert none == {"sfconnect.yaml", "apps/example-web-app.yaml", "localorg-seed.yaml"}
    assert gitlab - none == {".gitlab-ci.yml"}
    assert {p for p in github - none if not p.startswith(".github/workflows/")} == set()
    assert len(github - none) == 4
