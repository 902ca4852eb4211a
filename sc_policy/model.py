"""The policy as frozen dataclasses, built from validated rule files.

Nothing here parses YAML or compiles expressions: :func:`build_version` turns
documents that already passed their schema into a model, and the model is what
every later stage (compile, evaluate, check, diff) reads. Each element keeps the
:class:`~sc_policy.diagnostics.Span` of the entry it came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Dict, Mapping, Optional, Tuple

from sc_policy.load.yamlfile import Document
from sc_policy.diagnostics import Span

__all__ = [
    "Citation", "Occupation", "IndustryEntry", "Area", "Clause", "Resolution", "Assignment",
    "TestCase", "Manifest", "Version", "PASS", "FAIL", "NOT_APPLICABLE", "CLAUSE_RESULTS",
    "build_area", "build_clause", "build_resolutions",
    "build_manifest", "build_tests",
]


@dataclass(frozen=True)
class Citation:
    """A passage of the source document: its line there and the exact words."""

    line: int
    quote: str
    span: Span = field(compare=False)

    def as_dict(self) -> dict:
        return {"line": self.line, "quote": self.quote}


@dataclass(frozen=True)
class Occupation:
    """An occupation as the source publishes it; ``code`` is None where it gives none."""

    code: Optional[str]
    title: str
    level: str
    source: Tuple[Citation, ...]
    span: Span = field(compare=False)
    assigned_by: str = ""  # id of the resolution that gave a code-less entry its code


@dataclass(frozen=True)
class IndustryEntry:
    code: str
    description: str
    source: Tuple[Citation, ...]
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Area:
    id: str
    title: str
    source: Tuple[Citation, ...]
    include: Tuple[IndustryEntry, ...]
    exclude: Tuple[IndustryEntry, ...]
    occupations: Tuple[Occupation, ...]
    path: str = field(compare=False)
    span: Span = field(compare=False)

    @property
    def listed(self) -> Dict[str, Occupation]:
        """Code -> the first entry listing it (later repeats add nothing)."""
        out: Dict[str, Occupation] = {}
        for occ in self.occupations:
            if occ.code is not None and occ.code not in out:
                out[occ.code] = occ
        return out


PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "not_applicable"
CLAUSE_RESULTS = (PASS, FAIL, NOT_APPLICABLE)
"""What a clause can say about a case, the one vocabulary of clause results: the keys of a clause's
``explain`` templates, a test case's expected clause results, a decision's results and the table's."""


@dataclass(frozen=True)
class Clause:
    id: str
    version: int
    title: str
    applies_to: Tuple[str, ...]
    when: Optional[str]
    condition: str
    explain: Mapping[str, str]
    source: Tuple[Citation, ...]
    path: str = field(compare=False)
    span: Span = field(compare=False)
    spans: Mapping[str, Span] = field(compare=False, default_factory=dict)


@dataclass(frozen=True)
class Assignment:
    area: str
    title: str
    code: str
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Resolution:
    id: str
    resolves: Tuple[str, ...]
    finding: str
    decision: str
    source: Tuple[Citation, ...]
    affects: Tuple[Tuple[str, Tuple[str, ...]], ...]
    assigns: Tuple[Assignment, ...]
    span: Span = field(compare=False)
    resolves_spans: Tuple[Span, ...] = field(compare=False, default=())

    def affects_decision(self, area: str, code: str) -> bool:
        return any(a == area and code in codes for a, codes in self.affects)

    def as_dict(self) -> dict:
        return {"id": self.id, "resolves": list(self.resolves), "finding": " ".join(self.finding.split()),
                "decision": " ".join(self.decision.split()),
                "source": [c.as_dict() for c in self.source]}


@dataclass(frozen=True)
class TestCase:
    """One analyst-written case of ``tests/*.yaml``: an input and what the policy must answer.

    ``expect`` holds ``eligible`` and optionally ``verdict``, ``candidates``, ``areas`` and
    ``clauses`` (area id -> clause id -> result), as the schema ``tests.yaml`` describes.
    """

    __test__ = False  # not a pytest test class, despite its name

    name: str
    noc: str
    noc_version: str
    industry: Optional[str]
    expect: Mapping
    path: str = field(compare=False)
    span: Span = field(compare=False)
    source: Tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Manifest:
    id: str
    policy: str
    title: str
    status: str
    effective_from: dt.date
    effective_to: Optional[dt.date]
    supersedes: Optional[str]
    assumptions: Mapping[str, str]
    source_title: str
    source_file: str
    source_sha256: str
    sha256: Optional[str]
    path: str = field(compare=False)
    span: Span = field(compare=False)
    table_sha256: Optional[str] = None  # the hash of its decisions, recorded by `freeze` (table.decisions_hash)

    def as_dict(self) -> dict:
        return {
            "id": self.id, "policy": self.policy, "title": self.title, "status": self.status,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "supersedes": self.supersedes,
            "assumptions": {k: " ".join(v.split()) for k, v in sorted(self.assumptions.items())},
            "source_document": {"title": self.source_title, "file": self.source_file,
                                "sha256": self.source_sha256},
            "sha256": self.sha256,
            "table_sha256": self.table_sha256,
        }


