"""Statistics Canada's classifications, shipped unchanged in ``sc_policy/refdata``.

NOC 2016 (unit groups and hierarchy), the NOC 2016 -> NOC 2021 concordance, and
NAICS Canada 2017 and 2022. Source: Statistics Canada, under the Statistics
Canada Open Licence (see ``refdata/PROVENANCE.md``).

Files are read lazily, once per :class:`ReferenceData` object, the first time a
table is needed; :func:`reference_data` returns the one shared, read-only copy.
Each is read only if it is the table shipped (:data:`SHIPPED_SHA256`): a frozen version's decisions
hash covers the NOC 2016 unit groups and NAICS codes it decides, not the titles an answer quotes nor
the concordance that maps a NOC 2021 code to those unit groups, so an edited table would otherwise
change a frozen version's answers unnoticed.
"""

from __future__ import annotations

import bisect
import csv
import functools
import hashlib
import io
import operator
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from sc_policy.diagnostics import ScPolicyError
from sc_policy.resources import refdata_dir

__all__ = [
    "UnitGroup", "Industry", "Correspondence", "TitleMatch", "ReferenceData", "reference_data",
    "skill_level", "SKILL_LEVELS", "NAICS_RANGES", "SHIPPED_SHA256",
]

_MISSING = object()

SKILL_LEVELS = ("0", "A", "B", "C", "D")
"""NOC 2016 skill levels: 0 is management, then A (university) to D (on-the-job)."""

NAICS_RANGES = {"31-33": ("31", "32", "33"), "44-45": ("44", "45"), "48-49": ("48", "49")}
"""NAICS sectors published as ranges; each two-digit code names a part of its sector."""


def skill_level(code: str) -> str:
    """The NOC 2016 skill level of a unit group, read from its code.

    First digit 0: management ("0"). Otherwise the second digit: 0-1 A, 2-3 B,
    4-5 C, 6-7 D. NOC 2016 has no skill-level column; this is its coding rule.
    """
    if len(code) != 4 or not (code.isascii() and code.isdigit()):
        raise ValueError(f"not a four-digit NOC 2016 code: {code!r}")
    if code[0] == "0":
        return "0"
    return "AABBCCDD"[int(code[1])] if code[1] in "01234567" else "?"


@dataclass(frozen=True)
class UnitGroup:
    """A NOC 2016 unit group with its minor and major groups."""

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
    """A NAICS Canada code with its title, level and sector."""

    code: str
    title: str
    level: int  # StatCan level: 1 sector ... 5 Canadian industry
    sector: str  # the sector code, a range where the sector is one ("31-33")


@dataclass(frozen=True)
class Correspondence:
    """A NOC 2016 unit group that a NOC 2021 unit group corresponds to, and how."""

    noc2016: str
    noc2021: str
    noc2021_title: str
    change: str


SHIPPED_SHA256 = {
    "naics_canada_2017.csv": "61c1be4e4d1e02704e974e43a1c785c4c21a1eb2d33dd824072c1474893b8073",
    "naics_canada_2022.csv": "07ac9fd7bdad530f062cd60a767722fc1aeea32426574232490dc796902f2837",
    "noc2016_hierarchy.csv": "40bd18f13ed94a0b66280fcdeb1838461a067d34342653ce702d3ed9fc0a5d49",
    "noc2016_to_noc2021.csv": "2cbdfc74fb2a9e5f2b8ad474367eb3426892682fead1afe7ca3c8abb88f4a3e6",
    "noc2016_unit_groups.csv": "f55f4fe878f471607689884e00cab899ba46ee893fe69c600f9197f8f2c21c57",
}
"""The SHA-256 of each shipped table, as shipped (its lines end in CRLF; a copy whose lines end in LF, as
some tools rewrite them, holds the same rows and is the same table)."""


