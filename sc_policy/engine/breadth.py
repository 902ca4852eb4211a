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

from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Tuple

from sc_policy.engine.facts import prefixes
from sc_policy.model import Area
from sc_policy.reference.statcan import NAICS_RANGES

__all__ = ["IndustryPart", "industry_parts"]


@dataclass(frozen=True)
class IndustryPart:
    """One area whose definition holds part of the caller's industry code and not the rest."""

    area: str
    title: str
    code: str                    # the caller's code
    within: bool                 # the code itself falls within the definition (its parts below do not all)
    includes: Tuple[str, ...]    # codes below the caller's that the definition includes
    excludes: Tuple[str, ...]    # codes below the caller's that the definition excludes

    def as_dict(self) -> dict:
        return {"area": self.area, "within": self.within, "includes": list(self.includes),
                "excludes": list(self.excludes)}

    def sentence(self) -> str:
        """The note an answer shows for the area."""
        if self.within:
            part = f"excludes NAICS {', '.join(self.excludes)} within it"
        else:
            part = f"includes NAICS {', '.join(self.includes)} within it"
            if self.excludes:
                part += f", less {', '.join(self.excludes)}"
        return (f"Only part of NAICS {self.code} is in this area's definition, which {part}. The clauses decide "
                f"on NAICS {self.code} as given; the employer's finer code may decide otherwise.")


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
