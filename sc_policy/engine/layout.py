"""Whether a decision table read back (from the cache) is laid out and described as
:func:`~sc_policy.engine.table.build_table` makes it from its version.

The decisions hash (:func:`~sc_policy.engine.table.decisions_hash`) proves what a table decides,
not how it is laid out: the order of the unit groups, of an area's clauses (the order the
explanation lists them in, and the last tie-break of the deciding clause), how the industry codes
are cut into classes, each class's representative and description. A cache entry that kept its
decisions but changed those would change an explanation, the rows of ``sc-policy table`` or a
diff's wording for a frozen version. Each is a function of the version and the decisions, so it is
checked here, at the cost of about a millisecond.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from sc_policy.engine.tokens import fact_names
from sc_policy.engine.classes import REFINED, IndustryClass, code_order, describe
from sc_policy.engine.facts import clause_rank, families
from sc_policy.engine.table import DecisionTable
from sc_policy.engine.templates import template_fields
from sc_policy.model import Version

__all__ = ["layout_differs"]


def layout_differs(table: DecisionTable, version: Version) -> Optional[str]:
    """None when ``table`` is laid out as built for ``version``; else what differs, in a few words."""
    if list(table.nocs) != sorted(table.nocs):
        return "its unit groups are not in code order"
    rank = _compiled_order(version)
    for area, cols in zip(table.areas, table.columns):
        ids = [c.clause for c in cols]
        if any(cid not in rank for cid in ids) or ids != sorted(ids, key=rank.__getitem__):
            return f"the clauses of area {area} are not in the order the explanation lists them"
    classes = table.classes
    # in sorted codes, the first of the shortest is the first by (length, code)
    if any(list(c.codes) != sorted(c.codes) or c.representative != min(c.codes, key=len) for c in classes):
        return "an industry class is not represented by its first code"
    if [c.representative for c in classes] != sorted((c.representative for c in classes), key=code_order):
        return "its industry classes are not in order"
    columns = [col for cols in table.columns for col in cols]
    if len({tuple(table.strip(col, j) for col in columns) for j in range(1, table.width)}) != len(classes):
        return "two of its industry classes decide alike"
    return _descriptions_differ(table, version)


def _compiled_order(version: Version) -> Dict[str, Tuple[int, str]]:
    """Each clause's place in the compiler's order (:func:`sc_policy.engine.compile.compile_version`): the
    clauses that read no industry fact, by id, then those that do, by id; what a clause reads is the facts
    its expressions name and its templates' placeholders, found here without compiling (a warm cache does
    not compile). None of a clause whose templates cannot be read (no entry holds one)."""
    order: Dict[str, Tuple[int, str]] = {}
    for clause in version.clauses:
        reads = set()
        for expression in (clause.when, clause.condition):
            if expression:
                reads |= fact_names(expression)
        try:
            for template in clause.explain.values():
                reads.update(template_fields(template))
        except ValueError:
            continue
        order[clause.id] = clause_rank(families(reads), clause.id)
    return order


def _descriptions_differ(table: DecisionTable, version: Version) -> Optional[str]:
    """A class is described by the codes it lies within (:func:`describe`); a class that the clauses
    reading both families split off keeps the description of the class it was split from (of all the
    parts together), followed by those clauses and its representative."""
    mentioned = sorted({e.code for area in version.areas for e in area.include + area.exclude})
    both = ", ".join(sorted({col.clause for cols in table.columns for col in cols if col.kind == "both"}))
    parts: Dict[str, List[IndustryClass]] = {}
    for cls in table.classes:
        base, refined, rest = cls.description.partition(REFINED)
        if not refined:
            right = describe(cls.codes, mentioned) == base
        else:
            right = bool(both) and rest == f"{both} treat like {cls.representative}"
            parts.setdefault(base, []).append(cls)
        if not right:
            return f"industry class {cls.representative} is not described as the version describes it"
    for base, split in parts.items():
        if len(split) < 2 or describe([code for cls in split for code in cls.codes], mentioned) != base:
            return f"industry class {split[0].representative} is not described as the version describes it"
    return None