def _read_csv(name: str, *columns: str) -> List[tuple]:
    """The named columns of every row of a table, as :class:`csv.DictReader` reads them (blank lines
    skipped, a missing cell None), without a dict per row: the command line reads the tables on every run.

    A line without a quote is split at its commas (what the csv module does with it, several times
    faster); a quoted line is read by the csv module, and the whole table is when a quoted field
    might span lines or a line ends in a carriage return.
    """
    path = refdata_dir() / name
    data = path.read_bytes()
    digest, shipped = hashlib.sha256(data).hexdigest(), SHIPPED_SHA256.get(name)
    if digest != shipped and hashlib.sha256(  # (a copy with other line ends: compared as CRLF, only then)
            data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")).hexdigest() != shipped:
        raise ScPolicyError(f"{path}: this is not the reference table sc-policy ships (sha256 {digest}, shipped "
                            f"{shipped}): the answers of frozen versions rest on the shipped "
                            f"tables; restore it (reinstall sc-policy)", code="refdata-modified")
    return _columns(_rows(data.decode("utf-8")), columns)


def _rows(text: str) -> List[List[str]]:
    if "\r" in text or text.count('"') % 2:
        return list(csv.reader(io.StringIO(text)))
    rows = []
    for line in text.split("\n"):
        if not line:
            continue
        if '"' not in line:
            rows.append(line.split(","))
        elif line.count('"') % 2:  # a quoted field that goes on to the next line
            return list(csv.reader(io.StringIO(text)))
        else:
            rows.extend(csv.reader((line,)))
    return rows


def _columns(rows: List[List[str]], columns: Tuple[str, ...]) -> List[tuple]:
    if not rows:
        return []
    header, width = rows[0], len(rows[0])
    at = [header.index(c) for c in columns]
    pick = operator.itemgetter(*at) if len(at) > 1 else (lambda row: (row[at[0]],))
    out = []
    for row in rows[1:]:
        if not row:
            continue
        if len(row) < width:
            row = row + [None] * (width - len(row))
        out.append(pick(row))
    return out


def _naics_table(name: str) -> Dict[str, Industry]:
    # Every code's sector: the code itself for a sector, else the two-digit prefix or the range holding it.
    part_of = {part: rng for rng, parts in NAICS_RANGES.items() for part in parts}
    out: Dict[str, Industry] = {}
    for code, title, level in _read_csv(name, "code", "title", "level"):
        level = int(level)
        out[code] = Industry(code, title, level, code if level == 1 else part_of.get(code[:2], code[:2]))
    for rng, parts in NAICS_RANGES.items():
        if rng in out:
            for part in parts:
                out[part] = Industry(part, out[rng].title, 1, rng)
    return out


@dataclass(frozen=True)
class TitleMatch:
    """A unit group whose title a search found (:meth:`ReferenceData.titles_with`)."""
    code: str
    noc_version: str
    title: str


class ReferenceData:
    """The classification tables, each read on first use."""

    @functools.cached_property
    def noc2016(self) -> Dict[str, UnitGroup]:
        return {r[0]: UnitGroup(*r) for r in _read_csv("noc2016_unit_groups.csv", "code", "title", "minor_group",
                                                               "minor_group_title", "major_group", "major_group_title")}

    @functools.cached_property
    def concordance(self) -> Dict[str, Tuple[Correspondence, ...]]:
        """NOC 2021 code -> the NOC 2016 unit groups it corresponds to."""
        out: Dict[str, List[Correspondence]] = {}
        for noc2016, noc2021, title, change in _read_csv("noc2016_to_noc2021.csv", "noc2016_code", "noc2021_code",
                                                         "noc2021_title", "gsim_type_of_change"):
            out.setdefault(noc2021, []).append(Correspondence(noc2016, noc2021, title, change))
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
        table = self.__dict__.get("naics2017")  # (cached_property keeps it there once built)
        if table is None:  # a text answer names a few industries: their titles need no Industry per code
            return self._naics2017_titles.get(code)
        ind = table.get(code)
        return ind.title if ind else None

    @functools.cached_property
    def _titles(self) -> List[Tuple["TitleMatch", str]]:
        rows = [TitleMatch(u.code, "2016", u.title) for u in self.noc2016.values()]
        rows += [TitleMatch(code, "2021", corr[0].noc2021_title) for code, corr in self.concordance.items()]
        return [(row, row.title.casefold()) for row in sorted(rows, key=lambda m: (m.noc_version, m.code))]

    def titles_with(self, text: str) -> List["TitleMatch"]:
        """The NOC 2016 and NOC 2021 unit groups whose title holds every word of ``text`` (in any case), by
        version and code; none for a text without a word."""
        words = re.findall(r"\w+", text.casefold())
        if not words:
            return []
        return [row for row, folded in self._titles if all(w in folded for w in words)]

    @functools.cached_property
    def _naics2017_titles(self) -> Dict[str, str]:
        """NAICS 2017 code -> title, as :attr:`naics2017` has them (a range's parts with its title)."""
        out = dict(_read_csv("naics_canada_2017.csv", "code", "title"))
        for rng, parts in NAICS_RANGES.items():
            if rng in out:
                for part in parts:
                    out[part] = out[rng]
        return out

    @functools.cached_property
    def _noc_minor(self) -> Dict[str, Tuple[str, ...]]:
        """Minor group (first three digits) -> its NOC 2016 unit groups, in file order."""
        out: Dict[str, List[str]] = {}
        for code in self.noc2016:
            out.setdefault(code[:3], []).append(code)
        return {prefix: tuple(codes) for prefix, codes in out.items()}

    @functools.cached_property
    def _noc_numeric(self) -> Dict[str, Tuple[Tuple[str, ...], Tuple[int, ...]]]:
        """Prefix of two, one or no digits -> the NOC 2016 unit groups under it, sorted, and their values."""
        out: Dict[str, List[str]] = {}
        for code in sorted(self.noc2016):
            for cut in range(3):
                out.setdefault(code[:cut], []).append(code)
        return {prefix: (tuple(codes), tuple(int(c) for c in codes)) for prefix, codes in out.items()}

    @functools.cached_property
    def _noc2021_index(self) -> Dict[str, Tuple[str, ...]]:
        """Three-digit prefix -> the NOC 2021 unit groups of the concordance under it, sorted."""
        out: Dict[str, List[str]] = {}
        for code in sorted(self.concordance):
            out.setdefault(code[:3], []).append(code)
        return {prefix: tuple(codes) for prefix, codes in out.items()}

    @functools.cached_property
    def _naics_near(self) -> Dict[int, Dict[str, Optional[Tuple[str, ...]]]]:
        """Code length -> {prefix: the answer of :meth:`nearest_naics` for a code of that length whose
        longest prefix with an answer it is: the codes of that length under it, else the prefix
        itself}. Every shorter prefix (of two digits or more) of such a prefix is a key too, with
        None when it has no answer of its own, so that a search may stop at the first prefix missing."""
        out: Dict[int, Dict[str, Optional[Tuple[str, ...]]]] = {}
        for length in range(3, 7):
            kids: Dict[str, List[str]] = {}
            for code in self.naics2017_codes:  # sorted
                if len(code) == length:
                    for cut in range(2, length):
                        kids.setdefault(code[:cut], []).append(code)
            near: Dict[str, Optional[Tuple[str, ...]]] = {
                code: (code,) for code in self.naics2017_codes if 2 <= len(code) < length}
            near.update((prefix, tuple(codes)) for prefix, codes in kids.items())
            for prefix in list(near):
                for cut in range(2, len(prefix)):
                    near.setdefault(prefix[:cut], None)
            out[length] = near
        return out

    def nearest_nocs(self, code: str, limit: int = 5) -> List[str]:
        """Real unit groups near a four-digit code that is not one: the same minor group (first three
        digits), else the numerically closest of the same major group (two digits), else of the same
        broad category (one digit), else of all; each answer is a few lookups in an index."""
        same_minor = self._noc_minor.get(code[:3])
        if same_minor:
            return list(same_minor[:limit])
        try:
            value = int(code)
        except ValueError:
            value = 0
        for cut in (2, 1, 0):
            group = self._noc_numeric.get(code[:cut])
            if group:
                return _closest(*group, value, limit)
        return []

    def nearest_noc2021(self, code: str, limit: int = 5) -> List[str]:
        """NOC 2021 unit groups of the concordance that share a code's first three digits."""
        return list(self._noc2021_index.get(code[:3], ())[:limit])

    def _nearest_naics(self, code: str) -> Tuple[str, Tuple[str, ...]]:
        """The prefix that decides :meth:`nearest_naics` (empty for none), and its whole answer."""
        near = self._naics_near.get(len(code))
        sectors = self._naics_sectors_by_digit.get(code[:1])
        best: Tuple[str, Tuple[str, ...]] = (code[:1], sectors) if sectors else ("", self._naics_two_digits)
        if near is not None:
            for cut in range(2, len(code)):
                found = near.get(code[:cut], _MISSING)
                if found is _MISSING:
                    break
                if found is not None:
                    best = (code[:cut], found)
        return best

    @functools.cached_property
    def _naics_sectors_by_digit(self) -> Dict[str, Tuple[str, ...]]:
        """First digit -> the two-digit codes (sectors and parts of ranges) that start with it."""
        out: Dict[str, List[str]] = {}
        for code in self._naics_two_digits:
            out.setdefault(code[0], []).append(code)
        return {digit: tuple(codes) for digit, codes in out.items()}

    @functools.cached_property
    def _naics_two_digits(self) -> Tuple[str, ...]:
        return tuple(c for c in self.naics2017_codes if len(c) == 2)

    def nearest_naics(self, code: str, limit: int = 5) -> List[str]:
        """Real NAICS Canada 2017 codes near one that is not: for the longest prefix of the code that
        has any, the codes of the same length under it, else that prefix itself if it is a code;
        else the sectors that share its first digit; else all sectors. Each answer is a few lookups
        in an index."""
        return list(self._nearest_naics(code)[1][:limit])

    @functools.cached_property
    def _titled(self) -> Dict[Tuple[str, ...], str]:
        """Lists of codes (NOC 2016 or NAICS 2017) already written out with their titles."""
        return {}

    def _with_titles(self, codes: List[str], titles: Dict[str, object]) -> str:
        """``CODE Title; CODE Title``, every run of whitespace in a title made one space."""
        key = tuple(codes)
        text = self._titled.get(key)
        if text is None:
            text = self._titled[key] = "; ".join(
                f"{c} {' '.join(titles[c].title.split())}" for c in codes)  # type: ignore[attr-defined]
        return text

    def nearest_nocs_text(self, code: str) -> str:
        """:meth:`nearest_nocs` as ``CODE Title; CODE Title`` (one line, single spaces), each distinct
        list written once."""
        return self._with_titles(self.nearest_nocs(code), self.noc2016)

    def nearest_naics_text(self, code: str) -> str:
        """:meth:`nearest_naics` as ``CODE Title; CODE Title`` (one line, single spaces), written once
        per deciding prefix and code length (a few thousand at most)."""
        prefix, found = self._nearest_naics(code)
        key = (prefix, len(code))
        text = self._naics_texts.get(key)
        if text is None:
            text = self._naics_texts[key] = self._with_titles(list(found[:5]), self.naics2017)
        return text

    @functools.cached_property
    def _naics_texts(self) -> Dict[Tuple[str, int], str]:
        return {}


def _closest(codes: Tuple[str, ...], numbers: Tuple[int, ...], value: int, limit: int) -> List[str]:
    """The ``limit`` codes numerically closest to ``value`` (ties: the lower code), in code order.

    ``codes`` is sorted and ``numbers`` holds their values, so the answer lies among the
    ``limit`` codes on each side of the place where ``value`` would go.
    """
    at = bisect.bisect_left(numbers, value)
    lo = max(0, at - limit)
    near = sorted(range(lo, min(len(codes), at + limit)), key=lambda i: (abs(numbers[i] - value), i))[:limit]
    return [codes[i] for i in sorted(near)]


@functools.lru_cache(maxsize=1)
def reference_data() -> ReferenceData:
    """The shared reference tables (created on first call, not at import)."""
    return ReferenceData()
