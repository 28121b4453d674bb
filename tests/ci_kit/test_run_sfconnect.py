"""The action's run and exit steps: argument handling, key file lifetime, outputs, summary, exit codes."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ci_kit.run_sfconnect import ActionInputError, build_argv, exit_status, write_key
from tests.ci_kit.conftest import CI_KIT, make_fake_venv


def _pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture(scope="module")
def pem() -> str:
    return _pem()


class Step:
    """Runs ``run_sfconnect.py run`` as the action does, with a fake sfconnect in a fake venv."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.temp = root / "runner-temp"
        self.temp.mkdir()
        make_fake_venv(root / "venv")
        self.output = root / "github_output"
        self.summary = root / "step_summary"
        self.record = root / "record.json"

    def run(self, **inputs: str) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "SFCONNECT_VENV": str(self.root / "venv"),
            "FAKE_RECORD": str(self.record),
            "INPUT_REPORT": "auto",
            "INPUT_ARGS": "",
            "INPUT_TARGET": "",
            "INPUT_PRIVATE_KEY": "",
            "INPUT_PRIVATE_KEY_ENV": "SFCONNECT_PRIVATE_KEY_FILE",
        }
        env.update(inputs)
        return subprocess.run(
            [sys.executable, str(CI_KIT / "run_sfconnect.py"), "run"],
            capture_output=True,
            text=True,
            env=env,
            cwd=self.root,
            check=False,
            timeout=60,
        )

    def outputs(self) -> dict[str, str]:
        lines = self.output.read_text(encoding="utf-8").splitlines()
        return dict(line.split("=", 1) for line in lines)

    def recorded(self) -> dict[str, object]:
        data: dict[str, object] = json.loads(self.record.read_text(encoding="utf-8"))
        return data


@pytest.fixture
def step(tmp_path: Path) -> Step:
    return Step(tmp_path)


def test_plan_with_changes_records_exit_code_2_and_publishes_the_markdown_report(step: Step) -> None:
    done = step.run(
        INPUT_COMMAND="plan", INPUT_TARGET="production", INPUT_ARGS="--detailed-exitcode", FAKE_RC="2"
    )

    assert done.returncode == 0, done.stdout + done.stderr
    outputs = step.outputs()
    assert outputs["exitcode"] == "2"
    assert outputs["has-changes"] == "true"
    report = Path(outputs["report"])
    assert report.parent == step.temp and report.suffix == ".md"
    argv = step.recorded()["argv"]
    assert argv == [
        "plan",
        "-t",
        "production",
        "--detailed-exitcode",
        "--format",
        "markdown",
        "--out",
        str(report),
    ]
    assert step.summary.read_text(encoding="utf-8") == report.read_text(encoding="utf-8")


def test_the_commands_output_cannot_issue_workflow_commands(step: Step) -> None:
    done = step.run(INPUT_COMMAND="plan")

    lines = done.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    token = lines[start].split("::")[2]
    end = lines.index(f"::{token}::")
    assert start < lines.index("::warning::an app description that tries to act as a workflow command") < end


def test_args_are_split_like_a_shell_without_running_anything(step: Step, tmp_path: Path) -> None:
    done = step.run(INPUT_COMMAND="apply", INPUT_ARGS="'my plan.json' $(touch pwned) --auto-approve")

    assert done.returncode == 0, done.stderr
    assert step.recorded()["argv"] == ["apply", "my plan.json", "$(touch", "pwned)", "--auto-approve"]
    assert not (tmp_path / "pwned").exists()


def test_a_command_without_a_markdown_report_puts_its_output_in_the_summary(step: Step) -> None:
    done = step.run(INPUT_COMMAND="validate", FAKE_RC="1")

    assert done.returncode == 0, done.stderr
    assert step.outputs() == {"exitcode": "1", "has-changes": "false", "report": ""}
    summary = step.summary.read_text(encoding="utf-8")
    assert summary.startswith("### sfconnect validate: exit code 1")
    assert "Planning production..." in summary


def test_report_false_runs_the_command_as_given(step: Step) -> None:
    step.run(INPUT_COMMAND="lint", INPUT_REPORT="false", INPUT_ARGS="--format sarif --out lint.sarif")

    assert step.recorded()["argv"] == ["lint", "--format", "sarif", "--out", "lint.sarif"]
    assert step.outputs()["report"] == ""


