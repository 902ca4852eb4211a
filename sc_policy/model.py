"""The policy as frozen dataclasses: what every later stage (compile, evaluate, check, diff) reads.

Nothing here parses YAML or compiles expressions: the loader (:mod:`sc_policy.load.build`)
builds the model from rule files that already passed their schema, and hands each
element its positions. Like Cedar's ``Node<T>{node, loc}``, every element keeps the
:class:`~sc_policy.diagnostics.Span` of the entry it came from (``span``) and of its keys
(``spans``, read with :meth:`Located.at`); equality and hashing ignore positions, so
that moving an entry to another line changes nothing the policy says.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Dict, Mapping, Optional, Tuple

from sc_policy.diagnostics import Span

NAICS_IN_QUOTE = re.compile(r"\(NAICS ([0-9]{2,6})\)")
"""How the source publishes an industry's code: "Software publishers (NAICS 5112)"."""

__all__ = [
    "Located", "Citation", "Section", "Occupation", "IndustryEntry", "Area", "Clause", "Resolution", "Assignment",
    "Interpretation",
    "TestCase", "Manifest", "is_frozen", "Version", "PASS", "FAIL", "NOT_APPLICABLE", "CLAUSE_RESULTS",
]


class Located:
    """What every element of the model shares: ``span`` (the entry) and ``spans`` (its keys)."""

    __slots__ = ()
    span: Span
    spans: Mapping[str, Span]

    def at(self, key: str = "") -> Span:
        """Where key ``key`` of the entry is (dotted for nested keys and list items:
        ``source_document.file``, ``applies_to.2``); an absent key gives the nearest enclosing one."""
        while key:
            if key in self.spans:
                return self.spans[key]
            key = key.rpartition(".")[0]
        return self.span


@dataclass(frozen=True)
class Citation(Located):
    """A passage of the source document: its line there and the exact words."""

    line: int
    quote: str
    span: Span = field(compare=False)
    spans: Mapping[str, Span] = field(compare=False, default_factory=dict)

    def as_dict(self) -> dict:
        return {"line": self.line, "quote": self.quote}


