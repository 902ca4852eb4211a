"""The decision impact of a change: exactly which decisions differ between two versions.

The impact is exact, not sampled. A decision depends on one of the 500 NOC 2016
unit groups and on no industry or one NAICS 2017 code. Each version's decision
table (:mod:`sc_policy.engine.table`) holds every clause result for every unit group
and every class of codes that version treats alike (exact even for clauses that
read both occupation and industry facts); the codes that both versions treat
alike form the classes of the diff, one representative standing for each, and
the impact is a comparison of the two tables over every (unit group, class).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from sc_policy.engine.classes import NO_INDUSTRY, IndustryClass, industry_classes
from sc_policy.engine.decide import Evaluator
from sc_policy.engine.table import DecisionTable, build_table

__all__ = ["CHANGE_GROUPS", "ClauseChange", "ImpactRow", "Impact", "industry_inputs", "impact", "reasons",
           "decision_table"]

CHANGE_GROUPS = ("now_eligible", "no_longer_eligible", "areas_changed")
"""The impact groups, in the order they are shown."""


# -- the input space ---------------------------------------------------------------------------------------

def decision_table(evaluator: Evaluator) -> DecisionTable:
    """The evaluator's decision table (an opened version has one; a bare evaluator gets one built)."""
    return evaluator.table if evaluator.table is not None else build_table(evaluator)


def industry_inputs(old: DecisionTable, new: DecisionTable, codes: Sequence[str],
                    evaluators: Sequence[Evaluator] = ()) -> List[IndustryClass]:
    """No industry, then one input per class of codes that both versions' tables treat alike.

    Each table's classes are exact for its own version, clauses reading both
    occupation and industry included (:mod:`sc_policy.engine.table`), so the classes of
    both versions together are their common refinement: the codes in the same
    class of the old table and in the same class of the new one. A class that is
    a class of neither table alone is described afresh against the codes either
    version names (:func:`sc_policy.engine.classes.industry_classes` over its members).
    """
    groups: Dict[Tuple[int, int], List[str]] = {}
    for code in codes:
        jo, jn = old.industry_class(code), new.industry_class(code)
        if not jo or not jn:
            raise ValueError(f"decision table of {old.version if not jo else new.version} lacks NAICS {code}")
        groups.setdefault((jo, jn), []).append(code)
    out = [NO_INDUSTRY]
    for (jo, jn), members in groups.items():
        members = sorted(members, key=lambda c: (len(c), c))
        was, now = old.classes[jo - 1], new.classes[jn - 1]
        if len(members) == len(now.codes):
            description = now.description
        elif len(members) == len(was.codes):
            description = was.description
        elif evaluators:
            described = industry_classes(list(evaluators), members)
            description = described[0].description if len(described) == 1 else \
                f"{was.description} (before); {now.description} (after)"
        else:
            description = f"{was.description} (before); {now.description} (after)"
        out.append(IndustryClass(members[0], tuple(sorted(members)), description))
    return [out[0]] + sorted(out[1:], key=lambda i: (len(i.representative), i.representative))


