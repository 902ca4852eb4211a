"""The package's layers, as the README's "How it is built" draws them: no module imports a layer above
its own, no two modules import each other (also not under TYPE_CHECKING or inside a function), and no
module is over 400 lines; each failure says what to do about it."""

from __future__ import annotations

import ast
import re
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


def _short(name: str) -> str:
    return name.removeprefix("sc_policy.") if name != "sc_policy" else "the package root"


def _wrong_imports(modules) -> list:
    """Each import of a layer above the importing module's own, or of the package root, with what to do."""
    wrong = []
    for module, path, is_package in modules:
        mine = _layer(module)
        for line, target in _imports(module, path, is_package):
            if target == "sc_policy" and module != "sc_policy":
                wrong.append(f"{path.name}:{line}: imports the package root; import the module itself")
            elif _layer(target) > mine:
                allowed = ", ".join(_short(n) for layer in LAYERS[:mine + 1] for n in sorted(layer))
                wrong.append(f"{module}:{line}: imports {target}, a layer above ({_short(module)} may import only "
                             f"{allowed}): move what it needs down to one of those, or this code up to a layer that "
                             f"may import it (README: How it is built)")
    return wrong


def _cycles(modules) -> list:
    """Each cycle of imports among ``modules``, with what to do."""
    modules = {module: (path, is_package) for module, path, is_package in modules}
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
            cycles.append(" -> ".join(trail[trail.index(module):] + [module])
                          + " (no two modules may import each other, also not inside a function: move what one "
                            "needs of the other into it, or what both need into a module both import)")
            return
        for target in sorted(graph[module]):
            visit(target, trail + [module])
        seen[module] = "done"

    for module in sorted(graph):
        visit(module, [])
    return cycles


MAX_LINES = 400


def _long_modules(modules) -> list:
    """Each module over :data:`MAX_LINES` lines, with what to do."""
    return [f"{path.relative_to(PACKAGE.parent) if path.is_relative_to(PACKAGE.parent) else path}: {n} lines (over "
            f"{MAX_LINES}: move a job of its own into a module of its own, in the same layer)"
            for _, path, _ in modules if (n := path.read_text(encoding="utf-8").count("\n")) > MAX_LINES]


def _unused_imports(modules) -> list:
    """Each name a module imports at its top level (or under ``if TYPE_CHECKING:``) and never uses: not read as a
    name, nor named in a string (``__all__``, a quoted annotation); a line marked ``noqa`` is an import on purpose."""
    unused = []
    for _, path, _ in modules:
        text = path.read_text(encoding="utf-8")
        tree, lines = ast.parse(text), text.splitlines()
        bound = {}
        for node in tree.body:
            for n in node.body if isinstance(node, (ast.If, ast.Try)) else [node]:
                if isinstance(n, (ast.Import, ast.ImportFrom)) and "noqa" not in lines[n.lineno - 1] \
                        and not (isinstance(n, ast.ImportFrom) and n.module == "__future__"):
                    bound.update(((a.asname or a.name).split(".")[0], n.lineno) for a in n.names if a.name != "*")
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        strings = "\n".join(n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str))
        unused += [f"{path.relative_to(PACKAGE.parent)}:{line}: imports {name!r} and never uses it: remove the import"
                   for name, line in bound.items() if name not in names and not re.search(rf"\b{re.escape(name)}\b", strings)]
    return unused


def test_no_module_imports_what_it_does_not_use():
    """Dead code: ``sc_policy/app/cache.py`` imported ``sys`` after what used it moved to ``codefiles.py``."""
    unused = _unused_imports(_modules())
    assert not unused, "\n".join(unused)


def test_clause_results_are_spelled_in_the_model_alone():
    """One vocabulary of clause results (``sc_policy.model.CLAUSE_RESULTS``): the service's diff model spelled
    them again as ``Literal["pass", "fail", "not_applicable"]``."""
    from sc_policy.model import CLAUSE_RESULTS
    spelled = [f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: spells the clause result {node.value!r}: use "
               f"sc_policy.model's PASS, FAIL, NOT_APPLICABLE" for _, path, _ in _modules() if path.name != "model.py"
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.Constant) and node.value == CLAUSE_RESULTS[2]]
    assert not spelled, "\n".join(spelled)


def test_no_module_imports_a_layer_above_its_own():
    wrong = _wrong_imports(_modules())
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    cycles = _cycles(_modules())
    assert not cycles, "\n".join(cycles)


def _shared_class_names(modules) -> list:
    """Each class name given to more than one class, with where, and what to do."""
    places: dict = {}
    for module, path, _ in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                places.setdefault(node.name, []).append(f"{module}:{node.lineno}")
    return [f"class {name} is defined {len(where)} times ({', '.join(where)}): give each its own name (an HTTP "
            f"body model of a domain class is named after it with Json)" for name, where in places.items()
            if len(where) > 1]


def test_no_two_classes_share_a_name():
    """A reader (and grep) tells the classes apart by name: the HTTP bodies' pydantic models were named as the
    domain classes they give as JSON (Decision, AreaResult, Citation, Change, ... 13 of them)."""
    shared = _shared_class_names(_modules())
    assert not shared, "\n".join(shared)


def test_no_module_over_400_lines():
    long = _long_modules(_modules())
    assert not long, "\n".join(long)


def test_each_finding_says_what_to_do(tmp_path):
    """A failure named the fault alone (`sc_policy/engine/table.py: 401 lines`): a maintainer adding to a module
    at the limit was not told what to do about it."""
    def module(name, text):
        path = tmp_path / f"{name.rpartition('.')[2]}.py"
        path.write_text(text, encoding="utf-8")
        return name, path, False

    [wrong] = _wrong_imports([module("sc_policy.checks.x", "from sc_policy.engine.facts import FACTS\n")])
    assert "checks.x may import only diagnostics, resources, model, reference, load, checks): move" in wrong, wrong
    [cycle] = _cycles([module("sc_policy.checks.a", "from sc_policy.checks.b import y\n"),
                       module("sc_policy.checks.b", "def f():\n    from sc_policy.checks.a import x\n")])
    assert cycle.startswith("sc_policy.checks.a -> sc_policy.checks.b -> sc_policy.checks.a (") and "move" in cycle
    [long] = _long_modules([module("sc_policy.checks.long", "\n" * (MAX_LINES + 1))])
    assert f"{MAX_LINES + 1} lines (over {MAX_LINES}: move a job of its own into a module of its own" in long
