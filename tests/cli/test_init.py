"""`sfconnect init`: the files it writes, what it refuses, .gitignore merging, and the action reference."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest
import yaml

from sfconnect.cli.context import AppContext
from sfconnect.cli.main import run
from sfconnect.scaffold import project as init_module
from sfconnect.scaffold.project import (
    GITIGNORE_ENTRIES,
    PLACEHOLDER_REF,
    gitignore_addition,
    parse_action_ref,
    resolve_action_ref,
)
from sfconnect.spec.load import load_project
from tests.conftest import REPO_ROOT

TEMPLATES = REPO_ROOT / "sfconnect" / "scaffold" / "templates"
EXAMPLE_WORKFLOWS = REPO_ROOT / "examples" / "github-actions" / "workflows"
SHA = "0123456789abcdef0123456789abcdef01234567"
WORKFLOW_FILES = [
    ".github/workflows/sfconnect-apply.yml",
    ".github/workflows/sfconnect-drift.yml",
    ".github/workflows/sfconnect-lint.yml",
    ".github/workflows/sfconnect-plan.yml",
]
PROJECT_FILES = ["apps/example-web-app.yaml", "localorg-seed.yaml", "sfconnect.yaml"]


@pytest.fixture(autouse=True)
def _not_installed_from_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests decide where sfconnect was installed from; by default from nowhere that names a commit."""
    monkeypatch.setattr(init_module, "_installed_ref", lambda: None)


