"""Whether a decision table read back (from the cache) is laid out and described as
:func:`~sc_policy.engine.table.build_table` makes it from its version.

The decisions hash (:func:`~sc_policy.engine.table.decisions_hash`) proves what a table decides,
not how it is laid out: the order of the unit groups, of an area's clauses (the order the
explanation lists them in, and the last tie-break of the deciding clause), how the industry codes
are cut into classes, each class's representative and description. A cache entry that kept its decisions but changed those would
change an explanation, the rows of ``sc-policy table`` or a diff's wording for a frozen version.
Each is a function of the version and the decisions, so it is checked here, at the cost of a few
milliseconds.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from sc_policy.engine.classes import REFINED, IndustryClass, describe
from sc_policy.engine.table import DecisionTable
from sc_policy.model import Version

__all__ = ["layout_differs"]


def _first(code: str) -> Tuple[int, str]:
    return len(code), code


def layout_differs(table: DecisionTable, version: Version) -> Optional[str]:
    """None when ``table`` is laid out as built for ``version``; else what differs, in a few words."""
    if list(table.nocs) != sorted(table.nocs):
        return "its unit groups are not in code order"
    for area, cols in zip(table.areas, table.columns):
        if not _in_explanation_order(cols):
            return f"the clauses of area {area} are not in the order the explanation lists them"
    classes = table.classes
    # in sorted codes, the first of the shortest is the first by (length, code)
    if any(list(c.codes) != sorted(c.codes) or c.representative != min(c.codes, key=len) for c in classes):
        return "an industry class is not represented by its first code"
    if [c.representative for c in classes] != sorted((c.representative for c in classes), key=_first):
        return "its industry classes are not in order"
    columns = [col for cols in table.columns for col in cols]
    if len({tuple(table.strip(col, j) for col in columns) for j in range(1, table.width)}) != len(classes):
        return "two of its industry classes decide alike"
    return _descriptions_differ(table, version)


def _in_explanation_order(cols) -> bool:
    """Whether an area's columns can be in the compiler's order: the clauses that read no industry fact,
    by id, then those that do, by id (:func:`sc_policy.engine.compile.compile_version`). Which clauses
    read one is known only by compiling them, which a warm cache does not; a column that decides by the
    industry ("industry" or "both") certainly does, so it must come after the split."""
    ids = [c.clause for c in cols]
    first_industry = next((k for k, c in enumerate(cols) if c.kind in ("industry", "both")), len(cols))
    return any(ids[:k] == sorted(ids[:k]) and ids[k:] == sorted(ids[k:]) for k in range(first_industry + 1))


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
