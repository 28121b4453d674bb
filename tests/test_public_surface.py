"""Each package's public surface is pinned: its public modules and its ``__all__`` (httpx's exported-members test).

For every package under ``sfconnect/``, ``tests/public_surface/<package>.txt`` (``sfconnect.txt`` for the top
level) lists, under ``[modules]``, the package's public modules and subpackages (file names without a leading
underscore) and, under ``[__all__]``, the names its ``__init__`` exports. A module that nothing outside its package
imports should be private (``_name.py``); a module other packages import stays public. So:

- adding, removing, renaming or privatizing a module, or changing ``__all__``, means editing that file too, which
  puts the change of surface in front of the reviewer;
- no code outside a package (in ``sfconnect/``, ``bench/``, ``tools/`` or ``ci_kit/``) may import that package's
  private modules or private names. Tests may.

Everything is read with ``ast``; nothing is imported.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sfconnect"
SURFACE_DIR = Path(__file__).resolve().parent / "public_surface"
# Code that is not a test and may only use the packages' public modules.
CODE_DIRS = ("sfconnect", "bench", "tools", "ci_kit")


@dataclass(frozen=True)
class Surface:
    """One package's pinned surface, as ``tests/public_surface/<package>.txt`` states it."""

    modules: frozenset[str]
    exports: frozenset[str]


def parse_surface(text: str, *, source: str) -> Surface:
    """Read a surface file: ``[modules]`` then ``[__all__]``, one name a line; ``#`` starts a comment.

    Raises:
        ValueError: a name outside a section, or an unknown section.
    """
    sections: dict[str, set[str]] = {"modules": set(), "__all__": set()}
    current: set[str] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            name = line[1:-1]
            if name not in sections:
                raise ValueError(
                    f"{source}:{number}: unknown section [{name}] (expected [modules] or [__all__])"
                )
            current = sections[name]
        elif current is None:
            raise ValueError(f"{source}:{number}: {line!r} is outside a section ([modules] or [__all__])")
        else:
            current.add(line)
    return Surface(frozenset(sections["modules"]), frozenset(sections["__all__"]))


def render_surface(package: str, surface: Surface) -> str:
    """The text of a surface file, as this test expects it (used to write the first files)."""
    lines = [
        f"# The public surface of {package}, pinned by tests/test_public_surface.py.",
        "# Edit it when you add, remove, rename or privatize a module of the package, or change its __all__.",
        "[modules]",
        *sorted(surface.modules),
        "",
        "[__all__]",
        *sorted(surface.exports),
        "",
    ]
    return "\n".join(lines)


def packages() -> list[Path]:
    """Every package directory of sfconnect (the top level included), sorted."""
    return sorted(init.parent for init in PACKAGE.rglob("__init__.py"))


def dotted(package_dir: Path) -> str:
    return ".".join(package_dir.relative_to(ROOT).parts)


def surface_file(package_dir: Path) -> Path:
    rel = package_dir.relative_to(PACKAGE).parts
    return SURFACE_DIR / (f"{'.'.join(rel)}.txt" if rel else "sfconnect.txt")


def modules_on_disk(package_dir: Path) -> frozenset[str]:
    """The package's public modules and subpackages: names without a leading underscore."""
    names = {p.stem for p in package_dir.glob("*.py")}
    names |= {d.name for d in package_dir.iterdir() if (d / "__init__.py").is_file()}
    return frozenset(n for n in names if not n.startswith("_"))


@dataclass(frozen=True)
class InitFacts:
    docstring: str | None
    exports: tuple[str, ...] | None
    bound: frozenset[str]


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of a module body, those inside ``if``/``try`` blocks included (``if TYPE_CHECKING:``
    imports name what a lazy ``__getattr__`` gives)."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from _module_level(block)


