"""What completion offers in a clause: the fact names in its expressions and templates, the area ids it applies to.

Inside ``when``, ``condition`` and ``explain`` (the expressions and the explanation templates) it offers
every fact a clause may read (:data:`sc_policy.engine.facts.FACTS`), with its type and meaning; inside
``applies_to``, the ids of the areas of the clause's version (as last checked, else the names of its
area files).
"""

from __future__ import annotations

from typing import List, Optional, Sequence

from lsprotocol import types

from sc_policy.engine.facts import FACTS
from sc_policy.lsp.context import context_at, in_comment
from sc_policy.lsp.overlay import Checked, Place

__all__ = ["completions", "EXPRESSION_KEYS", "TRIGGERS"]

EXPRESSION_KEYS = ("when", "condition", "explain")
"""The keys of a clause whose values read facts: its two expressions and its explanation templates."""

TRIGGERS = ["{", "[", ","]
"""Characters after which an editor asks for completion unprompted: a template's ``{``, a list's ``[`` and ``,``."""


def _facts() -> List[types.CompletionItem]:
    return [types.CompletionItem(label=spec.name, kind=types.CompletionItemKind.Variable,
                                 detail=f"{spec.type} ({spec.family} fact)", documentation=spec.doc)
            for spec in FACTS.values()]


def _areas(place: Place, checked: Optional[Checked]) -> List[types.CompletionItem]:
    if checked is not None and checked.version is not None:
        return [types.CompletionItem(label=area.id, kind=types.CompletionItemKind.EnumMember, detail=area.title)
                for area in checked.version.areas]
    folder = place.folder / "areas"
    names = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
    return [types.CompletionItem(label=name, kind=types.CompletionItemKind.EnumMember, detail="area")
            for name in names]


def completions(lines: Sequence[str], line: int, column: int, place: Place,
                checked: Optional[Checked]) -> Optional[types.CompletionList]:
    """The completion at 0-based ``line`` and ``column`` (in characters) of a rule file, or None where it
    offers nothing (outside a clause's expressions, templates and ``applies_to``, and in a comment)."""
    if not place.rel.startswith("clauses/") or (0 <= line < len(lines) and in_comment(lines[line], column)):
        return None  # a comment is prose: no fact or area is offered in it
    context = context_at(lines, line, column)
    if context.within(*EXPRESSION_KEYS):
        items = _facts()
    elif context.key == "applies_to":
        items = _areas(place, checked)
    else:
        return None
    return types.CompletionList(is_incomplete=False, items=items)
