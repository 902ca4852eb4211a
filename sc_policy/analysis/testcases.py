"""Run the test cases analysts write beside the rules, and measure what they cover.

A version folder may hold ``tests/*.yaml`` (schema ``schemas/tests.yaml``): cases,
each an input and the answer the policy must give. They are to a rule edit what
unit tests are to a code change: ``sc-policy test`` turns red when an edit changes
a decision someone wrote down.

Coverage is counted per legal clause and per list entry, not per line: whether the
cases made each clause pass, fail and (when it has a ``when``) not apply, and which
listed occupations and NAICS entries no case touches. A clause whose failure no case
exercises could be deleted without any case noticing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from sc_policy.diagnostics import InputError
from sc_policy.engine.decide import Answer, Decision, Evaluator
from sc_policy.model import CLAUSE_RESULTS, FAIL, NOT_APPLICABLE, PASS
from sc_policy.engine.facts import prefixes
from sc_policy.model import TestCase, Version
from sc_policy.diagnostics import visible

__all__ = ["Mismatch", "CaseResult", "ClauseCoverage", "Coverage", "VersionReport", "run_case", "run_cases",
           "coverage", "report", "OUTCOMES"]

OUTCOMES = CLAUSE_RESULTS


@dataclass(frozen=True)
class Mismatch:
    """One way the answer differs from a case's expectation, and the clause that decided it."""

    what: str  # input, candidates, verdict, eligible, areas, clause
    expected: str
    actual: str
    clause: str = ""
    area: str = ""
    noc: str = ""  # the NOC 2016 candidate decided, when the input has several

    def describe(self) -> str:
        text = f"expected {self.expected}, got {self.actual}"
        if self.clause:
            text += f" (decided by clause {self.clause} in area {self.area}"
            text += f" for NOC 2016 {self.noc})" if self.noc else ")"
        return text

    def as_dict(self) -> dict:
        return {"what": self.what, "expected": self.expected, "actual": self.actual,
                "clause": self.clause or None, "area": self.area or None, "noc": self.noc or None}


@dataclass(frozen=True)
class CaseResult:
    case: TestCase
    mismatches: Tuple[Mismatch, ...]
    answer: Optional[Answer]  # None when the case's input was refused

    @property
    def passed(self) -> bool:
        return not self.mismatches

    def line(self) -> str:
        """The one line shown for a failing case: where, which case, the first mismatch."""
        return visible(f"{self.case.span}: {self.summary()}")

    def summary(self) -> str:
        """:meth:`line` without the place (for a message that is shown at the case's place)."""
        first = self.mismatches[0].describe() if self.mismatches else "passed"
        more = len(self.mismatches) - 1
        more = f" (and {more} more {'mismatch' if more == 1 else 'mismatches'} in this case)" if more else ""
        return visible(" ".join(f"case {self.case.name}: {first}{more}".split()))

    def as_dict(self) -> dict:
        c = self.case
        return {"name": c.name, "path": c.span.path, "line": c.span.line, "column": c.span.column,
                "input": {"noc": c.noc, "noc_version": c.noc_version, "industry": c.industry},
                "passed": self.passed, "mismatches": [m.as_dict() for m in self.mismatches]}


def _areas_text(areas: Sequence[str]) -> str:
    return "areas [" + ", ".join(areas) + "]"


def _eligible_text(value: bool) -> str:
    return "eligible" if value else "not eligible"


Reasons = Callable[[Decision], Mapping[str, Optional[str]]]
"""A decision's deciding clause by area (asked only for a case that fails: it reads the decision table)."""


def _deciding(decision: Decision, area_id: str, expect: Mapping, reasons: Mapping[str, Optional[str]]) -> str:
    """The clause that put ``area_id`` in or out of scope, against what the case expected.

    A clause the case names with another result than the area's is the best witness (the area's
    deciding clause first, when the case names it so); otherwise the area's deciding clause, as
    ``explain`` names it (``reasons``: area id -> deciding clause, :mod:`sc_policy.engine.reasons`).
    """
    area = next((a for a in decision.areas if a.area == area_id), None)
    if area is None:
        return ""
    wanted = FAIL if not area.in_scope else PASS
    named = (expect.get("clauses") or {}).get(area_id) or {}
    witnesses = [c.clause for c in area.clauses if c.result == wanted and c.clause in named and named[c.clause] != wanted]
    deciding = reasons.get(area_id) or ""
    return deciding if deciding in witnesses or not witnesses else witnesses[0]


def _blame(decision: Decision, areas: Sequence[str], expect: Mapping, what: str, expected: str, actual: str,
           several: bool, reasons: Reasons) -> Mismatch:
    deciding = reasons(decision)
    for area_id in areas:
        clause = _deciding(decision, area_id, expect, deciding)
        if clause:
            return Mismatch(what, expected, actual, clause, area_id, decision.noc if several else "")
    return Mismatch(what, expected, actual)


