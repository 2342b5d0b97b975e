"""The package's import graph is a DAG: no module imports (directly or through others) one
that imports it back. Imports inside functions count too: they hide a cycle, not remove it."""

from __future__ import annotations

import ast
from pathlib import Path

import youthlab

PACKAGE = Path(youthlab.__file__).parent


def module_names() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("youthlab", *path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imported(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules that ``module`` imports (a name resolves to its longest known prefix)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            # a module importing its own package (``youthlab.x`` -> ``youthlab``) is no cycle
            if name and name != module and not module.startswith(name + "."):
                targets.add(name)
    return targets


def cycles() -> list[list[str]]:
    """Groups of modules that reach each other (strongly connected components > 1)."""
    known = module_names()
    edges = {m: imported(m, p, known) for m, p in known.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(start: str) -> None:  # Tarjan, iterative (no recursion limit on a deep graph)
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return sorted(groups)


def test_the_walk_finds_a_cycle_when_there_is_one(tmp_path, monkeypatch):
    pkg = tmp_path / "youthlab"
    (pkg / "area").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "area" / "__init__.py").write_text("")
    (pkg / "area" / "a.py").write_text("from .b import thing\n")
    (pkg / "area" / "b.py").write_text("def f():\n    from youthlab.area import a\n")
    (pkg / "area" / "c.py").write_text("import youthlab.area.a\n")
    monkeypatch.setattr(f"{__name__}.PACKAGE", pkg)
    assert cycles() == [["youthlab.area.a", "youthlab.area.b"]]


def test_the_package_import_graph_has_no_cycle():
    found = cycles()
    assert found == [], "import cycles:\n" + "\n".join(" <-> ".join(group) for group in found)
