"""The occupations of each area: codes, skill levels, titles, repeats and the NOC A limit.

A finding that the shipped resolutions name keeps its plain key (``area:code``); a
further repeat of the same thing gets its ordinal (``area:code:3``), so that a
resolution of one contradiction cannot silently cover a new one.
"""

from __future__ import annotations

import re
from typing import Dict, List, Tuple

from sc_policy.diagnostics import Diagnostic, Span
from sc_policy.checks.subjects import normalise_title, nth, same_title, slug, times
from sc_policy.model import Area, Occupation, Version
from sc_policy.checks.industries import NEAREST_ROOM
from sc_policy.reference.codes import nearest_text
from sc_policy.reference.statcan import ReferenceData, skill_level

__all__ = ["occupations"]


def occupations(version: Version, refdata: ReferenceData, partial: bool) -> List[Diagnostic]:
    """Codes, levels and titles of every entry; repeats, title conflicts and the NOC A limit."""
    out: List[Diagnostic] = []

    def add(span: Span, severity: str, check: str, message: str, subject: str) -> None:
        out.append(Diagnostic(span, severity, check, message, subject))

    by_code: Dict[str, List[Tuple[Area, Occupation]]] = {}
    for area in version.areas:
        count: Dict[str, int] = {}
        first_at: Dict[str, Occupation] = {}
        level_a: List[Occupation] = []
        for occ in area.occupations:
            if occ.code is None or occ.assigned_by:
                subject = f"{area.id}:{slug(occ.title)}"
                count[subject] = count.get(subject, 0) + 1
                out.append(_missing_code(area, occ, nth(subject, count[subject], 1)))
            if occ.code is None:
                continue
            code_span = occ.at("code") if not occ.assigned_by else occ.at("title")
            if not re.fullmatch(r"[0-9]{4}", occ.code):
                add(code_span, "error", "noc-format",
                    f"area {area.id!r}: occupation code {occ.code!r} is not four digits "
                    f"({_of_noc_2021(occ.code, refdata)})", f"{area.id}:{occ.code}")
                continue
            unit = refdata.noc2016.get(occ.code)
            if unit is None:
                near = nearest_text(refdata.nearest_nocs(occ.code), refdata.noc2016, NEAREST_ROOM)
                add(code_span, "error", "unknown-noc",
                    f"area {area.id!r}: {occ.code} is not a NOC 2016 unit group (nearest: {near})",
                    f"{area.id}:{occ.code}")
                continue
            derived = skill_level(occ.code)
            if occ.level != derived:
                add(occ.at("level"), "error", "level-mismatch",
                    f"area {area.id!r}: {occ.code} is declared at level {occ.level}, but its code "
                    f"gives level {derived}", f"{area.id}:{occ.code}")
            excluded = sorted({occ.level, derived} & {"0", "D"})
            if excluded:
                add(occ.at("level"), "error", "excluded-level",
                    f"area {area.id!r}: {occ.code} is at NOC skill level {excluded[0]}; levels 0 and D "
                    f"are never in scope", f"{area.id}:{occ.code}")
            if not same_title(occ.title, unit.title):
                add(occ.at("title"), "warning", "official-title",
                    f"area {area.id!r}: {occ.code} is listed as {occ.title!r}; its official NOC 2016 "
                    f"title is {unit.title!r}", f"{area.id}:{occ.code}")
            by_code.setdefault(occ.code, []).append((area, occ))
            subject = f"{area.id}:{occ.code}"
            count[subject] = count.get(subject, 0) + 1
            if count[subject] > 1:
                first = first_at[occ.code]
                add(occ.span, "error", "duplicate-occupation",
                    f"area {area.id!r} lists {occ.code} {occ.title!r} {times(count[subject])} (first "
                    f"at line {first.span.line}); one entry each counts", nth(subject, count[subject], 2))
                continue
            first_at[occ.code] = occ
            if occ.level == "A" or derived == "A":
                level_a.append(occ)
        listing = ", ".join(f"{o.code} at line {o.span.line}" for o in level_a)
        for n, extra in enumerate(level_a[1:], 2):
            add(extra.span, "error", "noc-a-limit",
                f"area {area.id!r} lists {len(level_a)} NOC A occupations ({listing}); at most one "
                f"NOC A occupation per area is allowed",
                area.id if n == 2 else f"{area.id}:{extra.code}")
    for code, entries in sorted(by_code.items()):
        first_area, first = entries[0]
        titles = [normalise_title(first.title)]
        for area, occ in entries[1:]:
            if normalise_title(occ.title) not in titles:
                titles.append(normalise_title(occ.title))
                add(occ.span, "error", "title-conflict",
                    f"{code} is listed as {occ.title!r} in area {area.id!r} but as {first.title!r} in "
                    f"area {first_area.id!r} ({first.span}); one code has one title",
                    nth(code, len(titles), 2))
    return out


def _missing_code(area: Area, occ: Occupation, subject: str) -> Diagnostic:
    message = f"area {area.id!r} lists {occ.title!r} (NOC {occ.level}) without a NOC code"
    if occ.assigned_by:
        message += f"; resolution {occ.assigned_by!r} assigns it {occ.code}"
    else:
        message += "; the entry counts for nothing until a resolution assigns it a code"
    return Diagnostic(occ.at("title"), "error", "missing-code", message, subject)


def _of_noc_2021(code: str, refdata: ReferenceData) -> str:
    """What to write instead of a code that is not four digits: for a NOC 2021 unit group (copied from a
    NOC 2021 page), its NOC 2016 unit groups by Statistics Canada's concordance."""
    rows = refdata.concordance.get(code) if re.fullmatch(r"[0-9]{5}", code) else None
    if not rows:
        return 'a NOC 2016 unit group code, e.g. "2174"'
    codes = sorted({r.noc2016 for r in rows})
    return (f"{code} is the NOC 2021 unit group {rows[0].noc2021_title!r}; areas list NOC 2016 unit groups: write "
            f"{'one of ' if len(codes) > 1 else ''}{', '.join(codes)}")