def run_case(evaluator: Evaluator, case: TestCase) -> CaseResult:
    """Decide the case's input and compare the answer with every expectation it states."""
    try:
        answer = evaluator.answer(case.noc, case.industry, case.noc_version)
    except InputError as exc:
        return CaseResult(case, (Mismatch("input", f"{_eligible_text(case.expect['eligible'])}",
                                          f"input refused: {exc}"),), None)
    expect = case.expect
    out: List[Mismatch] = []
    decisions = answer.candidates

    def reasons(decision: Decision) -> Mapping[str, Optional[str]]:
        index = next(i for i, d in enumerate(decisions) if d is decision)
        return {r.area: r.deciding for r in answer.reasons[index]}
    several = len(decisions) > 1
    codes = [d.noc for d in decisions]

    def listing(decision: Decision) -> List[str]:  # the areas whose lists publish it, as explain blames them
        return [area.id for area in evaluator.version.areas if decision.noc in area.listed]

    if "candidates" in expect and sorted(expect["candidates"]) != sorted(codes):
        out.append(Mismatch("candidates", "NOC 2016 candidates [" + ", ".join(sorted(expect["candidates"])) + "]",
                            "[" + ", ".join(codes) + "]"))

    if "verdict" in expect and expect["verdict"] != answer.verdict:
        out.append(_eligibility_mismatch(decisions, expect, "verdict", f"verdict {expect['verdict']}",
                                         f"verdict {answer.verdict}", expect["verdict"] == "eligible", several, reasons,
                                         listing))

    if expect["eligible"] != answer.eligible:
        out.append(_eligibility_mismatch(decisions, expect, "eligible", _eligible_text(expect["eligible"]),
                                         _eligible_text(answer.eligible), expect["eligible"], several, reasons,
                                         listing))

    if ("areas" in expect or "clauses" in expect) and several:
        out.append(Mismatch("areas", "one NOC 2016 candidate (areas and clauses need one)",
                            f"{len(codes)} candidates [{', '.join(codes)}]"))
    elif "areas" in expect or "clauses" in expect:
        out.extend(_scope_mismatches(decisions[0], expect, reasons))
    return CaseResult(case, tuple(out), answer)


def _eligibility_mismatch(decisions: Sequence[Decision], expect: Mapping, what: str, expected: str,
                          actual: str, wanted_eligible: bool, several: bool, reasons: Reasons,
                          listing: Callable[[Decision], List[str]]) -> Mismatch:
    """Blame a candidate whose decision is not the one wanted, and the clause that decided its area."""
    wrong = [d for d in decisions if d.eligible != wanted_eligible] or list(decisions)
    decision = wrong[0]
    if decision.eligible:  # wanted out, but in: the clause that let the first in-scope area in
        return _blame(decision, decision.in_scope, expect, what, expected, actual, several, reasons)
    # wanted in, but out: the clause that kept an area out (one the case expects in scope first, then one
    # whose list publishes the occupation, as explain's verdict names it)
    known = {x.area for x in decision.areas}
    order = [a for a in expect.get("areas") or () if a in known]
    order += [a for a in listing(decision) if a in known]
    return _blame(decision, order + [a.area for a in decision.areas], expect, what, expected, actual, several,
                  reasons)


def _scope_mismatches(decision: Decision, expect: Mapping, reasons: Reasons) -> List[Mismatch]:
    out: List[Mismatch] = []
    if "areas" in expect:
        wanted, got = set(expect["areas"]), set(decision.in_scope)
        if wanted != got:
            known = [a.area for a in decision.areas]
            order = known + sorted(wanted - set(known))
            differing = [a for a in order if a in wanted ^ got]
            expected = _areas_text([a for a in order if a in wanted])
            actual = _areas_text([a for a in order if a in got])
            unknown = sorted(wanted - set(known))
            if unknown:  # a misspelt id in the case: no clause of the version decided that
                out.append(Mismatch("areas", expected, f"{actual}; no area {', '.join(map(repr, unknown))} in this "
                                                       f"version"))
            else:
                out.append(_blame(decision, differing, expect, "areas", expected, actual, False, reasons))
    for area_id, clauses in (expect.get("clauses") or {}).items():
        area = next((a for a in decision.areas if a.area == area_id), None)
        for clause_id, wanted in clauses.items():
            expected = f"{area_id}/{clause_id} {wanted}"
            if area is None:
                out.append(Mismatch("clause", expected, f"no area {area_id!r} in this version"))
                continue
            result = next((c.result for c in area.clauses if c.clause == clause_id), None)
            if result is None:
                out.append(Mismatch("clause", expected, f"no clause {clause_id!r} applies to area {area_id!r}"))
            elif result != wanted:
                out.append(Mismatch("clause", expected, f"{area_id}/{clause_id} {result}", clause_id, area_id))
    return out


