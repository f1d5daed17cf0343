"""The layers of desktop_app, read from the source: no upward import, no cycle, no Qt below the GUI.

From the bottom up: the shared modules (``errors``, ``paths``, ``i18n``…), ``storage``, ``domain``,
``sync``, then ``importers`` and ``reports``, then the clients ``cli``, ``ui`` and ``tools``. Every
import counts, also one inside a function: moving an import into a function hides a cycle, it does
not remove it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "desktop_app"
LAYERS = {"storage": 1, "domain": 2, "sync": 3, "importers": 4, "reports": 4, "cli": 5, "ui": 5, "tools": 5}
SHARED = 0  # desktop_app/*.py: errors, paths, i18n, logbook, country_names…
CLIENTS = 5
NO_QT_BELOW = 4  # storage, domain and sync never import Qt
MIGRATIONS = PACKAGE / "storage" / "migrations" / "versions"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py")) if MIGRATIONS not in path.parents}


def _imports(path: Path, known: set[str], package: str = "desktop_app") -> set[str]:
    """Every module of desktop_app or Qt that ``path`` (in ``package``) imports, anywhere in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in known else base)
    return {name for name in found if name.startswith(("desktop_app", "PySide6"))}


def _layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 2 and parts[1] == "__main__":
        return CLIENTS
    return LAYERS.get(parts[1], SHARED) if len(parts) > 2 or parts[1] in LAYERS else SHARED


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, set(modules), _package_of(name, path)) for name, path in modules.items()}


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """``importer -> imported`` for each import of a higher layer, or of Qt below the GUI."""
    wrong = []
    for module, imported in graph.items():
        for target in imported:
            if target.startswith("PySide6"):
                if _layer(module) < NO_QT_BELOW:
                    wrong.append(f"{module} -> {target}")
            elif target != "desktop_app" and _layer(target) > _layer(module):
                wrong.append(f"{module} -> {target}")
    return sorted(wrong)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in graph or target == node:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def _package_edges_removed(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Imports of a package's ``__init__`` (``from desktop_app import paths``) are not cycles of their own."""
    packages = {name for name, path in _modules().items() if path.name == "__init__.py"}
    return {name: {t for t in targets if t not in packages} for name, targets in graph.items()}


def test_no_layer_imports_a_higher_one_and_nothing_below_the_gui_imports_qt():
    assert upward_imports(_graph()) == []


def test_no_import_cycles():
    assert cycles(_package_edges_removed(_graph())) == []


def test_migrations_are_frozen_data():
    """A migration must give the same schema forever: it imports nothing of the live program."""
    for path in sorted(MIGRATIONS.glob("*.py")):
        imported = _imports(path, set(_modules()))
        assert not {name for name in imported if name.startswith("desktop_app")}, path.name


@pytest.mark.parametrize(
    ("source", "finding"),
    [
        (
            {"desktop_app.storage.x": {"desktop_app.domain.y"}, "desktop_app.domain.y": set()},
            "desktop_app.storage.x -> desktop_app.domain.y",
        ),
        (
            {"desktop_app.sync.x": {"desktop_app.cli.main"}, "desktop_app.cli.main": set()},
            "desktop_app.sync.x -> desktop_app.cli.main",
        ),
        ({"desktop_app.domain.x": {"PySide6.QtCore"}}, "desktop_app.domain.x -> PySide6.QtCore"),
        (
            {"desktop_app.errors": {"desktop_app.storage.database"}, "desktop_app.storage.database": set()},
            "desktop_app.errors -> desktop_app.storage.database",
        ),
    ],
)
def test_the_check_finds_an_upward_import(source, finding):
    assert upward_imports(source) == [finding]


def test_the_check_finds_a_cycle_hidden_in_a_function(tmp_path):
    module = tmp_path / "main.py"
    module.write_text("def f():\n    from .encryption import x\n", encoding="utf-8")
    graph = {
        "desktop_app.cli.main": {"desktop_app.cli.encryption"},
        "desktop_app.cli.encryption": {"desktop_app.cli.main"},
    }
    assert _imports(module, {"desktop_app.cli.encryption"}, "desktop_app.cli") == {"desktop_app.cli.encryption"}
    assert cycles(graph) == [["desktop_app.cli.encryption", "desktop_app.cli.main"]]
