#!/usr/bin/env python3
"""The composite action's two working steps: run one sfconnect command, then turn its exit code into the step's.

``run_sfconnect.py run`` (inputs from ``INPUT_*`` variables, set by ``action.yml`` through ``env:``):

- splits ``INPUT_ARGS`` like a shell would (quotes respected, nothing expanded or executed);
- for plan, drift, lint and smoke with ``INPUT_REPORT=auto``, adds ``--format markdown --out <file>`` and
  publishes the file to ``$GITHUB_STEP_SUMMARY`` (other commands: their console output goes there);
- writes ``INPUT_PRIVATE_KEY`` (PEM, or PEM in base64) to a new file of mode 0600 inside a new 0700
  directory under ``$RUNNER_TEMP``, hands its path to sfconnect in the variable ``INPUT_PRIVATE_KEY_ENV``
  names (never the key itself), and removes the directory when the command ends, whatever happens;
- records ``exitcode``, ``has-changes`` and ``report`` in ``$GITHUB_OUTPUT`` and succeeds, so that the comment
  and issue steps can run; only a misuse of the action itself (unknown command, unusable key) fails here.

``run_sfconnect.py exit`` fails the step on exit code 1 (or a missing code), and on 2 when
``INPUT_FAIL_ON_FOUND`` says so ('true', or 'auto' for lint and smoke), and says which in an annotation.

Standard library only.
"""

from __future__ import annotations

import base64
import binascii
import html
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

COMMANDS = ("validate", "lint", "plan", "apply", "drift", "smoke", "status", "credentials")
REPORTING = ("plan", "drift", "lint", "smoke")
"""Commands that write a Markdown report with ``--format markdown --out FILE``."""
FAIL_ON_FOUND_AUTO = ("lint", "smoke")
"""With ``fail-on-found: auto``, exit code 2 fails the step for these (findings, failed checks are failures)."""

SUMMARY_LIMIT = 1_000_000
"""GitHub drops a step summary above 1 MiB; stay below it."""
LOG_LIMIT = 60_000
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REPORT_OPTIONS = ("--format", "--out")


class ActionInputError(ValueError):
    """An input of the action cannot be used; the message never repeats a secret."""


def _annotate(level: str, message: str) -> None:
    print(f"::{level} title=sfconnect::{message}", flush=True)


def build_argv(
    executable: str, *, command: str, args: str, target: str, report_mode: str, report_path: Path
) -> tuple[list[str], Path | None]:
    """The sfconnect command line, and the report file it will write (None when it writes none)."""
    if command not in COMMANDS:
        raise ActionInputError(f"unknown command {command!r}: choose one of {', '.join(COMMANDS)}")
    if report_mode not in ("auto", "false"):
        raise ActionInputError(f"report must be 'auto' or 'false', not {report_mode!r}")
    try:
        extra = shlex.split(args)
    except ValueError as exc:
        raise ActionInputError(f"args cannot be split: {exc}") from exc
    if command == "credentials" and "--reveal" in extra:
        raise ActionInputError(
            "credentials --reveal would print secrets into the job log and summary; publish them with --to"
        )
    argv = [executable, command]
    if target:
        argv += ["-t", target]
    argv += extra
    if report_mode == "auto" and command in REPORTING:
        clash = [a for a in extra if a.split("=", 1)[0] in _REPORT_OPTIONS]
        if clash:
            raise ActionInputError(
                f"args set {clash[0].split('=', 1)[0]} while report is 'auto' (the action writes the Markdown "
                "report itself); set report: 'false' to choose the format and file yourself"
            )
        return [*argv, "--format", "markdown", "--out", str(report_path)], report_path
    return argv, None


def write_key(secret: str, directory: Path) -> Path:
    """Write the PEM (given as PEM or base64 PEM) to ``directory/jwt.key`` with mode 0600 and return the path."""
    text = secret.strip()
    if not text.startswith("-----BEGIN"):
        try:
            text = base64.b64decode("".join(text.split()), validate=True).decode("utf-8").strip()
        except (binascii.Error, UnicodeDecodeError):
            text = ""
        if not text.startswith("-----BEGIN"):
            raise ActionInputError("private-key is neither a PEM key nor a base64-encoded PEM key")
    path = directory / "jwt.key"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    return path


