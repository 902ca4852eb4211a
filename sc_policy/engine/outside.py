"""The areas in scope for inputs a decision table does not cover, evaluated the way the table is built.

A decision table covers every NOC 2016 unit group with no industry or with a NAICS 2017 code
of StatCan's list. ``evaluate`` also accepts a sector that StatCan writes as a range
("31-33"), which no class of the table holds; :meth:`Evaluator.decide
<sc_policy.engine.decide.Evaluator.decide>` decides such an input directly, evaluating every
clause with rule-engine (milliseconds). A caseload, or an SQL script that lists the decision of
every unit group under every sector, needs only the areas in scope, for hundreds of unit
groups at a time: here each clause is evaluated once per distinct value of exactly the facts
it reads (:class:`~sc_policy.engine.relevance.KeyedClause`, as :func:`~sc_policy.engine.table.build_table`
does), and each result is remembered.
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple

from sc_policy.engine.facts import industry_facts, occupation_facts
from sc_policy.model import FAIL

__all__ = ["OutsideTable"]


class OutsideTable:
    """In-scope areas of any checked input of one evaluator's version, by keyed evaluation.

    Remembers each clause's outcome by its key, each unit group's facts by area and each
    industry's facts, for as long as it lives (one per evaluator: its inputs are the few
    inputs a table does not cover, against some 500 unit groups).
    """

    def __init__(self, evaluator):
        from sc_policy.engine.relevance import KeyedClause, frozen_facts  # (compiled versions only)
        self._frozen = frozen_facts
        self._refdata = evaluator.refdata
        self._areas = tuple((area, a_facts, tuple(KeyedClause(cc, a_facts) for cc in clauses))
                            for area, a_facts, clauses in evaluator.area_clauses)
        self._outcomes: Dict[tuple, str] = {}
        self._occupations: Dict[Tuple[str, str], Tuple[dict, dict]] = {}
        self._industries: Dict[Optional[str], Tuple[dict, dict]] = {}

    def in_scope(self, noc: str, industry: Optional[str]) -> Tuple[str, ...]:
        """The ids of the areas that admit ``noc`` with ``industry`` (both already checked), in area order."""
        ind = self._industries.get(industry)
        if ind is None:
            facts = industry_facts(industry, self._refdata)
            ind = self._industries[industry] = (facts, self._frozen(facts))
        admitted = []
        for area, a_facts, keyed in self._areas:
            occ = self._occupations.get((area.id, noc))
            if occ is None:
                facts = occupation_facts(noc, area, self._refdata)
                occ = self._occupations[(area.id, noc)] = (facts, self._frozen(facts))
            for kc in keyed:
                key = kc.key(occ[1], ind[1])
                outcome = self._outcomes.get(key)
                if outcome is None:
                    outcome = self._outcomes[key] = kc.cc.outcome({**a_facts, **occ[0], **ind[0]})
                if outcome == FAIL:
                    break
            else:
                admitted.append(area.id)
        return tuple(admitted)