def read_init(path: Path) -> InitFacts:
    """The docstring, the literal ``__all__`` (None when absent or not a literal list) and the names bound."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    exports: tuple[str, ...] | None = None
    bound: set[str] = set()
    for node in _module_level(tree.body):
        if isinstance(node, ast.ImportFrom | ast.Import):
            bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == "__all__":
                    value = node.value
                    if isinstance(value, ast.List | ast.Tuple) and all(
                        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
                    ):
                        exports = tuple(str(e.value) for e in value.elts if isinstance(e, ast.Constant))
                elif isinstance(target, ast.Name):
                    bound.add(target.id)
    return InitFacts(ast.get_docstring(tree), exports, frozenset(bound))


def surface_problems(package_dir: Path, pinned: Surface) -> list[str]:
    """Every way the package on disk differs from its pinned surface, each with the fix."""
    package = dotted(package_dir)
    pin = f"tests/public_surface/{surface_file(package_dir).name}"
    init = read_init(package_dir / "__init__.py")
    problems: list[str] = []
    on_disk = modules_on_disk(package_dir)
    if added := sorted(on_disk - pinned.modules):
        problems.append(
            f"{package} has public modules {added} that {pin} does not list: if other packages import them, "
            f"add them under [modules] there (and to __all__ in {package}'s __init__); if nothing outside "
            f"{package} imports them, make them private (git mv x.py _x.py)"
        )
    if gone := sorted(pinned.modules - on_disk):
        problems.append(
            f"{pin} lists modules {gone} under [modules] that {package} no longer has as public modules "
            f"(removed, renamed or made private): update [modules] and __all__ in that file"
        )
    if init.exports is None:
        problems.append(
            f"{package}/__init__.py has no literal __all__ list: name its public modules and exports"
        )
        return problems
    exports = frozenset(init.exports)
    if exports != pinned.exports:
        problems.append(
            f"{package}.__all__ differs from [__all__] in {pin}: added {sorted(exports - pinned.exports)}, "
            f"removed {sorted(pinned.exports - exports)}; the package's public surface changed, so update "
            f"[__all__] in {pin} (or undo the change)"
        )
    return problems


def init_problems(package_dir: Path) -> list[str]:
    """What the package's ``__init__`` must declare: a docstring, and an ``__all__`` of real names."""
    package = dotted(package_dir)
    init = read_init(package_dir / "__init__.py")
    problems: list[str] = []
    if not (init.docstring or "").strip():
        problems.append(f"{package}/__init__.py needs a docstring saying what the package offers")
    if init.exports is None:
        return problems
    if len(set(init.exports)) != len(init.exports):
        problems.append(f"{package}.__all__ names something twice")
    on_disk = modules_on_disk(package_dir)
    if undefined := sorted(set(init.exports) - on_disk - init.bound):
        problems.append(
            f"{package}.__all__ names {undefined}, which are neither public modules nor bound in __init__"
        )
    if private := sorted(n for n in init.exports if n.startswith("_")):
        problems.append(f"{package}.__all__ names private names {private}")
    # The top level's __all__ is the library API (tests/test_public_api.py); its modules are pinned only.
    if package_dir != PACKAGE and (missing := sorted(on_disk - set(init.exports))):
        problems.append(f"{package}.__all__ does not name its public modules {missing}")
    return problems


