"""Compile a version into a decision table: every clause's result for every possible input.

The input space is finite: one of the 500 NOC 2016 unit groups, and either no
industry or a NAICS Canada 2017 code. Codes fall into *industry classes* that
every clause treats alike (:func:`sc_policy.domain.industry_classes`, refined
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
facts, by :class:`sc_policy.evaluate.Evaluator`, exactly as direct evaluation
renders it; the rule files stay the only source of decisions. Nothing here is
needed to *use* a table but this module's lookup methods, which import neither
rule-engine nor Cerberus.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, List, Mapping, Optional, Sequence, Tuple

from .model import Clause, Version

if TYPE_CHECKING:
    from .budget import ExpressionBudget
    from .evaluate import Evaluator

__all__ = ["DecisionTable", "TableClass", "build_table", "table_to_dict", "table_from_dict", "decisions_hash",
           "OUTCOME_CODES"]

OUTCOME_CODES = {"pass": "p", "fail": "f", "not_applicable": "n"}
_RESULTS = {v: k for k, v in OUTCOME_CODES.items()}
NO_INDUSTRY = "no employer industry given"


@dataclass(frozen=True)
class TableClass:
    """An industry class of the table: its representative code, its members, and what it is."""

    representative: str
    codes: Tuple[str, ...]
    description: str


@dataclass(frozen=True)
class TableColumn:
    """One clause in one area: its result in every cell, one character per cell."""

    clause: str
    outcomes: str


class DecisionTable:
    """Every clause result of one version, for every (NOC 2016 unit group, industry class) cell.

    ``columns[k]`` holds the columns of area ``areas[k]``, in the order the
    explanation lists the clauses. Cell ``i * width + j`` is unit group ``nocs[i]``
    with class ``j`` (0: no industry, ``j >= 1``: ``classes[j - 1]``).
    """

    def __init__(self, policy: str, version: str, version_hash: str, areas: Sequence[str],
                 nocs: Sequence[str], classes: Sequence[TableClass],
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
        # Per area, one byte per cell: 1 where some clause fails (the area is not in scope).
        fails = bytes.maketrans(b"pfn", b"\x00\x01\x00")
        self._failed = []
        for cols in self.columns:
            acc = 0
            for col in cols:
                acc |= int.from_bytes(col.outcomes.encode("ascii").translate(fails), "big")
            self._failed.append(acc.to_bytes(self.size, "big"))

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
                if len(col.outcomes) != self.size or set(col.outcomes) - set(_RESULTS):
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

    def results(self, area_index: int, cell: int) -> Tuple[Tuple[Clause, str], ...]:
        """(clause, result) for every clause of an area, in explanation order."""
        return tuple((clause, _RESULTS[col.outcomes[cell]])
                     for clause, col in zip(self._clauses[area_index], self.columns[area_index]))

    def in_scope(self, cell: int) -> Tuple[str, ...]:
        """The ids of the areas in scope for a cell, in area order (empty: not eligible)."""
        return tuple(area for area, failed in zip(self.areas, self._failed) if not failed[cell])

    def rows(self):
        """(noc, class number, class or None, areas in scope) for every cell, in cell order."""
        for i, noc in enumerate(self.nocs):
            for j in range(self.width):
                yield noc, j, (self.classes[j - 1] if j else None), self.in_scope(i * self.width + j)


# -- building ------------------------------------------------------------------------

def _frozen(value):
    return frozenset(value) if isinstance(value, (set, frozenset)) else value


def _kind(families: Sequence[str]) -> str:
    occ, ind = "occupation" in families, "industry" in families
    return "both" if occ and ind else "occupation" if occ else "industry" if ind else "area"


def _expression_reads(clause: Clause) -> Tuple[str, ...]:
    """The facts a clause's expressions read (its templates left out), as the compiler finds them."""
    from .compile import compile_clause  # build time only
    compiled, problems = compile_clause(dataclasses.replace(clause, explain={}))
    if compiled is None:  # cannot happen for a clause that compiled with its templates
        raise ValueError(problems[0].render())
    return compiled.reads


class _Mixed:
    """A clause reading occupation and industry facts, in one area: evaluated on demand, memoised
    by the values of exactly the facts its expressions read."""

    def __init__(self, evaluator: "Evaluator", cc, a_facts, occ_facts: List[dict], ind_facts_of,
                 budget: "ExpressionBudget"):
        from .facts import FACTS
        reads = _expression_reads(cc.clause)
        self.occ_names = [n for n in reads if FACTS[n].family == "occupation"]
        self.ind_names = [n for n in reads if FACTS[n].family == "industry"]
        self.evaluator, self.cc, self.a_facts = evaluator, cc, a_facts
        self.occ_facts, self.ind_facts_of, self.budget = occ_facts, ind_facts_of, budget
        self.occ_keys = [tuple(_frozen(f[n]) for n in self.occ_names) for f in occ_facts]
        self.occ_groups: Dict[tuple, int] = {}
        for i, key in enumerate(self.occ_keys):
            self.occ_groups.setdefault(key, i)  # key -> a representative unit group
        self._memo: Dict[tuple, str] = {}

    def ind_key(self, facts: dict) -> tuple:
        return tuple(_frozen(facts[n]) for n in self.ind_names)

    def outcome(self, occ_key: tuple, ind_facts: dict) -> str:
        key = (occ_key, self.ind_key(ind_facts))
        found = self._memo.get(key)
        if found is None:
            facts = {**self.a_facts, **self.occ_facts[self.occ_groups[occ_key]], **ind_facts}
            found = self._memo[key] = OUTCOME_CODES[self.evaluator.outcome(self.cc, facts, self.budget)]
        return found

    def signature(self, ind_facts: dict) -> Tuple[str, ...]:
        """This clause's result for an industry, for every group of unit groups."""
        return tuple(self.outcome(k, ind_facts) for k in self.occ_groups)