def _init(directory: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run(["init", "-C", str(directory), *args], obj=AppContext(environ={}))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _files(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


# --- one source of truth for the CI files ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLE_WORKFLOWS.glob("*.yml")))
def test_the_packaged_workflows_are_the_examples(name: str) -> None:
    packaged = TEMPLATES / "github" / name
    assert packaged.is_file(), f"{name}: copy examples/github-actions/workflows/{name} to {packaged.parent}"
    assert packaged.read_text(encoding="utf-8") == (EXAMPLE_WORKFLOWS / name).read_text(encoding="utf-8"), (
        f"{packaged} drifted from examples/github-actions/workflows/{name}: copy the example over it"
    )


def test_there_are_no_other_packaged_workflows() -> None:
    assert {p.name for p in (TEMPLATES / "github").iterdir()} == {p.name for p in EXAMPLE_WORKFLOWS.glob("*")}


def test_the_packaged_gitlab_pipeline_is_the_example() -> None:
    example = REPO_ROOT / "examples" / "gitlab-ci" / ".gitlab-ci.yml"
    packaged = TEMPLATES / "gitlab" / "gitlab-ci.yml"
    assert packaged.read_text(encoding="utf-8") == example.read_text(encoding="utf-8")


def test_the_examples_still_use_the_placeholder_init_replaces() -> None:
    for path in EXAMPLE_WORKFLOWS.glob("*.yml"):
        uses = re.findall(r"uses: (your-org/\S+)(.*)", path.read_text(encoding="utf-8"))
        assert uses, path.name
        assert set(uses) == {(PLACEHOLDER_REF, " # vX.Y.Z (replace with a release commit)")}, path.name
    gitlab = (REPO_ROOT / "examples" / "gitlab-ci" / ".gitlab-ci.yml").read_text(encoding="utf-8")
    assert f"git+https://github.com/{PLACEHOLDER_REF}" in gitlab


# --- what init writes -----------------------------------------------------------------------------------


def test_init_writes_the_project_the_workflows_and_a_gitignore(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _init(tmp_path, capsys=capsys)
    assert (code, err) == (0, "")
    assert _files(tmp_path) == sorted([".gitignore", *WORKFLOW_FILES, *PROJECT_FILES])
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8").splitlines()[1:] == list(GITIGNORE_ENTRIES)
    next_steps = out.split("Next, try the example app against the embedded local org:\n")[1]
    cli_dir = f" -C {tmp_path}"
    assert next_steps.splitlines()[:4] == [
        f"  sfconnect validate{cli_dir}",
        f"  sfconnect plan{cli_dir}",
        f"  sfconnect apply{cli_dir}",
        f"  sfconnect smoke{cli_dir}",
    ]
    assert "localorg-seed.yaml" in next_steps.splitlines()[4]  # the hint about seeding users


def test_the_next_commands_need_no_directory_when_init_ran_in_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert run(["init", "--ci", "none"], obj=AppContext(environ={})) == 0
    out = capsys.readouterr().out
    assert "  sfconnect validate\n  sfconnect plan\n  sfconnect apply\n  sfconnect smoke\n" in out
    assert _files(tmp_path) == sorted([".gitignore", *PROJECT_FILES])


def test_init_creates_the_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = _init(tmp_path / "new" / "project", "--ci", "none", capsys=capsys)
    assert code == 0
    assert (tmp_path / "new" / "project" / "sfconnect.yaml").is_file()


def test_gitlab_writes_the_pipeline_instead_of_workflows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = _init(
        tmp_path, "--ci", "gitlab", "--action-ref", f"acme/sfconnect-fork@{SHA}", capsys=capsys
    )
    assert code == 0
    assert _files(tmp_path) == sorted([".gitignore", ".gitlab-ci.yml", *PROJECT_FILES])
    pipeline = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert pipeline["variables"]["SFCONNECT_PIP_SPEC"] == (
        f"sfconnect @ git+https://github.com/acme/sfconnect-fork@{SHA}"
    )


def test_the_example_project_is_valid_with_its_commented_examples_uncommented(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The commented Salesforce target and lint settings work once a user removes the leading `# `."""
    assert _init(tmp_path, "--ci", "none", capsys=capsys)[0] == 0
    project_file = tmp_path / "sfconnect.yaml"
    text = project_file.read_text(encoding="utf-8")
    uncommented = re.sub(r"(?m)^(\s*)# (\s*)(?=[\w-]+:|- )", r"\1\2", text)
    assert uncommented != text
    project_file.write_text(uncommented, encoding="utf-8")
    environ = {"SFCONNECT_USERNAME": "ci@acme.com", "SFCONNECT_PRIVATE_KEY_FILE": "ci.key"}
    project = load_project(tmp_path, environ=environ)
    assert set(project.config.targets) == {"local", "production"}
    assert project.config.lint.profile == "production"
    assert [app.name for app in project.apps] == ["Example_Web_App"]


# --- refusing to overwrite ------------------------------------------------------------------------------


def test_init_refuses_when_any_file_exists_lists_them_all_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sfconnect.yaml").write_text("mine\n", encoding="utf-8")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "sfconnect-lint.yml").write_text("mine\n", encoding="utf-8")
    (tmp_path / ".gitignore").write_text("dist/\n", encoding="utf-8")
    before = {p: (tmp_path / p).read_bytes() for p in _files(tmp_path)}
    code, out, err = _init(tmp_path, capsys=capsys)
    assert code == 1
    assert "2 file(s) already exist" in err
    assert "nothing was written" in err
    assert "  sfconnect.yaml\n" in err
    assert "  .github/workflows/sfconnect-lint.yml\n" in err
    assert "apps/example-web-app.yaml" not in err
    assert out == ""
    assert {p: (tmp_path / p).read_bytes() for p in _files(tmp_path)} == before
    assert not (tmp_path / "apps").exists()


def test_a_file_where_a_folder_would_go_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "apps").write_text("not a folder\n", encoding="utf-8")
    code, _, err = _init(tmp_path, "--ci", "none", capsys=capsys)
    assert code == 1
    assert "  apps/example-web-app.yaml\n" in err
    assert _files(tmp_path) == ["apps"]


def test_a_second_init_refuses_and_leaves_the_first_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _init(tmp_path, capsys=capsys)[0] == 0
    before = {p: (tmp_path / p).read_bytes() for p in _files(tmp_path)}
    code, _, err = _init(tmp_path, capsys=capsys)
    assert code == 1
    assert "7 file(s) already exist" in err
    assert {p: (tmp_path / p).read_bytes() for p in _files(tmp_path)} == before


# --- .gitignore -----------------------------------------------------------------------------------------


def test_an_existing_gitignore_gets_only_the_missing_entries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".gitignore").write_text("node_modules/\n/.sfconnect\n*.key", encoding="utf-8")
    code, out, _ = _init(tmp_path, "--ci", "none", capsys=capsys)
    assert code == 0
    assert "updated .gitignore" in out
    lines = (tmp_path / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["node_modules/", "/.sfconnect", "*.key"]
    assert lines[3] == ""
    assert lines[4].startswith("# sfconnect")
    assert lines[5:] == ["*.key.old", "*.p12", "*.pfx"]


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        (None, "# sfconnect: the embedded local org's state, and private keys (never commit them)\n"),
        ("", "# sfconnect: the embedded local org's state, and private keys (never commit them)\n"),
        ("dist/\n", "\n# sfconnect: the embedded local org's state, and private keys (never commit them)\n"),
        ("dist/", "\n\n# sfconnect: the embedded local org's state, and private keys (never commit them)\n"),
    ],
)
def test_gitignore_addition_starts_on_its_own_line(existing: str | None, expected: str) -> None:
    assert gitignore_addition(existing) == expected + "\n".join(GITIGNORE_ENTRIES) + "\n"


def test_a_gitignore_with_every_entry_is_left_alone() -> None:
    assert gitignore_addition(".sfconnect\n*.key\n*.key.old\n  *.p12  \n/*.pfx\n") == ""
    merged = "x\n" + gitignore_addition("x\n")
    assert gitignore_addition(merged) == ""


# --- the action reference -------------------------------------------------------------------------------


def test_action_ref_pins_every_workflow_to_the_given_commit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _init(tmp_path, "--action-ref", f"acme/sfconnect@{SHA}", capsys=capsys)
    assert code == 0
    assert f"use sfconnect at acme/sfconnect@{SHA} (from --action-ref)" in out
    for name in WORKFLOW_FILES:
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "your-org" not in text, name
        uses = re.findall(r"uses: (acme/sfconnect@\S+) # v(\S+)$", text, flags=re.M)
        assert uses, name
        assert {ref for ref, _ in uses} == {f"acme/sfconnect@{SHA}"}


def test_without_a_known_commit_the_placeholder_stays_and_init_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _init(tmp_path, capsys=capsys)
    assert code == 0
    assert f"name sfconnect as {PLACEHOLDER_REF}: replace it" in out
    assert "--action-ref OWNER/REPO@SHA" in out
    for name in WORKFLOW_FILES:
        assert PLACEHOLDER_REF in (tmp_path / name).read_text(encoding="utf-8")


def test_the_commit_sfconnect_was_installed_from_is_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(init_module, "_installed_ref", lambda: ("acme/sfconnect", SHA))
    code, out, _ = _init(tmp_path, capsys=capsys)
    assert code == 0
    assert f"use sfconnect at acme/sfconnect@{SHA} (the commit this sfconnect was installed from)" in out
    text = (tmp_path / WORKFLOW_FILES[0]).read_text(encoding="utf-8")
    assert f"uses: acme/sfconnect@{SHA} # v" in text


def test_the_option_wins_over_the_installed_commit() -> None:
    other = "f" * 40
    ref = resolve_action_ref(f"me/fork@{other}", installed=("acme/sfconnect", SHA))
    assert (ref.uses, ref.source) == (f"me/fork@{other}", "option")
    assert resolve_action_ref(None, installed=("acme/sfconnect", SHA)).source == "installed"


@pytest.mark.parametrize(
    "value",
    ["acme/sfconnect@v1.2.3", "acme/sfconnect@0123456", "acme@" + SHA, f"acme/sfconnect@{SHA.upper()}", ""],
)
def test_a_ref_that_is_not_a_full_commit_is_a_usage_error(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError, match="full 40-character commit SHA"):
        parse_action_ref(value)
    code, _, err = _init(tmp_path, "--action-ref", value, capsys=capsys)
    assert code == 1
    assert "Invalid value for '--action-ref'" in err
    assert _files(tmp_path) == []


@pytest.mark.parametrize(
    ("direct_url", "expected"),
    [
        (
            '{"url": "https://github.com/acme/sfconnect.git", '
            f'"vcs_info": {{"vcs": "git", "commit_id": "{SHA}", "requested_revision": "v1.0.0"}}}}',
            ("acme/sfconnect", SHA),
        ),
        (
            f'{{"url": "ssh://git@github.com/acme/sfconnect", "vcs_info": {{"vcs": "git", "commit_id": "{SHA}"}}}}',
            ("acme/sfconnect", SHA),
        ),
        (
            f'{{"url": "https://gitlab.com/acme/sfconnect", "vcs_info": {{"vcs": "git", "commit_id": "{SHA}"}}}}',
            None,
        ),
        ('{"url": "file:///src/sfconnect", "dir_info": {"editable": true}}', None),
        ("not json", None),
        (None, None),
    ],
)
def test_the_installed_commit_is_read_from_direct_url_json(
    direct_url: str | None, expected: tuple[str, str] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.undo()  # the real lookup, over a stand-in distribution

    class Dist:
        def read_text(self, name: str) -> str | None:
            assert name == "direct_url.json"
            return direct_url

    monkeypatch.setattr(importlib.metadata, "distribution", lambda name: Dist())
    assert init_module._installed_ref() == expected