def run_cases(evaluator: Evaluator) -> Tuple[CaseResult, ...]:
    """Every case of the evaluator's version, in file and line order."""
    cases = sorted(evaluator.version.tests, key=lambda c: c.span)
    return tuple(run_case(evaluator, c) for c in cases)


# -- coverage ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClauseCoverage:
    """Which results of one clause the cases produced, in any area it applies to."""

    clause: str
    areas: Tuple[str, ...]
    possible: Tuple[str, ...]  # pass and fail; not_applicable too when the clause has a `when`
    cases: Mapping[str, int]  # result -> number of cases that produced it somewhere

    @property
    def missing(self) -> Tuple[str, ...]:
        return tuple(o for o in self.possible if not self.cases.get(o))

    def as_dict(self) -> dict:
        return {"clause": self.clause, "areas": list(self.areas),
                **{o: (self.cases.get(o, 0) if o in self.possible else None) for o in OUTCOMES},
                "missing": list(self.missing)}


@dataclass(frozen=True)
class Untouched:
    """A list entry of an area that no case's input reaches."""

    area: str
    kind: str  # occupation, include, exclude
    code: str  # empty for an occupation published without a code and given none
    title: str

    def as_dict(self) -> dict:
        return {"area": self.area, "kind": self.kind, "code": self.code or None, "title": self.title}


@dataclass(frozen=True)
class Coverage:
    clauses: Tuple[ClauseCoverage, ...]
    occupations: Tuple[Untouched, ...]  # listed occupations no case's NOC (or candidate) is
    industries: Tuple[Untouched, ...]  # NAICS entries no case's industry falls within

    @property
    def complete(self) -> bool:
        """Every clause produced every result it can."""
        return all(not c.missing for c in self.clauses)

    def as_dict(self) -> dict:
        return {"complete": self.complete, "clauses": [c.as_dict() for c in self.clauses],
                "untouched_occupations": [u.as_dict() for u in self.occupations],
                "untouched_industries": [u.as_dict() for u in self.industries]}


def coverage(version: Version, results: Sequence[CaseResult]) -> Coverage:
    seen: Dict[str, Dict[str, Set[int]]] = {c.id: {o: set() for o in OUTCOMES} for c in version.clauses}
    nocs: Set[str] = set()
    industry_prefixes: Set[str] = set()
    for index, result in enumerate(results):
        if result.answer is None:
            continue
        if result.answer.industry:
            industry_prefixes |= prefixes(result.answer.industry)
        for decision in result.answer.candidates:
            nocs.add(decision.noc)
            for area in decision.areas:
                for clause in area.clauses:
                    seen.setdefault(clause.clause, {o: set() for o in OUTCOMES})[clause.result].add(index)
    clauses = tuple(
        ClauseCoverage(c.id, c.applies_to, (PASS, FAIL, NOT_APPLICABLE) if c.when is not None else (PASS, FAIL),
                       {o: len(seen[c.id][o]) for o in OUTCOMES})
        for c in sorted(version.clauses, key=lambda c: c.id))
    occupations: List[Untouched] = []
    industries: List[Untouched] = []
    for area in version.areas:
        shown: Set[str] = set()
        for occ in area.occupations:
            if occ.code is not None and (occ.code in nocs or occ.code in shown):
                continue
            shown.add(occ.code or "")
            occupations.append(Untouched(area.id, "occupation", occ.code or "", occ.title))
        for kind, entries in (("include", area.include), ("exclude", area.exclude)):
            for entry in entries:
                if entry.code not in industry_prefixes:
                    industries.append(Untouched(area.id, kind, entry.code, entry.description))
    return Coverage(clauses, tuple(occupations), tuple(industries))


@dataclass(frozen=True)
class VersionReport:
    policy: str
    version: str
    version_hash: str
    results: Tuple[CaseResult, ...]
    coverage: Coverage

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    def as_dict(self, with_coverage: bool) -> dict:
        out = {"policy": self.policy, "version": self.version, "version_hash": self.version_hash,
               "passed": self.passed, "failed": self.failed, "cases": [r.as_dict() for r in self.results]}
        if with_coverage:
            out["coverage"] = self.coverage.as_dict()
        return out


def report(evaluator: Evaluator) -> VersionReport:
    """Run every case of the evaluator's version and measure their coverage."""
    results = run_cases(evaluator)
    version = evaluator.version
    return VersionReport(version.policy, version.id, version.content_hash, results, coverage(version, results))
