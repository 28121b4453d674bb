"""Where published credentials go: ``file:PATH`` (JSON, or dotenv when PATH ends in ``.env``), ``github[:OWNER/REPO]``.

A file is written with mode 0600 (created so, and tightened when it existed), merging with the names it already
holds, so that publishing one app keeps the others. GitHub Actions secrets are set with ``gh secret set NAME``,
the value on standard input (never on a command line, where other users of the machine could read it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sfconnect.errors import ConfigError

__all__ = ["Entry", "FileSink", "GithubSink", "Sink", "parse_sink"]

_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


@dataclass(frozen=True)
class Entry:
    """One named value to publish; `secret` marks a value never shown."""

    name: str
    value: str = field(repr=False)
    secret: bool = False


class Sink(Protocol):
    """A destination for entries."""

    def describe(self) -> str:
        """How the user wrote it (``file:creds.env``), for messages."""
        ...

    def write(self, entries: Sequence[Entry]) -> None:
        """Publish the entries.

        Raises:
            ConfigError: the destination refused (a message without any value).
        """
        ...


def _dotenv_quote(value: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_./:+=@-]*", value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dotenv_unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return raw[1:-1].replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1]
    return raw


@dataclass(frozen=True)
class FileSink:
    """A JSON object or a dotenv file (when the name ends in ``.env``), mode 0600."""

    path: Path

    @property
    def dotenv(self) -> bool:
        """Whether the file is written as ``NAME=value`` lines."""
        return self.path.name.endswith(".env")

    def describe(self) -> str:
        """``file:PATH``."""
        return f"file:{self.path}"

    def _existing(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read {self.path}: {exc.strerror}") from None
        if self.dotenv:
            out: dict[str, str] = {}
            for line in text.splitlines():
                m = _DOTENV_LINE.match(line)
                if m and not line.lstrip().startswith("#"):
                    out[m.group(1)] = _dotenv_unquote(m.group(2))
            return out
        try:
            data = json.loads(text) if text.strip() else {}
        except ValueError:
            raise ConfigError(
                f"{self.path} exists but is not a JSON object; choose another file, or a .env name"
            ) from None
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise ConfigError(f"{self.path} is not a JSON object of strings; choose another file")
        return dict(data)

    def write(self, entries: Sequence[Entry]) -> None:
        """Merge the entries into the file and write it with mode 0600."""
        values = self._existing()
        values.update({e.name: e.value for e in entries})
        if self.dotenv:
            text = "".join(f"{k}={_dotenv_quote(v)}\n" for k, v in sorted(values.items()))
        else:
            text = json.dumps(dict(sorted(values.items())), indent=2) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise ConfigError(f"cannot write {self.path}: {exc.strerror}") from None


@dataclass(frozen=True)
class GithubSink:
    """GitHub Actions secrets of a repository (the current one when `repo` is empty), through ``gh``.

    `environ` is the environment ``gh`` runs with (its PATH finds it; GH_TOKEN or its login authorises it).
    """

    repo: str = ""
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)
    gh: str = "gh"

    def describe(self) -> str:
        """``github`` or ``github:OWNER/REPO``."""
        return f"github:{self.repo}" if self.repo else "github"

    def write(self, entries: Sequence[Entry]) -> None:
        """``gh secret set NAME [--repo OWNER/REPO]`` per entry, the value on standard input."""
        executable = shutil.which(self.gh, path=self.environ.get("PATH"))
        if executable is None:
            raise ConfigError(
                "the GitHub sink needs the GitHub CLI (`gh`) on PATH, logged in (`gh auth login`) or with "
                "GH_TOKEN set; install it from https://cli.github.com"
            )
        for entry in entries:
            argv = [executable, "secret", "set", entry.name]
            if self.repo:
                argv += ["--repo", self.repo]
            try:
                done = subprocess.run(
                    argv,
                    input=entry.value,
                    capture_output=True,
                    text=True,
                    check=False,
                    timeout=120,
                    env=dict(self.environ),
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise ConfigError(f"`gh secret set {entry.name}` could not run: {exc}") from None
            if done.returncode != 0:
                detail = (done.stderr or done.stdout).strip().replace(entry.value, "***")[:300]
                raise ConfigError(
                    f"`gh secret set {entry.name}` failed (exit {done.returncode}): {detail}. Check "
                    "`gh auth status` and that the token may write Actions secrets of "
                    f"{self.repo or 'the current repository'}"
                )


def parse_sink(text: str, *, environ: Mapping[str, str] | None = None, base_dir: Path | None = None) -> Sink:
    """A sink from its written form.

    Raises:
        ConfigError: an unknown kind, an empty path, or a malformed repository.
    """
    kind, _, rest = text.partition(":")
    if kind == "file":
        if not rest:
            raise ConfigError("--to file:PATH needs a path, e.g. --to file:credentials.env")
        path = Path(rest).expanduser()
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        return FileSink(path)
    if kind == "github":
        if rest and not _REPO.match(rest):
            raise ConfigError(f"--to github:{rest}: expected github:OWNER/REPO, e.g. github:acme/salesforce")
        return GithubSink(rest, dict(environ or {}))
    raise ConfigError(
        f"--to {text}: unknown sink; use file:PATH (JSON, or dotenv when PATH ends in .env) or "
        "github[:OWNER/REPO]"
    )
