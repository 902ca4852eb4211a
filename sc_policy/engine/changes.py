"""What would change a not-eligible answer, read from the decision table.

Two kinds of change are offered, both found by looking cells up in a
:class:`~sc_policy.engine.table.DecisionTable`, so that every suggestion is a
decision the rule files make, never a sentence written by hand:

* another occupation: the NOC 2016 unit groups nearest the case's in the NOC
  hierarchy (the same minor group, its first three digits, then the same major
  group, its first two) that are eligible *with the case's own industry* (or with
  none, when none was given); at most :data:`MOST_OCCUPATIONS`, nearest first,
  then in code order;
* another employer: when the case names an industry and, in some area, every
  clause that fails reads the industry (the occupation itself is in scope there),
  that area with its industry definition (its ``include`` and ``exclude`` codes),
  offered only when every NAICS code within that definition puts the occupation
  in scope in that area.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, Optional, Tuple

from sc_policy.engine.table import DecisionTable
from sc_policy.model import FAIL, Area, Version
from sc_policy.reference.statcan import ReferenceData

__all__ = ["OccupationChange", "IndustryChange", "Changes", "NO_CHANGES", "MOST_OCCUPATIONS",
           "what_would_change", "Outside", "nearest_first", "within_definition", "definition_classes", "ChangeFinder"]

MOST_OCCUPATIONS = 5
"""How many other occupations a not-eligible answer offers at most."""

INDUSTRY_KINDS = ("industry", "both")
"""The kinds of table column (:data:`sc_policy.engine.table.KINDS`) whose clause reads the industry."""


@dataclass(frozen=True)
class OccupationChange:
    """Another NOC 2016 unit group offered for a not-eligible case, and its areas: in
    :attr:`Changes.occupations`, one near the case's that is eligible with the case's industry, and
    the areas it is in scope under; in ``Decision.nearby`` (sc_policy.engine.decide), a listed
    occupation of the same NOC minor group, and the areas that list it."""

    noc: str
    title: str
    areas: Tuple[str, ...]

    def as_dict(self) -> dict:
        return {"noc": self.noc, "title": self.title, "areas": list(self.areas)}


@dataclass(frozen=True)
class IndustryChange:
    """An area that lists the occupation, and the industries (its definition) it is eligible under."""

    area: str
    title: str
    include: Tuple[str, ...]
    exclude: Tuple[str, ...]


@dataclass(frozen=True)
class Changes:
    """What would make a not-eligible case eligible (both empty: nothing, or the case is eligible)."""

    occupations: Tuple[OccupationChange, ...] = ()
    industries: Tuple[IndustryChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.occupations or self.industries)

    def as_dict(self) -> dict:
        return {"occupations": [o.as_dict() for o in self.occupations],
                "industries": [{"area": i.area, "title": i.title, "include": list(i.include),
                                "exclude": list(i.exclude)} for i in self.industries]}


NO_CHANGES = Changes()


def within_definition(code: str, area: Area) -> bool:
    """Whether a NAICS code is equal to or below one of the area's included codes and no excluded one
    (as the fact ``industry_prefixes`` reads a code: its first 2, 3, ... digits)."""
    return _within(code, _codes(area.include), _codes(area.exclude))


def _codes(entries) -> Tuple[str, ...]:
    return tuple(e.code for e in entries if len(e.code) >= 2)  # a code's prefixes start at 2 digits


def _within(code: str, include: Tuple[str, ...], exclude: Tuple[str, ...]) -> bool:
    return code.startswith(include) and not (exclude and code.startswith(exclude))


def definition_classes(table: DecisionTable, area: Area, refdata: ReferenceData) -> FrozenSet[int]:
    """The table's industry classes (numbers, 1 up) of every NAICS code within an area's definition."""
    include, exclude = _codes(area.include), _codes(area.exclude)
    if not include:
        return frozenset()
    classes = (table.industry_class(code) for code in refdata.naics2017_codes if _within(code, include, exclude))
    return frozenset(j for j in classes if j is not None)


def nearest_first(table: DecisionTable) -> Dict[str, Tuple[str, ...]]:
    """For each unit group of the table, the others of its NOC major group (first two digits), nearest
    first: those of its minor group (first three digits), then the rest, each in code order."""
    groups: Dict[str, list] = {}
    for code in table.nocs:
        groups.setdefault(code[:2], []).append(code)
    out = {}
    for members in groups.values():
        members.sort()
        for code in members:
            out[code] = tuple(sorted((o for o in members if o != code), key=lambda o: (o[:3] != code[:3], o)))
    return out


Outside = Tuple[Callable[[str, str], Tuple[str, ...]], Tuple[Tuple[str, ...], ...]]
"""For an input the table does not cover (a sector range, "31-33"): the areas in scope of (unit group, that
industry), and the ids of the clauses that fail the case in each area, in area order."""


def what_would_change(table: DecisionTable, version: Version, refdata: ReferenceData, noc: str,
                      industry: Optional[str],
                      definitions: Optional[Dict[str, FrozenSet[int]]] = None,
                      nearest: Optional[Dict[str, Tuple[str, ...]]] = None,
                      outside: Optional[Outside] = None) -> Changes:
    """The changes that would make the case (``noc``, ``industry``) eligible; empty when it is already
    eligible, or the table does not cover it and ``outside`` does not say. ``definitions``: a memo of
    :func:`definition_classes` by area id, filled as it is used, and ``nearest``: :func:`nearest_first` of
    the table (the caller keeps both for the table)."""
    cell = table.cell(noc, industry)
    if cell is not None:
        if table.in_scope(cell):
            return NO_CHANGES
        j = table.industry_class(industry)
        row = cell - j
        areas_of = lambda other: table.in_scope(table.cell(other, None) + j)  # noqa: E731
        failing = [[col.kind for (_, col), (_, result) in zip(table.area_columns(k), table.results(k, cell))
                    if result == FAIL] for k in range(len(table.areas))]
    elif outside is not None and industry is not None and table.cell(noc, None) is not None:
        in_scope, failing_ids = outside
        if in_scope(noc, industry):
            return NO_CHANGES
        row = table.cell(noc, None)
        areas_of = lambda other: in_scope(other, industry)  # noqa: E731
        failing = [[col.kind for clause, col in table.area_columns(k) if clause.id in failing_ids[k]]
                   for k in range(len(table.areas))]
    else:
        return NO_CHANGES
    offered = []
    for other in (nearest if nearest is not None else nearest_first(table))[noc]:
        areas = areas_of(other)
        if areas:
            offered.append(OccupationChange(other, refdata.noc_title(other) or "", areas))
            if len(offered) == MOST_OCCUPATIONS:
                break
    occupations = tuple(offered)
    industries = []
    if industry is not None:
        memo = definitions if definitions is not None else {}
        for k, area_id in enumerate(table.areas):
            if not failing[k] or any(kind not in INDUSTRY_KINDS for kind in failing[k]):
                continue
            area = version.area(area_id)
            if area is None:
                continue
            classes = memo.get(area_id)
            if classes is None:
                classes = memo[area_id] = definition_classes(table, area, refdata)
            if classes and all(area_id in table.in_scope(row + c) for c in sorted(classes)):
                industries.append(IndustryChange(area.id, area.title, tuple(e.code for e in area.include),
                                                 tuple(e.code for e in area.exclude)))
    return Changes(occupations, tuple(industries))


class ChangeFinder:
    """:func:`what_would_change` for one version, remembered per table cell (within ``limit`` entries).

    ``finder(table, build, noc, industry, outside=None)``: with ``table`` None (an evaluator without a
    table), ``build()`` makes one the first time, and it is kept for this alone; ``outside``: see
    :data:`Outside`, for an industry the table does not cover."""

    def __init__(self, version: Version, refdata: ReferenceData, limit: int = 100_000):
        self.version, self.refdata, self.limit = version, refdata, limit
        self._table: Optional[DecisionTable] = None
        self._built: Optional[DecisionTable] = None
        self._memo: Dict[tuple, Changes] = {}
        self._definitions: Dict[str, FrozenSet[int]] = {}
        self._nearest: Optional[Dict[str, Tuple[str, ...]]] = None

    def __call__(self, table: Optional[DecisionTable], build: Callable[[], DecisionTable], noc: str,
                 industry: Optional[str], outside: Optional[Outside] = None) -> Changes:
        if table is None:
            if self._built is None:
                self._built = build()
            table = self._built
        if table is not self._table:
            self._table, self._memo, self._definitions, self._nearest = table, {}, {}, nearest_first(table)
        j = table.industry_class(industry)
        if j is None and outside is None:  # an industry the table does not cover, and nothing else to go by
            return what_would_change(table, self.version, self.refdata, noc, industry)
        key = (noc, j) if j is not None else (noc, None, industry)
        found = self._memo.get(key)
        if found is None:
            found = what_would_change(table, self.version, self.refdata, noc, industry, self._definitions,
                                      self._nearest, outside)
            if len(self._memo) < self.limit:
                self._memo[key] = found
        return found
