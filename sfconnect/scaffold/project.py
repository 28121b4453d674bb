"""A new project's files: the project file, an example app, the local org's seed, CI files and .gitignore entries.

The files come from package data under ``sfconnect/scaffold/templates/`` (named so that this repository's
pre-commit hooks, which match ``sfconnect.yaml`` and ``apps/*.yaml``, do not take them for a project). The CI
files there are copies of ``examples/github-actions/workflows/`` and ``examples/gitlab-ci/.gitlab-ci.yml`` (a test
keeps them equal); the only change made when writing them is the reference to the sfconnect action (or the pip
requirement on GitLab), which points at a commit of the sfconnect repository (see `resolve_action_ref`).

Read by: `sfconnect.cli.init`.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Literal

from sfconnect.errors import ConfigError

__all__ = [
    "GITIGNORE_ENTRIES",
    "PLACEHOLDER_REF",
    "ActionRef",
    "CiKind",
    "ScaffoldFile",
    "WrittenFile",
    "gitignore_addition",
    "parse_action_ref",
    "resolve_action_ref",
    "scaffold",
    "write_scaffold",
]

CiKind = Literal["github", "gitlab", "none"]

PLACEHOLDER_REF = "your-org/sfconnect@0000000000000000000000000000000000000000"
"""How the example workflows refer to the sfconnect action until a real commit is known."""

_PLACEHOLDER_COMMENT = " # vX.Y.Z (replace with a release commit)"
_PLACEHOLDER_PIP = "git+https://github.com/" + PLACEHOLDER_REF

GITIGNORE_ENTRIES = (".sfconnect/", "*.key", "*.key.old", "*.p12", "*.pfx")
"""What `init` makes git ignore: the local org's state and private key files (`keygen` writes ``.key``;
`keygen --rotate` keeps the replaced key as ``.key.old`` until `--finish`)."""

_GITIGNORE_HEADER = "# sfconnect: the embedded local org's state, and private keys (never commit them)"

_WORKFLOWS = ("sfconnect-plan.yml", "sfconnect-lint.yml", "sfconnect-apply.yml", "sfconnect-drift.yml")

_REF = re.compile(r"(?P<repo>[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+)@(?P<sha>[0-9a-f]{40})")
_GITHUB_URL = re.compile(
    r"(?:git\+)?(?:https://|ssh://git@)github\.com[/:](?P<repo>[\w.-]+/[\w.-]+?)(?:\.git)?/?"
)


@dataclass(frozen=True)
class ActionRef:
    """A commit of the sfconnect repository: what the workflows' ``uses:`` and GitLab's pip install name.

    `source` says where it came from (``--action-ref``, the installed package, or none: the placeholder).
    """

    repo: str
    sha: str
    source: Literal["option", "installed", "placeholder"]

    @property
    def uses(self) -> str:
        """``OWNER/REPO@SHA``, as a workflow's ``uses:`` names it."""
        return f"{self.repo}@{self.sha}"


@dataclass(frozen=True)
class ScaffoldFile:
    """One file `init` writes: its path relative to the project directory, and its text."""

    path: str
    text: str


def _version() -> str:
    try:
        return importlib.metadata.version("sfconnect")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def parse_action_ref(value: str) -> tuple[str, str]:
    """Split ``OWNER/REPO@SHA`` (a full 40-character commit SHA); `ValueError` when it is not one."""
    match = _REF.fullmatch(value.strip())
    if match is None:
        raise ValueError(
            f"{value!r} is not OWNER/REPO@SHA with a full 40-character commit SHA "
            "(a tag can be moved; workflows pin actions by commit)"
        )
    return match["repo"], match["sha"]


def _installed_ref() -> tuple[str, str] | None:
    """The GitHub repository and commit sfconnect was installed from (PEP 610 ``direct_url.json``), if any."""
    try:
        text = importlib.metadata.distribution("sfconnect").read_text("direct_url.json")
    except importlib.metadata.PackageNotFoundError:
        return None
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    vcs = data.get("vcs_info") if isinstance(data, dict) else None
    if not isinstance(vcs, dict) or vcs.get("vcs") != "git":
        return None
    url, commit = data.get("url"), vcs.get("commit_id")
    if not isinstance(url, str) or not isinstance(commit, str) or not re.fullmatch(r"[0-9a-f]{40}", commit):
        return None
    match = _GITHUB_URL.fullmatch(url)
    return (match["repo"], commit) if match else None


def resolve_action_ref(option: str | None, installed: tuple[str, str] | None = None) -> ActionRef:
    """Decide which sfconnect commit the CI files use.

    Args:
        option: the ``--action-ref`` value (``OWNER/REPO@SHA``), or None.
        installed: the (repository, commit) sfconnect was installed from; looked up when None.

    Returns:
        The option when given; else the GitHub commit this sfconnect was installed from
        (``pip install git+https://github.com/OWNER/REPO@SHA``); else the examples' placeholder.

    Raises:
        ValueError: the option is not ``OWNER/REPO@SHA`` with a full commit SHA.
    """
    if option is not None:
        repo, sha = parse_action_ref(option)
        return ActionRef(repo, sha, "option")
    found = installed if installed is not None else _installed_ref()
    if found is not None:
        return ActionRef(found[0], found[1], "installed")
    repo, sha = parse_action_ref(PLACEHOLDER_REF)
    return ActionRef(repo, sha, "placeholder")


