"""Decide a case: every clause of every area, with its result and reason.

The evaluation is generic: an area is in scope when every clause that applies
to it passes or is not applicable; the case is eligible when at least one area
is in scope. What each clause means lives in the rule files, never here.

A :class:`Decision` is a plain record of the clause results; renderers turn it
into text, JSON or HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .compile import CompiledClause, CompiledVersion, render_template
from .facts import area_facts, industry_facts, occupation_facts
from .inputs import NocInput, parse_industry, parse_noc
from .model import Citation, Resolution
from .refdata import ReferenceData, reference_data, skill_level

__all__ = ["ClauseResult", "AreaResult", "Decision", "Answer", "Evaluator", "PASS", "FAIL", "NOT_APPLICABLE"]

PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "not_applicable"


@dataclass(frozen=True)
class ClauseResult:
    clause: str
    clause_version: int
    title: str
    result: str
    reason: str
    source: Tuple[Citation, ...]


@dataclass(frozen=True)
class AreaResult:
    area: str
    title: str
    in_scope: bool
    clauses: Tuple[ClauseResult, ...]
    resolutions: Tuple[str, ...]  # ids of the resolutions that bear on this area's answer


@dataclass(frozen=True)
class Nearby:
    """A listed occupation of the same NOC minor group, offered when the answer is no."""

    code: str
    title: str
    areas: Tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    """The decision for one NOC 2016 unit group (and industry) under one version."""

    noc: str
    noc_title: str
    noc_level: str
    industry: Optional[str]
    industry_title: Optional[str]
    areas: Tuple[AreaResult, ...]
    resolutions: Tuple[Resolution, ...]
    nearby: Tuple[Nearby, ...]

    @property
    def eligible(self) -> bool:
        return any(a.in_scope for a in self.areas)

    @property
    def in_scope(self) -> Tuple[str, ...]:
        return tuple(a.area for a in self.areas if a.in_scope)


@dataclass(frozen=True)
class Answer:
    """What the caller asked and what the policy says: one decision per NOC 2016 candidate.

    A NOC 2016 code has one candidate. A NOC 2021 code may correspond to several
    NOC 2016 unit groups; when their decisions differ the verdict is
    ``indeterminate`` and the caseworker must pick the right one.
    """

    policy: str
    version: str
    version_hash: str
    noc: NocInput
    industry: Optional[str]
    industry_title: Optional[str]
    candidates: Tuple[Decision, ...]

    @property
    def verdict(self) -> str:
        results = {d.eligible for d in self.candidates}
        if results == {True}:
            return "eligible"
        if results == {False}:
            return "not_eligible"
        return "indeterminate"

    @property
    def eligible(self) -> bool:
        return all(d.eligible for d in self.candidates)


class Evaluator:
    """Evaluates decisions under one compiled version. Build once, call many times."""

    def __init__(self, compiled: CompiledVersion, refdata: Optional[ReferenceData] = None):
        self.compiled = compiled
        self.version = compiled.version
        self.refdata = refdata or reference_data()
        self._areas = tuple((area, area_facts(area), compiled.for_area(area.id)) for area in self.version.areas)

    # -- the generic evaluation -------------------------------------------------
    @staticmethod
    def outcome(clause: CompiledClause, facts: Dict[str, object]) -> str:
        if clause.when is not None and not clause.when(facts):
            return NOT_APPLICABLE
        return PASS if clause.condition(facts) else FAIL

    def decide(self, noc: str, industry: Optional[str] = None) -> Decision:
        """Decide for a NOC 2016 unit group and an optional NAICS 2017 code (both already checked)."""
        ind = industry_facts(industry, self.refdata)
        results = []
        applied: Dict[str, Resolution] = {}
        for area, a_facts, clauses in self._areas:
            facts = {**a_facts, **occupation_facts(noc, area, self.refdata), **ind}
            clause_results = []
            for cc in clauses:
                result = self.outcome(cc, facts)
                clause_results.append(self._result(cc, result, facts))
            in_scope = all(r.result != FAIL for r in clause_results)
            res = tuple(r.id for r in self.version.resolutions if r.affects_decision(area.id, noc))
            for r in self.version.resolutions:
                if r.id in res:
                    applied[r.id] = r
            results.append(AreaResult(area.id, area.title, in_scope, tuple(clause_results), res))
        decision_areas = tuple(results)
        eligible = any(a.in_scope for a in decision_areas)
        return Decision(noc, self.refdata.noc_title(noc) or "", skill_level(noc), industry,
                        self.refdata.naics_title(industry) if industry else None, decision_areas,
                        tuple(r for r in self.version.resolutions if r.id in applied),
                        () if eligible else self.nearby(noc))

    @staticmethod
    def _result(cc: CompiledClause, result: str, facts: Dict[str, object]) -> ClauseResult:
        clause = cc.clause
        template = clause.explain.get(result)
        if template is None:  # not_applicable without its own text
            template = "Not applicable."
        return ClauseResult(clause.id, clause.version, clause.title, result,
                            render_template(template, facts), clause.source)

    def nearby(self, noc: str) -> Tuple[Nearby, ...]:
        """Listed occupations of the same NOC 2016 minor group (first three digits)."""
        found: Dict[str, List[str]] = {}
        titles: Dict[str, str] = {}
        for area in self.version.areas:
            for code in area.listed:
                if code != noc and code[:3] == noc[:3]:
                    found.setdefault(code, []).append(area.id)
                    titles[code] = self.refdata.noc_title(code) or area.listed[code].title
        return tuple(Nearby(c, titles[c], tuple(found[c])) for c in sorted(found))

    # -- from raw input ---------------------------------------------------------
    def answer(self, noc: object, industry: object = None, noc_version: str = "2016") -> Answer:
        """Check the raw codes (raising InputError) and decide every NOC 2016 candidate."""
        parsed = parse_noc(noc, self.refdata, noc_version)
        naics = parse_industry(industry, self.refdata)
        decisions = tuple(self.decide(c, naics) for c in parsed.candidates)
        return Answer(self.version.policy, self.version.id, self.version.content_hash, parsed, naics,
                      self.refdata.naics_title(naics) if naics else None, decisions)