def build_table(evaluator: "Evaluator", budget: Optional["ExpressionBudget"] = None) -> DecisionTable:
    """Evaluate every clause of ``evaluator``'s version over its domain (rule-engine, once per version).

    Every expression is evaluated under ``budget`` (by default a new
    :class:`~sc_policy.bounds.ExpressionBudget`: :data:`~sc_policy.bounds.EXPRESSION_SECONDS`
    for each expression over the whole build). An expression that fails, or that overruns
    its budget, raises :class:`~sc_policy.errors.PolicyInvalidError` (code ``expression``) at
    its clause's line.
    """
    from .budget import ExpressionBudget
    with (budget if budget is not None else ExpressionBudget()) as run:
        return _build(evaluator, run)


def _build(evaluator: "Evaluator", budget: "ExpressionBudget") -> DecisionTable:
    from .domain import industry_classes
    from .facts import industry_facts, occupation_facts

    version: Version = evaluator.version
    refdata = evaluator.refdata
    nocs = tuple(sorted(refdata.noc2016))
    ind_cache: Dict[Optional[str], dict] = {}

    def ind_facts_of(code: Optional[str]) -> dict:
        if code not in ind_cache:
            ind_cache[code] = industry_facts(code, refdata)
        return ind_cache[code]

    plan = []  # per area: (a_facts, occupation facts per unit group, [(cc, kind, mixed or None)])
    mixed: List[_Mixed] = []
    for area, a_facts, clauses in evaluator.area_clauses:
        occ = [occupation_facts(n, area, refdata) for n in nocs]
        entries = []
        for cc in clauses:
            kind = _kind(cc.families)
            m = _Mixed(evaluator, cc, a_facts, occ, ind_facts_of, budget) if kind == "both" else None
            if m is not None:
                mixed.append(m)
            entries.append((cc, kind, m))
        plan.append((a_facts, occ, entries))

    classes = [TableClass(c.representative, c.codes, c.description)
               for c in industry_classes([evaluator], budget=budget)]
    if mixed:
        classes = _refine(classes, mixed, ind_facts_of)
    reps: List[Optional[str]] = [None] + [c.representative for c in classes]
    width = len(reps)

    columns = []
    for a_facts, occ, entries in plan:
        cols = []
        for cc, kind, m in entries:
            if kind == "area":
                ch = OUTCOME_CODES[evaluator.outcome(cc, {**a_facts, **occ[0], **ind_facts_of(None)}, budget)]
                outcomes = ch * (len(nocs) * width)
            elif kind == "occupation":
                none = ind_facts_of(None)
                outcomes = "".join(OUTCOME_CODES[evaluator.outcome(cc, {**a_facts, **f, **none}, budget)] * width
                                   for f in occ)
            elif kind == "industry":
                row = "".join(OUTCOME_CODES[evaluator.outcome(cc, {**a_facts, **occ[0], **ind_facts_of(r)}, budget)]
                              for r in reps)
                outcomes = row * len(nocs)
            else:
                outcomes = "".join(m.outcome(m.occ_keys[i], ind_facts_of(r))
                                   for i in range(len(nocs)) for r in reps)
            cols.append(TableColumn(cc.clause.id, outcomes))
        columns.append(cols)
    return DecisionTable(version.policy, version.id, version.content_hash, [a.id for a in version.areas], nocs,
                         classes, columns, {c.id: c for c in version.clauses})


def _refine(classes: List[TableClass], mixed: List[_Mixed], ind_facts_of) -> List[TableClass]:
    """Split each class so that every clause reading both families treats its codes alike for
    every unit group: codes with different results for some unit group land in different classes."""
    ids = sorted({m.cc.clause.id for m in mixed})
    out = []
    for cls in classes:
        parts: Dict[tuple, List[str]] = {}
        for code in cls.codes:
            facts = ind_facts_of(code)
            parts.setdefault(tuple(m.signature(facts) for m in mixed), []).append(code)
        if len(parts) == 1:
            out.append(cls)
            continue
        for members in parts.values():
            rep = min(members, key=lambda c: (len(c), c))
            out.append(TableClass(rep, tuple(sorted(members)),
                                  f"{cls.description}; the codes that {', '.join(ids)} treat like {rep}"))
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
    width = table.width
    order = sorted(range(len(table.nocs)), key=lambda i: table.nocs[i])
    in_order = order == list(range(len(order)))  # as built: the unit groups are sorted already

    def strip(outcomes: str, j: int) -> str:
        """Class j's results in one column, over the unit groups in code order."""
        cells = outcomes[j::width]
        return cells if in_order else "".join(cells[i] for i in order)

    columns = [(area, col) for area, cols in zip(table.areas, table.columns) for col in cols]
    merged: Dict[tuple, List[str]] = {}
    for j, cls in enumerate(table.classes, 1):
        merged.setdefault(tuple(strip(col.outcomes, j) for _, col in columns), []).extend(cls.codes)
    industries = sorted((sorted(codes), signature) for signature, codes in merged.items())
    none = [strip(col.outcomes, 0) for _, col in columns]
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
        "columns": [[{"clause": c.clause, "outcomes": c.outcomes} for c in cols] for cols in table.columns],
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
        columns.append([TableColumn(str(c["clause"]), str(c["outcomes"])) for c in cols])
    classes = [TableClass(str(c["representative"]), tuple(str(x) for x in c["codes"]), str(c["description"]))
               for c in data["classes"]]
    return DecisionTable(version.policy, version.id, version.content_hash, data["areas"],
                         [str(n) for n in data["nocs"]], classes, columns, clauses)
