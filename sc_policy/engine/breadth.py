"""An employer's NAICS code that an area's definition cuts through: only part of it is in the definition.

An area's definition lists NAICS codes at the depth the source gives them (ICT: 334, 4173, 5415,
less 3345). A caller may give a broader code (the sector 54, the subsector 334): the clauses then
decide on that code as one input, but the definition includes part of it and not the rest (54 holds
5415, which ICT includes, and much that it does not; 334 is ICT's but for 3345). Saying only that
"NAICS 54 is outside the definition" would claim of the whole sector what is true of part of it; the
answer names the parts (:class:`IndustryPart`) so that a reader sees that the employer's finer code
may decide otherwise. Read from the areas' definitions alone (a code falls within an area when one
of its prefixes is included and none excluded); nothing here changes a decision.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterable, Optional, Tuple

from sc_policy.engine.facts import prefixes
from sc_policy.model import Area
from sc_policy.reference.statcan import NAICS_RANGES

__all__ = ["IndustryPart", "industry_parts", "finer_codes"]


@dataclass(frozen=True)
class IndustryPart:
    """One area whose definition holds part of the caller's industry code and not the rest."""

    area: str
    title: str
    code: str                    # the caller's code
    within: bool                 # the code itself falls within the definition (its parts below do not all)
    includes: Tuple[str, ...]    # codes below the caller's that the definition includes
    excludes: Tuple[str, ...]    # codes below the caller's that the definition excludes
    changes: Optional[Tuple[str, ...]] = None
    """For an answer: the NOC 2016 unit groups decided whose answer in this area one of the finer codes
    changes (:func:`finer_codes`); None where no occupation is decided (the occupations an industry opens)."""
    verdicts: Tuple[str, ...] = ()
    """For an answer: those of them whose verdict (eligible or not) one of the finer codes changes (2175 with
    334: 3345 takes it out of ICT, its only area; not 2174, which Manufacturing keeps)."""

    @property
    def finer(self) -> Tuple[str, ...]:
        """The finer codes whose answer in the area may differ from the code's: the parts it includes, or
        (the code within) the parts it excludes."""
        return self.excludes if self.within else self.includes

    def as_dict(self) -> dict:
        out = {"area": self.area, "within": self.within, "includes": list(self.includes),
               "excludes": list(self.excludes)}
        if self.changes is not None:
            out["finer_code_changes"] = list(self.changes)
            out["verdict_changes"] = list(self.verdicts)
        return out

    def may_change(self, nocs: Optional[Iterable[str]] = None) -> bool:
        """Whether a finer code may change the area's answer (for one of ``nocs``, the occupations shown)."""
        if self.changes is None:
            return True
        return bool(self.changes) if nocs is None else any(n in self.changes for n in nocs)

    def sentence(self, nocs: Optional[Iterable[str]] = None) -> str:
        """The note an answer shows for the area (``nocs``: the occupations it is shown for, else all)."""
        if self.within:
            part = f"excludes NAICS {', '.join(self.excludes)} within it"
        else:
            part = f"includes NAICS {', '.join(self.includes)} within it"
            if self.excludes:
                part += f", less {', '.join(self.excludes)}"
        then = ("the employer's finer code may decide otherwise" if self.may_change(nocs)
                else "for this occupation no finer code would change this area's answer")
        return (f"Only part of NAICS {self.code} is in this area's definition, which {part}. The clauses decide "
                f"on NAICS {self.code} as given; {then}.")


def _below(code: str) -> Callable[[str], bool]:
    """Whether a NAICS code lies strictly below ``code`` (a sector range, "31-33": below one of its parts)."""
    parts = NAICS_RANGES.get(code, (code,))
    own = {code, *parts}
    return lambda other: other not in own and any(other.startswith(p) for p in parts)


def _part(area: Area, code: str) -> Optional[IndustryPart]:
    above = prefixes(code)
    included = [e.code for e in area.include]
    excluded = [e.code for e in area.exclude]
    below = _below(code)
    excl_below = tuple(c for c in excluded if below(c))
    if above & set(excluded):
        return None  # the code is excluded: what an exclusion cuts off is not the area's
    if above & set(included):
        return IndustryPart(area.id, area.title, code, True, (), excl_below) if excl_below else None
    incl_below = tuple(c for c in included if below(c))
    if not incl_below:
        return None
    return IndustryPart(area.id, area.title, code, False, incl_below,
                        tuple(c for c in excl_below if any(c.startswith(i) for i in incl_below)))


def industry_parts(areas: Iterable[Area], industry: Optional[str]) -> Tuple[IndustryPart, ...]:
    """Each area (in order) whose definition includes part of ``industry`` and not the rest; () without one."""
    if not industry:
        return ()
    return tuple(p for p in (_part(a, industry) for a in areas) if p is not None)


def finer_codes(parts: Tuple[IndustryPart, ...], nocs: Iterable[str],
                in_scope: Callable[[str, Optional[str]], Tuple[str, ...]]) -> Tuple[IndustryPart, ...]:
    """``parts`` for an answer deciding ``nocs`` (NOC 2016) on the code: each with the unit groups whose
    answer in its area one of its finer codes changes (``in_scope(noc, naics)``: the areas in scope), so that
    a note says "may decide otherwise" only where a finer code does (9461 is not ICT's whatever part of 54)."""
    nocs = tuple(nocs)
    now = {n: in_scope(n, parts[0].code) for n in nocs} if parts else {}  # every part is of the caller's code
    out = []
    for p in parts:
        finer = {(n, c): in_scope(n, c) for n in nocs for c in p.finer}
        out.append(replace(
            p, changes=tuple(n for n in nocs if any((p.area in finer[n, c]) != (p.area in now[n]) for c in p.finer)),
            verdicts=tuple(n for n in nocs if any(bool(finer[n, c]) != bool(now[n]) for c in p.finer))))
    return tuple(out)
