"""`cli/` is thin: command functions stay short, and command modules never import one another.

Inside the package the direction is: command modules -> cli's private helpers (`_render`, `_runtime`,
`_outputs`, ...) and `context` -> services (the other packages). Only `main.py`, the root group,
imports the command modules, to register them. Each check is shown failing on a snippet that breaks it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CLI = Path(__file__).resolve().parents[2] / "sfconnect" / "cli"
MAX_BODY_LINES = 40
"""Most lines a command function's body may take (docstring excluded): parse, call one service, render."""

ROOT_GROUP = "main"
"""The one module that imports command modules (to register them)."""


def _is_command(node: ast.FunctionDef) -> bool:
    """Decorated with ``click.command``/``click.group`` or ``<group>.command``/``<group>.group``."""
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in ("command", "group"):
            return True
    return False


def command_sizes(source: str) -> dict[str, int]:
    """Body length in lines (without the docstring) of each command function in `source`."""
    sizes: dict[str, int] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and _is_command(node):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]
            end = body[-1].end_lineno if body else None
            sizes[node.name] = (end - body[0].lineno + 1) if body and end is not None else 0
    return sizes


def defines_commands(source: str) -> bool:
    return bool(command_sizes(source))


def cli_modules_imported(source: str) -> set[str]:
    """The modules of ``sfconnect.cli`` that `source` imports (at any depth), by module name."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "sfconnect.cli":
                found |= {alias.name for alias in node.names}
            elif node.module.startswith("sfconnect.cli."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[2] for a in node.names if a.name.startswith("sfconnect.cli.")}
    return found


def _modules() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(CLI.glob("*.py"))}


def layer_violations(modules: dict[str, str]) -> list[str]:
    """Imports of a command module by any cli module other than the root group."""
    commands = {name for name, source in modules.items() if defines_commands(source)} - {ROOT_GROUP}
    problems = []
    for name, source in modules.items():
        if name == ROOT_GROUP:
            continue
        for imported in sorted(cli_modules_imported(source) & commands - {name}):
            problems.append(f"cli/{name}.py imports the command module cli/{imported}.py")
    return problems


def size_violations(modules: dict[str, str]) -> list[str]:
    return [
        f"cli/{name}.py: {function} has {lines} lines (at most {MAX_BODY_LINES}); move the work into a service"
        for name, source in modules.items()
        for function, lines in command_sizes(source).items()
        if lines > MAX_BODY_LINES
    ]


# --- the package as it is ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(_modules()), ids=lambda n: f"cli/{n}.py")
def test_command_functions_are_short(name: str) -> None:
    assert size_violations({name: _modules()[name]}) == []


def test_command_modules_do_not_import_each_other() -> None:
    assert layer_violations(_modules()) == []


def test_the_checks_see_the_commands_and_helpers() -> None:
    """The walkers find what they should in the real package (so an empty result above means something)."""
    modules = _modules()
    commands = {name for name, source in modules.items() if defines_commands(source)}
    assert {"apply", "plan", "drift", "lint", "validate", "main"} <= commands
    assert not {"_render", "_runtime", "_options", "context"} & commands
    assert "_render" in cli_modules_imported(modules["plan"])
    assert 0 < command_sizes(modules["apply"])["apply_command"] <= MAX_BODY_LINES


# --- each check fails on a snippet that breaks it ------------------------------------------------------

_LONG = "import click\n\n@click.command('x')\ndef x_command() -> None:\n    '''Help.'''\n" + "".join(
    f"    a{i} = {i}\n" for i in range(MAX_BODY_LINES + 1)
)


def test_the_size_check_fails_on_a_long_command() -> None:
    assert command_sizes(_LONG) == {"x_command": MAX_BODY_LINES + 1}
    [problem] = size_violations({"x": _LONG})
    assert "x_command has 41 lines" in problem
    at_limit = _LONG.replace(f"    a{MAX_BODY_LINES} = {MAX_BODY_LINES}\n", "")
    assert size_violations({"x": at_limit}) == []


def test_the_size_check_sees_group_subcommands() -> None:
    source = (
        "import click\n\n@click.group()\ndef g() -> None:\n    pass\n\n@g.command('y')\ndef y() -> None:\n"
        + ("    b = 1\n" * (MAX_BODY_LINES + 2))
    )
    assert command_sizes(source) == {"g": 1, "y": MAX_BODY_LINES + 2}


def test_the_layer_check_fails_when_a_command_imports_another() -> None:
    plan = "import click\n\n@click.command('plan')\ndef plan_command() -> None:\n    pass\n"
    for offending in (
        "from sfconnect.cli.plan import write_report\n",
        "def f() -> None:\n    from sfconnect.cli.plan import write_report\n",
        "from sfconnect.cli import plan\n",
        "import sfconnect.cli.plan\n",
        "from .plan import write_report\n",
    ):
        drift = (
            offending + "import click\n\n@click.command('drift')\ndef drift_command() -> None:\n    pass\n"
        )
        assert layer_violations({"plan": plan, "drift": drift}) == [
            "cli/drift.py imports the command module cli/plan.py"
        ], offending


def test_the_layer_check_allows_helpers_and_the_root_group() -> None:
    plan = "import click\n\n@click.command('plan')\ndef plan_command() -> None:\n    pass\n"
    drift = "from sfconnect.cli._render import write_report\nfrom sfconnect.cli._runtime import load\n"
    main = "from sfconnect.cli.plan import plan_command\nimport click\n\n@click.group()\ndef cli() -> None:\n    pass\n"
    helper_importing_command = "from sfconnect.cli.plan import write_report\n"
    assert layer_violations({"plan": plan, "drift": drift, "main": main}) == []
    assert layer_violations({"plan": plan, "_outputs": helper_importing_command}) == [
        "cli/_outputs.py imports the command module cli/plan.py"
    ]
