"""The package's layers import only downwards, and no module imports itself in a circle.

Read from the source with ``ast``: every ``from ... import`` inside the package
(module level or inside a function) is resolved to the module it names.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "eventstudy"
FOUNDATION = {"errors", "blocks", "collector", "progress", "version"}
# What each part may import besides itself (the subpackages' __init__ say the same).
ALLOWED = {
    "foundation": set(),
    "sources": {"foundation"},
    "calendar": {"foundation", "sources"},
    "events": {"foundation", "sources", "calendar"},
    "stats": {"foundation"},
    "core": {"foundation", "sources", "calendar", "events", "stats"},
    "analysis": {"foundation", "sources", "calendar", "events", "stats", "core"},
    "plot": {"foundation", "sources", "calendar", "events", "core", "analysis"},
    "report": {"foundation", "sources", "calendar", "events", "stats", "core", "analysis",
               "plot", "top"},
    "top": {"foundation", "sources", "calendar", "events", "stats", "core", "analysis",
            "plot", "report"},
}


# The one import against the flow: ``results.plot`` (an accessor, as pandas'
# ``DataFrame.plot``) imports the figures inside the property, when it is used, so core
# never loads matplotlib and no module-level circle forms.
UPWARD = {("eventstudy/core/results.py", "eventstudy.plot.accessor")}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _part(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in ("__init__", "__main__", "cli"):
        return "top"
    head = parts[1]
    if head in FOUNDATION:
        return "foundation"
    return head


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(module imported, line, at module level) for each import of the package."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            # from x import y: y may be a module of x (resolved against the files later)
            found += [(f"{target}.{alias.name}", node.lineno, id(node) in top)
                      for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("eventstudy"):
            found += [(f"{node.module}.{alias.name}", node.lineno, id(node) in top)
                      for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, id(node) in top) for alias in node.names
                      if alias.name.split(".")[0] == "eventstudy"]
    return found


def _resolve(target: str, modules) -> str:
    """The module a dotted import name refers to (a name inside a module: the module)."""
    while target not in modules and "." in target:
        target = target.rpartition(".")[0]
    return target


def _files() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "_bundled" not in p.parts]


def test_every_import_goes_down_the_layers():
    wrong = []
    modules = {_module(p) for p in _files()}
    for path in _files():
        mine = _part(_module(path))
        for target, line, _ in _imports(path):
            target = _resolve(target, modules)
            theirs = _part(target)
            if (path.relative_to(PACKAGE.parent).as_posix(), target) in UPWARD:
                continue
            if theirs != mine and theirs not in ALLOWED[mine] and target != "eventstudy":
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({mine}) imports "
                             f"{target} ({theirs})")
    assert not wrong, "\n".join(wrong)


def test_no_import_circles_at_module_level():
    modules = {_module(p): p for p in _files()}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for target, _, at_top in _imports(path):
            target = _resolve(target, modules)
            if at_top and target in modules and target != name:
                graph[name].add(target)
    # A package's __init__ re-exports its modules: an edge into a package means its
    # modules, but a module importing its own package's __init__ would be a circle.
    cycles = []

    def visit(node: str, path: list[str], done: set[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt in path:
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in done:
                visit(nxt, path + [nxt], done)
        done.add(node)

    finished: set[str] = set()
    for start in sorted(graph):
        if start not in finished:
            visit(start, [start], finished)
    assert not cycles, "\n".join(sorted(set(cycles))[:20])


def test_every_subpackage_says_what_it_holds_and_may_import():
    for init in PACKAGE.glob("*/__init__.py"):
        if init.parent.name.startswith("_"):
            continue
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert "import" in doc.lower() and len(doc.splitlines()) >= 2, init


def test_install_hints_name_the_distribution():
    """A message telling the user to pip install an extra names the distribution
    (policy-eventstudy), not the import name, which on PyPI is another project."""
    import re

    from eventstudy.version import DISTRIBUTION

    hints = [(path.name, hint) for path in PACKAGE.rglob("*.py")
             for hint in re.findall(r"pip install '([^'\[]+)\[", path.read_text(encoding="utf-8"))]
    assert hints and all(name == DISTRIBUTION for _, name in hints), hints
