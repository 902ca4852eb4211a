"""The industries of each area: NAICS Canada 2017 codes, repeats, and exclusions that do something."""

from __future__ import annotations

import re
from typing import Dict, List

from sc_policy.diagnostics import Diagnostic
from sc_policy.model import Version
from sc_policy.reference.codes import nearest_text
from sc_policy.reference.statcan import ReferenceData

__all__ = ["industries", "NEAREST_ROOM"]

NEAREST_ROOM = 50
"""The columns the list of the nearest codes takes at most in a finding (titled if they fit, else codes)."""


def industries(version: Version, refdata: ReferenceData, partial: bool) -> List[Diagnostic]:
    """Each code's format and existence (naming NAICS 2022 when it is a code of that edition), repeats,
    a code both included and excluded, an exclusion that lies inside no included code."""
    out: List[Diagnostic] = []
    naics = refdata.naics2017
    for area in version.areas:
        valid: Dict[str, set] = {"include": set(), "exclude": set()}
        for kind, entries in (("include", area.include), ("exclude", area.exclude)):
            for entry in entries:
                span = entry.at("code")
                subject = f"{area.id}:{entry.code}"
                if not re.fullmatch(r"[0-9]{2,6}", entry.code):
                    out.append(Diagnostic(span, "error", "naics-format",
                                          f"area {area.id!r}: industry code {entry.code!r} is not 2 to 6 digits",
                                          subject))
                    continue
                if entry.code not in naics:
                    later = refdata.naics2022.get(entry.code)
                    if later is not None:
                        hint = f"it is {later.title!r} in NAICS Canada 2022, not 2017"
                    else:
                        hint = "nearest: " + nearest_text(refdata.nearest_naics(entry.code), naics, NEAREST_ROOM)
                    out.append(Diagnostic(span, "error", "unknown-naics",
                                          f"area {area.id!r}: {entry.code} is not in NAICS Canada 2017 ({hint})",
                                          subject))
                    continue
                if entry.code in valid[kind]:
                    out.append(Diagnostic(span, "warning", "duplicate-industry",
                                          f"area {area.id!r} {kind}s NAICS {entry.code} twice",
                                          f"{area.id}:{kind}:{entry.code}"))
                valid[kind].add(entry.code)
        for entry in area.exclude:
            if entry.code not in valid["exclude"]:
                continue
            span = entry.at("code")
            if entry.code in valid["include"]:
                out.append(Diagnostic(span, "error", "included-and-excluded",
                                      f"area {area.id!r} both includes and excludes NAICS {entry.code}",
                                      f"{area.id}:{entry.code}"))
            elif not any(entry.code.startswith(inc) for inc in valid["include"]):
                out.append(Diagnostic(span, "error", "exclusion-outside",
                                      f"area {area.id!r} excludes NAICS {entry.code}, which lies inside none of its "
                                      f"included codes ({', '.join(sorted(valid['include'])) or 'none'}); the "
                                      f"exclusion does nothing", f"{area.id}:{entry.code}"))
    return out
