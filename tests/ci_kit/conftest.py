"""Fixtures for the CI kit: a fake `gh` on PATH backed by an in-memory GitHub, and a runner for the scripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CI_KIT = REPO_ROOT / "ci_kit"
REPO = "acme/salesforce-apps"
BOT = "github-actions[bot]"


# A stand-in for sfconnect: records its arguments and what it sees of the key file, writes a report when
# asked to (--out), prints a line that looks like a workflow command, and exits with $FAKE_RC.
FAKE_SFCONNECT = r"""
import json, os, stat, sys
from pathlib import Path
argv = sys.argv[1:]
record = {"argv": argv, "input_key_seen": "INPUT_PRIVATE_KEY" in os.environ}
key_path = os.environ.get("SFCONNECT_PRIVATE_KEY_FILE") or os.environ.get("MY_KEY_FILE")
if key_path:
    record["key_path"] = key_path
    record["key_mode"] = stat.S_IMODE(os.stat(key_path).st_mode)
    record["key_dir_mode"] = stat.S_IMODE(os.stat(os.path.dirname(key_path)).st_mode)
    record["key_text"] = Path(key_path).read_text()
Path(os.environ["FAKE_RECORD"]).write_text(json.dumps(record))
if "--out" in argv and os.environ.get("FAKE_WRITES_REPORT", "1") == "1":
    report = os.environ.get("FAKE_REPORT", "## sfconnect plan: production\n\nPlan: 1 to add.\n")
    Path(argv[argv.index("--out") + 1]).write_text(report)
print("Planning production...")
print("::warning::an app description that tries to act as a workflow command")
sys.exit(int(os.environ.get("FAKE_RC", "0")))
"""


def make_fake_venv(venv: Path) -> Path:
    """A directory shaped like a virtual environment whose ``bin/sfconnect`` is the fake above."""
    bin_dir = venv / "bin"
    bin_dir.mkdir(parents=True)
    fake = bin_dir / "sfconnect"
    fake.write_text(f"#!{sys.executable}\n{FAKE_SFCONNECT}", encoding="utf-8")
    fake.chmod(0o755)
    return venv


@dataclass
class FakeGitHub:
    """The fake `gh`'s state and call log, and a way to run a CI-kit script against it."""

    root: Path

    @property
    def state_path(self) -> Path:
        return self.root / "state.json"

    @property
    def log_path(self) -> Path:
        return self.root / "calls.jsonl"

    def seed(self, **state: Any) -> None:
        base: dict[str, Any] = {"repo": REPO, "login": BOT, "page_size": 2, "comments": {}, "issues": []}
        base.update(state)
        self.state_path.write_text(json.dumps(base), encoding="utf-8")

    def state(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.state_path.read_text(encoding="utf-8"))
        return data

    def calls(self) -> list[dict[str, Any]]:
        if not self.log_path.exists():
            return []
        return [json.loads(line) for line in self.log_path.read_text(encoding="utf-8").splitlines()]

    def writes(self) -> list[tuple[str, str]]:
        """(method, endpoint) of every call that changed something."""
        found = []
        for call in self.calls():
            argv = call["argv"]
            if "--method" in argv:
                method = argv[argv.index("--method") + 1]
                if method != "GET":
                    found.append((method, argv[argv.index("--method") + 2]))
        return found

    def run(
        self, script: str, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        environ = {
            "PATH": f"{self.root / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "GH_TOKEN": "ghs_fake_token_for_tests",
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": "4242",
            "FAKE_GH_STATE": str(self.state_path),
            "FAKE_GH_LOG": str(self.log_path),
        }
        environ.update(env or {})
        return subprocess.run(
            [sys.executable, str(CI_KIT / script), *args],
            capture_output=True,
            text=True,
            env=environ,
            check=False,
            timeout=60,
        )


@pytest.fixture
def github(tmp_path: Path) -> FakeGitHub:
    """A fake GitHub with an empty repository, reached through a fake `gh` first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    source = (Path(__file__).parent / "fake_gh.py").read_text(encoding="utf-8")
    gh = bin_dir / "gh"
    gh.write_text(f"#!{sys.executable}\n{source}", encoding="utf-8")
    gh.chmod(0o755)
    fake = FakeGitHub(tmp_path)
    fake.seed()
    return fake