@dataclass(frozen=True)
class Crossing:
    """An import of a private module or name from outside the package that owns it."""

    importer: str
    imported: str
    owner: str

    def __str__(self) -> str:
        return (
            f"{self.importer} imports {self.imported}, private to {self.owner}: use a public module of "
            f"{self.owner} instead, or make the module public (rename it without the underscore and add it "
            f"to tests/public_surface/)"
        )


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(path: Path) -> list[str]:
    """Every dotted name ``path`` imports, as ``package.module`` or ``package.module.name`` (absolute)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own = module_name(path).split(".")
    is_package = path.name == "__init__.py"
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = own if is_package else own[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found += [f"{module}.{alias.name}" for alias in node.names if alias.name != "*"]
    return found


def owner_of_private(name: str) -> str | None:
    """The package that owns the first private part of an sfconnect name, or None when nothing is private.

    The owner is the deepest package directory before the private part: for ``sfconnect.org._soap`` it is
    ``sfconnect.org``; for ``sfconnect.smoke.jwt_bearer._key`` it is ``sfconnect.smoke``.
    """
    parts = name.split(".")
    if parts[0] != "sfconnect":
        return None
    for index, part in enumerate(parts):
        if part.startswith("_") and not (part.startswith("__") and part.endswith("__")):
            prefix = parts[:index]
            while prefix and not (ROOT.joinpath(*prefix) / "__init__.py").is_file():
                prefix.pop()
            return ".".join(prefix)
    return None


def crossings(paths: list[Path]) -> list[Crossing]:
    found: list[Crossing] = []
    for path in paths:
        importer = module_name(path)
        for name in imported_names(path):
            owner = owner_of_private(name)
            if owner is not None and importer != owner and not importer.startswith(owner + "."):
                found.append(Crossing(importer, name, owner))
    return found


def code_files() -> list[Path]:
    return sorted(p for d in CODE_DIRS for p in (ROOT / d).rglob("*.py"))


@pytest.mark.parametrize("package_dir", packages(), ids=dotted)
def test_public_surface_is_pinned(package_dir: Path) -> None:
    pin = surface_file(package_dir)
    assert pin.is_file(), (
        f"{dotted(package_dir)} has no pinned surface: write {pin.relative_to(ROOT)} ([modules] and [__all__])"
    )
    pinned = parse_surface(pin.read_text(encoding="utf-8"), source=str(pin.relative_to(ROOT)))
    problems = surface_problems(package_dir, pinned)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("package_dir", packages(), ids=dotted)
def test_init_says_what_the_package_offers(package_dir: Path) -> None:
    problems = init_problems(package_dir)
    assert not problems, "\n".join(problems)


def test_every_surface_file_belongs_to_a_package() -> None:
    expected = {surface_file(p).name for p in packages()}
    stale = sorted(p.name for p in SURFACE_DIR.glob("*.txt") if p.name not in expected)
    assert not stale, (
        f"tests/public_surface/ has files for packages that no longer exist: {stale}; delete them"
    )


def test_no_code_imports_another_packages_private_modules() -> None:
    found = crossings(code_files())
    assert not found, "\n".join(map(str, found))


# The checks themselves, on packages written to tmp_path.


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _pretend_root(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    """Point the checks at a repository written under tmp_path."""
    this = sys.modules[__name__]
    monkeypatch.setattr(this, "ROOT", root)
    monkeypatch.setattr(this, "PACKAGE", root / "sfconnect")


def test_a_new_public_module_or_changed_all_is_reported_with_the_file_to_update(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(
        tmp_path,
        {
            "sfconnect/__init__.py": '"""Top."""\n__all__ = []\n',
            "sfconnect/pkg/__init__.py": '"""Offers a."""\nfrom sfconnect.pkg.a import thing\n__all__ = ["a", "new", "thing"]\n',
            "sfconnect/pkg/a.py": "thing = 1\n",
            "sfconnect/pkg/new.py": "",
            "sfconnect/pkg/_private.py": "",
        },
    )
    _pretend_root(monkeypatch, tmp_path)
    pinned = parse_surface("[modules]\na\n[__all__]\na\nthing\n", source="pkg.txt")

    problems = surface_problems(tmp_path / "sfconnect" / "pkg", pinned)

    assert len(problems) == 2
    assert (
        "sfconnect.pkg has public modules ['new'] that tests/public_surface/pkg.txt does not list"
        in problems[0]
    )
    assert "make them private" in problems[0]
    assert "sfconnect.pkg.__all__ differs from [__all__] in tests/public_surface/pkg.txt" in problems[1]
    assert "added ['new']" in problems[1]
    assert (
        surface_problems(
            tmp_path / "sfconnect" / "pkg", Surface(frozenset({"a", "new"}), frozenset({"a", "new", "thing"}))
        )
        == []
    )


def test_a_privatized_module_still_pinned_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(
        tmp_path,
        {
            "sfconnect/pkg/__init__.py": '"""Offers nothing."""\n__all__ = []\n',
            "sfconnect/pkg/_gone.py": "",
        },
    )
    _pretend_root(monkeypatch, tmp_path)

    problems = surface_problems(
        tmp_path / "sfconnect" / "pkg", Surface(frozenset({"gone"}), frozenset({"gone"}))
    )

    assert "lists modules ['gone'] under [modules] that sfconnect.pkg no longer has" in problems[0]
    assert "removed ['gone']" in problems[1]


def test_an_init_without_docstring_or_with_undefined_exports_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, {"sfconnect/pkg/__init__.py": '__all__ = ["missing", "_x"]\n', "sfconnect/pkg/a.py": ""})
    _pretend_root(monkeypatch, tmp_path)

    problems = init_problems(tmp_path / "sfconnect" / "pkg")

    assert problems == [
        "sfconnect.pkg/__init__.py needs a docstring saying what the package offers",
        "sfconnect.pkg.__all__ names ['_x', 'missing'], which are neither public modules nor bound in __init__",
        "sfconnect.pkg.__all__ names private names ['_x']",
        "sfconnect.pkg.__all__ does not name its public modules ['a']",
    ]


def test_names_a_lazy_init_imports_for_type_checking_count_as_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(
        tmp_path,
        {
            "sfconnect/pkg/__init__.py": (
                '"""Offers Thing, loaded on first use."""\n'
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from sfconnect.pkg.a import Thing\n"
                "def __getattr__(name):\n    ...\n"
                '__all__ = ["Thing", "a"]\n'
            ),
            "sfconnect/pkg/a.py": "class Thing: ...\n",
        },
    )
    _pretend_root(monkeypatch, tmp_path)

    assert init_problems(tmp_path / "sfconnect" / "pkg") == []


def test_importing_another_packages_private_module_is_a_crossing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(
        tmp_path,
        {
            "sfconnect/__init__.py": "",
            "sfconnect/_shared.py": "",
            "sfconnect/org/__init__.py": "",
            "sfconnect/org/_soap.py": "",
            "sfconnect/org/api.py": "from sfconnect.org import _soap\nfrom . import _soap as again\n",
            "sfconnect/smoke/__init__.py": "",
            "sfconnect/smoke/jwt.py": "_key = 1\n",
            "sfconnect/conformance/__init__.py": "",
            "sfconnect/conformance/probe.py": (
                "import sfconnect._shared\n"
                "from sfconnect.org import _soap\n"
                "from sfconnect.org._soap import child_text\n"
                "from ..smoke.jwt import _key\n"
            ),
            "bench/bench_x.py": "from sfconnect import _shared\n",
        },
    )
    _pretend_root(monkeypatch, tmp_path)

    found = crossings(sorted(tmp_path.rglob("*.py")))

    assert [(c.importer, c.imported) for c in found] == [
        ("bench.bench_x", "sfconnect._shared"),
        ("sfconnect.conformance.probe", "sfconnect.org._soap"),
        ("sfconnect.conformance.probe", "sfconnect.org._soap.child_text"),
        ("sfconnect.conformance.probe", "sfconnect.smoke.jwt._key"),
    ]
    assert str(found[1]).startswith(
        "sfconnect.conformance.probe imports sfconnect.org._soap, private to sfconnect.org"
    )


def test_surface_files_round_trip() -> None:
    surface = Surface(frozenset({"b", "a"}), frozenset({"X", "a"}))
    assert parse_surface(render_surface("sfconnect.x", surface), source="x.txt") == surface
    with pytest.raises(ValueError, match=r"x.txt:1: 'stray' is outside a section"):
        parse_surface("stray\n", source="x.txt")
