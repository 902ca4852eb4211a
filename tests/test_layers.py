"""The package's layers, as the README's "How it is built" draws them: no module imports a layer above
its own, and no two modules import each other (also not under TYPE_CHECKING or inside a function)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "sc_policy"

LAYERS = [
    {"sc_policy.diagnostics", "sc_policy.resources"},
    {"sc_policy.model"},
    {"sc_policy.reference"},
    {"sc_policy.load"},
    {"sc_policy.checks"},
    {"sc_policy.engine"},
    {"sc_policy.analysis"},
    {"sc_policy.app"},
    {"sc_policy.present"},
    {"sc_policy.cli", "sc_policy.http", "sc_policy.lsp", "sc_policy", "sc_policy.__main__"},
]
"""Bottom first. A module may import its own layer and those below it."""


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        yield ".".join(parts), path, is_package


def _layer(module: str) -> int:
    best, depth = None, -1
    for number, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and name.count(".") > depth:
                best, depth = number, name.count(".")
    assert best is not None, f"{module} is in no layer: add it to LAYERS and to the README's diagram"
    return best


def _imports(module: str, path: Path, is_package: bool):
    base = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = base[: len(base) - (node.level - 1)]
                head = ".".join(parts + ([node.module] if node.module else []))
            else:
                head = node.module or ""
            if head.startswith("sc_policy"):
                yield node.lineno, head
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("sc_policy"):
                    yield node.lineno, alias.name


def test_no_module_imports_a_layer_above_its_own():
    wrong = []
    for module, path, is_package in _modules():
        mine = _layer(module)
        for line, target in _imports(module, path, is_package):
            if target == "sc_policy" and module != "sc_policy":
                wrong.append(f"{path.name}:{line}: imports the package root; import the module itself")
            elif _layer(target) > mine:
                wrong.append(f"{module}:{line}: imports {target}, a layer above")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    modules = {module: (path, is_package) for module, path, is_package in _modules()}
    graph = {}
    for module, (path, is_package) in modules.items():
        targets = set()
        for _, target in _imports(module, path, is_package):
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != module and not module.startswith(target + "."):
                targets.add(target)
        graph[module] = targets
    seen, cycles = {}, []

    def visit(module, trail):
        if seen.get(module) == "done":
            return
        if module in trail:
            cycles.append(" -> ".join(trail[trail.index(module):] + [module]))
            return
        for target in sorted(graph[module]):
            visit(target, trail + [module])
        seen[module] = "done"

    for module in sorted(graph):
        visit(module, [])
    assert not cycles, "\n".join(cycles)


def test_no_module_over_400_lines():
    long = [f"{path.relative_to(PACKAGE.parent)}: {n} lines" for _, path, _ in _modules()
            if (n := path.read_text(encoding="utf-8").count("\n")) > 400]
    assert not long, "\n".join(long)
