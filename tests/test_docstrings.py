"""The package's docstrings name only what exists: a cross-reference that no longer resolves sends a maintainer
to look for a module or a name that is not there (the README's "How it is built" sends them to the docstrings)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "sc_policy"

REFERENCE = re.compile(r":(?:data|func|class|mod|meth|attr|exc|obj):`~?(sc_policy(?:\.\w+)+)`")
"""A Sphinx cross-reference by its full dotted name: ``:class:`~sc_policy.engine.budget.ExpressionBudget```."""


def resolves(name: str) -> bool:
    """Whether ``name`` (``sc_policy.engine.budget.ExpressionBudget``) is a module, or a name in one."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            if not hasattr(found, part):
                return False
            found = getattr(found, part)
        return True
    return False


def test_resolves_tells_a_name_that_is_not_there():
    assert resolves("sc_policy.engine.budget.ExpressionBudget") and resolves("sc_policy.engine.budget")
    assert not resolves("sc_policy.engine.bounds.ExpressionBudget") and not resolves("sc_policy.engine.nowhere")


def test_every_cross_reference_by_full_name_resolves():
    broken = [f"{path.relative_to(PACKAGE.parent)}:{text[:m.start()].count(chr(10)) + 1}: {m.group(1)}"
              for path in sorted(PACKAGE.rglob("*.py")) for text in [path.read_text(encoding="utf-8")]
              for m in REFERENCE.finditer(text) if not resolves(m.group(1))]
    assert not broken, ("docstrings name what does not exist (moved or renamed? name it where it is now):\n"
                        + "\n".join(broken))
