"""Decide a case: every clause of every area, with its result and reason.

The evaluation is generic: an area is in scope when every clause that applies
to it passes or is not applicable; the case is eligible when at least one area
is in scope. What each clause means lives in the rule files, never here.

A :class:`Decision` is a plain record of the clause results; renderers turn it
into text, JSON or HTML.
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Tuple

from sc_policy.engine.breadth import finer_codes, industry_parts
from sc_policy.engine.unresolved import UnresolvedIndex
from sc_policy.engine.changes import NO_CHANGES, ChangeFinder, Changes, OccupationChange
from sc_policy.engine.results import Answer, AreaResult, ClauseResult, Decision
from sc_policy.engine.templates import render_template, template_fields
from sc_policy.engine.reasons import area_reasons, candidates_reason, decision_reason, profiles
from sc_policy.engine.facts import FACTS, area_facts, industry_facts, occupation_facts
from sc_policy.engine.table import OUTCOME_CODES, DecisionTable, build_table
from sc_policy.reference.codes import NocInput, parse_industry, parse_noc
from sc_policy.model import FAIL, NOT_APPLICABLE, PASS, Clause, Resolution, Version
from sc_policy.reference.statcan import ReferenceData, reference_data, skill_level

if TYPE_CHECKING:  # the table path never needs these at run time
    from sc_policy.engine.budget import ExpressionBudget
    from sc_policy.engine.compile import CompiledClause, CompiledVersion

__all__ = ["ClauseResult", "AreaResult", "Decision", "Answer", "Evaluator", "PASS", "FAIL", "NOT_APPLICABLE"]


MEMO_LIMIT = 200_000
"""How many parts of decisions an evaluator remembers (the domain is finite, but large when a
reason quotes both the occupation and the industry)."""


INPUTS_KEPT = 20_000  # how many distinct accepted raw codes of each kind an evaluator remembers parsed

_RESULT_OF = {code: result for result, code in OUTCOME_CODES.items()}


def _runs(table: "DecisionTable", k: int) -> List[tuple]:
    """Area ``k``'s clauses in runs of consecutive clauses that depend on the same inputs: for each,
    ((clause, outcomes, kind) per clause, depends on the unit group, on the industry class, on the
    industry code). A result depends on what its column's kind says; a reason on the families of
    the facts its templates read."""
    out: List[tuple] = []
    for clause, col in table.area_columns(k):
        read = {FACTS[name].family for template in clause.explain.values() for name in template_fields(template)}
        needs = (col.kind in ("occupation", "both") or "occupation" in read,
                 col.kind in ("industry", "both"), "industry" in read)
        if out and out[-1][1:] == needs:
            out[-1] = (out[-1][0] + ((clause, col.outcomes, col.kind),),) + needs
        else:
            out.append((((clause, col.outcomes, col.kind),),) + needs)
    return out


class Evaluator:
    """Evaluates decisions under one version. Build once, call many times.

    With a :class:`~sc_policy.engine.table.DecisionTable` every decision is a lookup in
    the table, and the explanation is rendered from the clause results stored
    there; without one (or through :meth:`decide_direct`) each clause expression
    is evaluated with rule-engine. A table-backed evaluator opened from the cache
    has no compiled version until something asks for one (``compiled``), so that
    answering from the table never imports rule-engine.

    ``tabulate``, when given, builds the table the first time a decision (or :attr:`table`)
    asks for it: opening a version to check or test it does not pay for a table no one reads.
    If it raises, the error reaches the caller, and the next decision tries again.
    """

    def __init__(self, compiled: Optional["CompiledVersion"] = None, refdata: Optional[ReferenceData] = None, *,
                 table: Optional["DecisionTable"] = None, version: Optional[Version] = None,
                 tabulate: Optional[Callable[["Evaluator"], "DecisionTable"]] = None, findings=()):
        if compiled is None and (table is None or version is None):
            raise TypeError("an Evaluator needs a compiled version, or a decision table and its version")
        self._compiled = compiled
        self.version = compiled.version if compiled is not None else version
        self.refdata = refdata or reference_data()
        self._table = table
        self._tabulate = tabulate if table is None else None
        self._building = threading.RLock()  # threads asking first at once build the table (or compile) once
        self._area_facts = tuple((area, area_facts(area)) for area in self.version.areas)
        self._rests = {(a.id, c.id): self.version.readings_for(a.id, c) for a in self.version.areas
                       for c in self.version.clauses}  # a clause's interpretations bearing on an area
        self._readings = self.version.readings_by_area()
        self._memo: Dict[object, object] = {}  # see _from_table
        self._nocs: Dict[tuple, NocInput] = {}  # accepted raw NOC inputs, parsed (see answer)
        self._industries: Dict[object, tuple] = {}  # accepted raw industries: (code, title, parts)
        self._profiles = None  # see sc_policy.engine.reasons.profiles
        self._reasons: Dict[object, object] = {}  # area reasons by the area's results (reasons.area_reasons)
        self._listed = tuple((area.id, frozenset(area.listed)) for area in self.version.areas)
        self._runs = None  # (table, per area: (index, area, area facts, its runs of clauses, see _runs))
        self._changes = ChangeFinder(self.version, self.refdata)  # see changes
        self._outside = None  # see in_scope
        self.unresolved = UnresolvedIndex(findings)  # the check's findings about the source, unresolved

    @property
    def table(self) -> Optional["DecisionTable"]:
        """The decision table: built on first use when the evaluator was given ``tabulate``."""
        if self._table is None and self._tabulate is not None:
            with self._building:
                if self._table is None and self._tabulate is not None:
                    self._table = self._tabulate(self)
                    self._tabulate = None
        return self._table

    @property
    def compiled(self) -> "CompiledVersion":
        """The compiled version; compiled (importing rule-engine) on first use when opened from the cache."""
        if self._compiled is None:
            with self._building:  # (re-entered when the table is built from this version compiled on first use)
                if self._compiled is None:
                    from sc_policy.engine.compile import compile_version
                    compiled, problems = compile_version(self.version)
                    if compiled is None:  # the cache holds only versions that compiled; the files have not changed
                        raise RuntimeError(f"version {self.version.id} no longer compiles: {problems[0].render()}")
                    self._compiled = compiled
        return self._compiled

    @functools.cached_property
    def area_clauses(self) -> Tuple[Tuple[object, Dict[str, object], Tuple["CompiledClause", ...]], ...]:
        """(area, area facts, compiled clauses that apply to it) for each area, in area order."""
        return tuple((area, a_facts, self.compiled.for_area(area.id)) for area, a_facts in self._area_facts)

    # -- the generic evaluation -------------------------------------------------
    @staticmethod
    def outcome(clause: "CompiledClause", facts: Dict[str, object], budget: Optional["ExpressionBudget"] = None) -> str:
        """A clause's result for the facts; ``budget``: the time its expressions have left in this run
        (a table build, a check), else each evaluation has a budget of its own."""
        return clause.outcome(facts, budget)

    def decide(self, noc: str, industry: Optional[str] = None) -> Decision:
        """Decide for a NOC 2016 unit group and an optional NAICS 2017 code (both already checked).

        From the decision table when there is one and it covers the input, else directly.
        """
        table = self._table if self._table is not None else self.table
        if table is not None:
            cell = table.cell(noc, industry)
            if cell is not None:
                return self._from_table(noc, industry, table, cell)
        return self.decide_direct(noc, industry)

    def in_scope(self, noc: str, industry: Optional[str] = None) -> Tuple[str, ...]:
        """The areas that admit an input (both codes already checked), all a caseload row needs: from
        the table, else by keyed evaluation (a sector range, "31-33": :mod:`sc_policy.engine.outside`)."""
        table = self._table if self._table is not None else self.table
        cell = table.cell(noc, industry) if table is not None else None
        if cell is not None:
            return table.in_scope(cell)
        if self._outside is None:
            from sc_policy.engine.outside import OutsideTable
            self._outside = OutsideTable(self)
        return self._outside.in_scope(noc, industry)

    def _from_table(self, noc: str, industry: Optional[str], table: "DecisionTable", cell: int) -> Decision:
        """The decision of a table cell, as :meth:`_decision` makes it (the differential tests compare them).

        An area's clauses are taken in runs of consecutive clauses that depend on the same inputs
        (their results on the unit group and/or the industry class, their reasons on the unit
        group and/or the industry code); a run's clause results are remembered by exactly those
        inputs, within :data:`MEMO_LIMIT` entries, as are the resolutions bearing on an area and
        the nearby occupations, by unit group.
        """
        memo, refdata = self._memo, self.refdata
        whole = memo.get(("decision", noc)) if industry is None else None  # the unit group alone: few of them
        if whole is not None:
            return whole
        runs = self._runs
        if runs is None or runs[0] is not table:
            runs = self._runs = (table, tuple((k, area, a_facts, _runs(table, k))
                                              for k, (area, a_facts) in enumerate(self._area_facts)))
        unit = memo.get(noc)
        if unit is None:  # what depends on the unit group alone: its title and level, the resolutions per area
            bearing = tuple(tuple(r for r in self.version.resolutions if r.affects_decision(area, noc))
                            for area, _ in self._area_facts)
            unit = memo[noc] = (refdata.noc_title(noc) or "", skill_level(noc), bearing,
                                tuple(tuple(r.id for r in b) for b in bearing))
        i, j = divmod(cell, table.width)
        results = []
        applied = False
        eligible = False
        ind = None
        for k, area, a_facts, area_runs in runs[1]:
            facts = None
            clause_results: Tuple[ClauseResult, ...] = ()
            failed = False
            for r, (columns, on_noc, on_class, on_industry) in enumerate(area_runs):
                key = (k, r, i if on_noc else None, industry if on_industry else j if on_class else None)
                found = memo.get(key)
                if found is None:
                    if facts is None:
                        ind = ind if ind is not None else industry_facts(industry, refdata)
                        facts = {**a_facts, **occupation_facts(noc, area, refdata), **ind}
                    at = {"area": 0, "occupation": i, "industry": j, "both": cell}
                    run = tuple(self._result(clause, _RESULT_OF[outcomes[at[kind]]], facts)
                                for clause, outcomes, kind in columns)
                    found = (run, any(c.result == FAIL for c in run))
                    if len(memo) < MEMO_LIMIT:
                        memo[key] = found
                clause_results += found[0]
                failed = failed or found[1]
            applied = applied or bool(unit[2][k])
            eligible = eligible or not failed
            results.append(AreaResult(area.id, area.title, not failed, clause_results, unit[3][k],
                                      self._readings[0][k]))
        if eligible:
            nearby, changes = (), NO_CHANGES
        else:
            nearby = memo.get(("nearby", noc))
            if nearby is None:
                nearby = memo[("nearby", noc)] = self.nearby(noc)
            changes = self.changes(noc, industry)
        resolutions = ()
        if applied:
            ids = {r.id for bearing in unit[2] for r in bearing}
            resolutions = tuple(r for r in self.version.resolutions if r.id in ids)
        decision = Decision(noc, unit[0], unit[1], industry, refdata.naics_title(industry) if industry else None,
                            tuple(results), resolutions, nearby, changes, self._readings[1])
        if industry is None and len(memo) < MEMO_LIMIT:
            memo["decision", noc] = decision
        return decision

    def decide_direct(self, noc: str, industry: Optional[str] = None) -> Decision:
        """Decide by evaluating every clause expression with rule-engine (the table's reference)."""
        areas = self.area_clauses
        return self._decision(noc, industry, lambda k, facts: tuple(
            (cc.clause, self.outcome(cc, facts)) for cc in areas[k][2]))

    def _decision(self, noc: str, industry: Optional[str],
                  outcomes: Callable[[int, Dict[str, object]], Sequence[Tuple[Clause, str]]]) -> Decision:
        """Assemble a decision from each area's (clause, result) pairs; the one place reasons are rendered."""
        ind = industry_facts(industry, self.refdata)
        results = []
        applied: Dict[str, Resolution] = {}
        for k, (area, a_facts) in enumerate(self._area_facts):
            facts = {**a_facts, **occupation_facts(noc, area, self.refdata), **ind}
            clause_results = [self._result(clause, result, facts) for clause, result in outcomes(k, facts)]
            in_scope = all(r.result != FAIL for r in clause_results)
            bearing = [r for r in self.version.resolutions if r.affects_decision(area, noc)]
            applied.update((r.id, r) for r in bearing)
            results.append(AreaResult(area.id, area.title, in_scope, tuple(clause_results),
                                      tuple(r.id for r in bearing), self._readings[0][k]))
        decision_areas = tuple(results)
        eligible = any(a.in_scope for a in decision_areas)
        return Decision(noc, self.refdata.noc_title(noc) or "", skill_level(noc), industry,
                        self.refdata.naics_title(industry) if industry else None, decision_areas,
                        tuple(r for r in self.version.resolutions if r.id in applied),
                        () if eligible else self.nearby(noc),
                        NO_CHANGES if eligible else self.changes(noc, industry, tuple(
                            tuple(c.clause for c in a.clauses if c.result == FAIL) for a in decision_areas)),
                        self._readings[1])

    def _result(self, clause: Clause, result: str, facts: Dict[str, object]) -> ClauseResult:
        template = clause.explain.get(result)
        if template is None:  # not_applicable without its own text
            template = "Not applicable."
        return ClauseResult(clause.id, clause.version, clause.title, result, render_template(template, facts),
                            clause.source_for(facts["area"]), self._rests.get((facts["area"], clause.id), ()))

    def nearby(self, noc: str) -> Tuple[OccupationChange, ...]:
        """Listed occupations of the same NOC 2016 minor group (first three digits)."""
        found: Dict[str, List[str]] = {}
        titles: Dict[str, str] = {}
        for area in self.version.areas:
            for code in area.listed:
                if code != noc and code[:3] == noc[:3]:
                    found.setdefault(code, []).append(area.id)
                    titles[code] = self.refdata.noc_title(code) or area.listed[code].title
        return tuple(OccupationChange(c, titles[c], tuple(found[c])) for c in sorted(found))

    def changes(self, noc: str, industry: Optional[str] = None,
                failing: Optional[Tuple[Tuple[str, ...], ...]] = None) -> Changes:
        """What would make the case eligible (:mod:`sc_policy.engine.changes`), read from the decision
        table; an evaluator without one builds one for this, and keeps it for this alone. ``failing``: the
        ids of the clauses that fail the case, per area, for an industry the table does not cover."""
        table = self._table if self._table is not None else self.table
        return self._changes(table, lambda: build_table(self), noc, industry,
                             (self.in_scope, failing) if failing is not None else None)

    # -- from raw input ---------------------------------------------------------
    def answer(self, noc: object, industry: object = None, noc_version: str = "2016", *,
               direct: bool = False, decided_on: Optional[str] = None) -> Answer:
        """Check the raw codes (raising InputError) and decide every NOC 2016 candidate.

        ``direct=True`` bypasses the decision table (for the differential test); ``decided_on``: the
        day (ISO) the version was chosen for, which the answer reports.
        """
        kept = type(noc) is str and type(noc_version) in (str, int)  # (a list is refused, not looked up)
        parsed = self._nocs.get((noc, noc_version)) if kept else None
        if parsed is None:
            parsed = parse_noc(noc, self.refdata, noc_version)
            if kept and len(self._nocs) < INPUTS_KEPT:  # accepted codes only: a refusal raised
                self._nocs[noc, noc_version] = parsed
        found = self._industries.get(industry) if industry is None or type(industry) is str else None
        if found is None:
            naics = parse_industry(industry, self.refdata)
            found = (naics, self.refdata.naics_title(naics) if naics else None,
                     industry_parts(self.version.areas, naics))
            if (industry is None or type(industry) is str) and len(self._industries) < INPUTS_KEPT:
                self._industries[industry] = found
        decide = self.decide_direct if direct else self.decide
        candidates = parsed.candidates
        decisions = ((decide(candidates[0], found[0]),) if len(candidates) == 1
                     else tuple(decide(c, found[0]) for c in candidates))
        return Answer(self.version.policy, self.version.id, self.version.content_hash, parsed, found[0],
                      found[1], decisions, decided_on, self._why,
                      finer_codes(found[2], candidates, self.in_scope) if found[2] else (),
                      self.unresolved.bearing(candidates, found[0]))

    def _why(self, answer: Answer) -> Tuple[tuple, str]:
        """(each candidate's area reasons, the deciding sentence) of an answer (:mod:`sc_policy.engine.reasons`)."""
        decisions = answer.candidates
        prof = self._profiles
        if prof is None:
            prof = self._profiles = profiles(self.table, self.version)
        reasons = tuple(area_reasons(d, prof, self._reasons) for d in decisions)
        if len(decisions) == 1:
            listed_in = [area for area, codes in self._listed if decisions[0].noc in codes]
            return reasons, decision_reason(decisions[0], reasons[0], listed_in)
        return reasons, candidates_reason(answer.noc, decisions)
