"""The docs' claims about who reads which module still hold, checked against the imports of sfconnect/.

`docs/architecture.md` carries a ```` ```readers ```` block, one line per module: ``module: reader, reader,
pkg.*``; a module docstring may carry a line ``Read by: `reader`, `pkg.*```. A reader is a module of sfconnect
that imports the module (``import m``, ``from m import x`` or ``from pkg import m``); a package ``__init__``
re-exporting names is not a reader. ``pkg.*`` stands for any module under ``pkg``. A claim holds when every
actual reader matches one of its patterns and every pattern matches an actual reader.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "docs" / "architecture.md"
_BLOCK = re.compile(r"^```readers\n(.*?)^```", re.MULTILINE | re.DOTALL)
_READ_BY = re.compile(r"^\s*Read by: (.+?)\.?\s*$", re.MULTILINE)


def module_files(package: Path) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported_modules(name: str, path: Path, known: Iterable[str]) -> set[str]:
    """The modules `path` (module `name`) imports, resolved to modules of `known` where a name is a module."""
    modules = set(known)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, *([base] if base else [])])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in modules else base)
    return found


def readers_of(modules: dict[str, Path]) -> dict[str, set[str]]:
    """For each module, the modules that import it (package ``__init__`` files left out)."""
    readers: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        if path.name == "__init__.py":
            continue
        for imported in imported_modules(name, path, modules):
            if imported in readers and imported != name:
                readers[imported].add(name)
    return readers


def parse_claims(text: str, *, source: str) -> dict[str, list[str]]:
    """``module: pattern, pattern`` lines (blank lines and ``#`` comments skipped).

    Raises:
        ValueError: a line without ``:``.
    """
    claims: dict[str, list[str]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        module, sep, rest = line.partition(":")
        if not sep:
            raise ValueError(f"{source}:{number}: expected 'module: reader, reader', got {raw!r}")
        claims[module.strip()] = [p.strip() for p in rest.split(",") if p.strip()]
    return claims


def claim_problems(
    module: str, patterns: list[str], readers: dict[str, set[str]], *, source: str
) -> list[str]:
    """How a claim differs from the imports, with the fix; empty when it holds."""
    if module not in readers:
        return [f"{source}: {module} is not a module of sfconnect (renamed or removed?): update the claim"]
    actual = readers[module]
    unclaimed = sorted(r for r in actual if not any(fnmatchcase(r, p) for p in patterns))
    unused = [p for p in patterns if not any(fnmatchcase(r, p) for r in actual)]
    problems = []
    if unclaimed:
        problems.append(
            f"{source}: {module} is also read by {unclaimed}, which the claim does not name: add them to the "
            "claim (and to the prose it backs) or drop the import"
        )
    if unused:
        problems.append(
            f"{source}: the claim says {module} is read by {unused}, which import nothing of it: remove them"
        )
    return problems


def architecture_claims() -> dict[str, list[str]]:
    match = _BLOCK.search(ARCHITECTURE.read_text(encoding="utf-8"))
    assert match, "docs/architecture.md has lost its ```readers block (section 'Who reads what')"
    return parse_claims(match.group(1), source="docs/architecture.md")


def docstring_claims(modules: dict[str, Path]) -> dict[str, list[str]]:
    claims: dict[str, list[str]] = {}
    for name, path in modules.items():
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        for match in _READ_BY.finditer(doc):
            claims[name] = [p.strip().strip("`") for p in match.group(1).split(",") if p.strip()]
    return claims


MODULES = module_files(ROOT / "sfconnect")
READERS = readers_of(MODULES)


@pytest.mark.parametrize("module", sorted(architecture_claims()))
def test_architecture_says_who_reads_each_listed_module(module: str) -> None:
    problems = claim_problems(module, architecture_claims()[module], READERS, source="docs/architecture.md")
    assert not problems, "\n".join(problems)


def test_docstrings_that_name_their_readers_are_right() -> None:
    claims = docstring_claims(MODULES)
    problems = [
        p
        for module, patterns in sorted(claims.items())
        for p in claim_problems(module, patterns, READERS, source=str(MODULES[module].relative_to(ROOT)))
    ]
    assert claims, "no module docstring names its readers (`Read by: ...`): the check would check nothing"
    assert not problems, "\n".join(problems)


def test_a_claim_that_the_imports_contradict_is_reported() -> None:
    readers = {"sfconnect.a": {"sfconnect.b", "sfconnect.c.x"}, "sfconnect.b": set()}

    assert claim_problems("sfconnect.a", ["sfconnect.b", "sfconnect.c.*"], readers, source="doc") == []
    assert claim_problems("sfconnect.a", ["sfconnect.b", "sfconnect.smoke.*"], readers, source="doc") == [
        "doc: sfconnect.a is also read by ['sfconnect.c.x'], which the claim does not name: add them to the claim "
        "(and to the prose it backs) or drop the import",
        "doc: the claim says sfconnect.a is read by ['sfconnect.smoke.*'], which import nothing of it: remove them",
    ]
    assert claim_problems("sfconnect.gone", [], readers, source="doc") == [
        "doc: sfconnect.gone is not a module of sfconnect (renamed or removed?): update the claim"
    ]


def test_readers_come_from_every_form_of_import(tmp_path: Path) -> None:
    package = tmp_path / "sfconnect"
    (package / "pkg").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "pkg/__init__.py": "from sfconnect.pkg.table import ROWS\n",  # a re-export: not a reader
        "pkg/table.py": "ROWS = ()\n",
        "pkg/a.py": "from sfconnect.pkg import table\n",
        "pkg/b.py": "from .table import ROWS\n",
        "pkg/c.py": "import sfconnect.pkg.table\n",
        "pkg/d.py": "from sfconnect.pkg import ROWS\n",  # the package, not the module
    }
    for rel, text in files.items():
        (package / rel).write_text(text, encoding="utf-8")

    readers = readers_of(module_files(package))

    assert readers["sfconnect.pkg.table"] == {"sfconnect.pkg.a", "sfconnect.pkg.b", "sfconnect.pkg.c"}
    assert readers["sfconnect.pkg"] == {"sfconnect.pkg.d"}
