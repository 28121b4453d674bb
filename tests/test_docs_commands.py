"""Every shell command that README.md and docs/*.md show against the embedded org runs, and shown output matches.

The commands are found in the documents when the tests are collected, so a command added to the docs is tested
without touching this file. A fenced block is a *script* when its language is sh/bash/console/shell (or none)
and its lines are commands (``$ sfconnect ...`` with the output shown below it, or plain ``sfconnect ...``).
Synopsis blocks (``[-t T]``, ``A|B``, ``DIR``) describe syntax and are not run; neither are commands that need a
real Salesforce org (a non-local ``-t`` target, credentials in the environment). Each script runs in a fresh
sandbox: a copy of ``examples/`` (so ``-C examples/quickstart`` works) in a temporary directory; a script that
names no project runs in a project that ``sfconnect init`` made. Every command must succeed (exit 0; 2 is
accepted for a lone command, which reports what it found), and output shown after ``$ command`` must equal the
command's real output, line for line (``...`` stands for lines left out).
"""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sfconnect.cli.context import AppContext
from sfconnect.cli.main import run
from tests.conftest import REPO_ROOT

DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```", re.S | re.M)
_SHELL_LANGS = {"", "sh", "bash", "console", "shell", "shell-session"}
_SYNOPSIS = re.compile(r"\[[^\]]*\]|\w\|\w|\.\.\.|<[^>]*>|\b[A-Z][A-Z0-9_]*(?:/[A-Z]+)?(?:@[A-Z]+)?\b(?!=)")
_SETUP = ("python3 -m venv", "python -m venv", ". .venv/bin/activate", "source .venv/bin/activate", "pip ")
_VOLATILE = [
    (re.compile(r"\x1b\[[0-9;]*m"), ""),
    (re.compile(r"\b0Af[0-9A-Za-z]{12,15}\b"), "<deploy id>"),
    (re.compile(r"\b00D[0-9A-Za-z]{12,15}\b"), "<org id>"),
    (re.compile(r"\b\d+(\.\d+)?s\b"), "<seconds>"),
]


@dataclass
class Command:
    """One command line of a script, and the output the document shows for it (if any)."""

    line: int
    text: str
    shown: list[str] | None = None


@dataclass
class Script:
    """The commands of one fenced block."""

    doc: Path
    line: int
    commands: list[Command] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.doc.relative_to(REPO_ROOT).as_posix()}:{self.line}"


def _is_command(text: str) -> bool:
    words = text.split()
    return bool(words) and (
        words[0] in ("sfconnect", "mkdir", "cd", "git")
        or text.startswith(_SETUP)
        or re.match(r"^[A-Z_][A-Z0-9_]*=\S+ ", text) is not None
    )


def _scripts(doc: Path) -> list[Script]:
    text = doc.read_text(encoding="utf-8")
    found: list[Script] = []
    for match in _FENCE.finditer(text):
        if match["lang"] not in _SHELL_LANGS or "sfconnect" not in match["body"]:
            continue
        first = text[: match.start("body")].count("\n") + 1
        script = Script(doc, first)
        prompted = any(line.startswith("$ ") for line in match["body"].splitlines())
        for offset, raw in enumerate(match["body"].splitlines()):
            if prompted:
                if raw.startswith("$ "):
                    script.commands.append(Command(first + offset, raw[2:].strip(), []))
                elif script.commands and script.commands[-1].shown is not None:
                    script.commands[-1].shown.append(raw)
            elif raw.strip():
                script.commands.append(Command(first + offset, raw.strip()))
        if script.commands and all(_is_command(c.text) for c in script.commands):
            found.append(script)
    return found


def _synopsis(script: Script) -> bool:
    """A block that shows syntax (placeholders, alternatives) rather than a command to run."""
    for command in script.commands:
        for part in command.text.split("&&"):
            words = part.split()
            if words[:1] == ["sfconnect"] and _SYNOPSIS.search(
                " ".join(w for w in words if not w.startswith("-"))
            ):
                return True
    return False


SCRIPTS = [s for doc in DOCS for s in _scripts(doc)]
RUNNABLE = [s for s in SCRIPTS if not _synopsis(s)]


def test_the_docs_show_commands_to_run() -> None:
    """The discovery itself works: the README's quick start and sample plan are among the scripts."""
    ids = {s.doc.name for s in RUNNABLE}
    assert "README.md" in ids and "init.md" in ids
    assert any(c.shown for s in RUNNABLE for c in s.commands), "no sample output found"


def _normalise(lines: list[str], sandbox: Path) -> list[str]:
    out = []
    for line in lines:
        line = line.replace(f"{sandbox}/", "").replace(str(sandbox), ".")
        for pattern, replacement in _VOLATILE:
            line = pattern.sub(replacement, line)
        out.append(line.rstrip())
    while out and not out[-1]:
        out.pop()
    return out


def _matches(shown: list[str], actual: list[str]) -> bool:
    """`shown` equals `actual`, where a ``...`` line stands for any number of lines."""
    pattern = "\n".join(".*?" if s.strip() == "..." else re.escape(s) for s in shown)
    return re.fullmatch(pattern.replace("\n.*?\n", "(?:\n.*?)?\n"), "\n".join(actual), re.S) is not None


class _Sandbox:
    def __init__(
        self, root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.root = root
        self.cwd = root
        self.capsys = capsys
        self.monkeypatch = monkeypatch
        shutil.copytree(
            REPO_ROOT / "examples", root / "examples", ignore=shutil.ignore_patterns(".sfconnect", "certs")
        )

    def sfconnect(self, args: list[str]) -> tuple[int, str]:
        if args[:2] == ["localorg", "serve"]:
            return self._serve(args)
        self.monkeypatch.chdir(self.cwd)
        # a person at a terminal, who answers "y" when apply asks for confirmation
        self.monkeypatch.setattr("sfconnect.cli.apply._interactive", lambda: True)
        self.monkeypatch.setattr("sys.stdin", io.StringIO("y\n" * 10))
        self.capsys.readouterr()
        code = run(args, obj=AppContext(environ={}))
        captured = self.capsys.readouterr()
        return code, captured.out + captured.err

    def _serve(self, args: list[str]) -> tuple[int, str]:
        """`localorg serve` runs until Ctrl-C: start it, wait until it serves, then interrupt it."""
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(REPO_ROOT)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "sfconnect", *args], cwd=self.cwd, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        assert proc.stdout is not None
        seen: list[str] = []
        deadline = time.monotonic() + 300  # a loaded CI machine can take long to start a server
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break  # it ended (an error: its output says why)
            seen.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        return proc.returncode, "".join(seen) + out + err

    def local_targets(self) -> set[str] | None:
        """The local targets of the project the next command uses (None: no project file to read)."""
        config = self.cwd / "sfconnect.yaml"
        if not config.is_file():
            return None
        import yaml

        data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
        targets = data.get("targets") or {}
        return {name for name, t in targets.items() if isinstance(t, dict) and "local" in t}


def _needs_salesforce(words: list[str], sandbox: _Sandbox) -> bool:
    """A command that only a real Salesforce org can serve: credentials from the environment, a remote target."""
    if words and "=" in words[0] and not words[0].startswith("-"):
        return True
    for flag in ("-t", "--target"):
        if flag in words:
            target = words[words.index(flag) + 1]
            directory = words[words.index("-C") + 1] if "-C" in words else None
            saved = sandbox.cwd
            if directory:
                sandbox.cwd = sandbox.cwd / directory
            local = sandbox.local_targets()
            sandbox.cwd = saved
            if local is None or target not in local:
                return True
    return False


@pytest.mark.parametrize("script", RUNNABLE, ids=[s.id for s in RUNNABLE])
def test_documented_commands_run_and_show_their_real_output(
    script: Script, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = _Sandbox(tmp_path, capsys, monkeypatch)
    names_a_place = any(
        "-C" in c.text.split() or c.text.startswith(("cd ", "mkdir ")) or " cd " in c.text
        for c in script.commands
    )
    if not names_a_place:  # "in your project": a project that init made
        assert sandbox.sfconnect(["init", "-C", "project", "--ci", "none"])[0] == 0
        sandbox.cwd = tmp_path / "project"
    ran = 0
    for command in script.commands:
        parts = [p.strip() for p in command.text.split("&&")]
        for part in parts:
            words = shlex.split(part)
            where = f"{script.doc.name}:{command.line}: {part}"
            if part.startswith(_SETUP) or words[:2] == ["git", "init"]:
                continue  # the environment: done by the test's own setup
            if words[0] == "mkdir":
                for name in words[1:]:
                    (sandbox.cwd / name).mkdir(parents=True, exist_ok=True)
                continue
            if words[0] == "cd":
                sandbox.cwd = sandbox.cwd / words[1]
                continue
            if _needs_salesforce(words, sandbox):
                continue
            assert words[0] == "sfconnect", where
            code, output = sandbox.sfconnect(words[1:])
            ran += 1
            allowed = (0,) if len(parts) > 1 else (0, 2)
            assert code in allowed, f"{where}\nexit {code}\n{output}"
            if command.shown is not None and len(parts) == 1:
                shown = _normalise(command.shown, tmp_path)
                actual = _normalise(output.splitlines(), tmp_path)
                assert _matches(shown, actual), (
                    f"{where}: the output shown in the document differs from the real output\n"
                    + "--- shown\n"
                    + "\n".join(shown)
                    + "\n--- real\n"
                    + "\n".join(actual)
                )
    if ran == 0:
        pytest.skip(f"{script.id}: every command of this block needs a real Salesforce org")
