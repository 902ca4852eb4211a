"""The finite input space of a policy: NOC 2016 unit groups times industry classes.

Inputs are checked against the official classifications, so a decision depends
on one of the 500 NOC 2016 unit groups and on either no industry or one of the
NAICS Canada 2017 codes. Industry codes fall into *classes*: sets of codes that
every industry-reading clause, in every area, of every version considered,
treats alike. One representative per class then stands for the whole class,
which is what makes exact diffs and a complete decision table possible.

:class:`IndustryClass` is the one type of an industry class (the decision table's classes,
the industry inputs of a diff); :data:`NO_INDUSTRY` is the one "no industry" input.

The functions here read what an evaluator of one version offers (``refdata``, ``version``
and ``area_clauses``, as :class:`sc_policy.engine.decide.Evaluator` has them) without
importing it: the decision table sorts codes into classes before there is any evaluator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from sc_policy.engine.facts import industry_facts, prefixes
from sc_policy.reference.statcan import NAICS_RANGES

__all__ = ["IndustryClass", "NO_INDUSTRY", "industry_classes", "industry_signature", "describe", "REFINED", "code_order"]


@dataclass(frozen=True)
class IndustryClass:
    """A set of NAICS codes decided alike, its representative (None: no industry) and what it is."""

    representative: Optional[str]
    codes: Tuple[str, ...]
    description: str


NO_INDUSTRY = IndustryClass(None, (), "no employer industry given")
"""The input without an industry (class 0 of a decision table)."""


def industry_signature(evaluators: Sequence, code: str, budget=None) -> Tuple[str, ...]:
    """The result of every industry-reading clause, in every area of every version, for ``code``
    (``budget``: the run's :class:`~sc_policy.engine.budget.ExpressionBudget`, if any)."""
    out = []
    for ev in evaluators:
        ind = industry_facts(code, ev.refdata)
        for area, a_facts, clauses in ev.area_clauses:
            for cc in clauses:
                if "industry" in cc.families and "occupation" not in cc.families:
                    out.append(cc.outcome({**a_facts, **ind}, budget))
    return tuple(out)


def _mentioned(evaluators: Sequence) -> Tuple[List[str], List[str]]:
    inc, exc = set(), set()
    for ev in evaluators:
        for area in ev.version.areas:
            inc.update(e.code for e in area.include)
            exc.update(e.code for e in area.exclude)
    return sorted(inc), sorted(exc)


def code_order(code: str) -> Tuple[int, str]:
    """The order of a class's codes that makes its first its representative: shorter codes first, then by code."""
    return len(code), code


REFINED = "; the codes that "
"""What a class split by clauses that read both families adds to its description, before their ids."""


def describe(members: Sequence[str], mentioned: List[str]) -> str:
    """Say which named codes a class lies within: the deepest named code above each member,
    and the named codes below those that no member falls in."""
    deepest = set()
    named = set(mentioned)
    below: Dict[str, Optional[str]] = {}  # a code's deepest named prefix (itself included), once per code

    def under(code: str) -> Optional[str]:
        found = below.get(code, "")
        if found == "":
            found = below[code] = code if code in named else under(code[:-1]) if len(code) > 2 else None
        return found

    for code in members:
        if code in NAICS_RANGES:  # a sector written as a range: itself, or one of its parts
            above = [c for c in prefixes(code) if c in named]
            found = max(above, key=len) if above else None
        else:
            found = under(code)
        if found is not None:
            deepest.add(found)
    if not deepest:
        return "outside every code named in an area definition"
    order = lambda c: (c[:2], len(c), c)  # noqa: E731
    within = sorted(deepest, key=order)
    outside = sorted((c for c in mentioned if c not in deepest and any(c.startswith(w) and c != w for w in within)),
                     key=order)
    # a code within one of those outside is said with it ("outside 334 (but within 3345)"), not beside
    # the others, where "within 33 or 3345, outside 334" read as if 3345 were outside too
    inner = {o: [w for w in within if w.startswith(o) and w != o] for o in outside}
    top = [w for w in within if not any(w in codes for codes in inner.values())]
    text = "within " + (top[0] if len(top) == 1 else ", ".join(top[:-1]) + " or " + top[-1])
    said = [o + (f" (but within {' or '.join(inner[o])})" if inner[o] else "") for o in outside]
    return text + (", outside " + ", ".join(said) if said else "")


def industry_classes(evaluators: Sequence, codes: Optional[Sequence[str]] = None,
                     budget=None, signature: Optional[Callable[[str], Tuple[str, ...]]] = None) -> List[IndustryClass]:
    """Partition the NAICS Canada 2017 codes into classes the given versions cannot tell apart.

    ``signature`` gives a code's results when the caller has them already (the decision
    table does); by default :func:`industry_signature` evaluates them.

    Clauses that read both occupation and industry facts would need the full
    product; they are evaluated per industry code for each NOC by the callers
    that need it, and do not refine these classes.
    """
    if not evaluators:
        return []
    refdata = evaluators[0].refdata
    codes = list(codes if codes is not None else refdata.naics2017_codes)
    groups: Dict[Tuple[str, ...], List[str]] = {}
    for code in codes:
        groups.setdefault(signature(code) if signature else industry_signature(evaluators, code, budget),
                          []).append(code)
    included, excluded = _mentioned(evaluators)
    mentioned = sorted(set(included) | set(excluded))
    out = []
    for members in groups.values():
        members = sorted(members, key=code_order)
        rep = members[0]
        out.append(IndustryClass(rep, tuple(sorted(members)), describe(members, mentioned)))
    return sorted(out, key=lambda c: code_order(c.representative))