def test_format_in_args_with_an_automatic_report_is_refused(step: Step) -> None:
    done = step.run(INPUT_COMMAND="lint", INPUT_ARGS="--format=sarif")

    assert done.returncode == 1
    assert "::error" in done.stdout and "report: 'false'" in done.stdout
    assert step.outputs()["exitcode"] == "1"
    assert not step.record.exists()


def test_the_private_key_lives_in_a_0600_file_only_while_the_command_runs(step: Step, pem: str) -> None:
    done = step.run(INPUT_COMMAND="plan", INPUT_PRIVATE_KEY=pem)

    assert done.returncode == 0, done.stderr
    seen = step.recorded()
    assert seen["key_mode"] == 0o600
    assert seen["key_dir_mode"] == 0o700
    assert seen["key_text"] == pem.strip() + "\n"
    assert seen["input_key_seen"] is False
    assert not Path(str(seen["key_path"])).exists()
    assert list(step.temp.glob("sfconnect-key.*")) == []
    body = pem.strip().splitlines()[1]
    for text in (done.stdout, done.stderr, step.output.read_text(), step.summary.read_text()):
        assert body not in text


def test_a_base64_key_is_decoded_and_the_variable_name_is_configurable(step: Step, pem: str) -> None:
    encoded = base64.b64encode(pem.encode()).decode()
    done = step.run(
        INPUT_COMMAND="smoke", INPUT_PRIVATE_KEY=encoded, INPUT_PRIVATE_KEY_ENV="MY_KEY_FILE", FAKE_RC="1"
    )

    assert done.returncode == 0, done.stderr
    assert step.recorded()["key_text"] == pem.strip() + "\n"
    assert list(step.temp.glob("sfconnect-key.*")) == []


def test_a_key_that_is_not_pem_is_refused_without_repeating_it(step: Step) -> None:
    done = step.run(INPUT_COMMAND="plan", INPUT_PRIVATE_KEY="hunter2-not-a-key")

    assert done.returncode == 1
    assert "neither a PEM key nor a base64-encoded PEM key" in done.stdout
    assert "hunter2" not in done.stdout + done.stderr
    assert list(step.temp.glob("sfconnect-key.*")) == []


def test_build_argv_refuses_unknown_commands_and_unbalanced_quotes() -> None:
    with pytest.raises(ActionInputError, match="unknown command"):
        build_argv(
            "sfconnect", command="deploy", args="", target="", report_mode="auto", report_path=Path("r.md")
        )
    with pytest.raises(ActionInputError, match="cannot be split"):
        build_argv(
            "sfconnect", command="plan", args="'open", target="", report_mode="auto", report_path=Path("r.md")
        )


def test_credentials_runs_for_keys_but_never_reveals_secrets_into_the_summary() -> None:
    argv, report = build_argv(
        "sfconnect", command="credentials", args="--part key", target="prod", report_mode="auto",
        report_path=Path("r.md"),
    )  # fmt: skip
    assert argv[:2] == ["sfconnect", "credentials"] and "--part" in argv and report is None
    with pytest.raises(ActionInputError, match="--reveal"):
        build_argv(
            "sfconnect", command="credentials", args="--reveal", target="", report_mode="auto",
            report_path=Path("r.md"),
        )  # fmt: skip


def test_write_key_never_overwrites(tmp_path: Path, pem: str) -> None:
    path = write_key(pem, tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        write_key(pem, tmp_path)


@pytest.mark.parametrize(
    ("command", "code", "setting", "status"),
    [
        ("plan", "0", "auto", 0),
        ("plan", "2", "auto", 0),
        ("drift", "2", "auto", 0),
        ("lint", "2", "auto", 1),
        ("smoke", "2", "auto", 1),
        ("drift", "2", "true", 1),
        ("lint", "2", "false", 0),
        ("plan", "1", "false", 1),
        ("apply", "1", "auto", 1),
        ("plan", "", "auto", 1),
        ("plan", "0", "sometimes", 1),
    ],
)
def test_exit_status(
    command: str, code: str, setting: str, status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert exit_status({"INPUT_COMMAND": command, "EXITCODE": code, "INPUT_FAIL_ON_FOUND": setting}) == status
    printed = capsys.readouterr().out
    if status:
        assert printed.startswith("::error")
    elif code == "2":
        assert printed.startswith("::notice") and "exit code 2" in printed
