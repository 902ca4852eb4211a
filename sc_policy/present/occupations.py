"""The occupations an industry opens (:class:`~sc_policy.analysis.occupations.Occupations`) as text, JSON and CSV.

Each form is built in a fixed order from the finished list, so the same input under the same
version (and day) gives the same bytes. The text reads at 100 columns: a head (version, hash, day, industry,
area, how many), then one row per unit group (code, official NOC 2016 title, the ids of the
areas it is in scope under), long titles wrapped in their column, then the areas' titles.
"""

from __future__ import annotations

import csv
import io
import textwrap
from typing import List

from sc_policy.analysis.occupations import Occupations
from sc_policy.diagnostics import visible
from sc_policy.present.render import WIDTH, dumps

__all__ = ["occupations_to_dict", "occupations_json", "occupations_csv", "occupations_text", "none_open", "CSV_COLUMNS"]

CSV_COLUMNS = ("noc", "noc_title", "areas", "industry", "version", "version_hash", "area", "decided_on")
"""One row per eligible unit group; ``areas`` is ``;``-separated, as in ``sc-policy table``; ``area`` is the
area asked about (empty: every area), ``decided_on`` the day the version was chosen for (empty: named by id)."""
_AREAS_WIDTH = 40  # the widest the areas column grows before it wraps


def occupations_to_dict(found: Occupations) -> dict:
    """The list as JSON-ready data (the shape the README documents)."""
    return {
        "policy": found.policy,
        "version": found.version,
        "version_hash": found.version_hash,
        "input": {"industry": found.industry, "industry_title": found.industry_title, "area": found.area},
        "decided_on": found.decided_on,
        "areas": [{"area": area, "title": title} for area, title in found.areas],
        "count": len(found.rows),
        "occupations": [{"noc": r.noc, "noc_title": r.title, "areas": list(r.areas)} for r in found.rows],
        "industry_parts": [p.as_dict() for p in found.parts],
    }


def occupations_json(found: Occupations) -> str:
    return dumps(occupations_to_dict(found))


def occupations_csv(found: Occupations) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in found.rows:
        writer.writerow([r.noc, r.title, ";".join(r.areas), found.industry or "", found.version,
                         found.version_hash, found.area or "", found.decided_on or ""])
    return out.getvalue()


def _fill(text: str, indent: str) -> List[str]:
    return textwrap.wrap(visible(text), WIDTH, subsequent_indent=indent, break_on_hyphens=False) or [""]


def _industry(found: Occupations) -> str:
    if found.industry is None:
        return "none given (what the version decides without an employer: its published lists)"
    return f"NAICS {found.industry} {found.industry_title or ''}".rstrip()


def occupations_text(found: Occupations) -> str:
    """The list for a terminal or a case file, at most 100 columns wide."""
    lines = _fill(f"Occupations open to training under {found.policy} version {found.version}", "  ")
    lines.append(f"Version hash: {found.version_hash}")
    if found.decided_on is not None:
        lines.append(f"Date: {found.decided_on} (the version in force that day)")
    lines += _fill(f"Industry: {_industry(found)}", "  ")
    area = f"{found.area} ({found.area_title(found.area)})" if found.area else "every priority area"
    lines += _fill(f"Area: {area}", "  ")
    n = len(found.rows)
    if not n:
        lines += _fill(none_open(found), "")
        return "\n".join(lines + _parts(found)) + "\n"
    lines.append(f"{n} NOC 2016 unit group{'s are' if n != 1 else ' is'} eligible:")
    lines.append("")
    shown = [", ".join(r.areas) for r in found.rows]
    areas_width = min(_AREAS_WIDTH, max(len("In scope under"), *(len(s) for s in shown)))
    title_width = WIDTH - 6 - 2 - areas_width
    lines.append(f"{'NOC':<6}{'Official NOC 2016 title':<{title_width}}  In scope under")
    for r, areas in zip(found.rows, shown):
        titles = textwrap.wrap(visible(r.title), title_width, break_on_hyphens=False) or [""]
        where = textwrap.wrap(visible(areas), areas_width, break_on_hyphens=False) or [""]
        for k in range(max(len(titles), len(where))):
            code = r.noc if k == 0 else ""
            title = titles[k] if k < len(titles) else ""
            place = where[k] if k < len(where) else ""
            lines.append(f"{code:<6}{title:<{title_width}}  {place}".rstrip())
    lines.append("")
    lines.append("Areas:")
    for area_id, title in found.areas:
        lines += _fill(f"  {area_id}: {title}", "    ")
    return "\n".join(lines + _parts(found)) + "\n"


def none_open(found: Occupations) -> str:
    """Why the list is empty: no area opens anything, or none under the area asked about (and how many others do)."""
    if found.area is None:
        return "No NOC 2016 unit group is eligible for this input: no priority area is in scope for any occupation."
    said = f"No NOC 2016 unit group is in scope under {found.area_title(found.area)} for this input"
    if not found.others:
        return f"{said}, nor under any other priority area."
    verb = "are" if found.others != 1 else "is"
    return f"{said}; {found.others} {verb} eligible under other priority areas."


def _parts(found: Occupations) -> List[str]:
    """A note for each area whose definition holds only part of the industry code (engine/breadth.py)."""
    return [line for p in found.parts for line in _fill(f"Note ({p.title}): {p.sentence()}", "  ")]
