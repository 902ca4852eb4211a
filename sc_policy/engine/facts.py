"""The facts a clause may read, and how they are derived from an input and an area.

This is the whole vocabulary of the rule files: a clause expression or an
explanation template may use these names and no others. Each fact belongs to one
family, which tells the decision table what a clause depends on:

* ``occupation``: depends on the NOC code (and the area);
* ``industry``: depends on the employer's NAICS code (and the area);
* ``area``: depends only on the area.

A fact is its :class:`FactSpec` in :data:`FACTS` and its value, made by the function of its family
(:func:`occupation_facts`, :func:`industry_facts`, :func:`area_facts`) from that family's input alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Tuple

from sc_policy.model import Area
from sc_policy.reference.statcan import NAICS_RANGES, ReferenceData, skill_level

__all__ = ["FACTS", "FactSpec", "occupation_facts", "industry_facts", "area_facts", "prefixes", "families", "clause_rank"]


@dataclass(frozen=True)
class FactSpec:
    """A fact clause expressions may read: its name, type, family and meaning."""

    name: str
    type: str  # "string", "boolean" or "set" (a set of strings)
    family: str  # "occupation", "industry" or "area"
    doc: str


FACTS: Mapping[str, FactSpec] = {f.name: f for f in (
    FactSpec("noc", "string", "occupation", "the NOC 2016 unit group code, e.g. 2174"),
    FactSpec("noc_title", "string", "occupation", "its official NOC 2016 title"),
    FactSpec("noc_level", "string", "occupation", "its skill level derived from the code: 0, A, B, C or D"),
    FactSpec("listed_title", "string", "occupation", "the title the area's list publishes for it, or empty"),
    FactSpec("listed_level", "string", "occupation", "the level the area's list declares for it, or empty"),
    FactSpec("listed_line", "string", "occupation", "the source line where the area's list publishes it, or empty"),
    FactSpec("industry_given", "boolean", "industry", "whether the caller named the employer's industry"),
    FactSpec("industry", "string", "industry", "the NAICS Canada 2017 code, or empty"),
    FactSpec("industry_title", "string", "industry", "its official title, or empty"),
    FactSpec("industry_prefixes", "set", "industry", "the code and every code above it, e.g. 33, 334, 3341"),
    FactSpec("area", "string", "area", "the priority area id"),
    FactSpec("area_title", "string", "area", "the priority area title"),
    FactSpec("area_occupations", "set", "area", "the NOC codes the area lists"),
    FactSpec("area_noc_a", "set", "area", "the NOC codes the area lists at declared level A"),
    FactSpec("area_naics_included", "set", "area", "the NAICS codes the area's definition includes"),
    FactSpec("area_naics_excluded", "set", "area", "the NAICS codes the area's definition excludes"),
)}


def prefixes(code: str) -> set:
    """A NAICS code and every code above it in the hierarchy (2 digits and longer); a sector that
    StatCan writes as a range ("31-33") is itself and each of its two-digit parts."""
    parts = NAICS_RANGES.get(code)
    if parts is not None:
        return {code, *parts}
    return set(code[:n] for n in range(2, len(code) + 1))


def area_facts(area: Area) -> Dict[str, object]:
    listed = area.listed
    return {
        "area": area.id,
        "area_title": area.title,
        "area_occupations": set(listed),
        "area_noc_a": set(c for c, o in listed.items() if o.level == "A"),
        "area_naics_included": set(e.code for e in area.include),
        "area_naics_excluded": set(e.code for e in area.exclude),
    }


def occupation_facts(noc: str, area: Area, refdata: ReferenceData) -> Dict[str, object]:
    entry = area.listed.get(noc)
    return {
        "noc": noc,
        "noc_title": refdata.noc_title(noc) or "",
        "noc_level": skill_level(noc),
        "listed_title": entry.title if entry else "",
        "listed_level": entry.level if entry else "",
        "listed_line": str(entry.source[0].line) if entry and entry.source else "",
    }


def industry_facts(industry: Optional[str], refdata: ReferenceData) -> Dict[str, object]:
    if industry is None:
        return {"industry_given": False, "industry": "", "industry_title": "", "industry_prefixes": set()}
    return {"industry_given": True, "industry": industry, "industry_title": refdata.naics_title(industry) or "",
            "industry_prefixes": prefixes(industry)}


def clause_rank(clause_families: Tuple[str, ...], clause_id: str) -> Tuple[int, str]:
    """A clause's place in the order the compiler keeps an area's clauses (and an explanation lists them):
    those that read no industry fact, by id, then those that do, by id."""
    return (1 if "industry" in clause_families else 0, clause_id)


def families(names) -> Tuple[str, ...]:
    """The fact families that a set of fact names touches, in a fixed order."""
    found = {FACTS[n].family for n in names if n in FACTS}
    return tuple(f for f in ("occupation", "industry", "area") if f in found)
