"""Which occupations an employer's industry opens: every eligible NOC 2016 unit group for one input.

A counsellor's question, "my client's employer is in NAICS 325410: which occupations can they
train for?", is the decision table read across: for the industry's class (class 0 when no
industry is given), every unit group whose cell has at least one area in scope, with those
areas. Nothing is listed by hand; with no industry the answer is what the version decides for
"no industry", which for the shipped policy is exactly the published lists. An ``area`` keeps
the unit groups in scope under that area (each still shown with every area it is in scope under).

The caller's codes are checked here, as for a decision (:func:`sc_policy.reference.codes.parse_industry`);
an unknown area is an :class:`~sc_policy.diagnostics.InputError` whose suggestion is the
version's area ids (``one-of``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Protocol, Tuple

from sc_policy.diagnostics import InputError, Suggestion, echoed
from sc_policy.engine.breadth import IndustryPart, industry_parts
from sc_policy.model import Version
from sc_policy.reference.codes import parse_industry
from sc_policy.reference.statcan import NAICS_RANGES, ReferenceData

if TYPE_CHECKING:
    from sc_policy.engine.decide import Evaluator
    from sc_policy.engine.table import DecisionTable

__all__ = ["OpenedOccupation", "Occupations", "Opened", "occupations", "area_of"]


@dataclass(frozen=True)
class OpenedOccupation:
    """One eligible NOC 2016 unit group: its code, official title and the areas it is in scope under."""

    noc: str
    title: str
    areas: Tuple[str, ...]  # area ids, in the version's order


@dataclass(frozen=True)
class Occupations:
    """Every NOC 2016 unit group eligible for one input (an industry or none, an area or all) under a version."""

    policy: str
    version: str
    version_hash: str
    industry: Optional[str]          # the NAICS Canada 2017 code, None for no industry
    industry_title: Optional[str]
    area: Optional[str]              # the area asked about, None for all
    areas: Tuple[Tuple[str, str], ...]  # (id, title) of every area of the version, in its order
    rows: Tuple[OpenedOccupation, ...]  # in NOC code order
    parts: Tuple[IndustryPart, ...] = ()  # the areas whose definition holds only part of the industry code
    others: int = 0  # with an area asked about: the eligible unit groups not in scope under it (not listed)
    decided_on: Optional[str] = None  # the day (ISO) the version was chosen for; None for a version named by id

    def area_title(self, area_id: str) -> str:
        return dict(self.areas).get(area_id, area_id)


class Opened(Protocol):
    """What an opened version offers (:class:`sc_policy.app.workspace.OpenVersion` is one)."""

    @property
    def version(self) -> Version: ...

    @property
    def table(self) -> "DecisionTable": ...

    @property
    def evaluator(self) -> "Evaluator": ...


def area_of(version: Version, text: Optional[str]) -> Optional[str]:
    """The id of one of the version's areas (None for nothing given); InputError if it names none."""
    area = (text or "").strip()
    if not area:
        return None
    ids = tuple(a.id for a in version.areas)
    if area not in ids:
        raise InputError(f"unknown area {echoed(area)} in version {version.id}",
                         suggestion=Suggestion("one-of", ids, f"the areas are {', '.join(ids)}"))
    return area


def occupations(opened: Opened, refdata: ReferenceData, industry: Optional[str] = None,
                area: Optional[str] = None, decided_on: Optional[str] = None) -> Occupations:
    """Every NOC 2016 unit group eligible under ``opened`` for an employer in ``industry`` (None: no industry),
    those in scope under ``area`` only when one is given; from the version's decision table. ``decided_on``:
    the day (ISO) the version was chosen for, recorded in the list (as an answer's).

    Raises :class:`~sc_policy.diagnostics.InputError` for a code that is not in NAICS Canada 2017
    or an area the version does not have.
    """
    version = opened.version
    code = parse_industry(industry, refdata)
    area_id = area_of(version, area)
    table = opened.table
    if table.industry_class(code) is not None:
        def in_scope(noc: str) -> Tuple[str, ...]:
            return table.in_scope(table.cell(noc, code))
    elif code in NAICS_RANGES:  # a sector StatCan writes as a range ("31-33"): no class holds it, decided directly
        def in_scope(noc: str) -> Tuple[str, ...]:
            return opened.evaluator.decide(noc, code).in_scope
    else:  # every NAICS Canada 2017 code has a class, unless the table is not whole
        raise InputError(f"NAICS code {code} is not in the decision table of version {version.id}")
    rows, others = [], 0
    for noc in table.nocs:
        found = in_scope(noc)
        if found and (area_id is None or area_id in found):
            rows.append(OpenedOccupation(noc, refdata.noc_title(noc) or "", found))
        elif found:
            others += 1
    rows.sort(key=lambda r: r.noc)
    return Occupations(table.policy, table.version, table.version_hash, code,
                       refdata.naics_title(code) if code else None, area_id,
                       tuple((a.id, a.title) for a in version.areas), tuple(rows),
                       tuple(p for p in industry_parts(version.areas, code) if area_id in (None, p.area)), others,
                       decided_on)
