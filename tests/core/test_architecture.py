"""The import rules of the package, read from its source with ``ast`` (nothing is imported).

- core imports only core (and ``_version``);
- report imports only core and report (and ``_version``);
- an area folder imports only core and its own folder;
- runner imports core, report, runner and ``pytest_secure.areas``;
- the top-level modules (plugin, __init__, areas, docgen, _version) may import anything;
- no import cycles. Imports under ``if TYPE_CHECKING:`` count for the layer rules, not for cycles.

Function-level imports count like module-level ones. A package's ``__init__`` is a module of its own.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "pytest_secure"
AREAS = ("hygiene", "authz", "fuzz", "abuse", "dast", "browser")
TOP_LEVEL = ("", "plugin", "areas", "docgen", "_version")  # "" is pytest_secure/__init__.py
ALLOWED = {
    "core": ({"core", "_version"}, "core imports only core"),
    "report": ({"core", "report", "_version"}, "report imports only core and report"),
    "runner": ({"core", "report", "runner", "areas"}, "runner imports only core, report, runner and areas"),
    **{area: ({"core", area}, "an area imports only core and its own folder") for area in AREAS},
}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, e.g. pytest_secure.authz.matrix
    target: str  # the imported module (a package's __init__ is the package)
    line: int
    type_checking: bool  # under `if TYPE_CHECKING:`: counts for the layer rules, not for cycles

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} (line {self.line})"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> str:
    """``pytest_secure.authz.matrix`` -> ``authz``; ``pytest_secure`` -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The pytest_secure modules an import statement loads ("from x import y": x.y when y is a module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] == "pytest_secure"]
    if node.level:  # relative: from the module's package, one package up per extra dot
        package = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
        if node.level > len(package):  # beyond the top-level package: fails at import
            return [f"{'.' * node.level}{node.module or ''}"]
        base = ".".join([*package[:len(package) - node.level + 1], *([node.module] if node.module else [])])
    elif node.module and node.module.split(".")[0] == "pytest_secure":
        base = node.module
    else:
        return []
    submodules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES]
    names_a_submodule_only = len(submodules) == len(node.names)
    return submodules if names_a_submodule_only else [base, *submodules]


def imports_of(module: str) -> list[Import]:
    found: list[Import] = []

    def visit(node: ast.AST, type_checking: bool) -> None:
        if isinstance(node, ast.If) and is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, type_checking)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.extend(Import(module, target, node.lineno, type_checking) for target in targets(module, node))
        for child in ast.iter_child_nodes(node):
            visit(child, type_checking)

    visit(ast.parse(MODULES[module].read_text(encoding="utf-8"), str(MODULES[module])), False)
    return found


ALL_IMPORTS = [imp for module in MODULES for imp in imports_of(module)]


def broken_rule(imp: Import) -> str | None:
    if imp.target not in MODULES:
        return "the imported module does not exist"
    source = layer(imp.source)
    if source in TOP_LEVEL:
        return None
    if source not in ALLOWED:
        return f"{source}/ is in no layer of the import rules"
    allowed, rule = ALLOWED[source]
    return None if layer(imp.target) in allowed else rule


def test_imports_follow_the_layer_rules():
    offences = [f"{imp}{' [TYPE_CHECKING]' if imp.type_checking else ''}: {rule}"
                for imp in ALL_IMPORTS if (rule := broken_rule(imp))]
    assert not offences, f"{len(offences)} imports break the layer rules:\n" + "\n".join(offences)


def find_cycles(edges: dict[str, dict[str, Import]]) -> list[list[Import]]:
    """One cycle per back edge of a depth-first search (deterministic: modules in sorted order)."""
    cycles: list[list[Import]] = []
    done: set[str] = set()
    path: list[Import] = []  # the imports leading from the root to the module being visited
    on_path: list[str] = []

    def visit(module: str) -> None:
        on_path.append(module)
        for target, imp in sorted(edges.get(module, {}).items()):
            if target in on_path:
                cycles.append([*path[on_path.index(target):], imp])
            elif target not in done:
                path.append(imp)
                visit(target)
                path.pop()
        on_path.pop()
        done.add(module)

    for module in sorted(edges):
        if module not in done:
            visit(module)
    return cycles


def test_no_import_cycles():
    edges: dict[str, dict[str, Import]] = {}
    for imp in ALL_IMPORTS:
        if not imp.type_checking and imp.target in MODULES and imp.target != imp.source:
            edges.setdefault(imp.source, {}).setdefault(imp.target, imp)
    cycles = find_cycles(edges)
    report = [" -> ".join([cycle[0].source, *(imp.target for imp in cycle)]) + "\n"
              + "\n".join(f"    {imp}" for imp in cycle) for cycle in cycles]
    assert not cycles, f"{len(cycles)} import cycles:\n" + "\n".join(report)
