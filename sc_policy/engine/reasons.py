"""Why a decision came out as it did: the deciding clause of each area, and the failures that follow from it.

A clause is the more *specific* the fewer inputs of the decision table give it the result in
question: a clause that passes for two unit groups admits a case more specifically than one that
passes for four hundred; of two clauses failing for the same input, the one that fails for fewer
inputs is the more specific, then the one that applies to fewer areas (the Phase I clause of one
area before a clause shared by all), then the first in the area's order. Another failing clause of
an area *follows from* the deciding one when its failure adds no cause of its own: on every input
of the decision table where it fails, the deciding clause fails too (the sets of failing inputs are
compared cell by cell, from the table's columns). Two clauses that test the same thing (Phase I's
``industry-in-area`` and ``phase-1-manufacturing`` for Manufacturing) fail on the same inputs; an
occupation that is not listed and is at an excluded skill level fails for two causes, and neither
follows from the other. Nothing here changes a result: it only ranks the results the rule files gave.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, Mapping, Optional, Sequence, Tuple

from sc_policy.model import FAIL, PASS, Version

if TYPE_CHECKING:
    from sc_policy.engine.table import DecisionTable

# Decisions and area results (sc_policy.engine.decide, which imports this module) are read by their fields.
Decision = AreaResult = object

__all__ = ["Profile", "Profiles", "profiles", "AreaReason", "area_reasons", "decision_reason", "candidates_reason",
           "and_list"]


@dataclass(frozen=True)
class Profile:
    """One clause in one area, over the whole decision table."""

    passes: float    # the share of the column's entries that pass
    fails: float     # ... and that fail
    areas: int       # how many areas the clause applies to


_FAILS = bytes.maketrans(b"pfn", b"\x00\x01\x00")


class Profiles(Dict[Tuple[str, str], Profile]):
    """(area id, clause id) -> :class:`Profile`; and, asked for, the table's cells where a clause fails."""

    def __init__(self, table: Optional["DecisionTable"] = None):
        super().__init__()
        self.table = table
        self._failing: Dict[Tuple[str, str], int] = {}

    def failing(self, area: str, clause: str) -> Optional[int]:
        """The cells where the clause fails in the area, one byte (0 or 1) per cell read as an integer
        (None without a table, or for a clause the table does not have); made on first use."""
        key = (area, clause)
        found = self._failing.get(key)
        if found is None and self.table is not None and area in self.table.areas:
            t = self.table
            col = next((col for c, col in t.area_columns(t.areas.index(area)) if c.id == clause), None)
            if col is None:
                return None
            fails = col.outcomes.encode("ascii").translate(_FAILS)
            if col.kind == "occupation":
                rows = (b"\x00" * t.width, b"\x01" * t.width)
                fails = b"".join(rows[v] for v in fails)
            elif col.kind in ("industry", "area"):
                fails = fails * (t.size // len(fails))
            found = self._failing[key] = int.from_bytes(fails, "big")
        return found

    def follows(self, area: str, clause: str, deciding: str) -> bool:
        """Whether ``clause`` fails only where ``deciding`` fails too (its failure adds no cause)."""
        mine, theirs = self.failing(area, clause), self.failing(area, deciding)
        return mine is not None and theirs is not None and mine & ~theirs == 0


def profiles(table: Optional["DecisionTable"], version: Version) -> Profiles:
    """(area id, clause id) -> Profile, from the table's columns (empty without a table)."""
    out = Profiles(table)
    if table is None:
        return out
    applies = {c.id: len(c.applies_to) for c in version.clauses}
    for k, area in enumerate(table.areas):
        for clause, col in table.area_columns(k):
            n = len(col.outcomes) or 1
            out[(area, clause.id)] = Profile(col.outcomes.count("p") / n, col.outcomes.count("f") / n,
                                             applies.get(clause.id, 0))
    return out


@dataclass(frozen=True)
class AreaReason:
    """The deciding clause of one area's answer (None when no clause decides: nothing passed or failed),
    and, for each other failing clause with the same cause, the clause it follows from."""

    area: str
    deciding: Optional[str]
    follows: Tuple[Tuple[str, str], ...]   # (clause id, the clause it follows from)

    def follows_from(self, clause: str) -> Optional[str]:
        return dict(self.follows).get(clause)


def _rank(area: "AreaResult", result: str, prof: Mapping[Tuple[str, str], Profile]):
    def key(item):
        index, c = item
        p = prof.get((area.area, c.clause))
        share = (p.passes if result == PASS else p.fails) if p else 1.0
        return (share, p.areas if p else 0, index)
    return [c for _, c in sorted(((i, c) for i, c in enumerate(area.clauses) if c.result == result), key=key)]


def area_reasons(decision: "Decision", prof: Mapping[Tuple[str, str], Profile],
                 memo: Optional[dict] = None) -> Tuple[AreaReason, ...]:
    """Each area's deciding clause and the failures that follow from it. An area's reason depends only
    on its clauses' results, so ``memo`` (kept by the caller, per version) remembers it by them."""
    out = []
    for area in decision.areas:
        key = (area.area, tuple(c.result for c in area.clauses))
        found = memo.get(key) if memo is not None else None
        if found is None:
            found = _area_reason(area, prof)
            if memo is not None:
                memo[key] = found
        out.append(found)
    return tuple(out)


def _area_reason(area: "AreaResult", prof: Mapping[Tuple[str, str], Profile]) -> AreaReason:
    if area.in_scope:
        ranked = _rank(area, PASS, prof)
        return AreaReason(area.area, ranked[0].clause if ranked else None, ())
    ranked = _rank(area, FAIL, prof)
    chosen = ranked[0]
    follows: Tuple[Tuple[str, str], ...] = ()
    if isinstance(prof, Profiles):
        follows = tuple((c.clause, chosen.clause) for c in ranked[1:]
                        if prof.follows(area.area, c.clause, chosen.clause))
    return AreaReason(area.area, chosen.clause, follows)


def _clause(area: "AreaResult", clause_id: Optional[str]):
    return next((c for c in area.clauses if c.clause == clause_id), None)


def decision_reason(decision: "Decision", reasons: Sequence[AreaReason], listed_in: Sequence[str]) -> str:
    """The one sentence that says why: the admitting clause of each area in scope; else the deciding
    failure of each area that lists the occupation; else that no area lists it."""
    by_area = {r.area: r for r in reasons}
    if decision.eligible:
        admitted = [(a, _clause(a, by_area[a.area].deciding)) for a in decision.areas if a.in_scope]
        groups: Dict[Optional[str], list] = {}
        for a, c in admitted:
            groups.setdefault(c.clause if c else None, []).append(a.title)
        where = "; ".join(f"{and_list(titles)}" + (f", by clause {cid}" if cid else "") for cid, titles in groups.items())
        first = next((c for _, c in admitted if c is not None), None)
        return f"In scope under {where}" + (f": {first.reason}" if first else ".")
    listed = [a for a in decision.areas if a.area in listed_in]
    if not listed:
        return f"{decision.noc} {decision.noc_title} is on the in-scope list of no priority area."
    groups: Dict[Optional[str], list] = {}
    failing = []
    for a in listed:
        c = _clause(a, by_area[a.area].deciding)
        failing.append(c)
        groups.setdefault(c.clause if c else None, []).append(a.title)
    where = ", and ".join(f"under {and_list(titles)}" + (f", where clause {cid} fails" if cid else "")
                          for cid, titles in groups.items())
    # the failure's own words when they are every listed area's (one area, or the same sentence in each):
    # one area's words after the others' names read as the whole cause; the area lines give each area's
    said = {c.reason for c in failing if c is not None}
    return f"{decision.noc} is listed {where}" + (f": {said.pop()}" if len(said) == 1 and None not in failing else ".")


def candidates_reason(noc, decisions: Sequence["Decision"]) -> str:
    """The sentence of an answer with several NOC 2016 candidates (a NOC 2021 code): each candidate and
    its outcome, the areas by title as in :func:`decision_reason`."""
    return (f"NOC {noc.version} {noc.code} corresponds to {len(decisions)} NOC 2016 unit groups: "
            + "; ".join(f"{d.noc} {d.noc_title}, " + (
                f"eligible ({and_list([a.title for a in d.areas if a.in_scope])})" if d.eligible else "not eligible")
                for d in decisions) + ".")


def and_list(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: items as a sentence names them."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
