"""End-to-end fixtures: example projects copied to a temporary directory, and the CLI run in-process."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from sfconnect.cli.context import AppContext
from sfconnect.cli.main import run
from tests.conftest import REPO_ROOT


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return self.out + self.err


Cli = Callable[..., CliResult]


@pytest.fixture
def project(tmp_path: Path) -> Callable[[str], Path]:
    """Copy an example project into tmp_path and return its directory."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(
            REPO_ROOT / "examples" / name, target, ignore=shutil.ignore_patterns(".sfconnect", "certs")
        )
        return target

    return copy


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run ``sfconnect ARGS`` in-process with its own environment; returns exit code and output."""

    def invoke(*args: str, environ: Mapping[str, str] | None = None) -> CliResult:
        capsys.readouterr()
        code = run(list(args), obj=AppContext(environ=dict(environ or {})))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke
