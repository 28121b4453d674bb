"""The import direction of DESIGN section 3, enforced by walking every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sfconnect"

# For each package, the sfconnect packages it may import (besides itself, `errors` and `_types`).
ALLOWED: dict[str, set[str]] = {
    "spec": set(),
    "metadata": {"spec"},
    "org": {"spec", "metadata"},
    "plan": {"spec", "metadata", "org"},
    "apply": {"spec", "metadata", "org", "plan"},
    "smoke": {"spec", "metadata", "org", "plan"},
    "lint": {"spec", "metadata", "org", "plan"},
    "migrate": {"spec", "metadata", "org", "plan"},
    "credentials": {"spec", "metadata", "org", "plan", "smoke"},
    "conformance": {"spec", "metadata", "org"},
    "localorg": set(),
    "scaffold": set(),
    "cli": {
        "spec",
        "metadata",
        "org",
        "plan",
        "apply",
        "smoke",
        "lint",
        "migrate",
        "credentials",
        "conformance",
        "localorg",
        "scaffold",
    },
}
TOP_LEVEL_SHARED = {"errors", "_types", "_wsdl_table"}
# localorg is an independent oracle: it may not even use the client side's shared modules.
LOCALORG_FORBIDDEN_SHARED = {"errors", "_types", "_wsdl_table"}


def _package_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imported_sfconnect_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "sfconnect":
                names = [f"sfconnect.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "sfconnect" and len(parts) > 1:
                found.add(parts[1])
    return found


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if len(p.relative_to(PACKAGE).parts) > 1)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_design(path: Path) -> None:
    package = _package_of(path)
    imported = _imported_sfconnect_packages(path) - {package}
    if package == "localorg":
        bad = imported - ALLOWED["localorg"]
        assert not bad, f"localorg must import nothing from the client side, but imports {sorted(bad)}"
        return
    allowed = ALLOWED.get(package, set()) | TOP_LEVEL_SHARED
    bad = imported - allowed
    assert not bad, f"{package} may not import {sorted(bad)} (DESIGN section 3)"


def test_nothing_imports_cli() -> None:
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in _modules()
        if _package_of(p) != "cli" and "cli" in _imported_sfconnect_packages(p)
    ]
    assert offenders == []


def test_every_package_is_known() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(ALLOWED), "add the new package to ALLOWED with the imports DESIGN permits"


def test_the_walker_sees_forbidden_imports(tmp_path: Path) -> None:
    """The check itself must be able to fail."""
    module = tmp_path / "m.py"
    module.write_text(
        "import sfconnect.cli.main\nfrom sfconnect import plan\nfrom sfconnect.org.x import y\n"
    )
    assert _imported_sfconnect_packages(module) == {"cli", "plan", "org"}
