"""The code's own imports: no module imports `conftest`, no two modules import each other, and no module
is loaded from its file's path.

pytest loads each conftest.py itself, under a name that depends on how it was started; importing one
as a module loads it a second time, as another module. A cycle of imports works or fails by the
order in which its modules happen to be loaded first. A module loaded from its path (importlib's
`spec_from_file_location`) is a second copy of the module that `import` gives, with its own state. All
three are checked on the source, without importing anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

from project import BENCH, ROOT, SNIPPETS, SUPPORT, TESTS

#: The folders of the project's own Python code.
CODE_FOLDERS = ("hooks", "src", "tests", "snippets", "tools", "bench")
#: importlib's ways of making a module from a file's path instead of from its name.
LOADS_BY_PATH = frozenset({"spec_from_file_location", "SourceFileLoader", "module_from_spec", "exec_module", "load_source"})


def module_names(root: Path) -> dict[str, Path]:
    """Every module under `root`, a folder on `sys.path`, by its import name (`browser.page_walk`)."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            modules[".".join(parts)] = path
    return modules


def imported_names(module: str, path: Path, is_package: bool) -> set[tuple[str, ...]]:
    """What `module` imports, at any depth of its code, each as the names it may be, most precise first:
    `("a.b",)` for `import a.b`; `("a.b", "a")` for `from a import b`, where `b` is a module or a name in `a`."""
    names: set[tuple[str, ...]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update((alias.name,) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *([base] if base else [])])
            names.update((f"{base}.{alias.name}".lstrip("."), base) for alias in node.names)
    return names


def import_graph(roots: list[Path]) -> dict[str, set[str]]:
    """Each local module and the local modules it imports; imports of anything else are left out."""
    modules: dict[str, Path] = {}
    for root in roots:
        modules.update(module_names(root))
    graph = {}
    for module, path in modules.items():
        edges = set()
        for candidates in imported_names(module, path, path.name == "__init__.py"):
            local = next((name for name in candidates if name in modules), None)
            if local is not None and local != module:
                edges.add(local)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every group of modules that import one another (directly or through others), sorted."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = lowlink[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                lowlink[node] = min(lowlink[node], lowlink[target])
            elif target in on_stack:
                lowlink[node] = min(lowlink[node], index[target])
        if lowlink[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(found)


def import_problems(roots: list[Path]) -> list[str]:
    """What is wrong with the imports of the modules under `roots`, one line per problem."""
    graph = import_graph(roots)
    problems = [
        f"{module} imports {target}: import from a plain module, never from a conftest"
        for module, targets in sorted(graph.items())
        for target in sorted(targets)
        if target.split(".")[-1] == "conftest"
    ]
    for group in cycles(graph):
        links = ", ".join(f"{a} -> {b}" for a in group for b in sorted(graph[a]) if b in group)
        problems.append(f"import cycle among {', '.join(group)} ({links})")
    return problems


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """Every module that importing `start` imports, directly or through others."""
    seen: set[str] = set()
    pending = [start]
    while pending:
        for target in graph.get(pending.pop(), ()):
            if target not in seen:
                seen.add(target)
                pending.append(target)
    return seen


def test_no_module_of_the_tests_or_snippets_imports_conftest_or_imports_itself_back() -> None:
    assert import_problems([SUPPORT, BENCH, SNIPPETS, TESTS]) == []


def test_the_root_conftest_loads_nothing_of_the_browser_tests() -> None:
    """Tests of the mock or the examples must not need Playwright, or wait for it to load."""
    loaded = reachable(import_graph([SUPPORT, BENCH, SNIPPETS, TESTS]), "conftest")
    assert "docs_site" in loaded, "the check no longer sees the site build the root conftest uses"
    assert sorted(name for name in loaded if name.split(".")[0] == "browser") == []


def test_the_check_reports_a_conftest_import_and_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text("import pytest\n", encoding="utf-8")
    (tmp_path / "uses_conftest.py").write_text("from conftest import in_ci\n", encoding="utf-8")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "pkg" / "first.py").write_text("from pkg import second\n", encoding="utf-8")
    # The cycle closes inside a function: it still runs as soon as the function is called.
    (tmp_path / "pkg" / "second.py").write_text("def later():\n    from . import first\n", encoding="utf-8")
    (tmp_path / "alone.py").write_text("import json\nimport pkg.first\n", encoding="utf-8")

    assert import_problems([tmp_path]) == [
        "uses_conftest imports conftest: import from a plain module, never from a conftest",
        "import cycle among pkg.first, pkg.second (pkg.first -> pkg.second, pkg.second -> pkg.first)",
    ]


def test_the_check_accepts_imports_that_go_one_way(tmp_path: Path) -> None:
    (tmp_path / "base.py").write_text("ROOT = 1\n", encoding="utf-8")
    (tmp_path / "user.py").write_text("from base import ROOT\nimport base\n", encoding="utf-8")
    assert import_problems([tmp_path]) == []


def loaded_by_path(roots: list[Path]) -> list[str]:
    """Each place under `roots` that loads a module from a file's path, as "path:line: what it calls"."""
    found = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" in path.parts or "node_modules" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if not any(name in text for name in LOADS_BY_PATH):
                continue  # most files: nothing to parse
            for node in ast.walk(ast.parse(text, filename=str(path))):
                name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
                if name in LOADS_BY_PATH:
                    found.append(f"{path.relative_to(root.parent).as_posix()}:{node.lineno}: {name}")
    return found


def test_no_module_is_loaded_from_its_file_path() -> None:
    """Each module is imported by its name (`from hooks import examples`); MkDocs alone loads its hooks by path."""
    assert loaded_by_path([ROOT / folder for folder in CODE_FOLDERS]) == []


def test_the_check_reports_a_module_loaded_from_its_path(tmp_path: Path) -> None:
    (tmp_path / "loader.py").write_text(
        "import importlib.util\nspec = importlib.util.spec_from_file_location('x', 'x.py')\n", encoding="utf-8"
    )
    (tmp_path / "fine.py").write_text("import importlib\nimportlib.import_module('json')\n", encoding="utf-8")
    assert loaded_by_path([tmp_path]) == [f"{tmp_path.name}/loader.py:2: spec_from_file_location"]
