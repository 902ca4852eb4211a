"""Agreement: each area's listed occupations pass the area's own clauses, and no other occupation does.

An area lists an occupation because the policy puts it in scope; a clause of the
same area that fails for it (with no industry given) says the rule files disagree
with themselves (``disagreement``), and so do clauses that put in scope, with no industry
given, a NOC 2016 unit group the area does not list. The clauses are compiled and evaluated here, so
this check sits above the engine; an expression that fails or overruns its time
budget while evaluated is an ``expression`` finding at its clause's line.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Tuple

from sc_policy.diagnostics import Diagnostic, PolicyInvalidError, Span
from sc_policy.engine.budget import ExpressionBudget
from sc_policy.engine.compile import CompiledVersion, render_template
from sc_policy.engine.decide import FAIL, PASS, Evaluator
from sc_policy.engine.facts import area_facts, industry_facts, occupation_facts
from sc_policy.engine.relevance import KeyedClause, frozen_facts
from sc_policy.load.remembered import Remembered
from sc_policy.model import Area, Occupation, Version
from sc_policy.reference.statcan import ReferenceData

__all__ = ["agreement"]

_OUTCOMES: Remembered = Remembered(50_000)
"""The last outcomes found, under the key that makes equal keys equal outcomes (a clause's expressions and
the relevant values of the facts they read, :class:`~sc_policy.engine.relevance.KeyedClause`), for every
check in the process: a tree is checked again with most of its clauses and occupations unchanged (the
language server on each edit, a copy of a tree, a version and the draft made from it). A failure is
never remembered, so an expression that overruns its budget is reported each time."""


def agreement(version: Version, compiled: CompiledVersion, refdata: ReferenceData, *,
              every_clause: bool = True) -> List[Diagnostic]:
    """Every listed occupation of ``version`` against its own area's clauses (``compiled``), and, when the version
    has ``every_clause`` (no clause file failed to load), every unit group it does not list. Each clause is
    evaluated once per relevant value of what it reads, as the decision table is built."""
    out: List[Diagnostic] = []
    no_industry = industry_facts(None, refdata)
    no_industry_frozen = frozen_facts(no_industry)
    broken: set = set()
    unlisted: dict = {}  # code -> (facts, frozen) of a unit group an area does not list (alike in every such area)
    with ExpressionBudget() as budget:
        for area in version.areas:
            a_facts = area_facts(area)
            clauses = [(cc, KeyedClause(cc, a_facts)) for cc in compiled.for_area(area.id)]
            for code, occ in area.listed.items():
                if code not in refdata.noc2016:
                    continue  # reported as unknown-noc; cannot be evaluated
                occ_facts = occupation_facts(code, area, refdata)
                occ_frozen = frozen_facts(occ_facts)
                facts = {**a_facts, **occ_facts, **no_industry}
                for cc, keyed in clauses:
                    if cc.clause.id not in broken:
                        _agree(out, cc, area, code, occ, facts, budget, broken,
                               keyed.key(occ_frozen, no_industry_frozen))
            admitted = []
            for code in sorted(refdata.noc2016) if every_clause else ():
                if code not in area.listed:
                    occ = unlisted.get(code)
                    if occ is None:
                        facts = occupation_facts(code, area, refdata)
                        occ = unlisted[code] = (facts, frozen_facts(facts))
                    at = _admits(clauses, area, lambda occ=occ: {**a_facts, **occ[0], **no_industry}, occ[1],
                                 no_industry_frozen, budget, broken)
                    if at is not None:
                        admitted.append((code, at))
            if admitted:
                out.append(_unlisted(area, admitted))
    return out


def _admits(clauses, area: Area, facts: Callable[[], dict], occ_frozen: dict, no_industry_frozen: dict,
            budget: ExpressionBudget, broken: set) -> Optional[Span]:
    """Where the area's clauses put an unlisted unit group (``facts()``, with no industry given) in scope (none
    fails it): the first clause that reads the occupation and passes it (else the area's entry); None when one
    fails it."""
    at = None
    for cc, keyed in clauses:
        if cc.clause.id in broken:
            return None  # reported as an expression finding
        try:
            result = _OUTCOMES.get(keyed.key(occ_frozen, no_industry_frozen),
                                   lambda _key, cc=cc: Evaluator.outcome(cc, facts(), budget))
        except PolicyInvalidError:
            return None  # reported for the listed occupations, or it fails for this one alone: not in scope
        if result == FAIL:
            return None
        if at is None and result == PASS and keyed.kind in ("occupation", "both"):
            at = cc.clause.at("condition")
    return at or area.span


def _unlisted(area: Area, admitted: List[Tuple[str, Span]]) -> Diagnostic:
    """One finding per area for the unit groups its clauses admit but it does not list, where the first is admitted."""
    codes = [code for code, _ in admitted]
    shown = ", ".join(codes[:5]) + (f" and {len(codes) - 5} more" if len(codes) > 5 else "")
    return Diagnostic(admitted[0][1], "error", "disagreement",
                      f"area {area.id!r} does not list {shown}, but its clauses put "
                      f"{'it' if len(codes) == 1 else 'them'} in scope with no industry given: an area's "
                      f"clauses and its list of occupations must agree", f"{area.id}:unlisted")


def _agree(out: List[Diagnostic], cc, area: Area, code: str, occ: Occupation, facts: dict,
           budget: ExpressionBudget, broken: set, key: tuple) -> None:
    try:
        result = _OUTCOMES.get(key, lambda _key: Evaluator.outcome(cc, facts, budget))
    except PolicyInvalidError as exc:
        broken.add(cc.clause.id)
        out.append(Diagnostic(exc.span or cc.clause.span, "error", "expression", exc.message, cc.clause.id))
        return
    if result == FAIL:
        reason = render_template(cc.clause.explain["fail"], facts)
        out.append(Diagnostic(occ.span, "error", "disagreement",
                              f"area {area.id!r} lists {code}, but its clause {cc.clause.id!r} "
                              f"({cc.clause.path}) fails for it with no industry given: {reason}",
                              f"{area.id}:{code}:{cc.clause.id}"))
