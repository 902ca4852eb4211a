"""Build the model (:mod:`sc_policy.model`) from rule files that passed their schema, with positions.

The loader is what knows where each entry of a rule file is: each builder hands the
element it makes the span of its entry (``span``) and of the keys inside it
(``spans``: ``code``, ``source_document.file``, ``applies_to.2``), so that checks,
the life cycle and the diff report at a real line without going back to the YAML.
"""

from __future__ import annotations

import datetime as dt
from typing import Dict, Mapping, Optional, Tuple

from sc_policy.diagnostics import Span
from sc_policy.load.yamlfile import Document, KeyPath, LazyMapping
from sc_policy.model import (Area, Assignment, Citation, Clause, IndustryEntry, Interpretation, Manifest, Occupation,
                             Resolution, Section, TestCase)

__all__ = ["build_area", "build_clause", "build_resolutions", "build_interpretations", "build_manifest",
           "build_tests"]


class _Positions:
    """The spans of one document, indexed by entry: the spans of the keys one and two levels inside it (and
    three for the places of a value's lines, ``explain.pass.@N``)."""

    def __init__(self, doc: Document):
        self.doc = doc
        self._inner: Optional[Dict[KeyPath, Dict[str, Span]]] = None
        self._deep: Optional[Dict[KeyPath, Dict[str, Span]]] = None

    def _index(self) -> Dict[KeyPath, Dict[str, Span]]:
        if self._inner is None:
            inner: Dict[KeyPath, Dict[str, Span]] = {}
            for keypath, span in self.doc.spans.items():
                if len(keypath) >= 1:
                    inner.setdefault(keypath[:-1], {})[str(keypath[-1])] = span
                if len(keypath) >= 2:
                    inner.setdefault(keypath[:-2], {})[f"{keypath[-2]}.{keypath[-1]}"] = span
                if len(keypath) >= 3 and str(keypath[-1]).startswith("@"):  # a template's line: explain.pass.@N
                    inner.setdefault(keypath[:-3], {})[".".join(map(str, keypath[-3:]))] = span
            self._inner = inner
        return self._inner

    def span(self, keypath: KeyPath = ()) -> Span:
        return self.doc.span(keypath)

    def every_span(self, keypath: KeyPath) -> Mapping[str, Span]:
        """The spans of every key and item at any depth inside an entry two levels down (a test case:
        ``expect.clauses.ict.industry-in-area``, ``expect.areas.0``), indexed for the document when first asked for."""
        keypath = tuple(keypath)

        def index() -> Dict[str, Span]:
            if self._deep is None:
                self._deep = {}
                for inner, span in self.doc.spans.items():
                    if len(inner) > 2:
                        self._deep.setdefault(inner[:2], {})[".".join(map(str, inner[2:]))] = span
            return dict(self._deep.get(keypath, {}))
        return LazyMapping(index)

    def spans(self, keypath: KeyPath = ()) -> Mapping[str, Span]:
        """The spans of the keys inside an entry, indexed when first asked for (a warm answer never asks)."""
        keypath = tuple(keypath)
        return LazyMapping(lambda: dict(self._index().get(keypath, {})))


def _citations(at: _Positions, keypath: KeyPath, items) -> Tuple[Citation, ...]:
    return tuple(Citation(c["line"], c["quote"], at.span(keypath + (i,)), at.spans(keypath + (i,)))
                 for i, c in enumerate(items or ()))


def _sections(at: _Positions, keypath: KeyPath, items) -> Tuple[Section, ...]:
    out = []
    for i, s in enumerate(items or ()):
        first, _, last = s["lines"].partition("-")
        out.append(Section(int(first), int(last or first), s["what"], at.span(keypath + (i,)), at.spans(keypath + (i,))))
    return tuple(out)