@dataclass(frozen=True)
class Version:
    """One version of a policy: its manifest and every rule file in it."""

    manifest: Manifest
    areas: Tuple[Area, ...]
    clauses: Tuple[Clause, ...]
    resolutions: Tuple[Resolution, ...]
    tests: Tuple[TestCase, ...]
    folder: str = field(compare=False)  # path of the version folder, relative to the tree root
    documents: Tuple[Document, ...] = field(compare=False, default=())
    content_hash: str = field(compare=False, default="")

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def policy(self) -> str:
        return self.manifest.policy

    def area(self, area_id: str) -> Optional[Area]:
        return next((a for a in self.areas if a.id == area_id), None)


def _citations(doc: Document, keypath, items) -> Tuple[Citation, ...]:
    return tuple(Citation(c["line"], c["quote"], doc.span(keypath + (i,))) for i, c in enumerate(items or ()))


def build_area(doc: Document, assignments: Tuple[Tuple[str, Assignment], ...] = ()) -> Area:
    """Build an area; ``assignments`` are (resolution id, assignment) pairs giving code-less entries a code."""
    d = doc.data
    occupations = []
    for i, o in enumerate(d["occupations"]):
        code, assigned = o.get("code"), ""
        if code is None:
            for rid, a in assignments:
                if a.area == d["id"] and a.title == o["title"]:
                    code, assigned = a.code, rid
                    break
        occupations.append(Occupation(code, o["title"], o["level"],
                                      _citations(doc, ("occupations", i, "source"), o["source"]),
                                      doc.span(("occupations", i)), assigned))
    industries = d["industries"]

    def entries(kind):
        return tuple(IndustryEntry(e["code"], e["description"],
                                   _citations(doc, ("industries", kind, i, "source"), e["source"]),
                                   doc.span(("industries", kind, i)))
                     for i, e in enumerate(industries[kind]))

    return Area(d["id"], d["title"], _citations(doc, ("source",), d["source"]), entries("include"),
                entries("exclude"), tuple(occupations), doc.path, doc.span())


def build_clause(doc: Document) -> Clause:
    d = doc.data
    spans = {k: doc.span((k,)) for k in ("id", "applies_to", "when", "condition", "explain")}
    spans.update({f"explain.{k}": doc.span(("explain", k)) for k in d["explain"]})
    spans.update({f"applies_to.{i}": doc.span(("applies_to", i)) for i in range(len(d["applies_to"]))})
    return Clause(d["id"], d["version"], d["title"], tuple(d["applies_to"]), d.get("when"), d["condition"],
                  dict(d["explain"]), _citations(doc, ("source",), d["source"]), doc.path, doc.span(), spans)


def build_resolutions(doc: Document) -> Tuple[Resolution, ...]:
    out = []
    for i, r in enumerate(doc.data["resolutions"]):
        out.append(Resolution(
            r["id"], tuple(r["resolves"]), r["finding"], r["decision"],
            _citations(doc, ("resolutions", i, "source"), r["source"]),
            tuple((a["area"], tuple(a["codes"])) for a in r.get("affects", ())),
            tuple(Assignment(a["area"], a["title"], a["code"], doc.span(("resolutions", i, "assigns", j)))
                  for j, a in enumerate(r.get("assigns", ()))),
            doc.span(("resolutions", i)),
            tuple(doc.span(("resolutions", i, "resolves", j)) for j in range(len(r["resolves"])))))
    return tuple(out)


def build_manifest(doc: Document) -> Manifest:
    d = doc.data
    src = d["source_document"]
    return Manifest(d["id"], d["policy"], d["title"], d["status"], _date(d["effective_from"]),
                    _date(d.get("effective_to")), d.get("supersedes"), dict(d.get("assumptions") or {}),
                    src["title"], src["file"], src["sha256"], d.get("sha256"), doc.path, doc.span(),
                    d.get("table_sha256"))


def build_tests(doc: Document) -> Tuple[TestCase, ...]:
    cases = []
    for i, c in enumerate(doc.data["cases"]):
        where = ("cases", i)
        cases.append(TestCase(c["name"], c["noc"], c.get("noc_version", "2016"), c.get("industry"),
                              dict(c["expect"]), doc.path, doc.span(where),
                              _citations(doc, where + ("source",), c.get("source"))))
    return tuple(cases)


def _date(value) -> Optional[dt.date]:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    return value
