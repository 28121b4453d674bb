"""No test lacks an assertion: a test that checks nothing cannot fail, so it proves nothing.

The rule, checked over every ``tests/**/test_*.py`` with ``ast`` (nothing is imported or run). A test is a
function named ``test*`` at module level or in a ``Test*`` class. It asserts when its body (nested functions and
lambdas included) has at least one of:

1. an ``assert`` statement;
2. a call of ``pytest.raises``, ``pytest.warns``, ``pytest.deprecated_call`` or ``pytest.fail`` (as
   ``pytest.x(...)`` or as ``x(...)`` imported from pytest);
3. a call of a helper that asserts by this same rule, where the helper is
   - a function defined at module level in the same file, called by name;
   - a function imported by name from a ``tests`` module (``from tests.x import helper``), called by name;
   - a method defined on a class under ``tests/``, called as ``something.method(...)`` (fixture objects such
     as a golden-file checker or a fake service), matched by method name among the classes of ``tests/``.

Helpers are followed through any number of calls. Anything else (a call of library code, ``subprocess.run``
with ``check=True``, a fixture that asserts on teardown) does not count: assert on what the test observed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ASSERTING_PYTEST = {"raises", "warns", "deprecated_call", "fail"}


@dataclass
class Module:
    """What one file under tests/ defines and imports, as far as the rule needs."""

    name: str
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    imported: dict[str, tuple[str, str]] = field(default_factory=dict)  # local name -> (module, name)
    pytest_names: set[str] = field(default_factory=set)  # names imported from pytest that assert
    tests: list[ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=list)


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_test_file(path: Path) -> bool:
    return path.name.startswith("test_") and path.suffix == ".py"


Function = ast.FunctionDef | ast.AsyncFunctionDef


def read_modules(root: Path) -> tuple[dict[str, Module], dict[str, list[tuple[Function, Module]]]]:
    """Every module under `root` (a ``tests`` directory), and the methods of its classes by name."""
    modules: dict[str, Module] = {}
    methods: dict[str, list[tuple[Function, Module]]] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        module = Module(_module_name(path, root))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                module.functions[node.name] = node
                if _is_test_file(path) and node.name.startswith("test"):
                    module.tests.append(node)
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        methods.setdefault(item.name, []).append((item, module))
                        if (
                            _is_test_file(path)
                            and node.name.startswith("Test")
                            and item.name.startswith("test")
                        ):
                            module.tests.append(item)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    local = alias.asname or alias.name
                    if node.module == "pytest" and alias.name in ASSERTING_PYTEST:
                        module.pytest_names.add(local)
                    elif node.module.split(".")[0] == root.name:
                        module.imported[local] = (node.module, alias.name)
        modules[module.name] = module
    return modules, methods


def _calls(function: ast.AST) -> Iterator[ast.Call]:
    yield from (node for node in ast.walk(function) if isinstance(node, ast.Call))


class Checker:
    """Decides, with memory, whether a function asserts by the rule of this module's docstring."""

    def __init__(self, root: Path) -> None:
        self.modules, self.methods = read_modules(root)
        self._known: dict[int, bool] = {}

    def asserts(self, function: ast.FunctionDef | ast.AsyncFunctionDef, module: Module) -> bool:
        key = id(function)
        if key in self._known:
            return self._known[key]
        self._known[key] = False  # a recursive helper does not assert through itself
        result = any(isinstance(node, ast.Assert) for node in ast.walk(function)) or any(
            self._call_asserts(call, module) for call in _calls(function)
        )
        self._known[key] = result
        return result

    def _call_asserts(self, call: ast.Call, module: Module) -> bool:
        func = call.func
        if isinstance(func, ast.Attribute):
            if (
                isinstance(func.value, ast.Name)
                and func.value.id == "pytest"
                and func.attr in ASSERTING_PYTEST
            ):
                return True
            return any(self.asserts(method, owner) for method, owner in self.methods.get(func.attr, []))
        if not isinstance(func, ast.Name):
            return False
        if func.id in module.pytest_names:
            return True
        if func.id in module.functions:
            return self.asserts(module.functions[func.id], module)
        if func.id in module.imported:
            source, name = module.imported[func.id]
            other = self.modules.get(source)
            if other is not None and name in other.functions:
                return self.asserts(other.functions[name], other)
        return False

    def tests_without_assertion(self) -> list[str]:
        found: list[str] = []
        for module in self.modules.values():
            found.extend(
                f"{module.name}:{test.lineno} {test.name}"
                for test in module.tests
                if not self.asserts(test, module)
            )
        return sorted(found)


def test_every_test_asserts() -> None:
    checker = Checker(TESTS)
    missing = checker.tests_without_assertion()
    assert not missing, (
        "tests without an assertion (see the rule in tests/test_every_test_asserts.py): assert on what the test "
        "observed, or call a helper that does:\n" + "\n".join(missing)
    )


# The checker itself, on a tests/ directory written to tmp_path.


def _checker(tmp_path: Path, files: dict[str, str]) -> Checker:
    root = tmp_path / "tests"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return Checker(root)


def test_a_test_without_an_assertion_is_named(tmp_path: Path) -> None:
    checker = _checker(
        tmp_path,
        {
            "__init__.py": "",
            "test_x.py": (
                "import subprocess\n"
                "def test_runs_only():\n    subprocess.run(['true'], check=True)\n"
                "def test_asserts():\n    assert 1\n"
                "class TestGroup:\n    def test_method_runs_only(self):\n        print('x')\n"
            ),
        },
    )
    assert checker.tests_without_assertion() == [
        "tests.test_x:2 test_runs_only",
        "tests.test_x:7 test_method_runs_only",
    ]


def test_pytest_checks_and_helpers_that_assert_count(tmp_path: Path) -> None:
    checker = _checker(
        tmp_path,
        {
            "__init__.py": "",
            "helpers.py": "def expect_ok(x):\n    _deeper(x)\ndef _deeper(x):\n    assert x\ndef quiet(x):\n    return x\n",
            "fakes.py": "class Golden:\n    def check(self, text):\n        assert text\n",
            "test_y.py": (
                "import pytest\n"
                "from pytest import raises\n"
                "from tests.helpers import expect_ok, quiet\n"
                "def _local():\n    pytest.fail('no')\n"
                "def test_raises():\n    with pytest.raises(ValueError):\n        int('x')\n"
                "def test_bare_raises():\n    with raises(ValueError):\n        int('x')\n"
                "def test_imported_helper():\n    expect_ok(1)\n"
                "def test_local_helper():\n    _local()\n"
                "def test_fixture_method(golden):\n    golden.check('x')\n"
                "def test_quiet_helper():\n    quiet(1)\n"
                "def test_recursive():\n    test_recursive()\n"
            ),
        },
    )
    assert checker.tests_without_assertion() == [
        "tests.test_y:18 test_quiet_helper",
        "tests.test_y:20 test_recursive",
    ]