def build_area(doc: Document, assignments: Tuple[Tuple[str, Assignment], ...] = ()) -> Area:
    """Build an area; ``assignments`` are (resolution id, assignment) pairs giving code-less entries a code."""
    at = _Positions(doc)
    d = doc.data
    occupations = []
    for i, o in enumerate(d["occupations"]):
        code, assigned = o.get("code"), ""
        if code is None:
            for rid, a in assignments:
                if a.area == d["id"] and a.title == o["title"]:
                    code, assigned = a.code, rid
                    break
        where = ("occupations", i)
        occupations.append(Occupation(code, o["title"], o["level"], _citations(at, where + ("source",), o["source"]),
                                      at.span(where), assigned, at.spans(where)))
    industries = d["industries"]

    def entries(kind):
        return tuple(IndustryEntry(e["code"], e["description"],
                                   _citations(at, ("industries", kind, i, "source"), e["source"]),
                                   at.span(("industries", kind, i)), at.spans(("industries", kind, i)),
                                   e.get("published", True))
                     for i, e in enumerate(industries[kind]))

    return Area(d["id"], d["title"], _citations(at, ("source",), d["source"]), entries("include"),
                entries("exclude"), tuple(occupations), doc.path, at.span(), at.spans(),
                _sections(at, ("sections",), d.get("sections")))


def build_clause(doc: Document) -> Clause:
    at = _Positions(doc)
    d = doc.data
    area_source = tuple((area, _citations(at, ("area_source", area), cites))
                        for area, cites in (d.get("area_source") or {}).items())
    return Clause(d["id"], d["version"], d["title"], tuple(d["applies_to"]), d.get("when"), d["condition"],
                  dict(d["explain"]), _citations(at, ("source",), d["source"]), doc.path, at.span(), at.spans(),
                  area_source, tuple(d.get("rests_on") or ()))


def build_resolutions(doc: Document) -> Tuple[Resolution, ...]:
    at = _Positions(doc)
    out = []
    for i, r in enumerate(doc.data["resolutions"]):
        where = ("resolutions", i)
        out.append(Resolution(
            r["id"], tuple(r["resolves"]), r["finding"], r["decision"],
            _citations(at, where + ("source",), r["source"]),
            tuple((a["area"], tuple(a.get("codes", ()))) for a in r.get("affects", ())),
            tuple(Assignment(a["area"], a["title"], a["code"], at.span(where + ("assigns", j)),
                             at.spans(where + ("assigns", j)))
                  for j, a in enumerate(r.get("assigns", ()))),
            at.span(where),
            tuple(at.span(where + ("resolves", j)) for j in range(len(r["resolves"]))),
            at.spans(where),
            tuple(a["area"] for a in r.get("affects", ()) if a.get("unlisted"))))
    return tuple(out)


def build_interpretations(doc: Document) -> Tuple[Interpretation, ...]:
    """The analyst's readings where the source is silent (``interpretations`` of resolutions.yaml)."""
    at = _Positions(doc)
    return tuple(Interpretation(r["id"], r["question"], r["reading"],
                                _citations(at, ("interpretations", i, "source"), r["source"]),
                                tuple(r.get("areas") or ()), at.span(("interpretations", i)),
                                at.spans(("interpretations", i)))
                 for i, r in enumerate(doc.data.get("interpretations") or ()))


def build_manifest(doc: Document) -> Manifest:
    at = _Positions(doc)
    d = doc.data
    src = d["source_document"]
    return Manifest(d["id"], d["policy"], d["title"], d["status"], _date(d["effective_from"]),
                    _date(d.get("effective_to")), d.get("supersedes"), dict(d.get("assumptions") or {}),
                    src["title"], src["file"], src["sha256"], d.get("sha256"), doc.path, at.span(),
                    d.get("table_sha256"), at.spans(), _sections(at, ("general_sections",), d.get("general_sections")),
                    dict(d.get("file_sha256") or {}))


def build_tests(doc: Document) -> Tuple[TestCase, ...]:
    at = _Positions(doc)
    cases = []
    for i, c in enumerate(doc.data["cases"]):
        where = ("cases", i)
        cases.append(TestCase(c["name"], c["noc"], c.get("noc_version", "2016"), c.get("industry"),
                              dict(c["expect"]), doc.path, at.span(where),
                              _citations(at, where + ("source",), c.get("source")), at.every_span(where)))
    return tuple(cases)


def _date(value) -> Optional[dt.date]:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    return value
