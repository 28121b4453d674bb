"""Mistyped paths are refused before any work, with what is wrong and where: a missing project directory, an
``--out`` under a file, a folder where export writes a zip and a file where it writes a folder. Each used to
end in a traceback, or (``-C``) in a plan of an empty project that passed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import Cli


def test_a_missing_project_directory_is_refused(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "nodir"
    result = cli("plan", "-C", str(missing))
    assert result.code != 0
    assert "does not exist" in result.err and str(missing) in result.err
    assert not missing.exists()  # no org was started there, nothing was created


def test_init_still_creates_its_directory(cli: Cli, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    assert cli("init", "-C", str(fresh), "--ci", "none").code == 0
    assert (fresh / "sfconnect.yaml").is_file()


@pytest.mark.parametrize(
    "command",
    [
        ("plan", "--out"),
        ("smoke", "--out"),
        ("smoke", "--junit"),
        ("apply", "--auto-approve", "--out"),
        ("drift", "--out"),
        ("lint", "--out"),
    ],
)
def test_an_out_file_under_a_file_is_refused_before_anything_runs(
    project: Callable[[str], Path], cli: Cli, command: tuple[str, ...]
) -> None:
    root = project("quickstart")
    (root / "afile").write_text("mine\n")
    result = cli(*command, str(root / "afile" / "res.json"), "-C", str(root))
    assert result.code != 0
    assert f"{root / 'afile'} is a file, not a folder" in result.err
    assert "Traceback" not in result.err and "Apply complete" not in result.out
    assert not (root / ".sfconnect").exists()  # refused while parsing options: no org was started
    assert (root / "afile").read_text() == "mine\n"


def test_export_names_the_wrong_kind_of_path(project: Callable[[str], Path], cli: Cli) -> None:
    root = project("quickstart")
    assert cli("keygen", "-C", str(root)).code == 0
    (root / "afile").write_text("mine\n")
    (root / "adir").mkdir()
    to_file = cli("export", "-C", str(root), "--out", str(root / "afile"))
    assert to_file.code == 1 and "is a file: the source format writes a folder" in to_file.err
    zip_to_dir = cli("export", "-C", str(root), "--zip", "--out", str(root / "adir"))
    assert zip_to_dir.code == 1 and "is a folder: a deploy zip is written to a file" in zip_to_dir.err
    assert list((root / "adir").iterdir()) == []  # no temporary file left behind
    assert "Traceback" not in to_file.err + zip_to_dir.err
