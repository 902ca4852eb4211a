"""Each area quotes its own text: the citations an area's answer shows, against the area's sections.

An area file may name its sections of the source document (``sections``: the line ranges of its
definition and of its list), and the manifest the general text that governs every area
(``general_sections``). What an area's answer quotes (its own entries' citations, and for every
clause that applies to it the clause's ``source`` and its ``area_source`` for the area) must then
start within those sections: anything else is a ``citation-area`` error, where it is written.
A clause that cites no passage of an area's own sections for that area rests on the general text
and the analyst's interpretations alone: ``area-without-passage`` says so, an ``info`` naming the
interpretations when it rests on some, a ``warning`` when it rests on none. An area that names no
sections (phase-1's files) is not checked: nothing says which text is its own. A clause that cites
nothing at all (an empty ``source`` and no ``area_source``) is an ``area-without-passage`` error in
any version.
"""

from __future__ import annotations

from typing import Iterable, List, Tuple

from sc_policy.diagnostics import Diagnostic
from sc_policy.model import Area, Citation, Section, Version
from sc_policy.reference.statcan import ReferenceData

__all__ = ["citations"]


def _ranges(sections: Iterable[Section]) -> str:
    return ", ".join(s.lines for s in sections) or "none"


def citations(version: Version, refdata: ReferenceData, partial: bool) -> List[Diagnostic]:
    """``citation-area`` and ``area-without-passage`` for every area that names its sections (and a
    section whose range ends before it starts, which holds no line)."""
    out: List[Diagnostic] = []
    reversed_ = set()  # the owners of a section whose range ends before it starts: it holds no line
    for owner, sections in [("", version.manifest.general_sections)] + [(a.id, a.sections) for a in version.areas]:
        for s in sections:
            if s.first > s.last:
                reversed_.add(owner)
                out.append(Diagnostic(s.at("lines"), "error", "schema",
                                      f"{f'area {owner!r}' if owner else 'general_sections'}: section lines "
                                      f"{s.lines} end before they start (write {s.last}-{s.first})",
                                      f"{owner}:{s.lines}"))
    for clause in version.clauses:
        if not clause.source and not any(cites for _, cites in clause.area_source):
            out.append(Diagnostic(clause.at("source"), "error", "area-without-passage",
                                  f"clause {clause.id!r} cites no passage of the source (give source or "
                                  f"area_source)", clause.id))
    general = version.manifest.general_sections
    for area in version.areas:
        if not area.sections or {"", area.id} & reversed_:  # each citation would be "outside": one error says why
            continue
        allowed = tuple(area.sections) + tuple(general)
        where = f"area {area.id!r} (its sections {_ranges(area.sections)}, the general text {_ranges(general)})"

        def outside(cites: Tuple[Citation, ...], what: str, subject: str) -> None:
            for c in cites:
                if not any(s.holds(c.line) for s in allowed):  # at the line number, what lies outside
                    out.append(Diagnostic(c.at("line"), "error", "citation-area",
                                          f"{what} cites line {c.line}, outside the text of {where}",
                                          f"{subject}:{c.line}"))

        outside(area.source, f"area {area.id!r}", area.id)
        for _, entries in (("include", area.include), ("exclude", area.exclude)):
            for e in entries:
                outside(e.source, f"area {area.id!r}: NAICS {e.code}", f"{area.id}:{e.code}")
        for o in area.occupations:
            outside(o.source, f"area {area.id!r}: occupation {o.code or o.title}", f"{area.id}:{o.code or o.title}")
        for clause in version.clauses:
            if area.id not in clause.applies_to:
                continue
            outside(clause.source_for(area.id), f"clause {clause.id!r}, as shown for area {area.id!r},",
                    f"{clause.id}:{area.id}")
            _own_passage(out, version, area, clause)
    return out


def _own_passage(out: List[Diagnostic], version: Version, area: Area, clause) -> None:
    own = [c for c in clause.own_source(area.id) if any(s.holds(c.line) for s in area.sections)]
    if own:
        return
    subject = f"{clause.id}:{area.id}"
    readings = [i for i in version.interpretations if i.id in clause.rests_on and (not i.areas or area.id in i.areas)]
    if readings:
        out.append(Diagnostic(clause.at("rests_on"), "info", "area-without-passage",
                              f"for area {area.id!r}, clause {clause.id!r} cites no passage of the area's own "
                              f"sections: there it rests on the general text and the interpretation "
                              f"{', '.join(i.id for i in readings)}", subject))
    else:
        quoted = "quotes only the general text" if clause.source_for(area.id) else "quotes nothing"
        out.append(Diagnostic(clause.at("source"), "warning", "area-without-passage",
                              f"for area {area.id!r}, clause {clause.id!r} cites no passage of the area's own "
                              f"sections and rests on no interpretation (its answer {quoted}): the source does "
                              f"not state it for {area.title}", subject))
