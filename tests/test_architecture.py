"""The package's shape: imports point one way, and no module or class grows too big.

Every module of the installed package (``techbloc`` and the folders mapped into it: sim/,
analysis/, app/, scenarios/) is parsed with :mod:`ast`, never imported. An import of another
techbloc module anywhere in a file (module level, inside a function, under ``if
TYPE_CHECKING``) is an edge of the graph; ``from techbloc.x import y`` is an edge to the module
``techbloc.x.y`` when that is a module, else to ``techbloc.x``. The graph must have no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Import package -> folder of the repository (pyproject's [tool.setuptools.package-dir]).
PACKAGE_DIRS = {"techbloc": "techbloc", "techbloc.sim": "sim", "techbloc.analysis": "analysis",
                "techbloc.app": "app", "techbloc.scenarios": "scenarios"}
MODEL_MODULE_MAX = 400  # lines of techbloc.sim.model
CLASS_MAX = 300  # lines of any class
FILE_MAX = 700  # lines of any module

#: TEMPORARY allow-list of files over FILE_MAX, owned by other work; the lead clears it.
#: Empty since the hindcast command's body left sim/cli.py (a long command's body goes into a
#: module of its own, as sim.plot_command and sim.hindcast_command).
FILE_SIZE_EXCEPTIONS: set[str] = set()


def modules() -> dict[str, Path]:
    """Dotted module name -> source file, for every module of the package."""
    out: dict[str, Path] = {}
    for package, folder in PACKAGE_DIRS.items():
        base = ROOT / folder
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(base).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            if any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
                continue
            out[".".join([package, *parts])] = path
    return out


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The longest known module that ``name`` (a dotted path) names or lies in."""
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        candidate = ".".join(parts[:k])
        if candidate in known:
            return candidate
    return None


def imports_of(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The techbloc modules that ``module`` imports anywhere in its file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, up level - 1 packages
                pkg = module.split(".") if is_package else module.split(".")[:-1]
                pkg = pkg[: len(pkg) - (node.level - 1)]
                base = ".".join([*pkg, *([base] if base else [])])
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                     for a in node.names]
        else:
            continue
        for name in names:
            target = _resolve(name, known) if name.startswith("techbloc") else None
            if target is not None and target != module:
                out.add(target)
    return out


def graph() -> dict[str, set[str]]:
    known = modules()
    return {m: imports_of(m, p, known) for m, p in known.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the import graph as a path ``[a, b, ..., a]``, or None (depth-first search)."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_graph_sees_known_imports():
    g = graph()
    assert "techbloc.sim.world" in g["techbloc.sim.model"]
    assert "techbloc.sim.layers.countries" in g["techbloc.sim.model"]
    assert "techbloc.sim.mechanisms.policy" in g["techbloc.sim.layers.countries"]
    # function-level imports count too (pages imports the analysis inside its components)
    assert "techbloc.analysis.curves" in g["techbloc.app.pages"]


def test_find_cycle_reports_the_loop():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_in_the_package():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_events_do_not_import_the_model():
    g = graph()
    assert not {m for m in g["techbloc.sim.events"] if m.startswith("techbloc.sim.model")
                or m.startswith("techbloc.sim.layers")}


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines())


def test_model_module_is_small():
    n = _lines(ROOT / "sim" / "model.py")
    assert n < MODEL_MODULE_MAX, f"sim/model.py has {n} lines (limit {MODEL_MODULE_MAX})"


@pytest.mark.parametrize("path", sorted(modules().values()), ids=lambda p: str(p.relative_to(ROOT)))
def test_size_limits(path):
    rel = str(path.relative_to(ROOT))
    n = _lines(path)
    if rel not in FILE_SIZE_EXCEPTIONS:
        assert n <= FILE_MAX, f"{rel} has {n} lines (limit {FILE_MAX})"
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ClassDef):
            size = node.end_lineno - node.lineno + 1
            assert size <= CLASS_MAX, (f"{rel}:{node.lineno}: class {node.name} has {size} lines "
                                       f"(limit {CLASS_MAX})")
