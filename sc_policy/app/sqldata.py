"""What the SQL script of a version decides with: its decisions, industry classes and versions as rows.

:func:`script_data` gathers, from a workspace, every row the script of
:mod:`sc_policy.app.sqlscript` inserts, by the very functions ``evaluate`` decides with
(:func:`~sc_policy.reference.codes.noc_candidates`, :func:`~sc_policy.reference.codes.industry_refusal`,
the decision table and :func:`~sc_policy.app.caseformats.result`), so that the script decides a
row as ``evaluate`` does:

* ``versions``: (version, version_hash, in_force_from, in_force_to), the days as ``YYYY-MM-DD`` text
  or None for open-ended; one row with both None for a fixed version, else one row per stretch of
  the calendar within which the version in force cannot change (:meth:`VersionChooser.intervals`).
* ``industries``: (version, industry, industry_class) for every industry ``evaluate`` accepts, ``''``
  (no industry) being class 0.
* ``decisions``: (version, noc_version, noc, industry_class, eligible, verdict, areas, candidates)
  for every NOC code ``evaluate`` accepts, as its CSV output writes them (a NOC 2021 code mapped
  through Statistics Canada's concordance to its NOC 2016 candidates).
"""

from __future__ import annotations

import functools
import re
import sys
from array import array
from dataclasses import dataclass
from typing import Collection, List, Optional, Tuple

from sc_policy.app.casecolumns import COLUMNS, COLUMNS_NOC2021
from sc_policy.app.casedecide import VersionChooser
from sc_policy.app.caseformats import result
from sc_policy.diagnostics import ScPolicyError
from sc_policy.reference.codes import NOC_VERSIONS, industry_refusal, noc_candidates
from sc_policy.reference.statcan import NAICS_RANGES

__all__ = ["CaseloadShape", "ScriptData", "range_classes", "script_data", "whitespace"]


@functools.lru_cache(maxsize=1)
def whitespace() -> str:
    """Every character Python's ``str.strip()`` removes, which ``evaluate`` trims codes of (found once
    per process: ``re``'s ``\\s``, which is ``str.isspace()``, over all 1.1 million code points at C speed)."""
    every = array("I", range(sys.maxunicode + 1)).tobytes().decode(f"utf-32-{sys.byteorder[0]}e", "surrogatepass")
    return "".join(re.findall(r"\s", every))


@dataclass(frozen=True)
class CaseloadShape:
    """Which columns the caseload has besides ``noc``: ``industry`` (or every row has none), a
    ``noc_version`` column (else every row is in ``noc_version``), and a date column (else one
    version decides every row)."""

    industry: bool = True
    noc_version_column: bool = False
    noc_version: str = "2016"
    date_column: Optional[str] = None
    renamed: Tuple[Tuple[str, str], ...] = ()
    """(role, column) for a role (``noc``, ``industry``, ``noc_version``, ``date``) whose column has
    another name than its own (the date column's is ``date_column``)."""
    columns: Tuple[str, ...] = ()
    """The caseload's columns in order, when known: the view then lists them, the code columns
    trimmed in place as ``evaluate`` writes them (without them only DuckDB's ``* REPLACE`` can)."""

    def column(self, role: str) -> str:
        """The name of the caseload's column for ``role``."""
        default = self.date_column if role == "date" else role
        return dict(self.renamed).get(role, default)

    def codes(self) -> Tuple[str, ...]:
        """The caseload's columns of codes (``noc``, ``industry``, ``noc_version``), which
        ``evaluate`` writes trimmed."""
        roles = ("noc",) + (("industry",) if self.industry else ()) \
            + (("noc_version",) if self.noc_version_column else ())
        return tuple(self.column(role) for role in roles)

    @property
    def added(self) -> Tuple[str, ...]:
        """The columns the decisions add, as ``evaluate`` adds them for the same header."""
        return COLUMNS_NOC2021 if self.noc_version_column or self.noc_version == "2021" else COLUMNS

    @property
    def noc_versions(self) -> Tuple[str, ...]:
        return NOC_VERSIONS if self.noc_version_column else (self.noc_version,)


@dataclass(frozen=True)
class ScriptData:
    shape: CaseloadShape
    versions: Tuple[tuple, ...]
    industries: Tuple[tuple, ...]
    decisions: Tuple[tuple, ...]


def _day(day) -> Optional[str]:
    return None if day is None else day.isoformat()


def script_data(ws, shape: CaseloadShape, version: Optional[str] = None, on=None,
                chooser: Optional[VersionChooser] = None, present: Optional[Collection[str]] = None) -> ScriptData:
    """The rows of the script for a caseload of ``shape`` under ``version`` (or the one in force
    ``on``, by default today), or under the version in force on each row's date (``chooser``:
    the batch's own, instead of ``version`` and ``on``). ``present``: the (trimmed) industries of a
    known caseload; an industry the table puts in no class gets rows only if present (deciding one
    compiles the version's rules: a caseload without one is spared that)."""
    if shape.noc_version not in NOC_VERSIONS:
        raise ValueError(shape.noc_version)
    by_date = shape.date_column is not None
    if chooser is None:
        chooser = VersionChooser(ws, version, on, by_date=by_date)
    versions: List[tuple] = []
    opened_by_id = {}
    if by_date:
        for first, last, ref in chooser.intervals():
            if ref is None:
                continue
            opened = ws.open_ref(ref)
            versions.append((opened.version.id, opened.version.content_hash, _day(first), _day(last)))
            opened_by_id.setdefault(opened.version.id, []).append(opened)
    else:
        opened = chooser.fixed()
        versions.append((opened.version.id, opened.version.content_hash, None, None))
        opened_by_id[opened.version.id] = [opened]
    industries: List[tuple] = []
    decisions: List[tuple] = []
    for vid, opens in opened_by_id.items():
        if len({o.version.content_hash for o in opens}) > 1:
            raise ScPolicyError(f"two versions in force at different times are both called {vid!r}",
                                code="bad-input")
        version_industries, version_decisions = _version_rows(ws.refdata, opens[0], shape.noc_versions, present)
        industries.extend(version_industries)
        decisions.extend(version_decisions)
    return ScriptData(shape, tuple(versions), tuple(industries), tuple(decisions))


def _fields(decided: dict) -> tuple:
    """eligible, verdict, areas and candidates as evaluate's CSV writes them (eligible a bool)."""
    return (decided["eligible"], decided["verdict"], ";".join(decided["areas"]),
            ";".join(f"{c}:{'+'.join(a) if a else 'none'}" for c, a in decided["candidates"]))


def _nocs(refdata, noc_versions) -> List[tuple]:
    """(noc_version, code, candidates) for every NOC code evaluate accepts in ``noc_versions``."""
    out = []
    for nv in noc_versions:
        codes = refdata.noc2016 if nv == "2016" else refdata.concordance
        for code in sorted(codes):
            candidates = noc_candidates(code, refdata, nv)
            if type(candidates) is not str:
                out.append((nv, code, candidates))
    return out


def _version_rows(refdata, opened, noc_versions, present=None) -> Tuple[List[tuple], List[tuple]]:
    """The ``industries`` and ``decisions`` rows of one version (see the module).

    An industry ``evaluate`` accepts but the table puts in no class (a sector StatCan writes as a
    range, "31-33", which ``evaluate`` decides directly) is decided here as ``evaluate`` decides it,
    for every NOC code; it takes the class whose decisions equal its own on every NOC code, or,
    when none does, a class of its own numbered after the table's, with its own decision rows."""
    table, vid = opened.table, opened.version.id
    nocs = _nocs(refdata, noc_versions)
    columns = _class_columns(opened, nocs)
    industries = [(vid, "", 0)]
    for code in sorted(set(refdata.naics2017) | set(NAICS_RANGES)):
        if industry_refusal(code, refdata) is not None:
            continue
        cls = table.industry_class(code)
        if cls is None and present is not None and code not in present:
            continue  # not in the caseload
        if cls is None:  # decided directly by evaluate: find (or make) the class that decides as it does
            column = _decided_column(opened, nocs, code)
            cls = next((j for j, known in enumerate(columns) if known == column), None)
            if cls is None:
                cls = len(columns)
                columns.append(column)
        industries.append((vid, code, cls))
    decisions = [(vid, nv, code, j) + column[k] for k, (nv, code, _) in enumerate(nocs)
                 for j, column in enumerate(columns)]
    return industries, decisions


def _class_columns(opened, nocs) -> List[list]:
    """The decisions of each class of the table (0: no industry) for every NOC code of ``nocs``."""
    naics = [None] + [c.representative for c in opened.table.classes]  # any code of a class decides as the others
    return [[_fields(result(opened, candidates, rep)) for _, _, candidates in nocs] for rep in naics]


def _decided_column(opened, nocs, code: str) -> list:
    """The decisions of the industry ``code`` for every NOC code of ``nocs``, as ``evaluate`` decides them."""
    decided = {}  # a NOC 2021 code mapped to one NOC 2016 code decides as that code does
    for _, _, candidates in nocs:
        if candidates not in decided:
            decided[candidates] = _fields(result(opened, candidates, code))
    return [decided[candidates] for _, _, candidates in nocs]


def range_classes(refdata, opened) -> List[Tuple[str, Optional[int]]]:
    """Each sector StatCan writes as a range ("31-33") that ``evaluate`` accepts, with the class of the
    version's table (0: no industry) that decides every NOC 2016 code as ``evaluate`` decides the range,
    or None when no class does (the table's classes partition the NAICS codes; a range is none of them)."""
    nocs = _nocs(refdata, ("2016",))
    columns = _class_columns(opened, nocs)
    out = []
    for code in sorted(NAICS_RANGES):
        if industry_refusal(code, refdata) is None:
            column = _decided_column(opened, nocs, code)
            out.append((code, next((j for j, known in enumerate(columns) if known == column), None)))
    return out
