"""The analyst's interpretations (``interpretations`` of resolutions.yaml) and the clauses resting on them.

An interpretation is a reading where the source is silent; it is data only while a clause rests
on it. One that no clause names in ``rests_on`` is ``unused-interpretation``; a ``rests_on`` id
that no interpretation has is ``unknown-interpretation``; an id used twice is
``duplicate-interpretation``; an interpretation's ``areas`` naming no area is ``unknown-area``.
Each interpretation a clause rests on is shown (``interpretation``, an info) with its reading and
the clauses it decides, as a resolution is shown with the finding it resolves.
"""

from __future__ import annotations

from typing import List

from sc_policy.checks.subjects import known_areas
from sc_policy.diagnostics import Diagnostic
from sc_policy.model import Version
from sc_policy.reference.statcan import ReferenceData

__all__ = ["interpretations"]


def interpretations(version: Version, refdata: ReferenceData, partial: bool) -> List[Diagnostic]:
    """Every finding about the version's interpretations; ``partial``: some file failed to load."""
    out: List[Diagnostic] = []
    ids = {}
    for reading in version.interpretations:
        if reading.id in ids:
            out.append(Diagnostic(reading.at("id"), "error", "duplicate-interpretation",
                                  f"interpretation {reading.id!r} is recorded twice (first at line "
                                  f"{ids[reading.id].span.line})", reading.id))
        else:
            ids[reading.id] = reading
    area_ids = {a.id for a in version.areas}
    used = {rid for clause in version.clauses for rid in clause.rests_on}
    for reading in ids.values():
        for i, area in enumerate(reading.areas):
            if area not in area_ids and not partial:
                out.append(Diagnostic(reading.at(f"areas.{i}"), "error", "unknown-area",
                                      f"interpretation {reading.id!r} names area {area!r}, which does not exist"
                                      f"{known_areas(area_ids)}", f"{reading.id}:{area}"))
        if reading.id not in used and not partial:
            out.append(Diagnostic(reading.at("id"), "error", "unused-interpretation",
                                  f"interpretation {reading.id!r} is used by no clause: name it in the rests_on of "
                                  f"the clauses it decides, or remove it", reading.id))
        elif reading.id in used:  # shown, as a resolution is shown with the finding it resolves
            resting = [c.id for c in version.clauses if reading.id in c.rests_on]
            where = f" in {', '.join(reading.areas)}" if reading.areas else ""
            out.append(Diagnostic(reading.at("id"), "info", "interpretation",
                                  f"interpretation {reading.id!r}, where the source is silent, decides clause"
                                  f"{'s' if len(resting) > 1 else ''} {', '.join(resting)}{where}: "
                                  f"{' '.join(reading.reading.split())}", reading.id))
    for clause in version.clauses:
        for i, rid in enumerate(clause.rests_on):
            if rid not in ids and not partial:
                known = f" (recorded: {', '.join(sorted(ids))})" if ids else " (none is recorded)"
                out.append(Diagnostic(clause.at(f"rests_on.{i}"), "error", "unknown-interpretation",
                                      f"clause {clause.id!r} rests on interpretation {rid!r}, which resolutions.yaml "
                                      f"does not record{known}", f"{clause.id}:{rid}"))
    return out
