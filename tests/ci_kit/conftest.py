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