def _templates() -> Traversable:
    return resources.files("sfconnect.scaffold").joinpath("templates")


def _read(*parts: str) -> str:
    return _templates().joinpath(*parts).read_text(encoding="utf-8")


def _pin_workflow(text: str, ref: ActionRef) -> str:
    if ref.source == "placeholder":
        return text
    return text.replace(PLACEHOLDER_REF + _PLACEHOLDER_COMMENT, f"{ref.uses} # v{_version()}")


def _pin_gitlab(text: str, ref: ActionRef) -> str:
    if ref.source == "placeholder":
        return text
    return text.replace(_PLACEHOLDER_PIP, f"git+https://github.com/{ref.uses}")


def scaffold(ci: CiKind, ref: ActionRef) -> list[ScaffoldFile]:
    """The files of a new project (without .gitignore, which is merged: see `gitignore_addition`).

    Args:
        ci: which CI files to include: GitHub Actions workflows, a GitLab CI pipeline, or none.
        ref: the sfconnect commit the CI files install and run.
    """
    files = [
        ScaffoldFile("sfconnect.yaml", _read("project.yaml")),
        ScaffoldFile("apps/example-web-app.yaml", _read("example-app.yaml")),
        ScaffoldFile("localorg-seed.yaml", _read("localorg-seed.yaml")),
    ]
    if ci == "github":
        files += [
            ScaffoldFile(f".github/workflows/{name}", _pin_workflow(_read("github", name), ref))
            for name in _WORKFLOWS
        ]
    elif ci == "gitlab":
        files.append(ScaffoldFile(".gitlab-ci.yml", _pin_gitlab(_read("gitlab", "gitlab-ci.yml"), ref)))
    return files


def _pattern(line: str) -> str:
    """A .gitignore line compared loosely: ``/.sfconnect``, ``.sfconnect`` and ``.sfconnect/`` are one entry."""
    return line.strip().strip("/")


def gitignore_addition(existing: str | None) -> str:
    """The text to append to a .gitignore so that it has every entry of `GITIGNORE_ENTRIES`.

    Args:
        existing: the current .gitignore, or None when there is none.

    Returns:
        "" when nothing is missing; otherwise the missing entries under a comment, preceded by a line break
        when the existing text does not end with one.
    """
    present = {_pattern(line) for line in (existing or "").splitlines()}
    missing = [entry for entry in GITIGNORE_ENTRIES if _pattern(entry) not in present]
    if not missing:
        return ""
    prefix = ""
    if existing:
        prefix = ("" if existing.endswith("\n") else "\n") + "\n"
    return prefix + "\n".join([_GITIGNORE_HEADER, *missing]) + "\n"


@dataclass(frozen=True)
class WrittenFile:
    """A file `write_scaffold` wrote: its path relative to the project directory, and whether it was
    ``created`` or (a .gitignore that existed) ``updated``."""

    path: str
    action: Literal["created", "updated"]


def write_scaffold(root: Path, files: list[ScaffoldFile]) -> list[WrittenFile]:
    """Write a new project's files under `root`, and add the missing `GITIGNORE_ENTRIES` to its .gitignore.

    Nothing is overwritten: when any file to write exists (or a file stands where one of its folders would be),
    nothing is written at all. An existing .gitignore gets only the entries it lacks.

    Raises:
        ConfigError: files are in the way (each is named).
    """
    existing = [f.path for f in files if _in_the_way(root, f.path)]
    if existing:
        listed = "".join(f"\n  {path}" for path in existing)
        raise ConfigError(f"{len(existing)} file(s) already exist in {root}; nothing was written:{listed}")
    gitignore = root / ".gitignore"
    current = gitignore.read_text(encoding="utf-8") if gitignore.is_file() else None
    addition = gitignore_addition(current)
    written: list[WrittenFile] = []
    for file in files:
        path = root / file.path
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as out:
            out.write(file.text)
        written.append(WrittenFile(file.path, "created"))
    if addition:
        with gitignore.open("a", encoding="utf-8", newline="\n") as out:
            out.write(addition)
        written.append(WrittenFile(".gitignore", "updated" if current is not None else "created"))
    return written


def _in_the_way(root: Path, relative: str) -> bool:
    """Whether something exists at `relative`, or a file stands where one of its folders would be."""
    path = root / relative
    if path.exists() or path.is_symlink():
        return True
    folders = [root / parent for parent in Path(relative).parents if parent.parts]
    return any(folder.exists() and not folder.is_dir() for folder in folders)
