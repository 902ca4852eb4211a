"""Statistics Canada's classifications, shipped unchanged in ``sc_policy/refdata``.

NOC 2016 (unit groups and hierarchy), the NOC 2016 -> NOC 2021 concordance, and
NAICS Canada 2017 and 2022. Source: Statistics Canada, under the Statistics
Canada Open Licence (see ``refdata/PROVENANCE.md``).

Files are read lazily, once per :class:`ReferenceData` object, the first time a
table is needed; :func:`reference_data` returns the one shared, read-only copy.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .resources import refdata_dir

__all__ = [
    "UnitGroup", "Industry", "Correspondence", "ReferenceData", "reference_data",
    "skill_level", "SKILL_LEVELS", "NAICS_RANGES",
]

SKILL_LEVELS = ("0", "A", "B", "C", "D")
"""NOC 2016 skill levels: 0 is management, then A (university) to D (on-the-job)."""

NAICS_RANGES = {"31-33": ("31", "32", "33"), "44-45": ("44", "45"), "48-49": ("48", "49")}
"""NAICS sectors published as ranges; each two-digit code names a part of its sector."""


def skill_level(code: str) -> str:
    """The NOC 2016 skill level of a unit group, read from its code.

    First digit 0: management ("0"). Otherwise the second digit: 0-1 A, 2-3 B,
    4-5 C, 6-7 D. NOC 2016 has no skill-level column; this is its coding rule.
    """
    if len(code) != 4 or not code.isdigit():
        raise ValueError(f"not a four-digit NOC 2016 code: {code!r}")
    if code[0] == "0":
        return "0"
    return "AABBCCDD"[int(code[1])] if code[1] in "01234567" else "?"


@dataclass(frozen=True)
class UnitGroup:
    code: str
    title: str
    minor_group: str
    minor_group_title: str
    major_group: str
    major_group_title: str

    @property
    def level(self) -> str:
        return skill_level(self.code)


@dataclass(frozen=True)
class Industry:
    code: str
    title: str
    level: int  # StatCan level: 1 sector ... 5 Canadian industry
    sector: str  # the sector code, a range where the sector is one ("31-33")


@dataclass(frozen=True)
class Correspondence:
    noc2016: str
    noc2021: str
    noc2021_title: str
    change: str


def _read_csv(name: str) -> List[dict]:
    text = (refdata_dir() / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _naics_table(name: str) -> Dict[str, Industry]:
    rows = _read_csv(name)
    table: Dict[str, Industry] = {}
    for row in rows:
        code, title, level = row["code"], row["title"], int(row["level"])
        sector = code if level == 1 else None
        table[code] = Industry(code, title, level, sector or "")
    # Every code's sector: the two-digit prefix, or the range holding it.
    part_of = {part: rng for rng, parts in NAICS_RANGES.items() for part in parts}
    out: Dict[str, Industry] = {}
    for code, ind in table.items():
        sector = code if ind.level == 1 else part_of.get(code[:2], code[:2])
        out[code] = Industry(code, ind.title, ind.level, sector)
    for rng, parts in NAICS_RANGES.items():
        if rng in table:
            for part in parts:
                out[part] = Industry(part, table[rng].title, 1, rng)
    return out


class ReferenceData:
    """The classification tables, each read on first use."""

    @functools.cached_property
    def noc2016(self) -> Dict[str, UnitGroup]:
        return {
            r["code"]: UnitGroup(r["code"], r["title"], r["minor_group"], r["minor_group_title"],
                                 r["major_group"], r["major_group_title"])
            for r in _read_csv("noc2016_unit_groups.csv")
        }

    @functools.cached_property
    def noc2016_groups(self) -> Dict[str, str]:
        """Every code of the NOC 2016 hierarchy (all levels) with its title."""
        return {r["code"]: r["title"] for r in _read_csv("noc2016_hierarchy.csv")}

    @functools.cached_property
    def concordance(self) -> Dict[str, Tuple[Correspondence, ...]]:
        """NOC 2021 code -> the NOC 2016 unit groups it corresponds to."""
        out: Dict[str, List[Correspondence]] = {}
        for r in _read_csv("noc2016_to_noc2021.csv"):
            out.setdefault(r["noc2021_code"], []).append(
                Correspondence(r["noc2016_code"], r["noc2021_code"], r["noc2021_title"],
                               r["gsim_type_of_change"]))
        return {k: tuple(sorted(v, key=lambda c: c.noc2016)) for k, v in out.items()}

    @functools.cached_property
    def naics2017(self) -> Dict[str, Industry]:
        return _naics_table("naics_canada_2017.csv")

    @functools.cached_property
    def naics2022(self) -> Dict[str, Industry]:
        return _naics_table("naics_canada_2022.csv")

    @functools.cached_property
    def naics2017_codes(self) -> Tuple[str, ...]:
        """Every code an industry input may take: ranges split into their two-digit parts."""
        return tuple(sorted(c for c in self.naics2017 if "-" not in c))

    def noc_title(self, code: str) -> Optional[str]:
        unit = self.noc2016.get(code)
        return unit.title if unit else None

    def naics_title(self, code: str) -> Optional[str]:
        ind = self.naics2017.get(code)
        return ind.title if ind else None

    def nearest_nocs(self, code: str, limit: int = 5) -> List[str]:
        """Real unit groups near a code that is not one: the same minor group, else the closest codes."""
        same_minor = [c for c in self.noc2016 if c[:3] == code[:3]]
        if same_minor:
            return same_minor[:limit]
        return difflib.get_close_matches(code, list(self.noc2016), n=limit, cutoff=0.5) or \
            sorted(self.noc2016, key=lambda c: abs(int(c) - int(code)))[:limit]

    def nearest_naics(self, code: str, limit: int = 5) -> List[str]:
        """Real NAICS Canada 2017 codes near one that is not: its parent's children, else the parent."""
        for cut in range(len(code) - 1, 1, -1):
            parent = code[:cut]
            kids = sorted(c for c in self.naics2017_codes
                          if c.startswith(parent) and len(c) == len(code))
            if kids:
                return kids[:limit]
            if parent in self.naics2017:
                return [parent]
        return sorted(c for c in self.naics2017_codes if len(c) == 2)[:limit]


@functools.lru_cache(maxsize=1)
def reference_data() -> ReferenceData:
    """The shared reference tables (created on first call, not at import)."""
    return ReferenceData()
