"""Compile a version into a decision table: every clause's result for every possible input.

The input space is finite: one of the 500 NOC 2016 unit groups, and either no
industry or a NAICS Canada 2017 code. Codes fall into *industry classes* that
every clause treats alike (:func:`sc_policy.engine.classes.industry_classes`, refined
here for clauses that read both occupation and industry facts), so the table has
one *cell* per (unit group, class), class 0 being "no industry".

Each clause is evaluated with rule-engine once per value of what it depends on,
judged by the fact families it reads (``CompiledClause.families``):

* occupation facts only: once per (area, unit group);
* industry facts only: once per (area, industry class);
* both: once per (area, distinct values of the occupation facts its expressions
  read, distinct values of the industry facts they read); the classes are first
  split so that such a clause treats every code of a class alike for every unit
  group, so the table is exact per code;
* neither: once per area.

The table stores results only (``p``ass, ``f``ail, ``n``ot applicable). An
explanation is rendered from them with the clause's templates and the input's
facts, by :class:`sc_policy.engine.decide.Evaluator`, exactly as direct evaluation
renders it; the rule files stay the only source of decisions. Nothing here is
needed to *use* a table but this module's lookup methods, which import neither
rule-engine nor Cerberus.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, List, Mapping, Optional, Sequence, Tuple

from sc_policy.engine.classes import REFINED, IndustryClass, industry_classes
from sc_policy.model import FAIL, NOT_APPLICABLE, PASS, Clause, Version

if TYPE_CHECKING:
    from sc_policy.engine.budget import ExpressionBudget
    from sc_policy.engine.relevance import KeyedClause

__all__ = ["DecisionTable", "build_table", "table_to_dict", "table_from_dict", "decisions_hash", "OUTCOME_CODES"]

OUTCOME_CODES = {PASS: "p", FAIL: "f", NOT_APPLICABLE: "n"}
"""How the table stores each clause result (:data:`~sc_policy.model.CLAUSE_RESULTS`): one letter."""
_RESULTS = {v: k for k, v in OUTCOME_CODES.items()}


KINDS = ("area", "occupation", "industry", "both")
"""What a clause's expressions read, and so what its column holds one result per: one result in all
(area facts only); one per unit group; one per industry class, 0 first; one per cell."""


@dataclass(frozen=True)
class TableColumn:
    """One clause in one area: one character per value of what it depends on (``kind``, see KINDS)."""

    clause: str
    outcomes: str
    kind: str = "both"


class DecisionTable:
    """Every clause result of one version, for every (NOC 2016 unit group, industry class) cell.

    ``columns[k]`` holds the columns of area ``areas[k]``, in the order the
    explanation lists the clauses. Cell ``i * width + j`` is unit group ``nocs[i]``
    with class ``j`` (0: no industry, ``j >= 1``: ``classes[j - 1]``).
    """

    def __init__(self, policy: str, version: str, version_hash: str, areas: Sequence[str],
                 nocs: Sequence[str], classes: Sequence[IndustryClass],
                 columns: Sequence[Sequence[TableColumn]], clauses: Mapping[str, Clause]):
        self.policy, self.version, self.version_hash = policy, version, version_hash
        self.areas = tuple(areas)
        self.nocs = tuple(nocs)
        self.classes = tuple(classes)
        self.columns = tuple(tuple(cols) for cols in columns)
        self.width = len(self.classes) + 1
        self.size = len(self.nocs) * self.width
        self._noc_index = {code: i for i, code in enumerate(self.nocs)}
        self._code_class = {code: j for j, cls in enumerate(self.classes, 1) for code in cls.codes}
        self._clauses = [tuple(clauses[c.clause] for c in cols) for cols in self.columns]
        self._check()
        self._failed = [self._fails(cols) for cols in self.columns]

    def _length(self, kind: str) -> int:
        return {"area": 1, "occupation": len(self.nocs), "industry": self.width, "both": self.size}[kind]

    def _fails(self, cols: Sequence[TableColumn]) -> bytes:
        """One byte per cell: 1 where some clause of the area fails (the area is not in scope).

        Columns are combined at their own resolution first, so this is linear in the columns'
        lengths, not in the number of columns times the number of cells."""
        fails = bytes.maketrans(b"pfn", b"\x00\x01\x00")
        acc = {kind: 0 for kind in KINDS}
        for col in cols:
            acc[col.kind] |= int.from_bytes(col.outcomes.encode("ascii").translate(fails), "big")
        occupation = acc["occupation"].to_bytes(len(self.nocs), "big")
        industry = acc["industry"].to_bytes(self.width, "big")
        failed_row = b"\x01" * self.width
        cells = b"".join(failed_row if f else industry for f in occupation)
        if acc["area"]:
            cells = b"\x01" * self.size
        if acc["both"]:
            cells = (int.from_bytes(cells, "big") | acc["both"]).to_bytes(self.size, "big")
        return cells

    def _check(self) -> None:
        """Refuse a table that is not whole (e.g. a damaged cache entry): raise ValueError."""
        if len(self.columns) != len(self.areas):
            raise ValueError("one column list per area expected")
        if len(self._noc_index) != len(self.nocs) or not self.nocs:
            raise ValueError("unit groups repeated or missing")
        if sum(len(c.codes) for c in self.classes) != len(self._code_class):
            raise ValueError("an industry code is in two classes")
        if any(c.representative not in c.codes for c in self.classes):
            raise ValueError("an industry class is represented by a code outside it")
        for cols in self.columns:
            for col in cols:
                if col.kind not in KINDS or len(col.outcomes) != self._length(col.kind) \
                        or set(col.outcomes) - set(_RESULTS):
                    raise ValueError(f"column {col.clause!r} does not cover every cell")

    # -- lookups ------------------------------------------------------------------
    def cell(self, noc: str, industry: Optional[str]) -> Optional[int]:
        """The cell of an input, or None when the table does not cover it."""
        i = self._noc_index.get(noc)
        if i is None:
            return None
        if industry is None:
            return i * self.width
        j = self._code_class.get(industry)
        return None if j is None else i * self.width + j

    def industry_class(self, industry: Optional[str]) -> Optional[int]:
        """The class number of a NAICS code (0 for no industry), or None if the table does not know it."""
        return 0 if industry is None else self._code_class.get(industry)

    def area_columns(self, area_index: int) -> Tuple[Tuple[Clause, TableColumn], ...]:
        """(clause, its column) for every clause of an area, in explanation order."""
        return tuple(zip(self._clauses[area_index], self.columns[area_index]))

    def positions(self, cell: int) -> Dict[str, int]:
        """Where a cell's result is in a column of each kind (see KINDS)."""
        i, j = divmod(cell, self.width)
        return {"area": 0, "occupation": i, "industry": j, "both": cell}

    def results(self, area_index: int, cell: int) -> Tuple[Tuple[Clause, str], ...]:
        """(clause, result) for every clause of an area, in explanation order."""
        at = self.positions(cell)
        return tuple((clause, _RESULTS[col.outcomes[at[col.kind]]])
                     for clause, col in zip(self._clauses[area_index], self.columns[area_index]))

    def strip(self, col: TableColumn, j: int) -> str:
        """A column's results for industry class ``j`` (0: none), one per unit group, as stored order."""
        n = len(self.nocs)
        if col.kind == "area":
            return col.outcomes * n
        if col.kind == "occupation":
            return col.outcomes
        if col.kind == "industry":
            return col.outcomes[j] * n
        return col.outcomes[j::self.width]

    def in_scope(self, cell: int) -> Tuple[str, ...]:
        """The ids of the areas in scope for a cell, in area order (empty: not eligible)."""
        return tuple(area for area, failed in zip(self.areas, self._failed) if not failed[cell])

    def rows(self):
        """(noc, class number, class or None, areas in scope) for every cell, in cell order."""
        for i, noc in enumerate(self.nocs):
            for j in range(self.width):
                yield noc, j, (self.classes[j - 1] if j else None), self.in_scope(i * self.width + j)


# -- building ------------------------------------------------------------------------

class _Builder:
    """The facts of the domain, computed once, and the memo of evaluations."""

    def __init__(self, evaluator, budget: "ExpressionBudget"):
        from sc_policy.engine.facts import industry_facts, occupation_facts
        from sc_policy.engine.relevance import KeyedClause, frozen_facts  # (building only: not on the warm path)
        self.evaluator, self.budget = evaluator, budget
        refdata = evaluator.refdata
        self.nocs = tuple(sorted(refdata.noc2016))
        self.codes: Tuple[Optional[str], ...] = (None,) + tuple(refdata.naics2017_codes)  # None: no industry
        self.ind = [industry_facts(c, refdata) for c in self.codes]
        self.ind_frozen = [frozen_facts(f) for f in self.ind]
        self.areas = []  # (area facts, occupation facts per unit group, the same frozen, columns)
        for area, a_facts, clauses in evaluator.area_clauses:
            occ = [occupation_facts(n, area, refdata) for n in self.nocs]
            self.areas.append((a_facts, occ, [frozen_facts(f) for f in occ],
                               [KeyedClause(cc, a_facts) for cc in clauses]))
        self._memo: Dict[tuple, str] = {}
        self._columns: Dict[tuple, str] = {}

    def outcome(self, col: KeyedClause, occ_key: tuple, occ: dict, ind_key: tuple, ind: dict) -> str:
        key = (col.fixed, occ_key, ind_key)
        found = self._memo.get(key)
        if found is None:
            facts = {**col.a_facts, **occ, **ind}
            found = self._memo[key] = OUTCOME_CODES[col.cc.outcome(facts, self.budget)]
        return found

    def column(self, col: KeyedClause, occ: List[dict], occ_frozen: List[dict]) -> str:
        """The outcomes of a clause that is not "both": per unit group, per code (None first), or one."""
        found = self._columns.get(col.signature)
        if found is not None:
            return found
        if col.kind == "occupation":
            found = "".join(self.outcome(col, col.occ_key(f), o, (), self.ind[0]) for o, f in zip(occ, occ_frozen))
        elif col.kind == "industry":
            found = "".join(self.outcome(col, (), occ[0], col.ind_key(f), i) for i, f in zip(self.ind, self.ind_frozen))
        else:
            found = self.outcome(col, (), occ[0], (), self.ind[0])
        self._columns[col.signature] = found
        return found


def build_table(evaluator, budget: Optional["ExpressionBudget"] = None) -> DecisionTable:
    """Evaluate every clause of ``evaluator``'s version over its domain (rule-engine, once per version).

    ``evaluator``: what an :class:`~sc_policy.engine.decide.Evaluator` offers of its version
    (``version``, ``refdata`` and ``area_clauses``).

    Each clause is evaluated once per distinct relevant value of what its expressions read
    (:mod:`sc_policy.engine.relevance`); a column holds one outcome per value of its own domain.
    Every expression is evaluated under ``budget`` (by default a new
    :class:`~sc_policy.engine.budget.ExpressionBudget`: :data:`~sc_policy.engine.budget.EXPRESSION_SECONDS`
    for each expression over the whole build). An expression that fails, or that overruns
    its budget, raises :class:`~sc_policy.diagnostics.PolicyInvalidError` (code ``expression``) at
    its clause's line.
    """
    from sc_policy.engine.budget import ExpressionBudget
    with (budget if budget is not None else ExpressionBudget()) as run:
        return _build(evaluator, run)


def _build(evaluator, budget: "ExpressionBudget") -> DecisionTable:
    version: Version = evaluator.version
    b = _Builder(evaluator, budget)
    code_index = {c: k for k, c in enumerate(b.codes)}
    per_area = []  # per area: [(column, outcomes over its domain, or for "both" its entry of mixed)]
    industry_rows: List[str] = []  # every industry column, over every code (None first)
    mixed = []  # (column, occupation facts, their keys: one representative unit group per key)
    for a_facts, occ, occ_frozen, cols in b.areas:
        entries = []
        for col in cols:
            if col.kind == "both":
                keys = [col.occ_key(f) for f in occ_frozen]
                groups: Dict[tuple, int] = {}
                for i, key in enumerate(keys):
                    groups.setdefault(key, i)
                mixed.append((col, occ, keys, groups))
                entries.append((col, mixed[-1]))
                continue
            outcomes = b.column(col, occ, occ_frozen)
            if col.kind == "industry":
                industry_rows.append(outcomes)
            entries.append((col, outcomes))
        per_area.append(entries)

    # A code's signature: its result under every industry clause, and, for every clause reading
    # both families, the number of its row of results over the groups of unit groups. Equal
    # columns are counted once.
    rows = list(dict.fromkeys(industry_rows))
    mixed_rows: List[List[int]] = []
    seen = set()
    for col, occ, keys, groups in mixed:
        if col.signature in seen:
            continue
        seen.add(col.signature)
        row_of: Dict[tuple, int] = {}
        ids: Dict[tuple, int] = {}
        per_code = []
        for frozen, facts in zip(b.ind_frozen, b.ind):
            ind_key = col.ind_key(frozen)
            if ind_key not in row_of:
                row = tuple(b.outcome(col, key, occ[i], ind_key, facts) for key, i in groups.items())
                row_of[ind_key] = ids.setdefault(row, len(ids))
            per_code.append(row_of[ind_key])
        mixed_rows.append(per_code)
    by_code = list(zip(*rows)) if rows else [()] * len(b.codes)
    by_code_mixed = list(zip(*mixed_rows)) if mixed_rows else [()] * len(b.codes)
    signatures = {c: by_code[k] for k, c in enumerate(b.codes) if c is not None}
    classes = industry_classes([evaluator], signature=signatures.__getitem__)
    if mixed:
        classes = _refine(classes, sorted({col.cc.clause.id for col, *_ in mixed}),
                          lambda code: by_code_mixed[code_index[code]])
    reps = [0] + [code_index[c.representative] for c in classes]  # the code of each table class
    columns = []
    for entries in per_area:
        cols = []
        for col, outcomes in entries:
            if col.kind == "industry":
                outcomes = "".join(outcomes[k] for k in reps)
            elif col.kind == "both":
                _, occ, keys, groups = outcomes
                ind = [(col.ind_key(b.ind_frozen[k]), b.ind[k]) for k in reps]
                row = {key: "".join(b.outcome(col, key, occ[i], ik, facts) for ik, facts in ind)
                       for key, i in groups.items()}  # one row of cells per group of unit groups
                outcomes = "".join(row[key] for key in keys)
            cols.append(TableColumn(col.cc.clause.id, outcomes, col.kind))
        columns.append(cols)
    return DecisionTable(version.policy, version.id, version.content_hash, [a.id for a in version.areas], b.nocs,
                         classes, columns, {c.id: c for c in version.clauses})


def _refine(classes: List[IndustryClass], ids: List[str], signature) -> List[IndustryClass]:
    """Split each class so that every clause reading both families treats its codes alike for
    every unit group: codes with different results for some unit group land in different classes."""
    out = []
    for cls in classes:
        parts: Dict[tuple, List[str]] = {}
        for code in cls.codes:
            parts.setdefault(signature(code), []).append(code)
        if len(parts) == 1:
            out.append(cls)
            continue
        for members in parts.values():
            rep = min(members, key=lambda c: (len(c), c))
            out.append(IndustryClass(rep, tuple(sorted(members)),
                                  f"{cls.description}{REFINED}{', '.join(ids)} treat like {rep}"))
    return sorted(out, key=lambda c: (len(c.representative), c.representative))


# -- the decisions' own hash, recorded when a version is frozen ----------------------

DECISIONS_FORMAT = "sc-policy decisions 1"
"""Names the canonical form below; a new form gets a new name (and frozen versions keep theirs)."""


def decisions_hash(table: DecisionTable) -> str:
    """SHA-256 of what ``table`` decides, in a canonical form.

    The form holds, for every area, clause, NOC 2016 unit group and industry (none,
    or a NAICS code), the clause's result, and nothing else: the version's id and
    hash, the class descriptions and representatives, the order of areas, clauses,
    classes and codes, and how the table or the cache lays them out do not enter it.
    Industry classes that decide alike in every column are merged, so that two tables
    that split the codes differently but decide the same hash the same. Sorted-key,
    compact JSON; it costs well under a millisecond for the shipped policy.
    """
    order = sorted(range(len(table.nocs)), key=lambda i: table.nocs[i])
    in_order = order == list(range(len(order)))  # as built: the unit groups are sorted already

    def strip(col: TableColumn, j: int) -> str:
        """Class j's results in one column, over the unit groups in code order."""
        cells = table.strip(col, j)
        return cells if in_order else "".join(cells[i] for i in order)

    columns = [(area, col) for area, cols in zip(table.areas, table.columns) for col in cols]
    merged: Dict[tuple, List[str]] = {}
    for j, cls in enumerate(table.classes, 1):
        merged.setdefault(tuple(strip(col, j) for _, col in columns), []).extend(cls.codes)
    industries = sorted((sorted(codes), signature) for signature, codes in merged.items())
    none = [strip(col, 0) for _, col in columns]
    results: Dict[str, Dict[str, str]] = {}
    for k, (area, col) in enumerate(columns):
        results.setdefault(area, {})[col.clause] = none[k] + "".join(sig[k] for _, sig in industries)
    canon = {"format": DECISIONS_FORMAT, "nocs": [table.nocs[i] for i in order],
             "industries": [codes for codes, _ in industries], "results": results}
    text = json.dumps(canon, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


# -- (de)serialisation, for the cache ------------------------------------------------

def table_to_dict(table: DecisionTable) -> dict:
    return {
        "policy": table.policy, "version": table.version, "version_hash": table.version_hash,
        "areas": list(table.areas), "nocs": list(table.nocs),
        "classes": [{"representative": c.representative, "codes": list(c.codes), "description": c.description}
                    for c in table.classes],
        "columns": [[{"clause": c.clause, "kind": c.kind, "outcomes": c.outcomes} for c in cols]
                    for cols in table.columns],
    }


def table_from_dict(data: dict, version: Version) -> DecisionTable:
    """Rebuild a table for ``version``; raise ValueError (or KeyError, TypeError) if it does not fit it."""
    if (data["policy"], data["version"], data["version_hash"]) != (version.policy, version.id,
                                                                    version.content_hash):
        raise ValueError("table is for another version")
    if data["areas"] != [a.id for a in version.areas]:
        raise ValueError("table areas differ from the version's")
    clauses = {c.id: c for c in version.clauses}
    columns = []
    for area, cols in zip(version.areas, data["columns"]):
        applies = sorted(c.id for c in version.clauses if area.id in c.applies_to)
        if sorted(c["clause"] for c in cols) != applies:
            raise ValueError(f"table clauses of area {area.id!r} differ from the version's")
        columns.append([TableColumn(str(c["clause"]), str(c["outcomes"]), str(c["kind"])) for c in cols])
    classes = [IndustryClass(str(c["representative"]), tuple(str(x) for x in c["codes"]), str(c["description"]))
               for c in data["classes"]]
    return DecisionTable(version.policy, version.id, version.content_hash, data["areas"],
                         [str(n) for n in data["nocs"]], classes, columns, clauses)
