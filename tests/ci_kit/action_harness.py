"""Runs action.yml's shell steps the way the Actions runner does, for tests of the action's glue.

It reads the composite action, resolves ``${{ ... }}`` in each step's ``env:`` and ``if:`` from a small context
(inputs with their defaults, earlier steps' outputs, a ``github`` context), runs each ``run:`` script with
``bash --noprofile --norc -eo pipefail`` (what ``shell: bash`` means), and collects ``$GITHUB_OUTPUT``.
``uses:`` steps (setup-python) are skipped, and the install step is replaced by a given virtual environment.
The expression evaluator covers what action.yml uses: property paths, string literals, ``==``, ``!=``,
``&&``, ``||``, ``!``, parentheses, ``always()``, ``cancelled()``, ``success()`` and ``failure()``.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.S)
_TOKEN = re.compile(r"\s*(?:('(?:[^']|'')*')|(==|!=|&&|\|\||!|\(|\))|([A-Za-z_][\w.-]*(?:\(\))?))")


def _lookup(path: str, context: dict[str, Any]) -> Any:
    value: Any = context
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return ""
        value = value[part]
    return value


def evaluate(expression: str, context: dict[str, Any], *, failed: bool) -> Any:
    """Evaluate one expression (the text inside ``${{ }}``) against `context`."""
    functions = {"always()": True, "cancelled()": False, "success()": not failed, "failure()": failed}
    pieces: list[str] = []
    values: list[Any] = []
    position = 0
    text = expression.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ValueError(f"cannot evaluate {expression!r} at {text[position:]!r}")
        position = match.end()
        literal, operator, word = match.groups()
        if literal is not None:
            values.append(literal[1:-1].replace("''", "'"))
            pieces.append(f"_v[{len(values) - 1}]")
        elif operator is not None:
            pieces.append({"&&": " and ", "||": " or ", "!": " not "}.get(operator, f" {operator} "))
        elif word in functions:
            pieces.append(str(functions[word]))
        elif word in ("true", "false"):
            pieces.append(str(word == "true"))
        else:
            values.append(_lookup(word, context))
            pieces.append(f"_v[{len(values) - 1}]")
    return eval("".join(pieces), {"__builtins__": {}}, {"_v": values})  # noqa: S307 - literals and lookups only


def render(template: Any, context: dict[str, Any], *, failed: bool = False) -> str:
    """A string with every ``${{ }}`` replaced by its value (None and False-y lookups become "")."""
    text = str(template)
    return _EXPRESSION.sub(lambda m: str(evaluate(m.group(1), context, failed=failed)), text)


def condition(template: Any, context: dict[str, Any], *, failed: bool) -> bool:
    """A step's ``if:``: an expression with or without ``${{ }}``; no ``if:`` means ``success()``."""
    if template is None:
        return not failed
    text = str(template).strip()
    whole = _EXPRESSION.fullmatch(text)
    return bool(evaluate(whole.group(1) if whole else text, context, failed=failed))


@dataclass
class ActionRun:
    """The outcome of one use of the action."""

    failed: bool
    outputs: dict[str, str]
    log: list[tuple[str, int | None, str]] = field(default_factory=list)
    """(step name, exit status or None when skipped, stdout + stderr)."""


def run_action(
    action: Path,
    *,
    inputs: dict[str, str],
    github: dict[str, Any],
    venv: Path | None,
    workspace: Path,
    env: dict[str, str],
) -> ActionRun:
    """Run the action's shell steps in order, as the runner would for a step that `uses:` it.

    With `venv` None the install step runs for real (pip-installs the action's directory).
    """
    spec = yaml.safe_load(action.read_text(encoding="utf-8"))
    context: dict[str, Any] = {"github": github, "steps": {}, "inputs": {}}
    for name, meta in spec["inputs"].items():
        if name in inputs:
            context["inputs"][name] = inputs[name]
        else:
            context["inputs"][name] = render(meta.get("default", ""), context)
    unknown = set(inputs) - set(spec["inputs"])
    if unknown:
        raise ValueError(f"not inputs of the action: {sorted(unknown)}")
    temp = Path(env["RUNNER_TEMP"])
    failed = False
    result = ActionRun(failed=False, outputs={})
    for index, step in enumerate(spec["runs"]["steps"]):
        name = step.get("name", f"step {index}")
        if "uses" in step:
            continue
        if step.get("id") == "install" and venv is not None:
            context["steps"]["install"] = {"outputs": {"venv": str(venv)}}
            continue
        if not condition(step.get("if"), context, failed=failed):
            result.log.append((name, None, ""))
            continue
        output_file = temp / f"output-{index}"
        output_file.write_text("", encoding="utf-8")
        step_env = {**env, "GITHUB_OUTPUT": str(output_file), "GITHUB_ACTION_PATH": str(action.parent)}
        step_env.update({k: render(v, context, failed=failed) for k, v in (step.get("env") or {}).items()})
        cwd = workspace / render(step.get("working-directory", "."), context)
        script = temp / f"step-{index}.sh"
        script.write_text(step["run"], encoding="utf-8")
        assert step["shell"] == "bash"
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd,
            env=step_env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        result.log.append((name, done.returncode, done.stdout + done.stderr))
        outputs = dict(
            line.split("=", 1) for line in output_file.read_text(encoding="utf-8").splitlines() if "=" in line
        )
        if "id" in step:
            context["steps"][step["id"]] = {"outputs": outputs}
        failed = failed or done.returncode != 0
    result.failed = failed
    result.outputs = {k: render(v["value"], context, failed=failed) for k, v in spec["outputs"].items()}
    return result


def base_env(root: Path, fake_bin: Path, python_bin: Path) -> dict[str, str]:
    """The variables the runner sets for every step, pointing into `root`."""
    temp = root / "runner-temp"
    temp.mkdir(exist_ok=True)
    summary = root / "step-summary.md"
    summary.touch()
    return {
        "PATH": os.pathsep.join([str(fake_bin), str(python_bin), os.environ.get("PATH", "")]),
        "RUNNER_TEMP": str(temp),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_REPOSITORY": "acme/salesforce-apps",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "4242",
    }