def _execute(argv: Sequence[str], env: Mapping[str, str]) -> tuple[int, str]:
    """Run `argv`, echo its output live, and return its exit code and its output."""
    captured: list[str] = []
    with subprocess.Popen(
        list(argv),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=dict(env),
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            captured.append(line)
        code = process.wait()
    sys.stdout.flush()
    return code, "".join(captured)


def _summary(command: str, target: str, code: int, report: Path | None, output: str) -> str:
    if report is not None and report.is_file() and report.stat().st_size:
        text = report.read_text(encoding="utf-8")
        if len(text.encode("utf-8")) > SUMMARY_LIMIT:
            text = text.encode("utf-8")[: SUMMARY_LIMIT - 200].decode("utf-8", "ignore")
            text += "\n\n_Report truncated to GitHub's step-summary limit; the whole file is in the job's output._\n"
        return text if text.endswith("\n") else text + "\n"
    title = f"sfconnect {command}" + (f" (target `{target}`)" if target else "")
    shown = output if len(output) <= LOG_LIMIT else "…\n" + output[-LOG_LIMIT:]
    return (
        f"### {title}: exit code {code}\n\n<details><summary>Output</summary>\n\n"
        f"<pre>{html.escape(shown)}</pre>\n\n</details>\n"
    )


def _append(path_var: str, text: str, environ: Mapping[str, str]) -> None:
    path = environ.get(path_var)
    if path:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(text)


def run(environ: Mapping[str, str]) -> int:
    """The ``run`` step; returns the step's exit status (0 unless the action was misused)."""
    command = environ.get("INPUT_COMMAND", "").strip()
    target = environ.get("INPUT_TARGET", "").strip()
    temp = Path(environ.get("RUNNER_TEMP") or tempfile.gettempdir())
    venv = environ.get("SFCONNECT_VENV", "")
    executable = str(Path(venv) / "bin" / "sfconnect") if venv else (shutil.which("sfconnect") or "sfconnect")
    name = f"sfconnect-{command}-{target or 'default'}-{uuid.uuid4().hex[:8]}.md"
    key_dir: Path | None = None
    try:
        argv, report = build_argv(
            executable,
            command=command,
            args=environ.get("INPUT_ARGS", ""),
            target=target,
            report_mode=environ.get("INPUT_REPORT", "auto").strip() or "auto",
            report_path=temp / re.sub(r"[^A-Za-z0-9._-]", "_", name),
        )
        child_env = {k: v for k, v in environ.items() if k != "INPUT_PRIVATE_KEY"}
        secret = environ.get("INPUT_PRIVATE_KEY", "")
        if secret.strip():
            key_env = environ.get("INPUT_PRIVATE_KEY_ENV", "").strip() or "SFCONNECT_PRIVATE_KEY_FILE"
            if not _ENV_NAME.match(key_env):
                raise ActionInputError(f"private-key-env {key_env!r} is not a variable name")
            key_dir = Path(tempfile.mkdtemp(prefix="sfconnect-key.", dir=temp))
            child_env[key_env] = str(write_key(secret, key_dir))
        print("::group::" + shlex.join([Path(argv[0]).name, *argv[1:]]), flush=True)
        # Nothing the command prints (an app description, say) may act as a workflow command.
        stop = uuid.uuid4().hex
        print(f"::stop-commands::{stop}", flush=True)
        try:
            code, output = _execute(argv, child_env)
        finally:
            print(f"::{stop}::", flush=True)
        print("::endgroup::", flush=True)
    except ActionInputError as exc:
        _annotate("error", str(exc))
        _append("GITHUB_OUTPUT", "exitcode=1\nhas-changes=false\nreport=\n", environ)
        return 1
    finally:
        if key_dir is not None:
            shutil.rmtree(key_dir, ignore_errors=True)
    has_report = report is not None and report.is_file() and report.stat().st_size > 0
    _append(
        "GITHUB_OUTPUT",
        f"exitcode={code}\nhas-changes={'true' if code == 2 else 'false'}\nreport={report if has_report else ''}\n",
        environ,
    )
    _append("GITHUB_STEP_SUMMARY", _summary(command, target, code, report, output), environ)
    return 0


def exit_status(environ: Mapping[str, str]) -> int:
    """The ``exit`` step: the status this action ends with, given sfconnect's exit code and fail-on-found."""
    command = environ.get("INPUT_COMMAND", "").strip()
    raw = environ.get("EXITCODE", "").strip()
    setting = environ.get("INPUT_FAIL_ON_FOUND", "auto").strip() or "auto"
    if setting not in ("auto", "true", "false"):
        _annotate("error", f"fail-on-found must be 'auto', 'true' or 'false', not {setting!r}")
        return 1
    if not raw.isdigit():
        _annotate("error", f"sfconnect {command} did not run to the end (no exit code)")
        return 1
    code = int(raw)
    if code == 0:
        return 0
    if code == 2:
        fail = setting == "true" or (setting == "auto" and command in FAIL_ON_FOUND_AUTO)
        found = {
            "plan": "changes",
            "drift": "drift",
            "lint": "findings at or above the gate",
            "smoke": "failed checks",
        }.get(command, "results")
        if fail:
            _annotate("error", f"sfconnect {command} found {found} (exit code 2; fail-on-found: {setting})")
            return 1
        _annotate("notice", f"sfconnect {command} found {found} (exit code 2; fail-on-found: {setting})")
        return 0
    _annotate("error", f"sfconnect {command} failed (exit code {code}); see the step's log")
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to ``run`` or ``exit``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["run"]:
        return run(os.environ)
    if args == ["exit"]:
        return exit_status(os.environ)
    print("usage: run_sfconnect.py run|exit", file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main())