@dataclass(frozen=True)
class Section(Located):
    """A range of lines of the source document (``first`` to ``last``, inclusive) and what it holds:
    an area's ``definition`` or ``list``, or a part of the general text that governs every area."""

    first: int
    last: int
    what: str
    span: Span = field(compare=False)
    spans: Mapping[str, Span] = field(compare=False, default_factory=dict)

    def holds(self, line: int) -> bool:
        return self.first <= line <= self.last

    @property
    def lines(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"


@dataclass(frozen=True)
class Occupation(Located):
    """An occupation as the source publishes it; ``code`` is None where it gives none."""

    code: Optional[str]
    title: str
    level: str
    source: Tuple[Citation, ...]
    span: Span = field(compare=False)
    assigned_by: str = ""  # id of the resolution that gave a code-less entry its code
    spans: Mapping[str, Span] = field(compare=False, default_factory=dict)


@dataclass(frozen=True)
class IndustryEntry(Located):
    """A NAICS code an area's industry definition includes or excludes, as the source describes it."""

    code: str
    description: str
    source: Tuple[Citation, ...]
    span: Span = field(compare=False)
    spans: Mapping[str, Span] = field(compare=False, default_factory=dict)
    published: bool = True  # False: the source publishes no such code; the analyst derived it from ``source``

    @property
    def quoted_codes(self) -> Tuple[str, ...]:
        """The NAICS codes its quotes publish, as the source does: "Software publishers (NAICS 5112)"."""
        return tuple(code for c in self.source for code in NAICS_IN_QUOTE.findall(c.quote))

    @property
    def shown_as_published(self) -> bool:
        """Whether an answer may say the source publishes it: not marked ``published: false``, and its
        quotes publish this very NAICS code (a quote that names none, "excluding navigational, measuring,
        medical and controlling devices", publishes no code: the code is the analyst's reading of it; nor
        does one that names another, line 21's "(NAICS 334)" for the 3345 it excludes)."""
        return self.published and self.code in self.quoted_codes

    @property
    def derived_from(self) -> str:
        """The lines an unpublished code is derived from, as an answer names them: "line 21", "lines 21, 19"."""
        return f"line{'s' if len(self.source) > 1 else ''} {', '.join(str(c.line) for c in self.source)}"


@dataclass(frozen=True)
class Area(Located):
    """A priority area: its industry definition and the occupations it lists."""

    id: str
    title: str
    source: Tuple[Citation, ...]
    include: Tuple[IndustryEntry, ...]
    exclude: Tuple[IndustryEntry, ...]
    occupations: Tuple[Occupation, ...]
    path: str = field(compare=False)
    span: Span = field(compare=False)
    spans: Mapping[str, Span] = field(compare=False, default_factory=dict)
    sections: Tuple[Section, ...] = ()  # its own sections of the source (none named: not checked)

    @functools.cached_property
    def listed(self) -> Mapping[str, Occupation]:
        """Code -> the first entry listing it (later repeats add nothing); read-only, worked out once."""
        out: Dict[str, Occupation] = {}
        for occ in self.occupations:
            if occ.code is not None and occ.code not in out:
                out[occ.code] = occ
        return MappingProxyType(out)


PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "not_applicable"
CLAUSE_RESULTS = (PASS, FAIL, NOT_APPLICABLE)
"""What a clause can say about a case, the one vocabulary of clause results: the keys of a clause's
``explain`` templates, a test case's expected clause results, a decision's results and the table's."""


@dataclass(frozen=True)
class Clause(Located):
    """A rule: the areas it applies to, its rule-engine expressions and its explanations."""

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
    area_source: Tuple[Tuple[str, Tuple[Citation, ...]], ...] = ()  # (area id, its own passages), file order
    rests_on: Tuple[str, ...] = ()  # ids of the interpretations it rests on

    def own_source(self, area: str) -> Tuple[Citation, ...]:
        """The passages of area ``area``'s own sections that the clause cites for it."""
        return next((cites for a, cites in self.area_source if a == area), ())

    def source_for(self, area: str) -> Tuple[Citation, ...]:
        """What an answer for area ``area`` quotes: ``source`` (every area's), then the area's own."""
        return self.source + self.own_source(area)


@dataclass(frozen=True)
class Assignment(Located):
    """A code a resolution gives to an occupation the source lists without one."""

    area: str
    title: str
    code: str
    span: Span = field(compare=False)
    spans: Mapping[str, Span] = field(compare=False, default_factory=dict)


@dataclass(frozen=True)
class Resolution(Located):
    """An analyst's resolution of a contradiction in the source: what it resolves and decides."""

    id: str
    resolves: Tuple[str, ...]
    finding: str
    decision: str
    source: Tuple[Citation, ...]
    affects: Tuple[Tuple[str, Tuple[str, ...]], ...]  # (area, codes): an entry with ``unlisted`` has no codes
    assigns: Tuple[Assignment, ...]
    span: Span = field(compare=False)
    resolves_spans: Tuple[Span, ...] = field(compare=False, default=())
    spans: Mapping[str, Span] = field(compare=False, default_factory=dict)
    unlisted: Tuple[str, ...] = ()  # the areas of the ``affects`` entries with ``unlisted: true``

    def affects_decision(self, area: "Area", code: str) -> bool:
        """Whether the resolution bears on the answer about ``code`` in ``area``: an ``affects`` entry of that
        area names the code, or says ``unlisted: true`` and the area does not list the code (a resolution
        that lets the list govern over a sentence of the area's text bears on the occupations left out)."""
        return (any(a == area.id and code in codes for a, codes in self.affects)
                or (area.id in self.unlisted and code not in area.listed))

    def as_dict(self) -> dict:
        return {"id": self.id, "resolves": list(self.resolves), "finding": " ".join(self.finding.split()),
                "decision": " ".join(self.decision.split()),
                "source": [c.as_dict() for c in self.source]}


@dataclass(frozen=True)
class Interpretation(Located):
    """An analyst's reading where the source is silent: the question it leaves open, the reading and
    the passages it rests on; ``areas`` limits the answers it bears on (empty: every area of a clause
    resting on it)."""

    id: str
    question: str
    reading: str
    source: Tuple[Citation, ...]
    areas: Tuple[str, ...]
    span: Span = field(compare=False)
    spans: Mapping[str, Span] = field(compare=False, default_factory=dict)

    def as_dict(self) -> dict:
        return {"id": self.id, "question": " ".join(self.question.split()),
                "reading": " ".join(self.reading.split()),
                "source": [c.as_dict() for c in self.source]}


@dataclass(frozen=True)
class TestCase(Located):
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
    spans: Mapping[str, Span] = field(compare=False, default_factory=dict)


@dataclass(frozen=True)
class Manifest(Located):
    """A version's manifest (``version.yaml``): its id, life cycle, period and source document."""

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
    spans: Mapping[str, Span] = field(compare=False, default_factory=dict)
    general_sections: Tuple[Section, ...] = ()  # the source's text that governs every area
    file_sha256: Mapping[str, str] = field(default_factory=dict)  # each file's hash at its freeze (Version.files)

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


def is_frozen(m: Manifest) -> bool:
    """A version is frozen once ``freeze`` has recorded its content hash (and it is no longer a draft)."""
    return m.status != "draft" and bool(m.sha256)


@dataclass(frozen=True)
class Version:
    """One version of a policy: its manifest and every rule file in it."""

    manifest: Manifest
    areas: Tuple[Area, ...]
    clauses: Tuple[Clause, ...]
    resolutions: Tuple[Resolution, ...]
    tests: Tuple[TestCase, ...]
    folder: str = field(compare=False)  # path of the version folder, relative to the tree root
    content_hash: str = field(compare=False, default="")
    files: Mapping[str, str] = field(compare=False, default_factory=dict)
    """Each rule file (relative to ``folder``) -> the SHA-256 of what it says (its data, not its text;
    the manifest without its life-cycle fields and id), so that a diff can tell a file changed
    in a way no structural change shows, without the YAML."""
    interpretations: Tuple[Interpretation, ...] = ()  # the analyst's readings (resolutions.yaml)
    unloaded: Tuple[str, ...] = field(compare=False, default=())  # rule files present that did not load

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def policy(self) -> str:
        return self.manifest.policy

    def area(self, area_id: str) -> Optional[Area]:
        return next((a for a in self.areas if a.id == area_id), None)

    def readings_for(self, area: str, clause: Clause) -> Tuple[str, ...]:
        """The ids of the interpretations ``clause`` rests on that bear on its answer in ``area`` (one that
        names areas bears on those only), in file order."""
        return tuple(i.id for i in self.interpretations if i.id in clause.rests_on and (not i.areas or area in i.areas))

    def readings_by_area(self) -> Tuple[Tuple[Tuple[str, ...], ...], Tuple[Interpretation, ...]]:
        """Per area (in area order) the ids of the interpretations bearing on its answer (those a clause that
        applies to it rests on there), and every interpretation bearing on some area's, in file order."""
        per_area = tuple(tuple(i.id for i in self.interpretations if any(
            i.id in self.readings_for(a.id, c) for c in self.clauses if a.id in c.applies_to)) for a in self.areas)
        return per_area, tuple(i for i in self.interpretations if any(i.id in ids for ids in per_area))