# -- the impact ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClauseChange:
    """Why an area's answer changed: one of its clauses decides the input otherwise. ``before`` and
    ``after`` are ``pass``, ``fail`` or ``not_applicable``, or None where the version applies no clause of
    that id to the area (a clause added, removed or re-scoped, or the area itself added or removed)."""

    area: str
    clause: str
    before: Optional[str]
    after: Optional[str]

    def as_dict(self) -> dict:
        return {"area": self.area, "clause": self.clause, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class ImpactRow:
    noc: str
    noc_title: str
    industry: Optional[str]
    industry_class: str
    industry_codes: int
    before: Tuple[str, ...]
    after: Tuple[str, ...]
    change: str
    reasons: Tuple[ClauseChange, ...] = ()

    def as_dict(self) -> dict:
        return {"noc": self.noc, "noc_title": self.noc_title, "industry": self.industry,
                "industry_class": self.industry_class, "industry_codes": self.industry_codes,
                "before": list(self.before), "after": list(self.after), "change": self.change,
                "reasons": [r.as_dict() for r in self.reasons]}


@dataclass(frozen=True)
class Impact:
    """The rows whose decision differs; and, over the inputs decided alike (same areas in scope), how many
    have some clause result that differs (``alike``), and each such clause change with its count of inputs
    (``alike_clauses``): what an answer explains otherwise, and what changes the decisions hash."""

    rows: Tuple[ImpactRow, ...]
    nocs: int
    industries: Tuple[IndustryClass, ...]
    alike: int = 0
    alike_clauses: Tuple[Tuple[ClauseChange, int], ...] = ()

    def count(self, change: str) -> int:
        return sum(1 for r in self.rows if r.change == change)

    def as_dict(self) -> dict:
        return {"nocs": self.nocs, "industry_inputs": len(self.industries),
                "inputs": self.nocs * len(self.industries),
                "counts": {g: self.count(g) for g in CHANGE_GROUPS},
                "clause_results_changed": {"inputs": self.alike, "clauses": [
                    {**change.as_dict(), "inputs": n} for change, n in self.alike_clauses]}}


def _classify(before: Tuple[str, ...], after: Tuple[str, ...]) -> Optional[str]:
    if before == after:
        return None
    if not before:
        return "now_eligible"
    if not after:
        return "no_longer_eligible"
    return "areas_changed"


def _results(table: DecisionTable, area: str, cell: int) -> Dict[str, str]:
    """Each clause's result for an area at a cell ({} when the version has no such area)."""
    if area not in table.areas:
        return {}
    return {clause.id: result for clause, result in table.results(table.areas.index(area), cell)}


def reasons(t_old: DecisionTable, c_old: int, t_new: DecisionTable, c_new: int,
            before: Tuple[str, ...], after: Tuple[str, ...]) -> Tuple[ClauseChange, ...]:
    """For each area in scope under one version only, every clause whose result differs between them, in
    the order the new version's explanation lists them (then the old's clauses it lacks). An area's scope
    is that none of its clauses fails, so each such area has at least one."""
    return _differences(t_old, c_old, t_new, c_new, sorted(set(before) ^ set(after)))


def _differences(t_old: DecisionTable, c_old: int, t_new: DecisionTable, c_new: int,
                 areas: Sequence[str]) -> Tuple[ClauseChange, ...]:
    out: List[ClauseChange] = []
    for area in areas:
        was, now = _results(t_old, area, c_old), _results(t_new, area, c_new)
        for clause in list(now) + [c for c in was if c not in now]:
            if was.get(clause) != now.get(clause):
                out.append(ClauseChange(area, clause, was.get(clause), now.get(clause)))
    return tuple(out)


def impact(old: Evaluator, new: Evaluator) -> Impact:
    """Every input whose decision differs between the two versions, over the whole input space.

    Both versions' decision tables hold every clause result for every input, so
    the impact is a comparison of table lookups: no sampling, and no expression
    evaluated twice.
    """
    refdata = new.refdata
    t_old, t_new = decision_table(old), decision_table(new)
    nocs = sorted(refdata.noc2016)
    inputs = industry_inputs(t_old, t_new, refdata.naics2017_codes, (old, new))
    rows = []
    areas = sorted(set(t_old.areas) | set(t_new.areas))
    alike: Dict[ClauseChange, int] = {}
    alike_inputs = 0
    for inp in inputs:
        for n in nocs:
            c_old, c_new = t_old.cell(n, inp.representative), t_new.cell(n, inp.representative)
            b = tuple(sorted(t_old.in_scope(c_old)))
            a = tuple(sorted(t_new.in_scope(c_new)))
            change = _classify(b, a)
            if change:
                rows.append(ImpactRow(n, refdata.noc_title(n) or "", inp.representative, inp.description, len(inp.codes),
                                      b, a, change, reasons(t_old, c_old, t_new, c_new, b, a)))
                continue
            differences = _differences(t_old, c_old, t_new, c_new, areas)
            alike_inputs += bool(differences)
            for d in differences:
                alike[d] = alike.get(d, 0) + 1
    rows.sort(key=lambda r: (CHANGE_GROUPS.index(r.change), r.noc, r.industry is not None, len(r.industry or ""),
                             r.industry or ""))
    tally = sorted(alike.items(), key=lambda item: (item[0].area, item[0].clause, item[0].before or "",
                                                    item[0].after or ""))
    return Impact(tuple(rows), len(nocs), tuple(inputs), alike_inputs, tuple(tally))
