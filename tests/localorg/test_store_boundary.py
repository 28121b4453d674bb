"""The local org touches SQLite only through its store: no `sqlite3` import outside the store module, and no
reach into the store's private attributes (its connection, lock and query helpers) from anywhere else.

The check walks every module of `sfconnect/localorg/` with `ast`; the tests below also show it catches each
kind of violation, so a check that silently passes everything would fail here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sfconnect.localorg

PACKAGE = Path(sfconnect.localorg.__file__).parent
STORE_MODULES = {"store.py", "_store.py"}


def _store_path() -> Path:
    found = [PACKAGE / name for name in STORE_MODULES if (PACKAGE / name).exists()]
    assert len(found) == 1, f"expected one store module in {PACKAGE}, found {found}"
    return found[0]


def store_private_names(source: str) -> set[str]:
    """The private attributes of the store class: its `_methods` and every `self._attr` it sets."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef) and node.name == "Store":
            for item in ast.walk(node):
                if isinstance(item, ast.FunctionDef | ast.Assign | ast.AnnAssign):
                    targets: list[ast.expr] = []
                    if isinstance(item, ast.FunctionDef):
                        if item.name.startswith("_") and not item.name.startswith("__"):
                            names.add(item.name)
                        continue
                    targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                    for target in targets:
                        if isinstance(target, ast.Attribute) and target.attr.startswith("_"):
                            names.add(target.attr)
                        if isinstance(target, ast.Name) and target.id.startswith("_"):
                            names.add(target.id)
    return names


def violations(source: str, filename: str, private: set[str]) -> list[str]:
    """Where `source` imports sqlite3 or reaches into the store's private attributes (`private`)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "sqlite3" for a in node.names):
            found.append(f"{where}: imports sqlite3 (use the store's methods)")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlite3":
            found.append(f"{where}: imports from sqlite3 (use the store's methods)")
        elif isinstance(node, ast.Call) and any(
            isinstance(a, ast.Constant) and a.value == "sqlite3" for a in node.args
        ):
            found.append(f"{where}: loads sqlite3 dynamically")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in private
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        ):
            found.append(f"{where}: uses the store's private {node.attr}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in private
        ):
            found.append(f"{where}: uses the store's private {node.args[1].value} through {node.func.id}")
    return found


def test_only_the_store_touches_sqlite() -> None:
    store = _store_path()
    private = store_private_names(store.read_text(encoding="utf-8"))
    assert {"_exec", "_one", "_all", "_lock", "_conn"} <= private
    found: list[str] = []
    modules = sorted(p for p in PACKAGE.rglob("*.py") if p != store)
    assert len(modules) > 20  # the walk sees the package
    for path in modules:
        found += violations(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)), private)
    assert found == []


@pytest.mark.parametrize(
    "snippet",
    [
        "import sqlite3\n",
        "import sqlite3 as db\n",
        "from sqlite3 import connect\n",
        "import importlib\nimportlib.import_module('sqlite3')\n",
        "def f(org):\n    org.store._exec('DELETE FROM sessions', ())\n",
        "def f(store):\n    return store._one('SELECT 1', ())\n",
        "def f(self):\n    with self.store._lock:\n        pass\n",
        "def f(store):\n    return store._conn.execute('SELECT 1')\n",
        "def f(store):\n    return getattr(store, '_all')('SELECT 1', ())\n",
    ],
)
def test_the_check_catches_a_violation(snippet: str) -> None:
    private = store_private_names(_store_path().read_text(encoding="utf-8"))
    assert len(violations(snippet, "snippet.py", private)) == 1


def test_the_check_passes_the_public_api_and_own_locks() -> None:
    private = store_private_names(_store_path().read_text(encoding="utf-8"))
    clean = (
        "class Jobs:\n"
        "    def __init__(self, org):\n"
        "        self._lock = object()\n"
        "        self.org = org\n"
        "    def run(self):\n"
        "        with self._lock, self.org.store.transaction():\n"
        "            return self.org.store.components('00D')\n"
    )
    assert violations(clean, "clean.py", private) == []
